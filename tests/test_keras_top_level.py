"""Keras 3's top-level names (keras.Layer, keras.Loss, ..., keras.tree, keras.version) and
keras.tree's semantics; expected values are what Keras 3.15.1 returned for the same calls."""

import collections

import numpy as np
import pytest

import dagnet as keras

P = collections.namedtuple("P", "a b")


def test_top_level_classes_are_the_submodules_classes():
    assert keras.Layer is keras.layers.Layer
    assert keras.InputSpec is keras.layers.InputSpec
    assert keras.Loss is keras.losses.Loss
    assert keras.Metric is keras.metrics.Metric
    assert keras.Optimizer is keras.optimizers.Optimizer
    assert keras.Initializer is keras.initializers.Initializer
    assert keras.Regularizer is keras.regularizers.Regularizer
    assert keras.version() == keras.__version__


def test_a_keras_layer_subclass_trains_in_a_functional_model():
    class Scale(keras.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

    x = keras.Input((3,))
    model = keras.Model(x, Scale()(x))
    assert isinstance(model.layers[-1].w, keras.Variable)
    assert isinstance(x, keras.KerasTensor)
    model.compile(optimizer="sgd", loss="mse")
    data = np.ones((4, 3), "float32")
    model.fit(data, 2 * data, epochs=2, verbose=0)
    assert np.all(model.layers[-1].w.numpy() > 1.0)


def test_tree_flatten_and_paths_as_keras():
    s = {"b": [1, (2, None)], "a": P(3, {"z": 4, "y": 5})}
    assert keras.tree.flatten(s) == [3, 5, 4, 1, 2, None]
    assert keras.tree.flatten_with_path(s) == [
        (("a", 0), 3),
        (("a", 1, "y"), 5),
        (("a", 1, "z"), 4),
        (("b", 0), 1),
        (("b", 1, 0), 2),
        (("b", 1, 1), None),
    ]
    assert keras.tree.pack_sequence_as(s, list(range(6))) == {"b": [3, (4, 5)], "a": P(0, {"z": 2, "y": 1})}
    assert keras.tree.flatten(None) == [None]
    assert not keras.tree.is_nested(None) and keras.tree.is_nested((1,))


def test_tree_maps_as_keras():
    assert keras.tree.map_structure(lambda x, y: (x, y), [1, 2], [3, 4]) == [(1, 3), (2, 4)]
    assert keras.tree.map_structure(lambda x: x, None) is None
    assert keras.tree.lists_to_tuples([1, [2, 3], {"a": [4]}]) == (1, (2, 3), {"a": (4,)})
    assert keras.tree.map_structure_up_to([0, 0], len, [[1, 2], [3]]) == [2, 1]
    assert keras.tree.traverse(lambda x: x * 10 if isinstance(x, int) else None, [1, [2]]) == [10, [20]]
    drop = lambda x: keras.tree.MAP_TO_NONE if isinstance(x, list) and len(x) == 1 else None  # noqa: E731
    assert keras.tree.traverse(drop, [1, [2]]) == [1, None]
    assert keras.tree.map_shape_structure(lambda s: s[-1], {"a": (2, 3), "b": [(4, None, 5)]}) == {"a": 3, "b": [5]}


def test_tree_structure_checks_as_keras():
    keras.tree.assert_same_structure([1, 2], [3, 4])
    with pytest.raises(ValueError, match="same nested structure"):
        keras.tree.assert_same_structure([1, 2], [1, [2]])
    with pytest.raises(ValueError, match="Expected an instance of list"):
        keras.tree.assert_same_structure([1, 2], (1, 2))
    keras.tree.assert_same_structure([1, 2], (1, 2), check_types=False)
    with pytest.raises(ValueError, match="arity mismatch"):
        keras.tree.map_structure(lambda x, y: 0, [1], [1, 2])
    keras.tree.assert_same_paths([1, {"a": 2}], (3, {"a": 4}))
    with pytest.raises(ValueError, match="same paths"):
        keras.tree.assert_same_paths([1], [1, 2])
