"""Device selection (API.md "Devices"): 'cpu' works everywhere; a CUDA device that this
build or machine lacks, or that has no kernels yet, is a clear error, never a silent CPU run."""

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, Sequential, layers


def test_cpu_is_listed_and_the_default():
    assert "cpu" in dagnet.devices()
    assert dagnet.get_device() == "cpu"


@pytest.mark.parametrize("spelling", ["cpu", "CPU", "/device:CPU:0"])
def test_cpu_spellings_select_the_cpu(spelling):
    dagnet.set_device(spelling)
    assert dagnet.get_device() == "cpu"
    i = Input((3,))
    model = Model(i, layers.Dense(2)(i), device=spelling)
    assert model.device == "cpu" and model.to("cpu") is model
    assert model.predict(np.ones((4, 3), "float32"), verbose=0).shape == (4, 2)
    assert Sequential([layers.Dense(1)], device="cpu").device == "cpu"


def test_unavailable_or_kernel_less_cuda_is_a_clear_error():
    i = Input((3,))
    model = Model(i, layers.Dense(2)(i))
    for request in ("cuda", "cuda:0", "gpu", "/device:GPU:0"):
        with pytest.raises((ValueError, RuntimeError), match="cuda|CUDA"):
            model.to(request)
        with pytest.raises((ValueError, RuntimeError), match="cuda|CUDA"):
            dagnet.set_device(request)
    assert model.device == "cpu" and dagnet.get_device() == "cpu"
    with pytest.raises(ValueError, match="Unknown device"):
        dagnet.set_device("tpu")
