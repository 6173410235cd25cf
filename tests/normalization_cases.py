"""Small models around the normalization layers, written once for Keras 3 and dagnet:
``build(lib, case)`` takes the library module (``keras`` or ``dagnet``).
tests/fixtures/make/keras3_normalization.py records Keras's results for each case
(weights, inference and training-mode outputs, the weights after a few fit steps,
parameter counts, layer configs); test_normalization_layers.py checks dagnet against
them. This module never imports keras."""

import numpy as np

BATCH = 12  # fit runs 3 steps of 4


def _model(lib, shape, body, dtype="float32"):
    inp = lib.Input(shape, dtype=dtype)
    return lib.Model(inp, body(lib.layers, inp))


def _cases():
    c = {}

    def dense_bn(L, x, **kw):
        return L.Dense(2)(L.BatchNormalization(**kw)(L.Dense(5)(x)))

    c["bn_dense"] = ((6,), lambda L, x: dense_bn(L, x))
    c["bn_first"] = ((6,), lambda L, x: L.Dense(2)(L.BatchNormalization()(x)))
    c["bn_momentum_epsilon"] = ((6,), lambda L, x: dense_bn(L, x, momentum=0.8, epsilon=1e-5))
    c["bn_no_center"] = ((6,), lambda L, x: dense_bn(L, x, center=False))
    c["bn_no_scale"] = ((6,), lambda L, x: dense_bn(L, x, scale=False))
    c["bn_neither"] = ((6,), lambda L, x: dense_bn(L, x, center=False, scale=False))
    c["bn_sequence"] = ((5, 4), lambda L, x: L.Dense(2)(L.BatchNormalization()(L.Dense(3)(x))))
    c["bn_conv"] = (
        (6, 6, 2),
        lambda L, x: L.Dense(2)(
            L.GlobalAveragePooling2D()(L.Activation("relu")(L.BatchNormalization()(L.Conv2D(4, 3, use_bias=False)(x))))
        ),
    )
    # 5x5 outputs, not 4x4: Keras 3.15 (TensorFlow) mis-adds a channels_first convolution's
    # bias in an eager call when the filter count equals the last spatial size.
    c["bn_conv_channels_first"] = (
        (2, 7, 7),
        lambda L, x: L.Dense(2)(
            L.GlobalAveragePooling2D(data_format="channels_first")(
                L.BatchNormalization(axis=1)(L.Conv2D(4, 3, data_format="channels_first")(x))
            )
        ),
    )
    c["bn_middle_axis"] = ((4, 3), lambda L, x: L.Dense(2)(L.BatchNormalization(axis=1)(L.Dense(3)(x))))
    c["bn_regularized"] = (
        (6,),
        lambda L, x: dense_bn(L, x, gamma_regularizer="l2", beta_regularizer="l1", gamma_constraint="non_neg"),
    )
    c["bn_renorm"] = ((6,), lambda L, x: dense_bn(L, x, renorm=True, renorm_momentum=0.9))
    c["bn_renorm_clipped"] = (
        (6,),
        lambda L, x: dense_bn(L, x, renorm=True, renorm_clipping={"rmax": 1.1, "rmin": 0.9, "dmax": 0.2}),
    )
    c["bn_twice"] = (  # one layer called twice: two updates of the same moving statistics
        (6,),
        lambda L, x: (lambda bn, d: L.Add()([bn(d(x)), bn(L.Dense(5)(x))]))(L.BatchNormalization(), L.Dense(5)),
    )
    c["ln_last"] = ((5, 4), lambda L, x: L.Dense(2)(L.LayerNormalization()(L.Dense(3)(x))))
    c["ln_axes"] = ((3, 4, 2), lambda L, x: L.Dense(2)(L.LayerNormalization(axis=[1, 2])(L.Dense(2)(x))))
    c["ln_axis_1"] = ((4, 3), lambda L, x: L.Dense(2)(L.LayerNormalization(axis=1, epsilon=1e-5)(L.Dense(3)(x))))
    c["ln_plain"] = ((6,), lambda L, x: L.Dense(2)(L.LayerNormalization(center=False, scale=False)(L.Dense(5)(x))))
    c["ln_rms_scaling"] = ((6,), lambda L, x: L.Dense(2)(L.LayerNormalization(rms_scaling=True)(L.Dense(5)(x))))
    c["gn_last"] = ((4, 4, 6), lambda L, x: L.Dense(2)(L.GroupNormalization(groups=3)(L.Dense(6)(x))))
    c["gn_channels_first"] = (
        (6, 3, 4),
        lambda L, x: L.Dense(2)(L.GroupNormalization(groups=2, axis=1)(x)),
    )
    c["gn_instance"] = ((5, 4), lambda L, x: L.Dense(2)(L.GroupNormalization(groups=-1)(L.Dense(4)(x))))
    c["unit_last"] = ((6,), lambda L, x: L.Dense(2)(L.UnitNormalization()(L.Dense(5)(x))))
    c["unit_axes"] = ((3, 4), lambda L, x: L.Dense(2)(L.UnitNormalization(axis=[1, 2])(L.Dense(4)(x))))
    c["rms_norm"] = ((5, 4), lambda L, x: L.Dense(2)(L.RMSNormalization()(L.Dense(4)(x))))
    c["bn_masked"] = (
        (7,),
        lambda L, x: L.Dense(2)(
            L.GlobalAveragePooling1D()(L.BatchNormalization()(L.Embedding(9, 4, mask_zero=True)(x)))
        ),
        "int32",
    )
    return c


CASES = _cases()
# Trained with Adam (the rest with SGD): optimizer state beside the moving statistics. A
# bias just before a normalization over its features has a zero gradient, which Adam
# turns into steps of noise, so these cases have none there.
ADAM = {"bn_conv", "gn_channels_first"}
# Frozen: layer.trainable = False (inference mode in fit; its weights stay as they are).
FROZEN = {"bn_frozen": "bn_dense"}


def build(lib, case):
    base = FROZEN.get(case, case)
    shape, body, *dtype = CASES[base]
    model = _model(lib, shape, body, *(dtype or ["float32"]))
    if case in FROZEN:
        for layer in model.layers:
            if type(layer).__name__ == "BatchNormalization":
                layer.trainable = False
    return model


def case_names():
    return sorted(list(CASES) + list(FROZEN))


def initial_weights(model, seed):
    """Seeded weights: moving variances positive, the rest around Keras's scales."""
    rng = np.random.default_rng(seed)
    out = []
    for w in model.weights:
        name = w.path.split("/")[-1]
        if name in ("moving_variance", "moving_stddev", "renorm_stddev"):
            out.append(rng.uniform(0.5, 1.5, w.shape).astype("float32"))
        elif name in ("gamma", "scale"):
            out.append((1 + 0.3 * rng.standard_normal(w.shape)).astype("float32"))
        else:
            out.append((0.5 * rng.standard_normal(w.shape)).astype("float32"))
    return out


def data(model, seed):
    """(x, y): BATCH examples with an offset mean (so the statistics matter) and targets."""
    rng = np.random.default_rng(seed + 100)
    shape = (BATCH,) + tuple(model.inputs[0].shape[1:])
    if str(model.inputs[0].dtype).startswith("int"):
        x = rng.integers(0, 9, shape).astype("int32")
        x[:, -2:] = 0  # padding the mask hides
    else:
        x = (2 + 1.5 * rng.standard_normal(shape)).astype("float32")
    y = rng.standard_normal((BATCH,) + tuple(model.outputs[0].shape[1:])).astype("float32")
    return x, y
