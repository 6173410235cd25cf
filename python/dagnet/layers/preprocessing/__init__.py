"""Keras 3's preprocessing layers that run inside the model: rescaling, normalization,
resizing and cropping, and the random image augmentations (training only); and the data
layers (text vectorization, lookups, hashing, discretization, category encoding), which run
on NumPy data and, for the numeric ones, inside a model too."""

from .category_encoding import CategoryEncoding
from .discretization import Discretization
from .hashing import Hashing
from .lookup import IntegerLookup, StringLookup
from .normalization import Normalization
from .random_affine import RandomRotation, RandomTranslation, RandomZoom
from .random_color import RandomBrightness, RandomContrast
from .random_crop import RandomCrop
from .random_flip import RandomFlip
from .rescaling import Rescaling
from .resizing import CenterCrop, Resizing
from .text_vectorization import TextVectorization

__all__ = [
    "CategoryEncoding",
    "CenterCrop",
    "Discretization",
    "Hashing",
    "IntegerLookup",
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
    "StringLookup",
    "TextVectorization",
]
