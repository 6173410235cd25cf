"""Keras 3's preprocessing layers that run inside the model: rescaling, normalization,
resizing and cropping, and the random image augmentations (training only)."""

from .normalization import Normalization
from .random_affine import RandomRotation, RandomTranslation, RandomZoom
from .random_color import RandomBrightness, RandomContrast
from .random_crop import RandomCrop
from .random_flip import RandomFlip
from .rescaling import Rescaling
from .resizing import CenterCrop, Resizing

__all__ = [
    "CenterCrop",
    "Normalization",
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
]
