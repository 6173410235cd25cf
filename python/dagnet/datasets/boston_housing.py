"""Boston house prices, as ``keras.datasets.boston_housing`` (see Keras's note on the data's
ethical problem; ``california_housing`` is the suggested replacement)."""

from __future__ import annotations

from typing import Any

from ._sources import KERAS_DATASETS_URL
from ._tabular import check_test_split, load_xy, shuffle_split

__all__ = ["load_data"]

ORIGIN = KERAS_DATASETS_URL + "boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113) -> Any:
    """Loads the Boston Housing data: 13 attributes of 506 suburbs, target the median home
    value in k$.

    Args:
        path: the file name in the cache folder (``~/.keras/datasets``).
        test_split: fraction of the rows reserved for test, in ``[0, 1)``.
        seed: seed of the shuffle before the split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: x of shape ``(n, 13)``, y of shape ``(n,)``.
    """
    check_test_split(test_split)
    x, y = load_xy(path, ORIGIN, FILE_HASH)
    return shuffle_split(x, y, test_split, seed)
