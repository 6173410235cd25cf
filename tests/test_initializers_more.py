"""keras.initializers names dagnet added: STFT / STFTInitializer / stft against Keras 3.15's
kernels (fixtures/keras3_initializers_more.npz, made by fixtures/make/keras3_initializers_more.py),
the second class names and lower-case aliases, initializers.deserialize and
activations.deserialize."""

import json
import os

import numpy as np
import pytest
from global_rng_isolation import keep_global_rng  # noqa: F401  (autouse: leaves the global RNG as found)

import dagnet
from dagnet import activations, initializers

DATA = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_initializers_more.npz"))
CONFIGS = json.loads(str(DATA["__configs__"]))


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_stft_kernels_and_configs_match_keras(case):
    side, window, scaling, periodic, shape = CONFIGS[case]["args"]
    init = initializers.STFT(side=side, window=window, scaling=scaling, periodic=periodic)
    # Keras returns (frame_length, 1, bins) whatever the channels; dagnet fills the shape asked for.
    np.testing.assert_allclose(init(tuple(shape)), np.broadcast_to(DATA[case], shape), rtol=1e-5, atol=1e-6)
    assert initializers.serialize(init) == CONFIGS[case]["serialized"]
    assert initializers.deserialize(CONFIGS[case]["serialized"]).get_config() == init.get_config()


def test_second_names_and_lower_case_aliases_are_keras_classes():
    assert initializers.IdentityInitializer is initializers.Identity is initializers.identity
    assert initializers.OrthogonalInitializer is initializers.Orthogonal
    assert initializers.STFTInitializer is initializers.STFT is initializers.stft
    assert initializers.lecun_normal is initializers.LecunNormal
    assert initializers.lecun_uniform is initializers.LecunUniform
    assert initializers.truncated_normal is initializers.TruncatedNormal
    assert initializers.variance_scaling is initializers.VarianceScaling
    assert initializers.serialize(initializers.OrthogonalInitializer())["class_name"] == "Orthogonal"
    layer = dagnet.layers.Dense(3, kernel_initializer="IdentityInitializer")
    layer.build((None, 3))
    np.testing.assert_array_equal(layer.kernel.numpy(), np.eye(3))


def test_initializers_deserialize():
    assert isinstance(initializers.deserialize("lecun_normal"), initializers.LecunNormal)
    orth = initializers.deserialize({"class_name": "OrthogonalInitializer", "config": {"gain": 2.0, "seed": 1}})
    assert isinstance(orth, initializers.Orthogonal) and orth.gain == 2.0

    class Halves(initializers.Initializer):
        def __call__(self, shape, dtype="float32"):
            return np.full(shape, 0.5, dtype)

    config = {"module": None, "class_name": "Halves", "config": {}, "registered_name": "Halves"}
    assert isinstance(initializers.deserialize(config, custom_objects={"Halves": Halves}), Halves)
    with pytest.raises(ValueError, match="initializer"):
        initializers.deserialize("no_such_initializer")


def test_activations_deserialize():
    assert activations.deserialize("relu") is activations.relu
    keras_function = {"module": "builtins", "class_name": "function", "config": "gelu", "registered_name": "function"}
    assert activations.deserialize(keras_function) is activations.gelu
    assert activations.deserialize(activations.serialize(activations.swish)) is activations.swish

    def twice(x):
        return x * 2

    assert activations.deserialize("twice", custom_objects={"twice": twice}) is twice
    with pytest.raises(ValueError, match="activation function identifier: nope"):
        activations.deserialize("nope")


def test_stft_errors():
    with pytest.raises(ValueError, match="side"):
        initializers.STFT(side="both")
    with pytest.raises(ValueError, match="kaiser"):
        initializers.STFT(window="kaiser")
    with pytest.raises(ValueError, match="window"):
        initializers.STFT(window=[1.0, 2.0])((3, 1, 2))
