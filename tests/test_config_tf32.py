"""dagnet.config.enable_tf32: the TF32 switch for float32 GEMMs on CUDA devices (off by
default so GPU results match the CPU's); it reads back on any build and leaves CPU math
untouched."""

import numpy as np
import pytest

import dagnet
from dagnet import config, layers


def test_tf32_is_off_by_default_and_reads_back():
    assert config.is_tf32_enabled() is False
    try:
        config.enable_tf32()
        assert config.is_tf32_enabled() is True
        config.enable_tf32(False)
        assert config.is_tf32_enabled() is False
    finally:
        config.enable_tf32(False)


def test_tf32_rejects_non_bools():
    with pytest.raises(TypeError, match="True or False"):
        config.enable_tf32(1)


def test_tf32_leaves_cpu_results_unchanged():
    x = np.random.default_rng(0).standard_normal((8, 16)).astype("float32")
    inputs = dagnet.Input((16,))
    model = dagnet.Model(inputs, layers.Dense(4)(inputs))
    before = model.predict(x, verbose=0)
    try:
        config.enable_tf32()
        np.testing.assert_array_equal(model.predict(x, verbose=0), before)
    finally:
        config.enable_tf32(False)
