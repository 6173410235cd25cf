"""RMSprop(centered=True), clipnorm / global_clipnorm / clipvalue, weight_decay and AdamW:
three epochs against values produced by the same script under Keras 3.15."""

import numpy as np
import pytest

from dagnet import Input, Model, layers, optimizers, utils


def data(n, d, seed):
    return np.sin(np.arange(n * d, dtype="float64") * 0.7 + seed).reshape(n, d).astype("float32")


CASES = [
    (
        lambda: optimizers.RMSprop(0.01, centered=True),
        [6.032722, 5.636371, 5.422747],
        [-1.0083049535751343, -0.8736439943313599, -0.7496070265769958, -0.7359809875488281],
    ),
    (
        lambda: optimizers.RMSprop(0.01, centered=True, momentum=0.5),
        [5.988649, 5.349137, 5.03636],
        [-0.9936370253562927, -0.8608620166778564, -0.7308470010757446, -0.776602029800415],
    ),
    (
        lambda: optimizers.SGD(0.1, clipnorm=0.5),
        [6.019462, 5.67839, 5.427142],
        [-1.0332720279693604, -0.8835170269012451, -0.7841629981994629, -0.7257350087165833],
    ),
    (
        lambda: optimizers.SGD(0.1, momentum=0.9, clipvalue=0.05),
        [6.042408, 5.774895, 5.452701],
        [-1.0169949531555176, -0.911732017993927, -0.7630159854888916, -0.6672149896621704],
    ),
    (
        lambda: optimizers.Adam(0.01, global_clipnorm=0.3),
        [6.035789, 5.825455, 5.660405],
        [-1.047394037246704, -0.9031460285186768, -0.7908689975738525, -0.7265719771385193],
    ),
    (
        lambda: optimizers.Adam(0.01, weight_decay=0.1),
        [6.026681, 5.782067, 5.592611],
        [-1.0146900415420532, -0.8685960173606873, -0.7687159776687622, -0.7221059799194336],
    ),
    (
        lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True, weight_decay=0.05),
        [5.955007, 4.754402, 4.723092],
        [-0.942333996295929, -0.5363619923591614, -0.679826021194458, -1.1635730266571045],
    ),
    (
        lambda: optimizers.RMSprop(0.01, weight_decay=0.02, clipnorm=1.0),
        [6.045908, 5.710281, 5.531627],
        [-1.0252280235290527, -0.8867980241775513, -0.7588750123977661, -0.7339800000190735],
    ),
    (
        lambda: optimizers.AdamW(0.01),
        [6.031907, 5.798678, 5.617502],
        [-1.0263539552688599, -0.8788260221481323, -0.7779060006141663, -0.7301700115203857],
    ),
    (
        lambda: optimizers.AdamW(0.01, weight_decay=0.1, amsgrad=True, clipvalue=0.1),
        [6.030612, 5.818684, 5.656176],
        [-1.003849983215332, -0.8998439908027649, -0.7654110193252563, -0.6907020211219788],
    ),
]


@pytest.mark.parametrize("make, losses, kernel", CASES)
def test_matches_keras(make, losses, kernel):
    utils.clear_session()
    x, y = data(16, 4, 0), data(16, 3, 1) * 3
    inp = Input((4,))
    model = Model(inp, layers.Dense(3)(layers.Dense(5, activation="tanh")(inp)))
    model.set_weights([np.linspace(-1, 1, w.size).reshape(w.shape).astype("float32") for w in model.get_weights()])
    model.compile(make(), "mse")
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(history, losses, rtol=2e-6)
    np.testing.assert_allclose(model.get_weights()[0].ravel()[:4], kernel, atol=3e-6)


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=0.5)


def test_options_round_trip_through_config():
    opt = optimizers.RMSprop(0.01, centered=True, clipnorm=2.0, weight_decay=0.1)
    again = optimizers.RMSprop.from_config(opt.get_config())
    assert (again.centered, again.clipnorm, again.weight_decay) == (True, 2.0, 0.1)
    assert optimizers.get("adamw").weight_decay == 0.004
