"""RandomColorJitter (Keras 3.15): in training, RandomBrightness, RandomContrast,
RandomSaturation and RandomHue applied in that order, each only when its factor is given,
all with the jitter's value_range. Each sublayer draws from its own native stream; with a
seed, the k-th gets seed + k (Keras hands all four the same seed generator; dagnet's streams
depend on the seed alone, so equal seeds would correlate the four draws)."""

from __future__ import annotations

from typing import Any

from ..._typing import TensorLike
from .base import RandomImageLayer
from .hsv_augmentation import RandomHue, RandomSaturation
from .random_color import RandomBrightness, RandomContrast


class RandomColorJitter(RandomImageLayer):
    _USE_BASE_FACTOR = False

    def __init__(
        self,
        value_range: Any = (0, 255),
        brightness_factor: Any = None,
        contrast_factor: Any = None,
        saturation_factor: Any = None,
        hue_factor: Any = None,
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self._init_seed(seed)

        def sub_seed(k: int) -> int | None:
            return None if seed is None else int(seed) + k

        # Keras builds the sublayers with the default data format, not the jitter's.
        self.random_brightness = (
            RandomBrightness(brightness_factor, value_range=value_range, seed=sub_seed(0))
            if brightness_factor is not None
            else None
        )
        self.random_contrast = (
            RandomContrast(contrast_factor, value_range=value_range, seed=sub_seed(1))
            if contrast_factor is not None
            else None
        )
        self.random_saturation = (
            RandomSaturation(saturation_factor, value_range=value_range, seed=sub_seed(2))
            if saturation_factor is not None
            else None
        )
        self.random_hue = (
            RandomHue(hue_factor, value_range=value_range, seed=sub_seed(3)) if hue_factor is not None else None
        )

    def _stages(self) -> list:
        stages = [self.random_brightness, self.random_contrast, self.random_saturation, self.random_hue]
        return [layer for layer in stages if layer is not None]

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        for layer in self._stages():
            if not layer.built:
                layer.build(input_shape)

    def transform_images(self, images: TensorLike, training: bool) -> Any:
        if not training:
            return images
        for layer in self._stages():
            images = layer.transform_images(images, True)
        return images

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "brightness_factor": self.brightness_factor,
            "contrast_factor": self.contrast_factor,
            "saturation_factor": self.saturation_factor,
            "hue_factor": self.hue_factor,
            "seed": self.seed,
        }
