"""compile / fit / evaluate / predict / *_on_batch, with Keras semantics."""

import numpy as np
import pytest

from dagnet import Input, Model, Sequential, layers, losses, optimizers, regularizers, utils


@pytest.fixture(autouse=True)
def fresh():
    utils.clear_session()
    utils.set_random_seed(0)


def two_input_model(loss="categorical_crossentropy", metrics=("accuracy",), optimizer=None):
    a = Input(shape=(4,), name="a")
    b = Input(shape=(3,), name="b")
    h = layers.concatenate([layers.Dense(8, activation="relu")(a), layers.Dense(8, activation="tanh")(b)])
    out = layers.Dense(2, activation="softmax", name="out")(h)
    model = Model([a, b], out)
    model.compile(optimizer=optimizer or optimizers.SGD(0.5), loss=loss, metrics=list(metrics))
    return model


def separable(n=256, seed=0):
    rng = np.random.default_rng(seed)
    xa = rng.standard_normal((n, 4)).astype("float32")
    xb = rng.standard_normal((n, 3)).astype("float32")
    label = ((xa[:, 0] + xb[:, 1]) > 0).astype(int)
    return xa, xb, np.eye(2, dtype="float32")[label], label


def test_train_on_batch_learns_and_reports_loss_and_metrics():
    model = two_input_model()
    xa, xb, y, label = separable()
    first = model.train_on_batch([xa, xb], y)
    for _ in range(60):
        last = model.train_on_batch([xa, xb], y)
    assert isinstance(first, list) and len(first) == 2
    assert last[0] < first[0] / 3 and last[1] > 0.95
    logs = model.test_on_batch({"a": xa, "b": xb}, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert np.mean(model.predict([xa, xb], verbose=0).argmax(1) == label) == pytest.approx(logs["accuracy"])


def test_list_and_dict_feeding_give_equal_results():
    xa, xb, y, _ = separable(64)
    m1 = two_input_model()
    weights = m1.get_weights()
    utils.clear_session()
    m2 = two_input_model()
    m2.set_weights(weights)
    r1 = [m1.train_on_batch([xa, xb], y) for _ in range(3)]
    with pytest.warns(UserWarning, match="Ignoring input data for unknown keys \\['ignored'\\]"):
        r2 = [m2.train_on_batch({"b": xb, "a": xa, "ignored": xa}, {"out": y}) for _ in range(3)]
    assert r1 == r2
    for w1, w2 in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_array_equal(w1, w2)


def test_sgd_update_matches_numpy_exactly():
    x = Input(shape=(3,))
    dense = layers.Dense(2, use_bias=False, kernel_initializer="ones")
    model = Model(x, dense(x))
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1, momentum=0.9), loss="mse")
    data = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], "float32")
    target = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
    w = np.ones((3, 2), "float64")
    v = np.zeros_like(w)
    for _ in range(3):
        model.train_on_batch(data, target)
        grad = 2 * data.T.astype("float64") @ (data @ w - target) / target.size
        v = 0.9 * v - 0.1 * grad
        w = w + v
        np.testing.assert_allclose(dense.get_weights()[0], w, rtol=1e-5)


def test_multi_output_loss_weights_and_names():
    x = Input(shape=(5,), name="x")
    h = layers.Dense(8, activation="relu")(x)
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    model = Model(x, [reg, cls])
    model.compile(
        optimizer="sgd",
        loss={"reg": "mse", "cls": "categorical_crossentropy"},
        loss_weights={"reg": 0.25, "cls": 2.0},
        metrics={"cls": ["accuracy"]},
    )
    rng = np.random.default_rng(1)
    data = rng.standard_normal((32, 5)).astype("float32")
    y_reg = rng.standard_normal(32).astype("float32")  # (32,) is expanded to the output's (32, 1)
    y_cls = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    logs = model.test_on_batch(data, {"reg": y_reg, "cls": y_cls}, return_dict=True)
    assert list(logs) == ["cls_accuracy", "cls_loss", "loss", "reg_loss"]  # sorted, as Keras 3
    assert model.metrics_names == ["loss", "compile_metrics", "reg_loss", "cls_loss"]
    values = model.evaluate(data, [y_reg, y_cls], verbose=0)  # loss, output losses, then sorted metrics
    np.testing.assert_allclose(
        values, [logs["loss"], logs["reg_loss"], logs["cls_loss"], logs["cls_accuracy"]], rtol=1e-5
    )
    assert logs["loss"] == pytest.approx(0.25 * logs["reg_loss"] + 2.0 * logs["cls_loss"], rel=1e-5)
    pred_reg, pred_cls = model.predict(data, verbose=0)
    assert logs["reg_loss"] == pytest.approx(np.mean((pred_reg[:, 0] - y_reg) ** 2), rel=1e-4)
    with pytest.raises(ValueError, match="does not correspond to any model output"):
        model.compile(optimizer="sgd", loss={"nope": "mse"})


def test_predict_batches_and_structures():
    x = Input(shape=(2,))
    model = Model(x, {"double": layers.Dense(1, name="d")(x), "same": layers.Activation("linear")(x)})
    data = np.arange(20, dtype="float32").reshape(10, 2)
    out = model.predict(data, batch_size=3, verbose=0)
    assert set(out) == {"double", "same"} and out["same"].shape == (10, 2)
    np.testing.assert_array_equal(out["same"], data)


def test_errors_for_bad_data():
    model = two_input_model()
    xa, xb, y, _ = separable(16)
    with pytest.raises(ValueError, match="Missing data for input"):
        model.train_on_batch({"a": xa}, y)
    with pytest.raises(ValueError, match="cardinality"):
        model.train_on_batch([xa, xb[:8]], y)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(16, 5\)"):
        model.train_on_batch([xa, np.zeros((16, 5))], y)
    with pytest.raises(RuntimeError, match="compile"):
        Sequential([layers.Dense(1, input_shape=(2,))]).train_on_batch(np.zeros((1, 2)), np.zeros((1, 1)))


def test_regularization_adds_to_the_loss():
    x = Input(shape=(3,))
    dense = layers.Dense(2, kernel_regularizer=regularizers.l2(0.5), kernel_initializer="ones", use_bias=False)
    model = Model(x, dense(x))
    model.compile(optimizer="sgd", loss="mse")
    data = np.zeros((4, 3), "float32")
    target = np.zeros((4, 2), "float32")
    loss = model.test_on_batch(data, target)
    assert loss == pytest.approx(0.5 * 6.0)


def test_loss_objects_and_sparse_labels():
    x = Input(shape=(4,))
    logits = layers.Dense(3)(x)
    model = Model(x, logits)
    model.compile(
        optimizer=optimizers.Adam(0.05),
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(2)
    data = rng.standard_normal((64, 4)).astype("float32")
    labels = data[:, :3].argmax(1)
    first = model.train_on_batch(data, labels)
    for _ in range(200):
        last = model.train_on_batch(data, labels[:, None])  # (n, 1) labels are accepted too
    assert last[0] < first[0] and last[1] > 0.9
