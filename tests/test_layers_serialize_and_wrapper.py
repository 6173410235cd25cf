"""keras.layers.serialize / deserialize (Keras 3's dict, nested layers and custom objects) and
the Wrapper base class (argument check, building the wrapped layer, config round trip)."""

import numpy as np
import pytest
from global_rng_isolation import keep_global_rng  # noqa: F401  (autouse: leaves the global RNG as found)

import dagnet
from dagnet import layers


def test_serialize_writes_keras_dict_and_deserialize_rebuilds():
    dense = layers.Dense(3, activation="relu", name="d")
    config = layers.serialize(dense)
    assert config["module"] == "keras.layers" and config["class_name"] == "Dense"
    assert config["config"]["units"] == 3
    clone = layers.deserialize(config)
    assert isinstance(clone, layers.Dense) and clone.get_config() == dense.get_config()
    wrapped = layers.deserialize(layers.serialize(layers.SpectralNormalization(layers.Dense(2), power_iterations=2)))
    assert isinstance(wrapped.layer, layers.Dense) and wrapped.power_iterations == 2


def test_deserialize_custom_objects_and_refusals():
    class Scale(layers.Layer):
        def call(self, x):
            return x * 2.0

    config = layers.serialize(Scale(name="s"))
    assert isinstance(layers.deserialize(config, custom_objects={"Scale": Scale}), Scale)
    with pytest.raises(ValueError, match="Scale"):
        layers.deserialize(config)
    with pytest.raises(ValueError, match="not a `keras.layers.Layer`"):
        layers.deserialize(dagnet.initializers.serialize(dagnet.initializers.Ones()))


def test_wrapper_subclass_builds_and_round_trips():
    class Twice(layers.Wrapper):
        def call(self, x):
            return self.layer(self.layer(x))

    wrapper = Twice(layers.Dense(4, name="inner"))
    out = wrapper(np.ones((2, 4), "float32"))
    assert out.shape == (2, 4) and wrapper.layer.built
    assert [w.path for w in wrapper.weights] == ["twice/inner/kernel", "twice/inner/bias"]
    clone = Twice.from_config(wrapper.get_config())
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 4
    with pytest.raises(ValueError, match="supplied to Wrapper"):
        Twice(3)
