"""Compiled metrics: names, values and epoch averaging as Keras 3.15 reports them
(expected values produced by running the same script against Keras 3.15)."""

import numpy as np
import pytest

from dagnet import Input, Model, layers, metrics, utils


@pytest.fixture(autouse=True)
def fresh():
    utils.clear_session()


def data(n, d, seed):
    return np.sin(np.arange(n * d, dtype="float64") * 0.7 + seed).reshape(n, d).astype("float32")


X = data(10, 4, 0)
YI = np.arange(10) % 5
YOH = np.eye(5, dtype="float32")[YI]
YB = (data(10, 1, 3) > 0).astype("float32")
SW = (np.arange(10) % 4 * 0.5).astype("float32")


def check(logs, expected):
    assert sorted(logs) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(logs[key], value, rtol=2e-6, atol=1e-7, err_msg=key)


def softmax_model():
    inp = Input((4,))
    model = Model(inp, layers.Dense(5, activation="softmax")(inp))
    model.set_weights([data(4, 5, 1), np.zeros(5, "float32")])
    return model


CATEGORICAL = {
    "acc": 0.3,
    "accuracy": 0.3,
    "categorical_accuracy": 0.3,
    "categorical_crossentropy": 1.615119218826294,
    "cosine_similarity": 0.4477558732032776,
    "hinge": 1.1137683391571045,
    "kl_divergence": 1.6151134967803955,
    "logcosh": 0.07408688962459564,
    "loss": 1.615119218826294,
    "mae": 0.3137684464454651,
    "mape": 156884224.0,
    "mse": 0.1600641906261444,
    "msle": 0.07938694953918457,
    "poisson": 0.5230237245559692,
    "precision": 0.0,
    "precision_1": 0.0,
    "recall": 0.0,
    "root_mean_squared_error": 0.40008023381233215,
    "squared_hinge": 1.2738325595855713,
    "top_k_categorical_accuracy": 1.0,
    "top_k_categorical_accuracy_1": 0.5,
    "weighted_accuracy": 0.3,
    "weighted_mse": 0.1600641906261444,
}


def test_many_metrics_by_name_and_object():
    model = softmax_model()
    model.compile(
        "sgd",
        "categorical_crossentropy",
        metrics=[
            "accuracy",
            "acc",
            "top_k_categorical_accuracy",
            metrics.TopKCategoricalAccuracy(k=2),
            "categorical_accuracy",
            "mse",
            "mae",
            "mape",
            "msle",
            metrics.RootMeanSquaredError(),
            "categorical_crossentropy",
            metrics.KLDivergence(),
            metrics.Poisson(),
            metrics.CosineSimilarity(),
            metrics.LogCoshError(),
            metrics.Hinge(),
            metrics.SquaredHinge(),
            metrics.Precision(),
            metrics.Recall(),
        ],
        weighted_metrics=["accuracy", "mse", metrics.Precision()],
    )
    assert model.metrics_names == ["loss", "compile_metrics"]
    check(model.evaluate(X, YOH, verbose=0, return_dict=True, batch_size=4), CATEGORICAL)
    weighted = dict(
        CATEGORICAL, loss=1.1360095739364624, weighted_accuracy=0.1538461595773697, weighted_mse=0.1723354011774063
    )
    check(model.evaluate(X, YOH, verbose=0, return_dict=True, batch_size=4, sample_weight=SW), weighted)


def test_sparse_and_top_k_metrics():
    model = softmax_model()
    model.compile(
        "sgd",
        "sparse_categorical_crossentropy",
        metrics=[
            "accuracy",
            "sparse_top_k_categorical_accuracy",
            metrics.SparseTopKCategoricalAccuracy(k=2, name="top2"),
            "sparse_categorical_accuracy",
            "sparse_categorical_crossentropy",
        ],
    )
    check(
        model.evaluate(X, YI, verbose=0, return_dict=True, batch_size=4),
        {
            "accuracy": 0.3,
            "loss": 1.615119218826294,
            "sparse_categorical_accuracy": 0.3,
            "sparse_categorical_crossentropy": 1.615119218826294,
            "sparse_top_k_categorical_accuracy": 1.0,
            "top2": 0.5,
        },
    )


def test_binary_metrics_duplicate_names_weighted_metrics_and_history():
    for _ in range(2):
        metrics.Precision()  # auto-named metric objects count up per session, as in Keras
    metrics.Recall()
    inp = Input((4,))
    model = Model(inp, layers.Dense(1, activation="sigmoid")(inp))
    model.set_weights([data(4, 1, 1), np.zeros(1, "float32")])
    model.compile(
        "sgd",
        "binary_crossentropy",
        metrics=[
            "accuracy",
            "binary_accuracy",
            metrics.BinaryAccuracy(threshold=0.7),
            "binary_crossentropy",
            metrics.Precision(),
            metrics.Recall(),
            metrics.TruePositives(),
            metrics.FalseNegatives(),
            metrics.Accuracy(),
        ],
        weighted_metrics=["accuracy"],
    )
    expected = {
        "accuracy": 0.7,
        "accuracy_1": 0.0,
        "binary_accuracy": 0.7,
        "binary_accuracy_1": 0.8,
        "binary_crossentropy": 0.7419608235359192,
        "false_negatives": 2.0,
        "loss": 0.7419608235359192,
        "precision_2": 0.8,
        "recall_1": 0.6666666865348816,
        "true_positives": 4.0,
        "weighted_accuracy": 0.7,
    }
    check(model.evaluate(X, YB, verbose=0, return_dict=True, batch_size=4), expected)
    check(
        model.evaluate(X, YB, verbose=0, return_dict=True, batch_size=4, sample_weight=SW),
        dict(expected, loss=0.5166693925857544, weighted_accuracy=0.6153846383094788),
    )
    h = model.fit(
        X, YB, epochs=1, verbose=0, batch_size=3, sample_weight=SW, validation_data=(X, YB, SW), shuffle=False
    )
    train = dict(
        expected, binary_crossentropy=0.7428094744682312, loss=0.5170811414718628, weighted_accuracy=0.6153846383094788
    )
    val = dict(
        expected, binary_crossentropy=0.7412741184234619, loss=0.5157149434089661, weighted_accuracy=0.6153846383094788
    )
    check({k: v[0] for k, v in h.history.items()}, {**train, **{f"val_{k}": v for k, v in val.items()}})


def test_masked_sequence_accuracy_averages_valid_steps():
    xs = np.arange(30).reshape(6, 5) % 5 + 1
    xs[0, 3:] = 0
    xs[2, 1:] = 0
    xs[5, 4:] = 0
    ys = (np.arange(30).reshape(6, 5) * 7 // 3) % 3
    inp = Input((5,), dtype="int32")
    h = layers.LSTM(4, return_sequences=True)(layers.Embedding(6, 3, mask_zero=True)(inp))
    model = Model(inp, layers.Dense(3, activation="softmax")(h))
    model.set_weights([np.linspace(-1, 1, w.size).reshape(w.shape).astype("float32") for w in model.get_weights()])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    # Keras counts valid time steps, so batches with more padding weigh less (the loss
    # tracker still weighs batches by their size)
    np.testing.assert_allclose(
        model.evaluate(xs, ys, verbose=0, batch_size=4), [1.4477553367614746, 0.3913043439388275], rtol=1e-6
    )


def test_per_output_metric_lists_follow_output_order():
    inp = Input((4,), name="inp")
    a = layers.Dense(2, name="a")(inp)
    b = layers.Dense(1, activation="sigmoid", name="b")(inp)
    model = Model(inp, [a, b])
    model.compile("sgd", ["mse", "binary_crossentropy"], metrics=["mae", "accuracy"])
    logs = model.evaluate(X, [data(10, 2, 1), YB], verbose=0, return_dict=True)
    assert sorted(logs) == ["a_loss", "a_mae", "b_accuracy", "b_loss", "loss"]
    model.compile(
        "sgd",
        ["mse", "binary_crossentropy"],
        metrics={"a": metrics.MeanAbsoluteError(name="foo"), "b": [metrics.BinaryAccuracy(name="ba"), "acc"]},
    )
    logs = model.evaluate(X, [data(10, 2, 1), YB], verbose=0, return_dict=True)
    assert sorted(logs) == ["a_foo", "a_loss", "b_acc", "b_ba", "b_loss", "loss"]
    model.compile(
        "sgd", ["mse", "binary_crossentropy"], metrics=[metrics.MeanAbsoluteError(), metrics.BinaryAccuracy()]
    )
    logs = model.evaluate(X, [data(10, 2, 1), YB], verbose=0, return_dict=True)
    assert sorted(logs) == ["a_loss", "a_mean_absolute_error", "b_binary_accuracy", "b_loss", "loss"]


def test_metrics_names_with_empty_metric_list():
    inp = Input((4,))
    model = Model(inp, layers.Dense(2)(inp))
    model.compile("sgd", "mse", metrics=[])
    assert model.metrics_names == ["loss", "compile_metrics"]
    assert isinstance(model.evaluate(X, data(10, 2, 1), verbose=0), float)
