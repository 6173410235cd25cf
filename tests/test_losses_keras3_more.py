"""Huber, LogCosh, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
CosineSimilarity, MeanSquaredLogarithmicError, MeanAbsolutePercentageError: native loss ops
with float64 finite-difference gradient tests (with masks and sample weights), and
training / evaluate / direct calls against Keras 3.15's numbers for the same script."""

import numpy as np
import pytest
from helpers import fd_check

from dagnet import Input, Model, layers, losses, optimizers, utils

L = losses

NEW_OPS = [
    "huber",
    "log_cosh",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "kl_divergence",
    "poisson",
    "cosine_similarity",
    "mean_squared_logarithmic_error",
    "mean_absolute_percentage_error",
]


def fd_inputs(op, rng):
    pred = (
        rng.uniform(0.1, 0.9, (4, 5))
        if op in ("kl_divergence", "poisson", "mean_squared_logarithmic_error")
        else rng.standard_normal((4, 5))
    )
    if op in ("hinge", "squared_hinge"):
        target = (rng.uniform(size=(4, 5)) > 0.5).astype(float)
    elif op == "categorical_hinge":
        target = np.eye(5)[[0, 3, 1, 4]]
    elif op == "kl_divergence":
        target = rng.dirichlet(np.ones(5), 4)
    elif op == "mean_absolute_percentage_error":
        target = rng.standard_normal((4, 5)) + 2.0
    else:
        target = np.abs(rng.standard_normal((4, 5)))
    return pred, target


@pytest.mark.parametrize("op", NEW_OPS)
@pytest.mark.parametrize("extras", ["", "mask", "weights", "mask+weights"])
def test_gradient_finite_difference(op, extras):
    rng = np.random.default_rng(NEW_OPS.index(op))
    pred, target = fd_inputs(op, rng)
    attrs = {"delta": 0.7} if op == "huber" else {}

    def build(g, ids):
        inputs = [ids[0], g.param("t", target)]
        if "mask" in extras:
            inputs.append(g.param("m", np.array([1.0, 0.0, 1.0, 1.0])))
        if "weights" in extras:
            inputs.append(g.param("w", np.array([0.5, 2.0, 1.5, 0.25])))
            attrs["weighted"] = 1
        return g.node(op, inputs, attrs)[0]

    fd_check(build, [pred], rng, rtol=1e-5, atol=1e-8)


# (loss / targets / activation / weighted, fit history (2 epochs), evaluate, direct call on 5
# predictions, kernel[:4]) under Keras 3.15.
KERAS = [
    (
        "huber/reg",
        [1.4448057, 1.4421489],
        1.4367225170135498,
        1.4562039375305176,
        [-0.49955976009368896, -0.44509729743003845, -0.3939501941204071, -0.34585875272750854],
    ),
    (
        "L.Huber(delta=0.3)/reg",
        [0.5205948, 0.5201476],
        0.5194649696350098,
        0.5269321203231812,
        [-0.498833030462265, -0.4461509883403778, -0.3942531943321228, -0.34293290972709656],
    ),
    (
        "log_cosh/reg",
        [1.3159919, 1.3139762],
        1.3092602491378784,
        1.3242019414901733,
        [-0.500008225440979, -0.4452812075614929, -0.3938608169555664, -0.34545841813087463],
    ),
    (
        "hinge/bin/tanh",
        [0.9369084, 0.9339854],
        0.929053008556366,
        0.9403597116470337,
        [-0.5031666159629822, -0.4485008716583252, -0.3946830630302429, -0.3421935439109802],
    ),
    (
        "hinge/pm1",
        [0.9262773, 0.9223724],
        0.9159187078475952,
        0.9283347129821777,
        [-0.5040013194084167, -0.448340505361557, -0.3943600058555603, -0.3420044779777527],
    ),
    (
        "squared_hinge/bin/tanh",
        [1.1003125, 1.0626915],
        1.0280420780181885,
        1.048572301864624,
        [-0.501944363117218, -0.4435100853443146, -0.3924683928489685, -0.3499293923377991],
    ),
    (
        "L.SquaredHinge()/pm1",
        [1.1635267, 1.0893452],
        1.0349634885787964,
        1.0515849590301514,
        [-0.5046483278274536, -0.4420205056667328, -0.391638845205307, -0.35275939106941223],
    ),
    (
        "categorical_hinge/onehot",
        [1.3755949, 1.3003042],
        1.2315573692321777,
        1.224761962890625,
        [-0.4917953312397003, -0.4415755867958069, -0.39093175530433655, -0.33967021107673645],
    ),
    (
        "kld/prob/softmax",
        [0.2003923, 0.1879268],
        0.18038468062877655,
        0.16674990952014923,
        [-0.4968080520629883, -0.44492843747138977, -0.392981618642807, -0.3408864140510559],
    ),
    (
        "L.KLDivergence()/prob/softmax/w",
        [0.3838867, 0.3468683],
        0.16593405604362488,
        0.1477593034505844,
        [-0.49201124906539917, -0.44114112854003906, -0.39018186926841736, -0.3388948440551758],
    ),
    (
        "poisson/pos/softplus",
        [1.0764375, 1.0602852],
        1.0499770641326904,
        1.0161583423614502,
        [-0.48459041118621826, -0.44103333353996277, -0.39408135414123535, -0.34233206510543823],
    ),
    (
        "L.Poisson()/pos/exponential/w",
        [2.1846275, 2.0500965],
        0.970699667930603,
        0.9240447282791138,
        [-0.4733304977416992, -0.42731764912605286, -0.39010459184646606, -0.3578968942165375],
    ),
    (
        "cosine_similarity/reg",
        [0.0046784, 0.0022471],
        -0.00658898800611496,
        -0.005039787385612726,
        [-0.5059215426445007, -0.44887328147888184, -0.3940574824810028, -0.3432193994522095],
    ),
    (
        "L.CosineSimilarity(axis=-1)/reg/w",
        [0.0669077, 0.0161053],
        -0.009295880794525146,
        -0.007850301451981068,
        [-0.4736078381538391, -0.4295016825199127, -0.38753804564476013, -0.35004371404647827],
    ),
    (
        "msle/pos",
        [0.3803758, 0.3361501],
        0.31302887201309204,
        0.3037137985229492,
        [-0.49225854873657227, -0.4480849802494049, -0.3967509865760803, -0.336152583360672],
    ),
    (
        "L.MeanSquaredLogarithmicError()/pos/relu/w",
        [0.7586974, 0.6316584],
        0.27131766080856323,
        0.25862953066825867,
        [-0.4826897382736206, -0.44637247920036316, -0.3978649973869324, -0.3325779438018799],
    ),
    (
        "L.LogCosh()/reg/w",
        [2.6815131, 2.6571341],
        1.3059849739074707,
        1.3409380912780762,
        [-0.47464972734451294, -0.43010780215263367, -0.3927075266838074, -0.35951536893844604],
    ),
    (
        "L.Huber(2.0)/reg/w",
        [4.454329, 4.3779373],
        2.1436405181884766,
        2.221771240234375,
        [-0.45219355821609497, -0.4134359061717987, -0.3886534869670868, -0.3714723289012909],
    ),
    (
        "L.CategoricalHinge()/onehot/w",
        [2.7178876, 2.4394207],
        1.145735502243042,
        1.1041390895843506,
        [-0.46991202235221863, -0.4221322536468506, -0.3738010823726654, -0.32485243678092957],
    ),
    (
        "L.Hinge()/bin/w",
        [1.8790137, 1.8536158],
        0.9097487330436707,
        0.9326757192611694,
        [-0.48523208498954773, -0.43867528438568115, -0.39483553171157837, -0.35232314467430115],
    ),
]


def data(n, d, seed):
    return np.sin(np.arange(n * d, dtype="float64") * 0.7 + seed).reshape(n, d).astype("float32")


TARGETS = {
    "reg": lambda: data(16, 3, 1) * 3,
    "pos": lambda: np.abs(data(16, 3, 1)) * 2 + 0.1,
    "bin": lambda: (data(16, 3, 1) > 0).astype("float32"),
    "pm1": lambda: np.sign(data(16, 3, 1)).astype("float32"),
    "onehot": lambda: np.eye(3, dtype="float32")[np.arange(16) % 3],
    "prob": lambda: (lambda a: a / a.sum(-1, keepdims=True))(np.abs(data(16, 3, 2)) + 0.05),
}


def model_for(activation, scale=0.5):
    inp = Input((4,))
    model = Model(inp, layers.Dense(3, activation=activation)(layers.Dense(5, activation="tanh")(inp)))
    model.set_weights(
        [np.linspace(-1, 1, v.size).reshape(v.shape).astype("float32") * scale for v in model.get_weights()]
    )
    return model


@pytest.mark.parametrize("case, history, evaluated, direct, kernel", KERAS)
def test_matches_keras(case, history, evaluated, direct, kernel):
    utils.clear_session()
    parts = case.split("/")
    loss_src, target_name = parts[0], parts[1]
    activation = parts[2] if len(parts) > 2 and parts[2] != "w" else None
    weighted = parts[-1] == "w"
    x, y = data(16, 4, 0), TARGETS[target_name]()
    model = model_for(activation)
    loss = eval(loss_src) if loss_src.startswith("L.") else loss_src
    model.compile(optimizers.SGD(0.05), loss)
    sw = (np.arange(16) % 4 + 0.5).astype("float32") if weighted else None
    h = model.fit(x, y, sample_weight=sw, batch_size=4, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h, history, rtol=2e-6, atol=1e-7)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(evaluated, rel=1e-6, abs=1e-7)
    pred = model.predict(x[:5], verbose=0)
    value = loss(y[:5], pred) if loss_src.startswith("L.") else np.mean(L.get(loss_src)(y[:5], pred))
    assert float(value) == pytest.approx(direct, rel=1e-6, abs=1e-7)
    np.testing.assert_allclose(model.get_weights()[0].ravel()[:4], kernel, atol=2e-7)


def test_mape_steps_match_keras():
    """Three train_on_batch steps (MAPE's 100 / |y| gradients amplify float32 rounding
    quickly at larger rates, so this compares a short run)."""
    x, y = data(16, 4, 0), TARGETS["pos"]()
    model = model_for(None)
    model.compile(optimizers.SGD(1e-3), "mape")
    np.testing.assert_allclose(
        [model.train_on_batch(x, y) for _ in range(3)],
        [86.21495056152344, 78.67070007324219, 71.18011474609375],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        model.get_weights()[0].ravel()[:4],
        [-0.4480757713317871, -0.4225448966026306, -0.3904891014099121, -0.347268283367157],
        atol=1e-7,
    )


def test_names_configs_and_functions():
    assert L.Huber().name == "huber_loss" and L.Huber(0.5).get_config()["delta"] == 0.5
    assert isinstance(L.get("kld"), L.KLDivergence) and isinstance(L.get("msle"), L.MeanSquaredLogarithmicError)
    assert isinstance(L.get("mape"), L.MeanAbsolutePercentageError) and isinstance(L.get(L.log_cosh), L.LogCosh)
    assert L.CosineSimilarity().get_config() == {
        "name": "cosine_similarity",
        "reduction": "sum_over_batch_size",
        "axis": -1,
    }
    y, p = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[0.3, -0.2], [0.4, 2.0]])
    np.testing.assert_allclose(L.hinge(y, p), [1.25, 0.3], rtol=1e-6)  # 0/1 labels become -1/+1
    with pytest.raises(ValueError, match="axis"):
        L.CosineSimilarity(axis=0)
