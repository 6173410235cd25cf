"""California house prices (1990 census block groups), as ``keras.datasets.california_housing``."""

from __future__ import annotations

from typing import Any

from ._sources import KERAS_DATASETS_URL
from ._tabular import check_test_split, load_xy, shuffle_split

__all__ = ["load_data"]

ORIGIN = KERAS_DATASETS_URL + "california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
SMALL_ROWS = 600


def load_data(
    version: str = "large", path: str = "california_housing.npz", test_split: float = 0.2, seed: int = 113
) -> Any:
    """Loads the California Housing data: 8 features (median income, house age, average
    rooms, average bedrooms, population, average occupancy, latitude, longitude) of 20,640
    block groups, target the median house value in dollars.

    Args:
        version: ``"large"`` (all rows) or ``"small"`` (the first 600, a stand-in for
            ``boston_housing``).
        path: the file name in the cache folder (``~/.keras/datasets``).
        test_split: fraction of the rows reserved for test, in ``[0, 1)``.
        seed: seed of the shuffle before the split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: x of shape ``(n, 8)``, y of shape ``(n,)``.
    """
    check_test_split(test_split)
    x, y = load_xy(path, ORIGIN, FILE_HASH)
    if version == "small":
        x, y = x[:SMALL_ROWS], y[:SMALL_ROWS]
    elif version != "large":
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    return shuffle_split(x, y, test_split, seed)
