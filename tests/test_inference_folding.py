"""Inference folding in the predict/evaluate graphs: a batch norm folds into the
dense/conv before it (fold_batch_norm derives the kernel and bias from the live weights on
every run) and an activation into that op's epilogue. Predictions must equal the unfolded
model's (an eager call, which never folds), before and after training and set_weights, and
the folded graph must run one convolution and no normalization."""

import numpy as np
import pytest
from helpers import run_op

import dagnet
from dagnet import engine, layers


def _profile(fn):
    engine.set_op_profiling(True)
    engine.take_op_profile()
    try:
        fn()
        return {op: calls for op, calls, _ in engine.take_op_profile()}
    finally:
        engine.set_op_profiling(False)


def _trained(model, x, y):
    model.compile("adam", "mse")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    return model


def _conv_bn_relu(data_format="channels_last", activation="relu", conv_activation=None):
    shape = (8, 8, 3) if data_format == "channels_last" else (3, 8, 8)
    inp = dagnet.Input(shape)
    h = layers.Conv2D(5, 3, data_format=data_format, activation=conv_activation)(inp)
    h = layers.BatchNormalization(axis=-1 if data_format == "channels_last" else 1)(h)
    h = layers.Activation(activation)(h)
    out = layers.Dense(2)(layers.Flatten()(h))
    return dagnet.Model(inp, out), shape


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "elu"])
def test_conv_batch_norm_activation_becomes_one_convolution(data_format, activation):
    model, shape = _conv_bn_relu(data_format, activation)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16,) + shape).astype("float32") + 1
    _trained(model, x, rng.standard_normal((16, 2)).astype("float32"))
    ops = _profile(lambda: model.predict(x, verbose=0))
    assert ops.get("conv2d") == 1 and ops.get("fold_batch_norm") == 1
    assert "normalize_with_stats" not in ops and "activation" not in ops
    np.testing.assert_allclose(model.predict(x, verbose=0), model(x), rtol=1e-5, atol=1e-5)


def test_folded_predictions_follow_the_weights():
    model, shape = _conv_bn_relu()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8,) + shape).astype("float32")
    before = model.predict(x, verbose=0)
    weights = model.get_weights()
    model.set_weights([w * 1.5 + 0.1 for w in weights])  # kernel, bias, gamma, beta, moving stats (> 0) all move
    after = model.predict(x, verbose=0)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, model(x), rtol=1e-5, atol=1e-5)
    model.compile("sgd", "mse")
    model.evaluate(x, np.zeros((8, 2), "float32"), verbose=0)  # evaluate folds too
    np.testing.assert_allclose(
        model.evaluate(x, np.zeros((8, 2), "float32"), verbose=0), float(np.mean(model(x) ** 2)), rtol=1e-5
    )


@pytest.mark.parametrize(
    "build,folds",
    [
        # a convolution with its own activation cannot absorb the normalization
        (lambda x: layers.BatchNormalization()(layers.Conv2D(4, 3, activation="relu")(x)), False),
        # a wide Dense: rewriting its kernel would cost more than normalizing one example
        (lambda x: layers.BatchNormalization()(layers.Dense(16)(layers.Flatten()(x))), False),
        # a Dense over a sequence: its kernel is small next to one example's outputs
        (lambda x: layers.BatchNormalization()(layers.Dense(3)(layers.Reshape((36, 3))(x))), True),
        # normalizing another axis than the channels
        (lambda x: layers.BatchNormalization(axis=1)(layers.Conv2D(4, 3)(x)), False),
    ],
)
def test_folds_only_where_exact_and_cheaper(build, folds):
    inp = dagnet.Input((6, 6, 3))
    model = dagnet.Model(inp, layers.Flatten()(build(inp)))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 6, 6, 3)).astype("float32")
    _trained(model, x, rng.standard_normal(model.predict(x, verbose=0).shape).astype("float32"))
    ops = _profile(lambda: model.predict(x, verbose=0))
    assert ("fold_batch_norm" in ops) == folds
    assert ("normalize_with_stats" in ops) != folds
    np.testing.assert_allclose(model.predict(x, verbose=0), model(x), rtol=1e-5, atol=1e-5)


def test_a_convolution_read_elsewhere_is_not_folded_away():
    inp = dagnet.Input((6, 6, 3))
    conv = layers.Conv2D(4, 3)(inp)
    out = layers.Concatenate()([layers.Activation("relu")(conv), layers.BatchNormalization()(conv)])
    model = dagnet.Model(inp, out)
    x = np.random.default_rng(3).standard_normal((4, 6, 6, 3)).astype("float32")
    model.layers[-2].moving_mean.assign(np.full(4, 0.5, "float32"))
    np.testing.assert_allclose(model.predict(x, verbose=0), model(x), rtol=1e-5, atol=1e-5)


def test_exported_prediction_program_is_folded(tmp_path):
    model, shape = _conv_bn_relu()
    model.compile("sgd", "mse")
    path = tmp_path / "m.dgn"
    model.export_native(path)
    from dagnet import _engine

    predict = next(p for p in _engine.read_programs(str(path)) if p["name"] == "predict")
    x = np.random.default_rng(4).standard_normal((2,) + shape).astype("float32")
    (got,) = engine.Executor(predict["graph"], predict["fetches"]).run([x])
    np.testing.assert_allclose(got, model(x), rtol=1e-5, atol=1e-5)
    ops = [predict["graph"].node_info(i)["op"] for i in range(predict["graph"].num_nodes)]
    assert "fold_batch_norm" in ops and "normalize_with_stats" not in ops


def test_fold_batch_norm_op_matches_numpy():
    rng = np.random.default_rng(5)
    kernel = rng.standard_normal((3, 3, 2, 4))
    bias, mean, gamma, beta = (rng.standard_normal(4) for _ in range(4))
    var = rng.random(4) + 0.5
    attrs = {"epsilon": 1e-3, "bias": 1, "scale": 1, "center": 1}
    k, b = run_op("fold_batch_norm", [kernel, bias, mean, var, gamma, beta], attrs)
    scale = gamma / np.sqrt(var + 1e-3)
    np.testing.assert_allclose(k, kernel * scale, rtol=1e-12)
    np.testing.assert_allclose(b, (bias - mean) * scale + beta, rtol=1e-12)
    k, b = run_op("fold_batch_norm", [kernel, mean, var], {"epsilon": 1e-3})
    np.testing.assert_allclose(k, kernel / np.sqrt(var + 1e-3), rtol=1e-12)
    np.testing.assert_allclose(b, -mean / np.sqrt(var + 1e-3), rtol=1e-12)
    with pytest.raises(ValueError, match=r"must have shape \(4,\)"):
        run_op("fold_batch_norm", [kernel, mean[:3], var], {"epsilon": 1e-3})
