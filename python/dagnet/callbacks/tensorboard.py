"""TensorBoard: Keras 3's callback, writing event files with the `tensorboard` package."""

from __future__ import annotations

import json
import os
import time
import warnings
from typing import Any

import numpy as np

from ..layers.embedding import Embedding
from ._summary_writer import SummaryWriter, require_tensorboard
from .callback import Callback


class TensorBoard(Callback):
    """Logs training to TensorBoard (``keras.callbacks.TensorBoard``, Keras 3.15).

    Writes event files in ``log_dir/train`` and ``log_dir/validation`` with Keras's tags:
    ``epoch_<metric>`` (and ``epoch_learning_rate``) per epoch, ``batch_<metric>`` every
    ``update_freq`` batches, ``evaluation_<metric>_vs_iterations`` after each evaluation,
    ``<weight path>/histogram`` every ``histogram_freq`` epochs (with ``/image`` when
    ``write_images``), the model's JSON for the graph plugin (``keras``) and a GraphDef of
    the layer graph when ``write_graph``. Needs ``pip install "dagnet[tensorboard]"``
    (the `tensorboard` package; TensorFlow is not used).

    Args:
        log_dir: Folder to write the runs in.
        histogram_freq: Epochs between weight histograms (0: none).
        write_graph: Write the model graph.
        write_images: Write weights as images along with the histograms.
        write_steps_per_second: Log training steps per second (epoch and batch level).
        update_freq: ``"epoch"``, ``"batch"`` (every batch) or N: batch-level scalars every
            N batches. As in Keras, the batch-level ``record_if`` also gates the epoch
            summaries written while it is active.
        profile_batch: Batch or (start, stop) range to profile, checked as Keras checks it;
            dagnet writes no profiler trace (see ``dagnet.engine.set_op_profiling``).
        embeddings_freq: Epochs between embedding checkpoints for the projector.
        embeddings_metadata: Metadata file for all Embedding layers, or a dict by layer name.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] = "logs",
        histogram_freq: int = 0,
        write_graph: bool = True,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int | str | tuple[int, int] | list[int] = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: str | dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        require_tensorboard()
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq: str | int = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._init_profile_batch(profile_batch)
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._writers: dict[str, SummaryWriter] = {}
        # The steps of Keras's nested `writer.as_default(step)` + `record_if(step % update_freq
        # == 0)` contexts: (writer, step), innermost last. Empty when update_freq is "epoch".
        self._pushed: list[tuple[SummaryWriter, int]] = []

    # -- writers and Keras's record_if ------------------------------------------------
    def _should_record(self) -> bool:
        if not self._pushed:
            return True
        return self._pushed[-1][1] % int(self.update_freq) == 0

    def _writer(self, key: str, folder: str) -> SummaryWriter:
        if key not in self._writers:
            self._writers[key] = SummaryWriter(os.path.join(self.log_dir, folder), self._should_record)
        return self._writers[key]

    @property
    def _train_writer(self) -> SummaryWriter:
        return self._writer("train", "train")

    @property
    def _val_writer(self) -> SummaryWriter:
        return self._writer("val", "validation")

    def _push_writer(self, writer: SummaryWriter, step: int) -> None:
        if self.update_freq != "epoch":
            self._pushed.append((writer, step))

    def _pop_writer(self) -> None:
        if self.update_freq != "epoch" and self._pushed:
            self._pushed.pop()

    def _default_writer(self) -> SummaryWriter | None:
        """tf.summary's default writer: the innermost pushed one (none with update_freq='epoch')."""
        return self._pushed[-1][0] if self._pushed else None

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()

    # -- setup ------------------------------------------------------------------------
    def set_model(self, model: Any) -> None:
        self._model = model
        self._writers = {}
        if self.write_graph:
            self._write_model_graph()
        if self.embeddings_freq:
            self._configure_embeddings()

    def _write_model_graph(self) -> None:
        """Keras's keras_model_summary ('keras', step 0) for functional and Sequential
        models, and the layer graph as a GraphDef (Keras's TensorFlow backend would write
        its train function's graph; dagnet's is native)."""
        if not getattr(self.model, "_is_graph_network", False):
            return
        try:
            model_json = self.model.to_json()
        except Exception as exc:  # as Keras: a model that cannot be serialized is not fatal
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}")
            return
        writer = self._train_writer
        writer.keras_model("keras", model_json, step=0)
        writer.graph(json.loads(model_json))
        writer.flush()

    def _configure_embeddings(self) -> None:
        """The projector's config (projector_config.pbtxt) for each Embedding layer."""
        from google.protobuf import text_format
        from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

        config = ProjectorConfig()
        metadata = self.embeddings_metadata
        if isinstance(metadata, dict):
            metadata = dict(metadata)
        for layer in self.model.layers:
            if isinstance(layer, Embedding):
                embedding = config.embeddings.add()
                embedding.tensor_name = "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"
                if isinstance(metadata, str):
                    embedding.metadata_path = metadata
                elif metadata and layer.name in metadata:
                    embedding.metadata_path = metadata.pop(layer.name)
        if metadata and not isinstance(metadata, str):
            raise ValueError(
                "Unrecognized `Embedding` layer names passed to `keras.callbacks.TensorBoard` "
                f"`embeddings_metadata` argument: {metadata.keys()}"
            )
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as f:
            f.write(text_format.MessageToString(config))

    def _init_profile_batch(self, profile_batch: Any) -> None:
        """Keras's check of profile_batch: a non-negative int, a (start, stop) pair or a
        "start,stop" string (a string of one number is refused, as Keras refuses it)."""
        message = (
            "profile_batch must be a non-negative integer or 2-tuple of positive integers. A pair of "
            f"positive integers signifies a range of batches to profile. Found: {profile_batch}"
        )
        if isinstance(profile_batch, str):
            profile_batch = [int(v) for v in profile_batch.split(",")]
        if isinstance(profile_batch, (int, np.integer)) and not isinstance(profile_batch, bool):
            self._start_batch = self._stop_batch = int(profile_batch)
        elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
            self._start_batch, self._stop_batch = (int(v) for v in profile_batch)
        else:
            raise ValueError(message)
        if self._start_batch < 0 or self._stop_batch < self._start_batch:
            raise ValueError(message)
        if self._start_batch or self._stop_batch:
            warnings.warn(
                f"TensorBoard(profile_batch={profile_batch}): dagnet writes no profiler trace for TensorBoard; "
                "use dagnet.engine.set_op_profiling(True) and take_op_profile() to time the native kernels."
            )

    # -- training ---------------------------------------------------------------------
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._push_writer(self._train_writer, self._global_train_batch)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._pop_writer()
        self._close_writers()

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._push_writer(self._val_writer, self._global_test_batch)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations"):
            for name, value in (logs or {}).items():
                self._val_writer.scalar(f"evaluation_{name}_vs_iterations", value, step=int(optimizer.iterations))
            self._val_writer.flush()
        self._pop_writer()

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._global_train_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._train_writer, self._global_train_batch)
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        writer = self._default_writer()  # tf.summary writes nothing without a default writer
        if writer is None:
            return
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._batch_start_time, 1e-9)
            writer.scalar("batch_steps_per_second", 1.0 / elapsed, step=self._global_train_batch)
        if isinstance(logs, dict):
            for name, value in logs.items():
                writer.scalar(f"batch_{name}", value, step=self._global_train_batch)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._global_test_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._val_writer, self._global_test_batch)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.write_steps_per_second:
            self._previous_epoch_iterations = int(self.model.optimizer.iterations)
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)

    # -- what is written --------------------------------------------------------------
    def _collect_learning_rate(self, logs: dict[str, Any]) -> dict[str, Any]:
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            logs["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        return logs

    def _compute_steps_per_second(self) -> float:
        elapsed = max(time.time() - self._epoch_start_time, 1e-9)
        return float((int(self.model.optimizer.iterations) - self._previous_epoch_iterations) / elapsed)

    def _log_epoch_metrics(self, epoch: int, logs: dict[str, Any] | None) -> None:
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            train_logs["steps_per_second"] = self._compute_steps_per_second()
        for name, value in train_logs.items():
            self._train_writer.scalar(f"epoch_{name}", value, step=epoch)
        for name, value in val_logs.items():
            self._val_writer.scalar(f"epoch_{name[4:]}", value, step=epoch)
        for writer in (self._train_writer, self._val_writer) if val_logs else (self._train_writer,):
            writer.flush()

    def _log_weights(self, epoch: int) -> None:
        """Each layer's weights as '<path>/histogram' (and '<path>/image')."""
        writer = self._train_writer
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                value = weight.numpy()
                writer.histogram(f"{name}/histogram", value, step=epoch)
                if self.write_images:
                    self._log_weight_as_image(writer, value, f"{name}/image", epoch)
        writer.flush()

    def _log_weight_as_image(self, writer: SummaryWriter, weight: np.ndarray, tag: str, epoch: int) -> None:
        """Keras's layout: a bias as a column, a Dense kernel with the longer axis across,
        each output channel of a conv kernel as its own image; others are skipped."""
        image = np.squeeze(weight)
        if image.ndim == 1:
            image = image.reshape(1, image.shape[0], 1, 1)
        elif image.ndim == 2:
            if image.shape[0] > image.shape[1]:
                image = image.T
            image = image.reshape(1, image.shape[0], image.shape[1], 1)
        elif image.ndim == 3:  # channels_last (dagnet's image_data_format): one image per channel
            image = np.transpose(image, (2, 0, 1))
            image = image.reshape(image.shape[0], image.shape[1], image.shape[2], 1)
        if image.ndim == 4 and image.shape[-1] in (1, 3, 4):
            writer.image(tag, image, step=epoch)

    def _log_embeddings(self, epoch: int) -> None:
        path = os.path.join(self.log_dir, "train", f"keras_embedding.ckpt-{epoch}.weights.h5")
        self.model.save_weights(path)
