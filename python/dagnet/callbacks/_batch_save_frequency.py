"""When a callback with an integer `save_freq` saves: every `save_freq` batches counted
across epochs (the batch index restarts at 0 each epoch), as Keras's ModelCheckpoint and
BackupAndRestore count them."""

from __future__ import annotations


class BatchSaveFrequency:
    """Mixin: the owner sets save_freq ("epoch" or an int), _last_batch_seen and
    _batches_seen_since_last_saving."""

    save_freq: int | str
    _last_batch_seen: int | None
    _batches_seen_since_last_saving: int

    def _should_save_on_batch(self, batch: int) -> bool:
        if not isinstance(self.save_freq, int):  # "epoch"
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch restarted the batch index
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False
