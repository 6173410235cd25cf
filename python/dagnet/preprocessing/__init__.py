"""``keras.preprocessing``: the sequence utilities and the dataset loaders scripts import from here."""

from .._directory_dataset import image_dataset_from_directory, text_dataset_from_directory
from .._timeseries_dataset import timeseries_dataset_from_array
from . import sequence as sequence

__all__ = ["image_dataset_from_directory", "sequence", "text_dataset_from_directory", "timeseries_dataset_from_array"]
