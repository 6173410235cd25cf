"""A recurrent step on few rows (batch 1) multiplies one row at a time
(GemmKernel::run_indirect_row) instead of a tile padded with zero rows; its per-element
arithmetic is the tile's, so a sequence's result does not depend on the batch it is in."""

import numpy as np
import pytest

import dagnet as keras


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("units", [16, 32, 40])
def test_a_row_alone_gets_the_same_bits_as_in_a_full_batch(cell, units):
    rng = np.random.default_rng(units)
    x = keras.Input((7, 5))
    model = keras.Model(x, getattr(keras.layers, cell)(units, return_sequences=True)(x))
    data = rng.standard_normal((24, 7, 5)).astype("float32")
    batch = model.predict_on_batch(data)
    for row in (0, 13, 23):
        alone = model.predict_on_batch(data[row : row + 1])
        np.testing.assert_array_equal(alone[0], batch[row])
    three = model.predict_on_batch(data[:3])
    np.testing.assert_array_equal(three, batch[:3])
