"""RandomGaussianBlur (Keras 3.15): in training, with a probability drawn per image in factor,
each image is convolved ('same', zero padding) with a Gaussian kernel whose two sigmas are drawn
once per batch in `sigma` (plus 1e-6), then clipped to value_range. The kernel is Keras's
(TensorFlow backend): outer(k_y, k_x) of normalized exp(-x^2 / 2 sigma^2) taps, reshaped to
(kernel_size[0], kernel_size[1]); it is applied as a sum of shifted copies, so the sigmas stay
graph values drawn by the native random_uniform op (base.RandomImageLayer)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ..._typing import TensorLike
from .base import RandomImageLayer


def _taps(size: int, sigma: TensorLike) -> list:
    """The normalized 1-D Gaussian taps of `size` for a (1, 1, 1, 1) sigma, as graph values."""
    x = np.arange(size, dtype="float64") - (size - 1) / 2
    raw = [ops.exp(-0.5 * ops.square(float(v) / sigma)) for v in x]
    total = raw[0]
    for r in raw[1:]:
        total = total + r
    return [r / total for r in raw]


class RandomGaussianBlur(RandomImageLayer):
    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        factor: Any = 1.0,
        kernel_size: Any = 3,
        sigma: Any = 1.0,
        value_range: Any = (0, 255),
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = self._kernel_size(kernel_size)
        self.sigma = self._sigma(sigma)
        self.value_range = value_range
        self._init_seed(seed)

    @staticmethod
    def _kernel_size(size: Any) -> tuple:
        error = f"kernel_size must be an odd number. Received: kernel_size={size}"
        if isinstance(size, (tuple, list)):
            if len(size) != 2:
                raise ValueError(
                    f"The `kernel_size` argument should be a number (or a list of two numbers) Received: "
                    f"kernel_size={size}"
                )
            if size[0] % 2 == 0 or size[1] % 2 == 0:
                raise ValueError(error)
            return size[0], size[1]
        if isinstance(size, (int, float)) and not isinstance(size, bool):
            if size % 2 == 0:
                raise ValueError(error)
            return size, size
        raise ValueError(error)

    def _sigma(self, sigma: Any) -> tuple:
        low, high = self._FACTOR_BOUNDS
        error = (
            f"The `sigma` argument should be a number (or a list of two numbers) in the range [{low}, {high}]. "
            f"Received: factor={sigma}"
        )
        if isinstance(sigma, (tuple, list)):
            if len(sigma) != 2 or sigma[0] > high or sigma[1] < low:
                raise ValueError(error)
            lower, upper = sorted(sigma)
            return lower, upper
        if isinstance(sigma, (int, float)):
            if sigma < low or sigma > high:
                raise ValueError(error)
            return max(-abs(sigma), low), abs(sigma)
        raise ValueError(error)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        h_axis, w_axis = self._spatial_axes()
        height, width = self._image_size(images, "RandomGaussianBlur")
        # Per image: the blur probability and its threshold; the first image's other two: the sigmas.
        u = self._uniform(images, [0, 4, 1, 1])
        probability = u[:, 0:1] * float(self.factor[1] - self.factor[0]) + float(self.factor[0])
        apply = ops.less(u[:, 1:2], probability)
        sigmas = u[0:1, 2:4] * float(self.sigma[1] - self.sigma[0]) + float(self.sigma[0]) + 1e-6
        s0, s1 = int(self.kernel_size[0]), int(self.kernel_size[1])
        k_x, k_y = _taps(s0, sigmas[:, 0:1]), _taps(s1, sigmas[:, 1:2])
        widths = [[0, 0]] * 4
        widths[h_axis], widths[w_axis] = [(s0 - 1) // 2] * 2, [(s1 - 1) // 2] * 2
        padded = ops.pad(images, widths)
        blurred = None
        for i in range(s0):  # kernel rows run over the height
            for j in range(s1):
                flat = i * s1 + j  # Keras reshapes the (s1, s0) outer product to (s0, s1)
                weight = k_y[flat // s0] * k_x[flat % s0]
                index: list[Any] = [slice(None)] * 4
                index[h_axis], index[w_axis] = slice(i, i + height), slice(j, j + width)
                term = padded[tuple(index)] * weight
                blurred = term if blurred is None else blurred + term
        out = ops.where(apply, blurred, images)
        return ops.clip(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "factor": self.factor,
            "kernel_size": self.kernel_size,
            "sigma": self.sigma,
            "value_range": self.value_range,
            "seed": self.seed,
        }
