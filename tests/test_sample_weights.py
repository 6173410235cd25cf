"""sample_weight / class_weight in fit, evaluate and *_on_batch. Expected values were
produced by running the same scripts against Keras 3.15 (TensorFlow backend)."""

import numpy as np
import pytest

from dagnet import Input, Model, layers, losses, optimizers, utils


@pytest.fixture(autouse=True)
def fresh():
    utils.clear_session()


def data(n, d, seed):
    return np.sin(np.arange(n * d, dtype="float64") * 0.7 + seed).reshape(n, d).astype("float32")


X, Y = data(10, 3, 0), data(10, 2, 1)
SW = (np.arange(10) % 4 * 0.5).astype("float32")


def dense_mse():
    inp = Input((3,))
    out = layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")(inp)
    model = Model(inp, out)
    model.compile(optimizers.SGD(0.1), "mse")
    return model


def test_weighted_loss_divides_by_batch_size_not_weight_sum():
    model = dense_mse()
    assert model.evaluate(X, Y, sample_weight=SW, verbose=0, batch_size=4) == pytest.approx(2.521681308746338, 1e-6)
    assert model.test_on_batch(X, Y, sample_weight=SW) == pytest.approx(2.521681308746338, 1e-6)
    assert model.train_on_batch(X, Y, sample_weight=SW) == pytest.approx(2.521681308746338, 1e-6)
    assert model.test_on_batch(X[:1], Y[:1], sample_weight=np.zeros(1)) == 0.0


def test_fit_with_sample_weight_and_weighted_validation_tuple():
    model = dense_mse()
    model.train_on_batch(X, Y, sample_weight=SW)
    h = model.fit(X, Y, sample_weight=SW, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_data=(X, Y, SW))
    np.testing.assert_allclose(h.history["loss"], [2.036036968231201, 1.4772024154663086], rtol=1e-6)
    np.testing.assert_allclose(h.history["val_loss"], [1.5797922611236572, 1.1750372648239136], rtol=1e-6)
    np.testing.assert_allclose(
        model.get_weights()[0], [[0.708453, 0.724976], [0.581151, 0.611741], [0.65084, 0.68111]], atol=2e-6
    )


def softmax_model():
    inp = Input((3,))
    out = layers.Dense(3, activation="softmax")(inp)
    model = Model(inp, out)
    model.set_weights([data(3, 3, 2), np.zeros(3, "float32")])
    return model


def test_class_weight_sparse_and_one_hot():
    yi = np.arange(10) % 3
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    model = softmax_model()
    model.compile(optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(X, yi, class_weight=cw, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [1.9069287776947021, 1.5781822204589844], rtol=1e-6)
    np.testing.assert_allclose(h.history["accuracy"], [0.3, 0.3], rtol=1e-6)
    np.testing.assert_allclose(
        model.get_weights()[0],
        [[0.739555, 0.706272, -0.36469], [-0.734518, -0.92404, -0.861424], [0.214778, 0.409876, 0.838616]],
        atol=2e-6,
    )
    model.compile(optimizers.SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
    result = model.train_on_batch(X, np.eye(3, dtype="float32")[yi], class_weight=cw)
    np.testing.assert_allclose(result, [1.3711280822753906, 0.6000000238418579], rtol=1e-6)


def test_class_weight_errors():
    model = softmax_model()
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="at the same time"):
        model.fit(X, np.arange(10) % 3, class_weight={0: 2.0}, sample_weight=SW, verbose=0)


def test_loss_objects_take_sample_weight():
    p = np.abs(data(4, 3, 3)) + 0.1
    p = p / p.sum(-1, keepdims=True)
    yt = np.eye(3, dtype="float32")[[0, 2, 1, 2]]
    w = np.array([1.0, 0.0, 2.0, 0.5], "float32")
    assert float(losses.MeanSquaredError()(yt, p, sample_weight=w)) == pytest.approx(0.2047763168811798, 1e-6)
    assert float(losses.MeanSquaredError()(yt, p, sample_weight=w[:, None])) == pytest.approx(0.2047763168811798, 1e-6)
    assert float(losses.CategoricalCrossentropy()(yt, p, sample_weight=w)) == pytest.approx(1.0664515495300293, 1e-6)
    assert float(losses.SparseCategoricalCrossentropy()(np.array([0, 2, 1, 2]), p, sample_weight=w)) == pytest.approx(
        1.0664516687393188, 1e-6
    )


def two_output_model():
    inp = Input((4,), name="inp")
    h = layers.Dense(3, activation="tanh", name="h")(inp)
    a = layers.Dense(2, name="a")(h)
    b = layers.Dense(1, activation="sigmoid", name="b")(h)
    model = Model(inp, [a, b])
    model.set_weights([np.linspace(-1, 1, w.size).reshape(w.shape).astype("float32") for w in model.get_weights()])
    model.compile(
        optimizers.SGD(0.1), ["mse", "binary_crossentropy"], loss_weights=[1.0, 0.5], metrics=[[], ["accuracy"]]
    )
    return model


def test_multi_output_sample_weights():
    x, ya, yb = data(10, 4, 0), data(10, 2, 1), (data(10, 1, 2) > 0).astype("float32")
    sw2 = (np.arange(10) % 3 * 0.7 + 0.1).astype("float32")
    model = two_output_model()
    np.testing.assert_allclose(
        model.evaluate(x, [ya, yb], sample_weight=SW, verbose=0),
        [2.1881520748138428, 2.0190224647521973, 0.33825916051864624, 0.699999988079071],
        rtol=1e-6,
    )
    logs = model.evaluate(x, [ya, yb], sample_weight=[SW, sw2], verbose=0, return_dict=True)
    assert list(logs) == ["a_loss", "b_accuracy", "b_loss", "loss"]
    np.testing.assert_allclose(
        list(logs.values()), [2.0190224647521973, 0.699999988079071, 0.4672697186470032, 2.252657413482666], rtol=1e-6
    )
    h = model.fit(
        x,
        [ya, yb],
        sample_weight=[SW, sw2],
        batch_size=4,
        epochs=2,
        shuffle=False,
        verbose=0,
        validation_data=(x[:6], [ya[:6], yb[:6]], [SW[:6], sw2[:6]]),
    )
    expected = {
        "a_loss": [1.5564502477645874, 1.0224205255508423],
        "b_accuracy": [0.8, 0.8],
        "b_loss": [0.4861791133880615, 0.45420166850090027],
        "loss": [2.0603113174438477, 1.4203143119812012],
        "val_a_loss": [0.5667064189910889, 0.4441244602203369],
        "val_b_accuracy": [0.8333333, 0.8333333],
        "val_b_loss": [0.5151960253715515, 0.48721134662628174],
        "val_loss": [0.947408139705658, 0.7540411353111267],
    }
    assert sorted(h.history) == sorted(expected)
    for key, values in expected.items():
        np.testing.assert_allclose(h.history[key], values, rtol=2e-6, err_msg=key)
    h = model.fit(x, [ya, yb], sample_weight=SW, batch_size=4, epochs=1, shuffle=False, verbose=0, validation_split=0.3)
    expected = {
        "a_loss": [0.6572425365447998],
        "b_accuracy": [0.8571428656578064],
        "b_loss": [0.3288925886154175],
        "loss": [0.8311379551887512],
        "val_a_loss": [1.351798415184021],
        "val_b_accuracy": [1.0],
        "val_b_loss": [0.30581074953079224],
        "val_loss": [1.5047038793563843],
    }
    for key, values in expected.items():
        np.testing.assert_allclose(h.history[key], values, rtol=2e-6, err_msg=key)


def test_per_output_losses_average_batches_like_keras():
    """Keras 3's per-output loss trackers take a plain mean of the batch values (the total
    loss is weighted by batch size)."""
    x, ya, yb = data(10, 4, 0), data(10, 2, 1), data(10, 1, 2)
    inp = Input((4,), name="inp")
    a = layers.Dense(2, name="a", kernel_initializer="ones")(inp)
    b = layers.Dense(1, name="b", kernel_initializer="ones")(inp)
    model = Model(inp, [a, b])
    model.compile(optimizers.SGD(0.0), ["mse", "mse"])
    logs = model.evaluate(x, [ya, yb], batch_size=4, verbose=0, return_dict=True)
    batches = [
        model.evaluate(x[s : s + 4], [ya[s : s + 4], yb[s : s + 4]], verbose=0, return_dict=True) for s in (0, 4, 8)
    ]
    assert logs["a_loss"] == pytest.approx(np.mean([d["a_loss"] for d in batches]), 1e-6)
    assert logs["b_loss"] == pytest.approx(np.mean([d["b_loss"] for d in batches]), 1e-6)
    assert logs["loss"] == pytest.approx(np.average([d["loss"] for d in batches], weights=[4, 4, 2]), 1e-6)


def test_masked_sequence_with_temporal_sample_weights():
    xs = np.arange(30).reshape(6, 5) % 5 + 1
    xs[0, 3:] = 0
    xs[2, 1:] = 0
    ys = np.arange(30).reshape(6, 5) % 3
    sws = (np.arange(30).reshape(6, 5) % 4 * 0.4).astype("float32")
    inp = Input((5,), dtype="int32")
    h = layers.LSTM(4, return_sequences=True)(layers.Embedding(6, 3, mask_zero=True)(inp))
    model = Model(inp, layers.Dense(3, activation="softmax")(h))
    model.set_weights([np.linspace(-1, 1, w.size).reshape(w.shape).astype("float32") for w in model.get_weights()])
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert model.evaluate(xs, ys, sample_weight=sws, verbose=0) == pytest.approx(0.8817970156669617, 1e-6)
    assert model.evaluate(xs, ys, sample_weight=sws, verbose=0, batch_size=4) == pytest.approx(0.9099475741386414, 1e-6)
    assert model.train_on_batch(xs, ys, sample_weight=sws) == pytest.approx(0.8817970156669617, 1e-6)
    np.testing.assert_allclose(
        model.get_weights()[-2],
        [
            [-0.999857, -0.818114, -0.636574],
            [-0.454311, -0.272612, -0.091259],
            [0.091249, 0.272901, 0.454032],
            [0.636819, 0.818419, 0.999308],
        ],
        atol=2e-6,
    )


def test_generator_yielding_sample_weights():
    model = dense_mse()

    def gen():
        for s in (0, 4, 8):
            yield X[s : s + 4], Y[s : s + 4], SW[s : s + 4]

    assert model.evaluate(gen(), verbose=0) == pytest.approx(2.521681308746338, 1e-6)


@pytest.mark.parametrize(
    "op",
    [
        "mse",
        "mae",
        "binary_crossentropy",
        "binary_crossentropy_logits",
        "categorical_crossentropy",
        "categorical_crossentropy_logits",
        "sparse_categorical_crossentropy",
        "sparse_categorical_crossentropy_logits",
    ],
)
@pytest.mark.parametrize("masked", [False, True])
def test_weighted_loss_ops_value_and_gradient(op, masked):
    from helpers import fd_check

    from dagnet.engine import Executor, Graph

    rng = np.random.default_rng(0)
    pred = rng.uniform(0.1, 0.9, size=(5, 3))
    sparse = op.startswith("sparse")
    target = np.array([0, 2, 1, 1, 0], "float64") if sparse else rng.uniform(0, 1, size=(5, 3))
    weights = np.array([0.5, 0.0, 2.0, 1.0, 0.3])
    mask = np.array([1.0, 1.0, 0.0, 1.0, 1.0])

    def build(g, ids, weighted=True):
        t = g.param("t", target)
        extra = [g.param("m", mask)] if masked else []
        if weighted:
            extra.append(g.param("w", weights))
        return g.node(op, [ids[0], t] + extra, {"weighted": 1} if weighted else {})[0]

    fd_check(build, [pred], rng)
    # the value: sum(w * loss) over valid rows / number of valid rows
    per_row = []
    for r in range(5):
        g = Graph()
        row = g.node(op, [g.param("p", pred[r : r + 1]), g.param("t", target[r : r + 1])])[0]
        per_row.append(float(Executor(g, [row]).run([])[0]))
    valid = mask if masked else np.ones(5)
    g = Graph()
    value = Executor(g, [build(g, [g.param("p", pred)])]).run([])[0]
    assert value == pytest.approx(np.sum(np.array(per_row) * weights * valid) / valid.sum(), 1e-12)


def test_label_smoothing_matches_keras():
    p = np.abs(data(4, 3, 3)) + 0.1
    p = p / p.sum(-1, keepdims=True)
    yt = np.eye(3, dtype="float32")[[0, 2, 1, 2]]
    assert float(losses.CategoricalCrossentropy(label_smoothing=0.2)(yt, p)) == pytest.approx(1.3272795677185059, 1e-6)
    assert float(losses.CategoricalCrossentropy(label_smoothing=0.2, from_logits=True)(yt, p)) == pytest.approx(
        1.1304086446762085, 1e-6
    )
    assert float(losses.BinaryCrossentropy(label_smoothing=0.1)(yt, p)) == pytest.approx(0.7569535970687866, 1e-6)
    assert float(
        losses.BinaryCrossentropy(label_smoothing=0.1, from_logits=True)(yt, p, sample_weight=np.array([1, 0, 2, 1.0]))
    ) == pytest.approx(0.7500330209732056, 1e-6)
    with pytest.raises(TypeError):
        losses.MeanSquaredError(bogus=1)
