"""Small models over the attention, shape, noise and activation layers, written once for
Keras 3 and dagnet (``build(lib, case)`` takes ``keras`` or ``dagnet``), in the format of
layer_numerics_cases.py: tests/fixtures/make/keras3_attention_layers.py saves Keras's
weights, inputs, outputs, shapes, parameter counts, configs and the weights after one SGD
step; test_keras3_attention_layers.py checks dagnet against them. Integer inputs hold
zeros (a fully masked second row), so masks from Embedding(mask_zero=True) are exercised.
This module never imports keras."""

from layer_numerics_cases import inputs_for, targets_for  # noqa: F401  (the fixture maker's protocol)

# Training-mode noise is random in Keras; a fully masked row's masked average is NaN; Keras
# puts the attention mask on returned attention scores, and its mse then fails to broadcast.
NO_TRAIN = {
    "mha_causal_scores",
    "mha_masked_scores",
    "mha_dropout_inference",
    "spatial_dropout1d",
    "spatial_dropout2d",
    "spatial_dropout2d_first",
    "gaussian_noise",
    "gaussian_dropout",
    "masking_pooled",
    "attention_dropout_inference",
}
# Keras's EinsumDense reports the None its output_shape argument holds for an axis it copies
# from the input; dagnet reports that axis' size (5).
KERAS_SHAPE_DIFFERS = {"einsum_dense_heads"}


def _seq(lib, shape, layers, dtype=None, pre_dense=False):
    x = lib.Input(shape, dtype=dtype) if dtype else lib.Input(shape)
    y = lib.layers.Dense(shape[-1])(x) if pre_dense else x
    for layer in layers:
        y = layer(y)
    return lib.Model(x, y)


def _self_attention(L, shape=(5, 8), call=None, **kwargs):
    x = L.Input(shape)
    y = L.layers.MultiHeadAttention(**kwargs)(x, x, **(call or {}))
    return L.Model(x, list(y) if isinstance(y, tuple) else y)


def _masked_attention(L, scores=False, causal=False, **kwargs):
    ids = L.Input((6,), dtype="int32")
    e = L.layers.Embedding(7, 8, mask_zero=True)(ids)
    y = L.layers.MultiHeadAttention(**kwargs)(e, e, return_attention_scores=scores, use_causal_mask=causal)
    return L.Model(ids, list(y) if isinstance(y, tuple) else y)


def _cross_attention(L):
    q, v, k = L.Input((4, 6)), L.Input((5, 7)), L.Input((5, 3))
    y = L.layers.MultiHeadAttention(2, 3, value_dim=4, output_shape=5)(q, v, key=k)
    return L.Model([q, v, k], y)


def _explicit_mask(L):
    x = L.Input((5, 8))
    m = L.Input((5, 5), dtype="int32")
    y = L.layers.MultiHeadAttention(2, 4)(x, x, attention_mask=m)
    return L.Model([x, m], y)


def _luong(L, layer, key=False, masked=False, **call):
    if masked:
        q_ids, v_ids = L.Input((4,), dtype="int32"), L.Input((6,), dtype="int32")
        q = L.layers.Embedding(7, 5, mask_zero=True)(q_ids)
        v = L.layers.Embedding(7, 5, mask_zero=True)(v_ids)
        inputs = [q_ids, v_ids]
    else:
        q, v = L.Input((4, 5)), L.Input((6, 5))
        inputs = [q, v]
    args = [q, v]
    if key:
        k = L.Input((6, 5))
        inputs.append(k)
        args.append(k)
    y = layer(args, **call)
    return L.Model(inputs, list(y) if isinstance(y, tuple) else y)


def _softmax_with_mask(L):
    x, m = L.Input((3, 4)), L.Input((3, 4), dtype="int32")
    return L.Model([x, m], L.layers.Softmax()(x, mask=m))


def _masking_pooled(L):
    ids = L.Input((6,), dtype="int32")
    f = L.ops.expand_dims(L.ops.cast(ids, "float32"), -1)
    y = L.layers.Masking(mask_value=0.0)(f)
    y = L.layers.Dense(3)(y)
    return L.Model(ids, L.layers.GlobalAveragePooling1D()(y))


def _cases():
    cases = {}

    def add(name, fn):
        assert name not in cases, name
        cases[name] = fn

    # MultiHeadAttention
    add("mha_self", lambda L: _self_attention(L, num_heads=2, key_dim=3))
    add("mha_value_dim_output_shape", lambda L: _self_attention(L, num_heads=3, key_dim=2, value_dim=4, output_shape=6))
    add("mha_no_bias", lambda L: _self_attention(L, num_heads=2, key_dim=3, use_bias=False))
    add("mha_causal", lambda L: _self_attention(L, call={"use_causal_mask": True}, num_heads=2, key_dim=3))
    add(
        "mha_causal_scores",
        lambda L: _self_attention(
            L, call={"use_causal_mask": True, "return_attention_scores": True}, num_heads=2, key_dim=3
        ),
    )
    add("mha_cross_key", _cross_attention)
    add("mha_masked", lambda L: _masked_attention(L, num_heads=2, key_dim=4))
    add("mha_masked_scores", lambda L: _masked_attention(L, scores=True, num_heads=2, key_dim=4))
    add("mha_masked_causal", lambda L: _masked_attention(L, causal=True, num_heads=2, key_dim=4))
    add("mha_masked_gate", lambda L: _masked_attention(L, num_heads=2, key_dim=4, use_gate=True))
    add("mha_dropout_inference", lambda L: _masked_attention(L, num_heads=2, key_dim=4, dropout=0.3))
    add("mha_attention_mask", _explicit_mask)
    add("mha_sliding_window", lambda L: _self_attention(L, num_heads=2, key_dim=3, sliding_window=2))
    add("mha_rank4_default_axes", lambda L: _self_attention(L, shape=(3, 4, 6), num_heads=2, key_dim=3))
    add("mha_rank4_axis2", lambda L: _self_attention(L, shape=(3, 4, 6), num_heads=2, key_dim=3, attention_axes=2))
    # Attention / AdditiveAttention
    add("attention_dot", lambda L: _luong(L, L.layers.Attention()))
    add("attention_dot_scale_key", lambda L: _luong(L, L.layers.Attention(use_scale=True), key=True))
    add("attention_concat", lambda L: _luong(L, L.layers.Attention(use_scale=True, score_mode="concat")))
    add("attention_masked", lambda L: _luong(L, L.layers.Attention(), masked=True))
    add(
        "attention_causal_scores",
        lambda L: _luong(L, L.layers.Attention(), use_causal_mask=True, return_attention_scores=True),
    )
    add("attention_dropout_inference", lambda L: _luong(L, L.layers.Attention(dropout=0.5), masked=True))
    add("additive_attention", lambda L: _luong(L, L.layers.AdditiveAttention()))
    add(
        "additive_attention_no_scale_masked",
        lambda L: _luong(L, L.layers.AdditiveAttention(use_scale=False), masked=True),
    )
    # EinsumDense
    add("einsum_dense_2d", lambda L: _seq(L, (6,), [L.layers.EinsumDense("ab,bc->ac", 4, bias_axes="c")]))
    add(
        "einsum_dense_heads",
        lambda L: _seq(L, (5, 6), [L.layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de")]),
    )
    add(
        "einsum_dense_relu_ellipsis",
        lambda L: _seq(L, (5, 6), [L.layers.EinsumDense("...b,bc->...c", 4, activation="relu", bias_axes="c")]),
    )
    add("einsum_dense_batched", lambda L: _seq(L, (5, 6), [L.layers.EinsumDense("abc,cb->ab", (5,), bias_axes="b")]))
    # Shape and misc
    add("repeat_vector", lambda L: _seq(L, (4,), [L.layers.Dense(3), L.layers.RepeatVector(5)]))
    add("permute", lambda L: _seq(L, (3, 4, 5), [L.layers.Permute((2, 3, 1))], pre_dense=True))
    add("identity", lambda L: _seq(L, (3, 4), [L.layers.Identity()], pre_dense=True))
    add("masking_pooled", _masking_pooled)
    add("spatial_dropout1d", lambda L: _seq(L, (5, 4), [L.layers.SpatialDropout1D(0.5)], pre_dense=True))
    add("spatial_dropout2d", lambda L: _seq(L, (3, 4, 5), [L.layers.SpatialDropout2D(0.5)], pre_dense=True))
    add(
        "spatial_dropout2d_first",
        lambda L: _seq(L, (3, 4, 5), [L.layers.SpatialDropout2D(0.5, data_format="channels_first")], pre_dense=True),
    )
    add("gaussian_noise", lambda L: _seq(L, (4,), [L.layers.GaussianNoise(0.5)], pre_dense=True))
    add("gaussian_dropout", lambda L: _seq(L, (4,), [L.layers.GaussianDropout(0.3)], pre_dense=True))
    add(
        "activity_regularization",
        lambda L: _seq(L, (4,), [L.layers.ActivityRegularization(l1=0.01, l2=0.02)], pre_dense=True),
    )
    # Activation layers
    add("relu", lambda L: _seq(L, (3, 4), [L.layers.ReLU()], pre_dense=True))
    add("relu_max", lambda L: _seq(L, (3, 4), [L.layers.ReLU(max_value=0.5)], pre_dense=True))
    add(
        "relu_slope_threshold",
        lambda L: _seq(L, (3, 4), [L.layers.ReLU(negative_slope=0.1, threshold=0.3)], pre_dense=True),
    )
    add(
        "relu_all",
        lambda L: _seq(L, (3, 4), [L.layers.ReLU(max_value=0.8, negative_slope=0.2, threshold=0.1)], pre_dense=True),
    )
    add("relu6", lambda L: _seq(L, (3, 4), [L.layers.ReLU(max_value=6)], pre_dense=True))
    add("leaky_relu", lambda L: _seq(L, (3, 4), [L.layers.LeakyReLU()], pre_dense=True))
    add("leaky_relu_slope", lambda L: _seq(L, (3, 4), [L.layers.LeakyReLU(negative_slope=0.05)], pre_dense=True))
    add("prelu", lambda L: _seq(L, (3, 4), [L.layers.PReLU()], pre_dense=True))
    add("prelu_shared", lambda L: _seq(L, (3, 4, 5), [L.layers.PReLU(shared_axes=[1, 2])], pre_dense=True))
    add("elu", lambda L: _seq(L, (3, 4), [L.layers.ELU(alpha=0.5)], pre_dense=True))
    add("softmax", lambda L: _seq(L, (3, 4), [L.layers.Softmax()], pre_dense=True))
    add("softmax_axis1", lambda L: _seq(L, (3, 4), [L.layers.Softmax(axis=1)], pre_dense=True))
    add("softmax_two_axes", lambda L: _seq(L, (3, 4), [L.layers.Softmax(axis=[1, 2])], pre_dense=True))
    add("softmax_mask", _softmax_with_mask)
    return cases


CASES = _cases()


def build(lib, case):
    return CASES[case](lib)
