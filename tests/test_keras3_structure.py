"""Structure details real Keras 3.15 showed for the same constructions (values recorded
from Keras): Sequential rebuilds, automatic names, layer nodes, variable paths."""

import numpy as np

from dagnet import Input, Model, Sequential, layers, utils


def test_sequential_add_with_input_shape_matches_keras3():
    utils.clear_session()
    vm = Sequential()
    vm.add(layers.Conv2D(4, (3, 3), activation="relu", padding="same", input_shape=(8, 8, 3)))
    vm.add(layers.Conv2D(4, (3, 3), activation="relu"))
    vm.add(layers.MaxPooling2D((2, 2)))
    vm.add(layers.Flatten())
    assert [l.name for l in vm.layers] == ["conv2d", "conv2d_1", "max_pooling2d", "flatten"]
    # every add() rebuilds, calling the layers again, as Keras 3 does
    assert [len(l._inbound_nodes) for l in vm.layers] == [4, 3, 2, 1]
    # ... yet layer.output / layer.input answer (Keras 3: the first node), so instrumenting works
    assert [tuple(l.output.shape) for l in vm.layers] == [(None, 8, 8, 4), (None, 6, 6, 4), (None, 3, 3, 4), (None, 36)]
    assert [tuple(l.input.shape) for l in vm.layers] == [
        (None, 8, 8, 3),
        (None, 8, 8, 4),
        (None, 6, 6, 4),
        (None, 3, 3, 4),
    ]
    probe = Model(vm.inputs, [l.output for l in vm.layers])
    # each build made a Functional, taking a "functional" name; one InputLayer, made once
    assert probe.name == "functional_4"
    assert [l.name for l in probe.layers] == ["input_layer", "conv2d", "conv2d_1", "max_pooling2d", "flatten"]
    assert [w.path for w in vm.weights] == [
        "sequential/conv2d/kernel",
        "sequential/conv2d/bias",
        "sequential/conv2d_1/kernel",
        "sequential/conv2d_1/bias",
    ]
    x = Input((8, 8, 3))
    m = Model(x, vm(x))
    assert m.name == "functional_5" and [l.name for l in m.layers] == ["input_layer_1", "sequential"]
    config = vm.get_config()["layers"]
    assert len(config) == 5 and config[0]["class_name"] == "InputLayer" and config[0]["config"]["name"] == "input_layer"
    out = probe.predict(np.ones((1, 8, 8, 3), "float32"), verbose=0)
    assert [o.shape for o in out] == [(1, 8, 8, 4), (1, 6, 6, 4), (1, 3, 3, 4), (1, 36)]


def test_variable_paths_match_keras3():
    utils.clear_session()

    def paths(obj):
        return [(w.path, w.name) for w in obj.weights]

    td = layers.TimeDistributed(layers.Dense(3))
    x = Input((4, 5))
    assert paths(Model(x, td(x))) == [
        ("time_distributed/dense/kernel", "kernel"),
        ("time_distributed/dense/bias", "bias"),
    ]
    s = Sequential([layers.Dense(2), layers.Dense(3)])
    s(Input((4,)))
    assert paths(s) == [
        ("sequential/dense_1/kernel", "kernel"),
        ("sequential/dense_1/bias", "bias"),
        ("sequential/dense_2/kernel", "kernel"),
        ("sequential/dense_2/bias", "bias"),
    ]
    s2 = Sequential([layers.Dense(2), Sequential([layers.Dense(4), layers.Dense(1)], name="inner")])
    s2.build((None, 3))
    assert [p for p, _ in paths(s2)] == [
        "sequential_1/dense_3/kernel",
        "sequential_1/dense_3/bias",
        "sequential_1/inner/dense_4/kernel",
        "sequential_1/inner/dense_4/bias",
        "sequential_1/inner/dense_5/kernel",
        "sequential_1/inner/dense_5/bias",
    ]
    s3 = Sequential([layers.Dense(2)])
    s3(np.zeros((1, 3), "float32"))
    assert [p for p, _ in paths(s3)] == ["sequential_2/dense_6/kernel", "sequential_2/dense_6/bias"]
    d = layers.Dense(3)
    d(np.zeros((2, 2), "float32"))
    assert [p for p, _ in paths(d)] == ["dense_7/kernel", "dense_7/bias"]
    td2 = layers.TimeDistributed(layers.LSTM(3))
    td2(Input((2, 4, 5)))
    assert paths(td2) == [
        ("time_distributed_1/lstm/lstm_cell/kernel", "kernel"),
        ("time_distributed_1/lstm/lstm_cell/recurrent_kernel", "recurrent_kernel"),
        ("time_distributed_1/lstm/lstm_cell/bias", "bias"),
    ]
