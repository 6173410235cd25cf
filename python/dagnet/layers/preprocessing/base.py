"""Keras 3's BaseImagePreprocessingLayer, for the image layers dagnet lowers into its graph:
the `factor` argument and its bounds, `data_format`, single images (rank 3) as well as
batches, float outputs; and the random layers' seeds. A random layer draws its numbers with
the native ``random_uniform`` op from (seed, a counter the engine advances every run), so
every training step augments differently, a seeded model repeats its sequence, and nothing
runs in Python during a step (Keras's exact random streams are not reproduced)."""

from __future__ import annotations

from typing import Any

from ..._typing import TensorLike
from ...ops import shape_ops
from ...ops._dispatch import emit
from ..arguments import standardize_data_format
from ..layer import Layer
from ..seeded_layer import SeededLayer


class BaseImagePreprocessingLayer(Layer):
    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS: tuple = (-1, 1)

    def __init__(
        self, factor: Any = None, bounding_box_format: str | None = None, data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {type(self).__name__} does not take a `factor` argument. Received: factor={factor}"
            )

    def _set_factor(self, factor: Any) -> None:
        low, high = self._FACTOR_BOUNDS
        error = (
            "The `factor` argument should be a number (or a list of two numbers) in the range "
            f"[{low}, {high}]. Received: factor={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(error)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)):
            if factor < low or factor > high:
                raise ValueError(error)
            factor = abs(factor)
            lower, upper = max(-factor, low), factor
        else:
            raise ValueError(error)
        self.factor = (lower, upper)

    def call(self, inputs: TensorLike, training: bool | None = True) -> Any:
        if isinstance(inputs, dict):
            raise NotImplementedError(
                f"{type(self).__name__}: dagnet's image layers take a tensor of images; dict inputs "
                "(bounding_boxes, labels, segmentation_masks) are not supported"
            )
        images = inputs if inputs.dtype in ("float32", "float64") else shape_ops.cast(inputs, "float32")
        rank = len(images.shape)
        if rank not in (3, 4):
            raise ValueError(
                "Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
                f"Received: data.shape={tuple(images.shape)}"
            )
        if rank == 3:
            batch = shape_ops.expand_dims(images, 0)
            return shape_ops.squeeze(self.transform_images(batch, bool(training)), 0)
        return self.transform_images(images, bool(training))

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        """The layer on a batch of float images (rank 4)."""
        raise NotImplementedError

    def _spatial_axes(self) -> tuple[int, int]:
        return (2, 3) if self.data_format == "channels_first" else (1, 2)

    def _image_size(self, images: TensorLike, layer: str) -> tuple[int, int]:
        """The static (height, width) of a batch; the layer needs them to build its transforms."""
        h_axis, w_axis = self._spatial_axes()
        height, width = images.shape[h_axis], images.shape[w_axis]
        if height is None or width is None:
            raise ValueError(
                f"{layer} requires the input to have a fully defined height and width. "
                f"Received: images.shape={tuple(images.shape)}"
            )
        return int(height), int(width)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


class RandomImageLayer(SeededLayer, BaseImagePreprocessingLayer):
    """An image layer that augments in training only (identity at inference) with numbers
    drawn natively from its seed."""

    def _init_seed(self, seed: int | None) -> None:
        self.seed = seed

    def _uniform(self, like: TensorLike, shape: list[int], minval: float = 0.0, maxval: float = 1.0) -> Any:
        """Numbers uniform in [minval, maxval) of shape `shape` (0: like's size on that axis)."""
        b = like.builder
        return emit(
            b,
            "random_uniform",
            [b.param(self._rng_state), like],
            {"seed": self._seed, "shape": list(shape), "minval": float(minval), "maxval": float(maxval)},
        )
