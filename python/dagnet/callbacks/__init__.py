"""Callbacks (``keras.callbacks``): hooks that ``Model.fit`` / ``evaluate`` / ``predict`` call during training.

The behaviour follows ``keras.callbacks`` (Keras 3.15): the same hooks in the same order,
the same decisions (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint), the same log and
warning texts.  A training loop drives them through a ``CallbackList``::

    callbacks = CallbackList(user_callbacks, add_history=True, add_progbar=verbose != 0,
                             model=model, verbose=verbose, epochs=epochs, steps=steps)
    callbacks.on_train_begin()
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        for step in range(steps):
            callbacks.on_train_batch_begin(step)
            logs = ...                      # metrics aggregated so far this epoch
            callbacks.on_train_batch_end(step, logs)
        callbacks.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callbacks.on_train_end(final_logs)
    return model.history

What callbacks expect of the model: ``stop_training`` (set to stop), ``get_weights()`` /
``set_weights()`` (EarlyStopping), ``save()`` / ``save_weights()`` (ModelCheckpoint),
``optimizer.learning_rate`` as a plain float (ReduceLROnPlateau, LearningRateScheduler),
and optionally ``metrics`` whose items carry ``name`` and ``_direction`` (``"up"`` or
``"down"``) to tell ``mode="auto"`` which way a metric improves.

One callback per module, as in Keras 3; this package re-exports them.
"""

from .backup_and_restore import BackupAndRestore
from .callback import Callback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .learning_rate_scheduler import LearningRateScheduler
from .model_checkpoint import (
    MODEL_FILE_SUFFIXES as MODEL_FILE_SUFFIXES,
    WEIGHTS_FILE_SUFFIXES as WEIGHTS_FILE_SUFFIXES,
    ModelCheckpoint,
)
from .monitor_callback import MonitorCallback
from .progbar_logger import ProgbarLogger
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .remote_monitor import RemoteMonitor
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = [
    "Callback",
    "CallbackList",
    "History",
    "ProgbarLogger",
    "EarlyStopping",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "LearningRateScheduler",
    "CSVLogger",
    "LambdaCallback",
    "TerminateOnNaN",
    "MonitorCallback",
    "BackupAndRestore",
    "RemoteMonitor",
    "TensorBoard",
]
