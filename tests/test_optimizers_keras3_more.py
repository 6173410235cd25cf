"""Adagrad, Adadelta, Adamax and Nadam: fused native updates against NumPy versions of
Keras 3's formulas (float64, exact), three epochs against Keras 3.15's numbers (same
script), clipping / weight decay / schedules, and save-and-resume of their slots."""

import numpy as np
import pytest

from dagnet import Input, Model, layers, models, optimizers, utils
from dagnet.engine import Graph, Trainer


def linear_problem(seed=0):
    rng = np.random.default_rng(seed)
    x, t, w0 = rng.standard_normal((6, 3)), rng.standard_normal((6, 2)), rng.standard_normal((3, 2))
    g = Graph()
    xi, ti = g.input("x", [-1, 3], "float64"), g.input("t", [-1, 2], "float64")
    w = g.param("w", w0)
    (y,) = g.node("dense", [xi, w])
    (loss,) = g.node("mse", [y, ti])
    return g, loss, w, x, t, w0


def grad(x, t, w):
    return 2 * x.T @ (x @ w - t) / t.size


def numpy_adagrad(lr=0.05, initial=0.3, eps=1e-4):
    def init(w):
        return {"acc": np.full_like(w, initial)}

    def update(w, g, s, step):
        s["acc"] = s["acc"] + g * g
        return w - lr * g / np.sqrt(s["acc"] + eps)

    return dict(optimizer="adagrad", learning_rate=lr, initial_accumulator_value=initial, epsilon=eps), init, update


def numpy_adadelta(lr=0.5, rho=0.8, eps=1e-5):
    def init(w):
        return {"ag": np.zeros_like(w), "ad": np.zeros_like(w)}

    def update(w, g, s, step):
        s["ag"] = rho * s["ag"] + (1 - rho) * g * g
        delta = -np.sqrt(s["ad"] + eps) * g / np.sqrt(s["ag"] + eps)
        s["ad"] = rho * s["ad"] + (1 - rho) * delta * delta
        return w + lr * delta

    return dict(optimizer="adadelta", learning_rate=lr, rho=rho, epsilon=eps), init, update


def numpy_adamax(lr=0.02, b1=0.8, b2=0.9, eps=1e-6):
    def init(w):
        return {"m": np.zeros_like(w), "u": np.zeros_like(w)}

    def update(w, g, s, step):
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        return w - lr * s["m"] / ((1 - b1 ** (step + 1)) * (s["u"] + eps))

    return dict(optimizer="adamax", learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps), init, update


def numpy_nadam(lr=0.02, b1=0.85, b2=0.95, eps=1e-6):
    def init(w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w), "u": [1.0]}

    def update(w, g, s, step):
        t = step + 1
        u_t, u_t1 = b1 * (1 - 0.5 * 0.96**t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        s["u"][0] *= u_t
        u_prod = s["u"][0]
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        m_hat = u_t1 * s["m"] / (1 - u_prod * u_t1) + (1 - u_t) * g / (1 - u_prod)
        v_hat = s["v"] / (1 - b2**t)
        return w - m_hat * lr / (np.sqrt(v_hat) + eps)

    return dict(optimizer="nadam", learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps), init, update


@pytest.mark.parametrize("reference", [numpy_adagrad, numpy_adadelta, numpy_adamax, numpy_nadam])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_update_matches_numpy_formula(reference, weight_decay):
    kwargs, init, update = reference()
    g, loss, w, x, t, w0 = linear_problem()
    tr = Trainer(g, loss, [w], weight_decay=weight_decay, **kwargs)
    wn, state = w0.copy(), init(w0)
    for step in range(6):
        tr.step([x, t])
        gr = grad(x, t, wn)
        wn = wn - wn * weight_decay * kwargs["learning_rate"]
        wn = update(wn, gr, state, step)
        np.testing.assert_allclose(np.asarray(g.param_tensor(w)), wn, rtol=1e-12, atol=1e-14)
    assert tr.iterations == 6
    assert len(tr.slots[0]) == (1 if kwargs["optimizer"] == "adagrad" else 2)
    if kwargs["optimizer"] == "nadam":
        assert tr.u_product == pytest.approx(state["u"][0], rel=1e-14)


def data(n, d, seed):
    return np.sin(np.arange(n * d, dtype="float64") * 0.7 + seed).reshape(n, d).astype("float32")


def small_model():
    inp = Input((4,))
    model = Model(inp, layers.Dense(3)(layers.Dense(5, activation="tanh")(inp)))
    model.set_weights([np.linspace(-1, 1, w.size).reshape(w.shape).astype("float32") for w in model.get_weights()])
    return model


# (optimizer, per-epoch losses, kernel[:4], last bias) after 3 epochs under Keras 3.15.
KERAS_CASES = [
    (
        lambda: optimizers.Adagrad(0.1),
        [6.10806, 5.30079, 4.997326],
        [-0.97047358751297, -0.7953663468360901, -0.7237623929977417, -0.8582271933555603],
        [-0.7970976829528809, -0.22334147989749908, 0.5688928365707397],
    ),
    (
        lambda: optimizers.Adagrad(0.05, initial_accumulator_value=0.5, epsilon=1e-3, clipnorm=0.5),
        [6.036372, 5.815578, 5.654827],
        [-1.0260716676712036, -0.8873621821403503, -0.7856377959251404, -0.7144115567207336],
        [-0.9208251237869263, -0.0780242532491684, 0.8009617328643799],
    ),
    (
        lambda: optimizers.Adadelta(1.0),
        [6.059785, 6.029263, 6.000416],
        [-1.0034377574920654, -0.8923754692077637, -0.7855618596076965, -0.6892446279525757],
        [-0.9934410452842712, -0.012403291650116444, 0.9842222929000854],
    ),
    (
        lambda: optimizers.Adadelta(0.5, rho=0.9, epsilon=1e-4, weight_decay=0.1),
        [5.806761, 5.186774, 4.895107],
        [-0.5453060865402222, -0.4641518294811249, -0.38896745443344116, -0.3974746763706207],
        [-0.48543399572372437, -0.056483570486307144, 0.44537344574928284],
    ),
    (
        lambda: optimizers.Adamax(0.02),
        [6.021282, 5.71291, 5.509285],
        [-1.0330235958099365, -0.8785316944122314, -0.7813616394996643, -0.7249187231063843],
        [-0.9147663712501526, -0.11259337514638901, 0.8501482605934143],
    ),
    (
        lambda: optimizers.Adamax(0.02, beta_1=0.8, beta_2=0.9, clipvalue=0.1),
        [6.02191, 5.686416, 5.474283],
        [-1.0268932580947876, -0.9216297268867493, -0.7665725946426392, -0.7097210884094238],
        [-0.8895785212516785, -0.09953483939170837, 0.7600002288818359],
    ),
    (
        lambda: optimizers.Nadam(0.01),
        [6.044864, 5.878461, 5.737243],
        [-1.0166083574295044, -0.8829314112663269, -0.7750614285469055, -0.7151715755462646],
        [-0.9580729603767395, -0.0663939043879509, 0.914225161075592],
    ),
    (
        lambda: optimizers.Nadam(0.02, beta_1=0.85, beta_2=0.95, epsilon=1e-5, weight_decay=0.05, global_clipnorm=0.5),
        [6.035026, 5.730391, 5.497292],
        [-1.0369195938110352, -0.8893139362335205, -0.7599242329597473, -0.7424750328063965],
        [-0.8856518268585205, -0.12776032090187073, 0.7963860034942627],
    ),
    (
        lambda: optimizers.Nadam(optimizers.schedules.ExponentialDecay(0.02, 4, 0.5)),
        [6.03313, 5.791591, 5.696303],
        [-1.0188995599746704, -0.893771767616272, -0.7872632145881653, -0.6998727321624756],
        [-0.9574134945869446, -0.0699581429362297, 0.9171275496482849],
    ),
    (
        lambda: "adagrad",
        [6.061428, 6.04873, 6.040559],
        [-1.0014219284057617, -0.8939728140830994, -0.7890795469284058, -0.6863406300544739],
        [-0.9978421330451965, -0.003647390753030777, 0.9948034882545471],
    ),
    (
        lambda: "adadelta",
        [6.062311, 6.06228, 6.06225],
        [-1.0000039339065552, -0.8947346210479736, -0.7894698977470398, -0.6842155456542969],
        [-0.9999933838844299, -1.2679324754572008e-05, 0.9999840259552002],
    ),
    (
        lambda: "adamax",
        [6.059531, 6.041793, 6.02732],
        [-1.0032230615615845, -0.8941701054573059, -0.7895966172218323, -0.6863765120506287],
        [-0.995910108089447, -0.0063331048004329205, 0.9920601844787598],
    ),
    (
        lambda: "nadam",
        [6.060136, 6.041996, 6.024855],
        [-1.0026435852050781, -0.8937187790870667, -0.7883241772651672, -0.6874151229858398],
        [-0.9959526062011719, -0.00713455630466342, 0.9912095665931702],
    ),
]


@pytest.mark.parametrize("make, losses, kernel, bias", KERAS_CASES)
def test_training_matches_keras(make, losses, kernel, bias):
    utils.clear_session()
    x, y = data(16, 4, 0), data(16, 3, 1) * 3
    model = small_model()
    model.compile(make(), "mse")
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(history, losses, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[0].ravel()[:4], kernel, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[3], bias, atol=1e-6)


# kernel[:4] after 2 epochs, save, load and 1 more epoch (Keras 3.15 loading dagnet's file
# gives the same numbers; Nadam within 3e-7).
RESUMED = {
    "adagrad": [-1.0156502723693848, -0.8769960999488831, -0.7805407047271729, -0.7247012257575989],
    "adadelta": [-1.000076174736023, -0.8946911096572876, -0.7893984913825989, -0.6843124628067017],
    "adamax": [-1.0330235958099365, -0.8785316944122314, -0.7813616394996643, -0.7249187231063843],
    "nadam": [-1.017029881477356, -0.8696566224098206, -0.7556349039077759, -0.7443337440490723],
}


@pytest.mark.parametrize("name", sorted(RESUMED))
def test_saved_model_resumes_training(name, tmp_path):
    x, y = data(16, 4, 0), data(16, 3, 1) * 3
    model = small_model()
    model.compile(optimizers.get(name).__class__(0.02), "mse")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    state = model._optimizer_state()
    slots = {"adagrad": 1, "adadelta": 2, "adamax": 2, "nadam": 2}[name] * 4
    assert len(state) == 2 + slots + (name == "nadam")
    model.save(tmp_path / "m.keras")
    loaded = models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is type(model.optimizer)
    for m in (model, loaded):
        m.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])
    np.testing.assert_allclose(loaded.get_weights()[0].ravel()[:4], RESUMED[name], atol=3e-7)
    assert loaded.optimizer.iterations == 12


def test_defaults_and_config_as_keras():
    assert optimizers.Adagrad().get_config()["initial_accumulator_value"] == 0.1
    assert optimizers.Adadelta().get_config()["rho"] == 0.95
    for cls in (optimizers.Adagrad, optimizers.Adadelta, optimizers.Adamax, optimizers.Nadam):
        opt = cls(0.5, epsilon=1e-3, clipnorm=1.0)
        again = cls.from_config(opt.get_config())
        assert (again.learning_rate, again.epsilon, again.clipnorm) == (0.5, 1e-3, 1.0)
        assert opt.name == cls.__name__.lower()
        assert isinstance(optimizers.get(cls.__name__.lower()), cls)
