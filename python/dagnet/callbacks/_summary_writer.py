"""TensorBoard event files without TensorFlow: summaries in the form TensorFlow 2's
``tf.summary`` writes them (tensor summaries tagged with the scalars, histograms, images
and graph_keras_model plugins), built with the `tensorboard` package's own protos,
summary helpers and event-file writer, so TensorBoard (and its EventAccumulator) reads
them as it reads Keras's logs."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import numpy as np

INSTALL_HINT = 'the TensorBoard callback needs the `tensorboard` package: pip install "dagnet[tensorboard]"'


def require_tensorboard() -> None:
    """Raises ImportError naming what to install when `tensorboard` is missing."""
    try:
        import tensorboard.summary.writer.event_file_writer  # noqa: F401
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc


class SummaryWriter:
    """One run folder's event file, opened on the first write (as tf.summary's writers,
    which Keras creates lazily so that no empty run appears).

    ``should_record`` is consulted before every write: Keras's TensorBoard wraps its
    summaries in ``tf.summary.record_if``, which the callback reproduces through it."""

    def __init__(self, logdir: str, should_record: Callable[[], bool]) -> None:
        self.logdir = logdir
        self._should_record = should_record
        self._writer: Any = None

    def _event_writer(self) -> Any:
        if self._writer is None:
            from tensorboard.summary.writer.event_file_writer import EventFileWriter

            self._writer = EventFileWriter(self.logdir, filename_suffix=".v2")
        return self._writer

    def _write_summary(self, summary: Any, step: int) -> None:
        from tensorboard.compat.proto import event_pb2

        self._event_writer().add_event(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def scalar(self, tag: str, value: Any, step: int) -> None:
        """tf.summary.scalar: a float32 scalar tensor for the scalars plugin."""
        if not self._should_record():
            return
        if np.ndim(value):
            # tf.summary.scalar (what Keras 3's TensorBoard calls) refuses a vector too
            raise ValueError(
                f"TensorBoard logs '{tag}' as a scalar but its value is a vector of shape {np.shape(value)} "
                "(e.g. F1Score's one value per class): compile an averaged form (e.g. F1Score(average='macro'))"
            )
        from tensorboard.plugins.scalar.summary_v2 import scalar_pb

        self._write_summary(scalar_pb(tag, np.float32(value)), step)

    def histogram(self, tag: str, data: Any, step: int) -> None:
        """tf.summary.histogram: 30 equal-width buckets over [min, max], as [left, right, count] rows."""
        if not self._should_record():
            return
        from tensorboard.plugins.histogram.summary_v2 import histogram_pb

        self._write_summary(histogram_pb(tag, np.asarray(data)), step)

    def image(self, tag: str, images: np.ndarray, step: int, max_outputs: int = 3) -> None:
        """tf.summary.image: the first `max_outputs` of (n, height, width, channels) images
        as PNGs; floats are taken as [0, 1] and converted to uint8 as
        tf.image.convert_image_dtype(saturate=True) does (x * 255.5, clipped, truncated)."""
        if not self._should_record():
            return
        from PIL import Image
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.plugins.image import metadata
        from tensorboard.util import tensor_util

        images = np.asarray(images)
        if images.dtype.kind == "f":
            images = np.clip(images.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
        height, width = images.shape[1], images.shape[2]
        encoded = []
        for image in images[:max_outputs]:
            buffer = io.BytesIO()
            Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(buffer, format="PNG")
            encoded.append(buffer.getvalue())
        tensor = tensor_util.make_tensor_proto(
            np.array([str(width).encode(), str(height).encode()] + encoded, dtype=object)
        )
        summary = summary_pb2.Summary()
        summary.value.add(
            tag=tag, metadata=metadata.create_summary_metadata(display_name=None, description=None), tensor=tensor
        )
        self._write_summary(summary, step)

    def keras_model(self, tag: str, model_json: str, step: int) -> None:
        """Keras's keras_model_summary: the model's JSON for the graph plugin's conceptual graph."""
        if not self._should_record():
            return
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.util import tensor_util

        meta = summary_pb2.SummaryMetadata()
        meta.plugin_data.plugin_name = "graph_keras_model"
        meta.plugin_data.content = b"1"
        summary = summary_pb2.Summary()
        tensor = tensor_util.make_tensor_proto(np.array(model_json.encode(), dtype=object))
        summary.value.add(tag=tag, metadata=meta, tensor=tensor)
        self._write_summary(summary, step)

    def graph(self, model_config: dict) -> None:
        """The layer graph as a GraphDef (one node per layer, edges from the inbound nodes),
        built by TensorBoard's own converter of a Keras model config."""
        from tensorboard.compat.proto import event_pb2
        from tensorboard.plugins.graph.keras_util import keras_model_to_graph_def

        graph_def = keras_model_to_graph_def(model_config)
        self._event_writer().add_event(event_pb2.Event(wall_time=time.time(), graph_def=graph_def.SerializeToString()))

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
