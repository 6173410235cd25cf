"""metrics.AUC against Keras 3.15 (numbers from running the same scripts with Keras 3.15,
TensorFlow backend): direct update_state/result, compiled fit/evaluate, get_config."""

import numpy as np
import pytest

from dagnet import Input, Model, layers, metrics, utils


@pytest.fixture(autouse=True)
def fresh():
    utils.clear_session()


def data(n, d, seed):
    return np.sin(np.arange(n * d, dtype="float64") * 0.7 + seed).reshape(n, d).astype("float32")


def check(logs, expected):
    assert sorted(logs) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(logs[key], value, rtol=3e-6, atol=1e-7, err_msg=key)


# kwargs -> (after one update, after a second weighted update of other shape, after reset + weighted update)
DIRECT = [
    ({}, 0.6695905923843384, 0.691016674041748, 0.6196014285087585),
    ({"curve": "PR"}, 0.5825358033180237, 0.6347222924232483, 0.4737069606781006),
    ({"num_thresholds": 7}, 0.6593567728996277, 0.6826333403587341, 0.6146178841590881),
    ({"num_thresholds": 7, "curve": "PR"}, 0.6164227724075317, 0.6558539867401123, 0.5003752708435059),
    ({"summation_method": "minoring"}, 0.6666666269302368, 0.6880000233650208, 0.616279125213623),
    ({"summation_method": "majoring", "curve": "PR"}, 0.6058596968650818, 0.6491498351097107, 0.5062987804412842),
    ({"thresholds": [0.3, 0.1, 0.7]}, 0.565789520740509, 0.5933500528335571, 0.4792358875274658),
    ({"thresholds": [0.25, 0.5, 0.75]}, 0.641812801361084, 0.6778333187103271, 0.5975913405418396),
    ({"curve": "PRGAIN"}, 0.40902891755104065, 0.47060495615005493, 0.4087695777416229),
]


@pytest.mark.parametrize("kwargs,a,b,c", DIRECT)
def test_update_state_and_result(kwargs, a, b, c):
    rng = np.random.RandomState(0)
    yt = (rng.rand(37) > 0.6).astype("float32")
    yp = rng.rand(37).astype("float32")
    sw = (np.arange(37) % 5 * 0.3).astype("float32")
    m = metrics.AUC(**kwargs)
    m.update_state(yt, yp)
    np.testing.assert_allclose(m.result(), a, rtol=3e-6)
    m.update_state(yt[:20, None], yp[:20, None] * 1.3 - 0.1, sample_weight=sw[:20])  # clipped to [0, 1]
    np.testing.assert_allclose(m.result(), b, rtol=3e-6)
    m.reset_state()
    m.update_state(yt, yp, sample_weight=sw)
    np.testing.assert_allclose(m.result(), c, rtol=3e-6)


def test_logits_ties_and_empty():
    rng = np.random.RandomState(0)
    yt = (rng.rand(37) > 0.6).astype("float32")
    yp = rng.rand(37).astype("float32")
    m = metrics.AUC(from_logits=True)
    m.update_state(yt, yp * 6 - 3)
    np.testing.assert_allclose(m.result(), 0.6710526347160339, rtol=3e-6)
    m = metrics.AUC()
    m.update_state([0, 1, 1, 0], [0.5, 0.5, 0.5, 0.0])
    np.testing.assert_allclose(m.result(), 0.75, rtol=1e-6)
    assert float(metrics.AUC().result()) == 0.0


def test_config_and_thresholds():
    assert metrics.AUC().get_config() == {
        "name": "auc",
        "dtype": "float32",
        "num_thresholds": 200,
        "curve": "ROC",
        "summation_method": "interpolation",
        "multi_label": False,
        "num_labels": None,
        "label_weights": None,
        "from_logits": False,
    }
    assert metrics.AUC(curve="PR", num_thresholds=50, from_logits=True, name="x").get_config() == {
        "name": "x",
        "dtype": "float32",
        "num_thresholds": 50,
        "curve": "PR",
        "summation_method": "interpolation",
        "multi_label": False,
        "num_labels": None,
        "label_weights": None,
        "from_logits": True,
    }
    m = metrics.AUC(thresholds=[0.3, 0.1, 0.7])
    assert m.get_config() == {
        "name": "auc_1",
        "dtype": "float32",
        "num_thresholds": 5,
        "curve": "ROC",
        "summation_method": "interpolation",
        "multi_label": False,
        "num_labels": None,
        "label_weights": None,
        "from_logits": False,
        "thresholds": [0.1, 0.3, 0.7],
    }
    assert metrics.AUC.from_config(m.get_config()).thresholds == m.thresholds == [-1e-7, 0.1, 0.3, 0.7, 1 + 1e-7]
    t = metrics.AUC(num_thresholds=4).thresholds
    assert t == [-1e-7, 1 / 3, 2 / 3, 1 + 1e-7]
    assert isinstance(metrics.get("AUC"), metrics.AUC) and metrics.get("auc").name == "auc"


X = data(23, 4, 0)
Y = (data(23, 1, 3) > 0).astype("float32")
SW = (np.arange(23) % 4 * 0.5).astype("float32")


def model(act="sigmoid", units=1):
    inp = Input((4,))
    m = Model(inp, layers.Dense(units, activation=act)(inp))
    m.set_weights([data(4, units, 1), np.full(units, 0.1, "float32")])
    return m


def test_compiled_auc_evaluate_and_fit():
    m = model()
    m.compile(
        "sgd",
        "binary_crossentropy",
        metrics=[
            "AUC",
            metrics.AUC(curve="PR"),
            metrics.AUC(num_thresholds=9, summation_method="minoring"),
            metrics.AUC(),
        ],
        weighted_metrics=[metrics.AUC(name="wauc"), metrics.AUC(name="wpr", curve="PR")],
    )
    ev = {
        "AUC": 0.6363635659217834,
        "auc": 0.7915761470794678,
        "auc_1": 0.6363636255264282,
        "auc_2": 0.6363635659217834,
        "loss": 0.7410947680473328,
        "wauc": 0.6363635659217834,
        "wpr": 0.7915761470794678,
    }
    check(m.evaluate(X, Y, verbose=0, return_dict=True, batch_size=5), ev)
    check(
        m.evaluate(X, Y, verbose=0, return_dict=True, batch_size=5, sample_weight=SW),
        dict(ev, loss=0.5561293959617615, wauc=0.6000000238418579, wpr=0.7591952085494995),
    )
    h = m.fit(X, Y, epochs=2, verbose=0, batch_size=6, sample_weight=SW, validation_data=(X, Y, SW), shuffle=False)
    r, w, p = 0.6363636255264282, 0.6000000238418579, 0.7591952085494995
    check(
        {k: v[1] for k, v in h.history.items()},
        {
            "AUC": r,
            "auc": 0.7915761470794678,
            "auc_1": r,
            "auc_2": r,
            "loss": 0.5555852055549622,
            "wauc": w,
            "wpr": p,
            "val_AUC": r,
            "val_auc": 0.7915761470794678,
            "val_auc_1": r,
            "val_auc_2": r,
            "val_loss": 0.5547163486480713,
            "val_wauc": w,
            "val_wpr": p,
        },
    )


def test_compiled_auc_from_logits_multi_column():
    m = model("linear", 3)
    y3 = (data(23, 3, 5) > 0.2).astype("float32")
    m.compile(
        "adam",
        "mse",
        metrics=[metrics.AUC(from_logits=True, name="l"), metrics.AUC(from_logits=True, curve="PR", name="lpr")],
    )
    h = m.fit(X, y3, epochs=2, verbose=0, batch_size=4, shuffle=False)
    check(
        {k: v for k, v in h.history.items()},
        {
            "l": [0.46689894795417786, 0.4695121943950653],
            "loss": [0.3951413929462433, 0.3889661431312561],
            "lpr": [0.4007464051246643, 0.39183640480041504],
        },
    )
