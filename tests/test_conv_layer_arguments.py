"""Argument and input checks of the convolution family's layers: the error types and messages
of Keras 3.15 (compared by hand in the Keras venv), windows bounded as main's robustness checks
require (int32 sizes, no bools, a 'valid' window that must fit before its kernel is made)."""

import tracemalloc

import numpy as np
import pytest

from dagnet import Input, layers


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: layers.Conv2D(5, 3, groups=2), "filters must be evenly divisible by the number of groups"),
        (lambda: layers.Conv2D(4, 3, groups=2)(Input((8, 8, 3))), "input has 3 channels"),
        (lambda: layers.Conv3D(4, 3, groups=0), "groups must be a positive integer"),
        (lambda: layers.Conv3D(4, 3, groups=True), "groups must be a positive integer"),
        (lambda: layers.Conv3D(4, 3, strides=2, dilation_rate=2), "not supported in conjunction with"),
        (lambda: layers.Conv3D(4, (3, -1, 3)), "do not satisfy `value > 0`"),
        (lambda: layers.Conv3D(4, (3, 3)), "`kernel_size` argument must be a tuple of 3 integers"),
        (lambda: layers.Conv3D(4, (3, True, 3)), "`kernel_size` argument must be a tuple of 3 integers"),
        (lambda: layers.Conv3D(4, (3, float("inf"), 3)), "`kernel_size` argument must be a tuple of 3"),
        (lambda: layers.Conv3D(True, 3), "Invalid value for argument `filters`"),
        (lambda: layers.Conv2D(None, 3), "Invalid value for argument `filters`"),
        (lambda: layers.Conv1DTranspose(2, 2**31), "larger than 2\\*\\*31 - 1"),
        (lambda: layers.Conv2DTranspose(4, 3, padding="causal"), "`padding` argument must be"),
        (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2), "strictly less than `strides`"),
        (lambda: layers.Conv3DTranspose(0, 3), "Invalid value for argument `filters`"),
        (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "`depth_multiplier`"),
        (lambda: layers.DepthwiseConv1D(3, strides=2**40), "larger than 2\\*\\*31 - 1"),
        (lambda: layers.SeparableConv1D(0, 3), "Invalid value for argument `filters`"),
        (lambda: layers.DepthwiseConv2D(5)(Input((4, 4, 3))), "Computed output size would be zero or negative"),
        (lambda: layers.SeparableConv2D(2, 5)(Input((4, 4, 3))), "Computed output size would be zero or negative"),
        (lambda: layers.Conv3D(4, 3)(Input((8, 8, 3))), "expected min_ndim=5, found ndim=4"),
        (lambda: layers.MaxPooling3D()(Input((8, 8, 3))), "expected ndim=5, found ndim=4"),
        (lambda: layers.AveragePooling3D(2**31), "larger than 2\\*\\*31 - 1"),
        (lambda: layers.GlobalAveragePooling3D()(Input((8, 8, 3))), "expected ndim=5, found ndim=4"),
        (lambda: layers.GlobalMaxPooling3D(data_format="x"), "`data_format` argument must be one of"),
        (lambda: layers.ZeroPadding2D((-1, 2)), "do not satisfy `value >= 0`"),
        (lambda: layers.ZeroPadding3D((1, 2)), "`padding` should have 3 elements"),
        (lambda: layers.Cropping2D(((3, 3), (0, 0)))(Input((5, 5, 2))), "should be smaller than the corresponding"),
        (lambda: layers.Cropping1D((3, 3))(Input((5, 2))), "should be smaller than the corresponding"),
        (lambda: layers.Cropping3D(-1), "`cropping` cannot be negative"),
        (lambda: layers.DepthwiseConv1D(3)(Input((8, None))), "channel dimension of the inputs should be defined"),
    ],
)
def test_bad_arguments_and_inputs_raise_value_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_numpy_integers_are_accepted_and_stored_as_ints():
    layer = layers.Conv3D(np.int64(4), (np.int32(1), 2, 3), groups=np.int64(2))
    assert layer.kernel_size == (1, 2, 3) and layer.filters == 4 and layer.groups == 2
    assert all(type(v) is int for v in (*layer.kernel_size, layer.filters, layer.groups))
    assert layers.MaxPooling3D(np.int64(2)).pool_size == (2, 2, 2)


@pytest.mark.parametrize(
    "make",
    [
        lambda: layers.DepthwiseConv1D(2**28)(Input((8, 4))),  # its kernel would take 4 GiB
        lambda: layers.SeparableConv1D(1, 2**28)(Input((8, 4))),
        lambda: layers.Conv3D(1, (1, 1, 2**28))(Input((2, 2, 8, 4))),
    ],
)
def test_absurd_valid_window_fails_before_its_kernel_is_made(make):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
            make()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20
