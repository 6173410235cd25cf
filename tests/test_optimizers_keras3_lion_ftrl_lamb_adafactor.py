"""Lion, Ftrl, Lamb and Adafactor: the fused native updates against NumPy versions of Keras
3's formulas (float64, exact; float32 close), 3 epochs of two small models against Keras
3.15's numbers (tests/fixtures/keras3_optimizers_more, made by
tests/fixtures/make/keras3_optimizers_more.py), configs as Keras writes them, and the
optimizer state saved and resumed in .keras files, Keras's files included."""

import json
import os

import numpy as np
import pytest

from dagnet import Input, Model, layers, models, optimizers, utils
from dagnet.engine import Executor, Graph

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_optimizers_more")


# ---------------------------------------------------------------- NumPy references of one step
def lion(p, g, s, t, lr, beta_1=0.9, beta_2=0.99):
    p = p - lr * np.sign(beta_1 * s["m"] + (1 - beta_1) * g)
    s["m"] = beta_2 * s["m"] + (1 - beta_2) * g
    return p


def ftrl(p, g, s, t, lr, power=-0.5, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    l2_reg = l2 + beta / (2 * lr)
    new_acc = s["acc"] + g * g
    s["lin"] = s["lin"] + g + 2 * shrink * p - (new_acc**-power - s["acc"] ** -power) / lr * p
    quadratic = new_acc**-power / lr + 2 * l2_reg
    p = (np.clip(s["lin"], -l1, l1) - s["lin"]) / quadratic
    s["acc"] = new_acc
    return p


def lamb(p, g, s, t, lr, beta_1=0.9, beta_2=0.999, eps=1e-7):
    s["m"] = s["m"] + (g - s["m"]) * (1 - beta_1)
    s["v"] = s["v"] + (g * g - s["v"]) * (1 - beta_2)
    u = (s["m"] / (1 - beta_1**t)) / (np.sqrt(s["v"] / (1 - beta_2**t)) + eps)
    w_norm, u_norm = np.linalg.norm(p), np.linalg.norm(u)
    ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
    return p - ratio * lr * u


def adafactor(p, g, s, t, lr, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
    rho = min(lr, 1 / np.sqrt(t))
    alpha = max(eps2, np.sqrt(np.mean(p * p))) * rho
    sq = g * g + eps1
    beta = 1 - t**decay
    if p.ndim >= 2:
        s["r"] = beta * s["r"] + (1 - beta) * sq.mean(axis=-1)
        s["c"] = beta * s["c"] + (1 - beta) * sq.mean(axis=-2)
        s["v"] = (s["r"] / s["r"].mean(axis=-1, keepdims=True))[..., None] * s["c"][..., None, :]
    else:
        s["v"] = beta * s["v"] + (1 - beta) * sq
    u = g / np.sqrt(s["v"])
    u = u / max(1.0, np.sqrt(np.mean(u * u)) / clip)
    return p - alpha * u


def initial_slots(op, p, attrs):
    zeros = np.zeros_like(p)
    if op == "lion_update":
        return {"m": zeros}
    if op == "ftrl_update":
        return {"acc": np.full_like(p, attrs.pop("initial", 0.1)), "lin": zeros}
    if op == "lamb_update":
        return {"m": zeros, "v": zeros.copy()}
    slots = {"v": zeros}
    if p.ndim >= 2:
        slots["r"], slots["c"] = np.zeros(p.shape[:-1]), np.zeros(p.shape[:-2] + p.shape[-1:])
    return slots


# (op, reference, native attrs, reference keywords): attrs away from every default
UPDATES = [
    ("lion_update", lion, {}, {}),
    ("lion_update", lion, {"beta_1": 0.7, "beta_2": 0.95}, {"beta_1": 0.7, "beta_2": 0.95}),
    ("ftrl_update", ftrl, {}, {}),
    (
        "ftrl_update",
        ftrl,
        {
            "learning_rate_power": -0.7,
            "l1_regularization_strength": 0.05,
            "l2_regularization_strength": 0.1,
            "l2_shrinkage_regularization_strength": 0.2,
            "beta": 0.3,
        },
        {"power": -0.7, "l1": 0.05, "l2": 0.1, "shrink": 0.2, "beta": 0.3},
    ),
    ("ftrl_update", ftrl, {"learning_rate_power": 0.0}, {"power": 0.0}),
    ("lamb_update", lamb, {}, {}),
    ("lamb_update", lamb, {"beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-4}, {"beta_1": 0.8, "beta_2": 0.9, "eps": 1e-4}),
    ("adafactor_update", adafactor, {}, {}),
    (
        "adafactor_update",
        adafactor,
        {"beta_2_decay": -0.5, "epsilon_1": 1e-3, "epsilon_2": 0.5, "clip_threshold": 0.3},
        {"decay": -0.5, "eps1": 1e-3, "eps2": 0.5, "clip": 0.3},
    ),
]


def native_steps(op, p0, grads, lr, attrs, slots, dtype):
    """Runs `op` once per gradient on a graph of params; returns the parameter after each step."""
    g = Graph()
    p = g.param("p", p0.astype(dtype))
    grad = g.input("g", list(p0.shape), dtype)
    rate = g.param("lr", np.array(lr))
    inputs = [p, grad, rate]
    if op in ("lamb_update", "adafactor_update"):
        inputs.append(g.param("iterations", np.array(0, dtype="int64")))
    names = {"lion_update": ["m"], "ftrl_update": ["acc", "lin"], "lamb_update": ["m", "v"]}.get(
        op, ["r", "c", "v"] if p0.ndim >= 2 else ["v"]
    )
    inputs += [g.param(n, slots[n].astype(dtype)) for n in names]
    g.node(op, inputs, attrs)
    updates = [g.num_nodes - 1]
    if op in ("lamb_update", "adafactor_update"):
        g.node("increment_counter", [inputs[3]])
        updates.append(g.num_nodes - 1)
    ex = Executor(g, [], updates)
    out = []
    for gr in grads:
        ex.run({"g": gr.astype(dtype)})
        out.append(np.array(g.param_tensor(p), copy=True))
    return out


@pytest.mark.parametrize("op, reference, attrs, keywords", UPDATES)
# (2, 70, 130): more than one chunk of the ordered sums and stripe of Adafactor's column means
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5), (), (2, 70, 130)])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_update_matches_numpy_formula(op, reference, attrs, keywords, shape, weight_decay):
    rng = np.random.default_rng(len(shape) * 7 + len(attrs))
    p0 = rng.standard_normal(shape)
    grads = [rng.standard_normal(shape) for _ in range(5)]
    lr = 0.05
    attrs = dict(attrs)
    if weight_decay:
        attrs["weight_decay"] = weight_decay
    slots = initial_slots(op, p0, {})
    for dtype, tolerance in (("float64", 1e-12), ("float32", 2e-5)):
        got = native_steps(op, p0, grads, lr, attrs, {k: v.copy() for k, v in slots.items()}, dtype)
        state, p = {k: v.copy() for k, v in slots.items()}, p0.copy()
        for t, gr in enumerate(grads, start=1):
            p = p - p * weight_decay * lr
            p = reference(p, gr, state, t, lr, **keywords)
            np.testing.assert_allclose(got[t - 1], p, rtol=tolerance, atol=tolerance, err_msg=f"{dtype} step {t}")


def test_lamb_trust_ratio_is_one_for_a_zero_parameter():
    # ||param|| = 0: the step is lr * u (Keras's ratio 1), not 0 / ||u||.
    g = np.full((2, 3), 0.5)
    got = native_steps(
        "lamb_update", np.zeros((2, 3)), [g], 0.1, {}, {"m": np.zeros((2, 3)), "v": np.zeros((2, 3))}, "float64"
    )
    np.testing.assert_allclose(got[0], lamb(np.zeros((2, 3)), g, {"m": 0.0, "v": 0.0}, 1, 0.1))
    assert np.all(got[0] < 0)


def test_bad_slots_are_refused_by_name():
    g = Graph()
    p = g.param("p", np.zeros((3, 4)))
    inputs = [p, g.input("g", [3, 4], "float64"), g.param("lr", np.array(0.1)), g.param("it", np.array(0))]
    with pytest.raises(ValueError, match="adafactor_update.*r and c exactly when the parameter has rank >= 2"):
        g.node("adafactor_update", inputs + [g.param("v", np.zeros((3, 4)))])
    with pytest.raises(ValueError, match="r must have the parameter's shape without its last axis"):
        g.node(
            "adafactor_update", inputs + [g.param(n, np.zeros(s)) for n, s in (("r", (4,)), ("c", (4,)), ("w", (3, 4)))]
        )
    with pytest.raises(ValueError, match=r"lion_update.*optimizer slot 3 must match the parameter"):
        g.node("lion_update", inputs[:3] + [g.param("m", np.zeros((4, 3)))])


# ---------------------------------------------------------------- against Keras 3.15
with open(os.path.join(FIXTURES, "cases.json")) as f:
    CASES = json.load(f)["cases"]


def data(shape, seed):
    n = int(np.prod(shape))
    return np.sin(np.arange(n, dtype="float64") * 0.7 + seed).reshape(shape).astype("float32")


def problem(kind):
    if kind == "dense":
        inp = Input((4,))
        model = Model(inp, layers.Dense(3)(layers.Dense(5, activation="tanh")(inp)))
        x, y = data((16, 4), 0), data((16, 3), 1) * 3
    else:
        inp = Input((5, 5, 2))
        model = Model(inp, layers.Dense(2)(layers.Flatten()(layers.Conv2D(3, 3, activation="tanh")(inp))))
        x, y = data((16, 5, 5, 2), 0), data((16, 2), 1) * 3
    model.set_weights([np.linspace(-1, 1, w.size).reshape(w.shape).astype("float32") for w in model.get_weights()])
    return model, x, y


def make(spec):
    if isinstance(spec, str):
        return spec
    class_name, config = spec
    return getattr(optimizers, class_name).from_config(dict(config))


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_training_matches_keras(case_id):
    case = CASES[case_id]
    utils.clear_session()
    model, x, y = problem(case["model"])
    model.compile(make(case["optimizer"]), "mse")
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(history, case["losses"], rtol=1e-5, atol=1e-6)
    # Float32 sums in another order (Keras reduces with TensorFlow's kernels): Adafactor's
    # steps of 0.5 * rms(param) with clipped gradients carry that furthest.
    atol = 1e-5 if case_id == "adafactor_wd_clipvalue" else 2e-6
    for got, expected in zip(model.get_weights(), case["weights"]):
        np.testing.assert_allclose(got.ravel(), expected, rtol=1e-5, atol=atol)
    state = model._optimizer_state()  # Keras's variables: iterations, learning rate, then the slots
    shapes = [list(np.shape(v)) for v in state]
    assert shapes == case["keras_variable_shapes"]
    config, expected = model.optimizer.get_config(), dict(case["keras_config"])
    config.pop("name")
    rate, expected_rate = config.pop("learning_rate"), expected.pop("learning_rate")
    assert rate == (expected_rate if isinstance(rate, dict) else pytest.approx(expected_rate))
    assert config == pytest.approx(expected)


@pytest.mark.parametrize("cls", [optimizers.Lion, optimizers.Ftrl, optimizers.Lamb, optimizers.Adafactor])
def test_config_round_trip_and_names(cls):
    opt = cls(0.25, clipnorm=1.0, weight_decay=0.01)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is cls and again.get_config() == opt.get_config()
    assert opt.name == cls.__name__.lower()
    assert optimizers.get({"class_name": cls.__name__, "config": {}}).__class__ is cls


def test_string_names_as_keras_takes_them():
    for name, cls in (("lion", optimizers.Lion), ("Ftrl", optimizers.Ftrl), ("adafactor", optimizers.Adafactor)):
        assert type(optimizers.get(name)) is cls
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: lamb"):
        optimizers.get("lamb")  # Keras 3.15 has no string name for Lamb either


def test_bad_hyperparameters_are_refused_as_keras_does():
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        optimizers.Ftrl(l1_regularization_strength=-1.0)


def test_module_lists_only_public_names():
    assert "Lion" in dir(optimizers) and "Adafactor" in dir(optimizers)
    assert all(not name.startswith("_") and name not in ("np", "Any", "Callable") for name in dir(optimizers))
    assert set(optimizers.__all__) == set(dir(optimizers))


# ---------------------------------------------------------------- saving
with open(os.path.join(FIXTURES, "resume.json")) as f:
    RESUMED = json.load(f)["weights"]
RATES = {"lion": 0.01, "ftrl": 0.1, "lamb": 0.02, "adafactor": 0.1}
CLASSES = {"lion": optimizers.Lion, "ftrl": optimizers.Ftrl, "lamb": optimizers.Lamb, "adafactor": optimizers.Adafactor}


@pytest.mark.parametrize("name", sorted(RESUMED))
def test_saved_model_resumes_training(name, tmp_path):
    model, x, y = problem("dense")
    model.compile(CLASSES[name](RATES[name]), "mse")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is CLASSES[name]
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for m in (model, loaded):
        m.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b, expected in zip(loaded.get_weights(), model.get_weights(), RESUMED[name]):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a.ravel(), expected, rtol=1e-5, atol=2e-6)
    assert loaded.optimizer.iterations == 12


@pytest.mark.parametrize("name", sorted(RESUMED))
def test_keras_saved_optimizer_state_resumes_here(name):
    # Keras saved these after 2 epochs; one more epoch here lands where Keras's did.
    x, y = data((16, 4), 0), data((16, 3), 1) * 3
    loaded = models.load_model(os.path.join(FIXTURES, f"resume_{name}.keras"))
    assert type(loaded.optimizer) is CLASSES[name]
    loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for got, expected in zip(loaded.get_weights(), RESUMED[name]):
        np.testing.assert_allclose(got.ravel(), expected, rtol=1e-5, atol=2e-6)
    assert loaded.optimizer.iterations == 12
