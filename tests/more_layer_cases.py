"""Small models over AlphaDropout, SpectralNormalization, GroupQueryAttention and the adaptive
pooling layers, written once for Keras 3 and dagnet (``build(lib, case)`` takes ``keras`` or
``dagnet``), in the format of layer_numerics_cases.py: tests/fixtures/make/keras3_more_layers.py
saves Keras's weights, inputs, outputs, shapes, parameter counts, configs and the weights after
one SGD step; test_keras3_more_layers.py checks dagnet against them. This module never
imports keras."""

from layer_numerics_cases import inputs_for, targets_for  # noqa: F401  (the fixture maker's protocol)

# Training-mode dropout is random in Keras; a returned score tensor has a fully masked row.
NO_TRAIN = {"sn_embedding", "alpha_dropout", "alpha_dropout_noise_shape", "gqa_dropout_inference", "gqa_masked_scores"}
# SpectralNormalization in training: Keras overwrites the trained kernel with the normalized
# one before the optimizer's update; dagnet cannot write a trained weight inside the step, so
# these cases compare the loss, vector_u and the optimizer's increment (test_spectral_normalization.py).
SPECTRAL = {"sn_dense", "sn_conv2d", "sn_embedding"}


def _seq(lib, shape, layers, dtype=None, pre_dense=False):
    x = lib.Input(shape, dtype=dtype) if dtype else lib.Input(shape)
    y = lib.layers.Dense(shape[-1])(x) if pre_dense else x
    for layer in layers:
        y = layer(y)
    return lib.Model(x, y)


def _gqa(L, shape=(5, 8), call=None, **kwargs):
    x = L.Input(shape)
    y = L.layers.GroupQueryAttention(**kwargs)(x, x, **(call or {}))
    return L.Model(x, list(y) if isinstance(y, tuple) else y)


def _gqa_masked(L, scores=False, causal=False, **kwargs):
    ids = L.Input((6,), dtype="int32")
    e = L.layers.Embedding(7, 8, mask_zero=True)(ids)
    y = L.layers.GroupQueryAttention(**kwargs)(e, e, return_attention_scores=scores, use_causal_mask=causal)
    return L.Model(ids, list(y) if isinstance(y, tuple) else y)


def _gqa_cross(L):
    q, v, k = L.Input((4, 6)), L.Input((5, 6)), L.Input((5, 3))
    y = L.layers.GroupQueryAttention(3, 4, 2)(q, v, key=k)
    return L.Model([q, v, k], y)


def _cases():
    return {
        "alpha_dropout": lambda L: _seq(L, (6,), [L.layers.AlphaDropout(0.2, seed=3), L.layers.Dense(3)]),
        "alpha_dropout_noise_shape": lambda L: _seq(L, (4, 5), [L.layers.AlphaDropout(0.4, noise_shape=(None, 1, 5))]),
        "sn_dense": lambda L: _seq(L, (6,), [L.layers.SpectralNormalization(L.layers.Dense(4))]),
        "sn_conv2d": lambda L: _seq(
            L, (5, 5, 2), [L.layers.SpectralNormalization(L.layers.Conv2D(3, 2), power_iterations=2)]
        ),
        "sn_embedding": lambda L: _seq(
            L, (6,), [L.layers.SpectralNormalization(L.layers.Embedding(7, 3)), L.layers.Flatten()], dtype="int32"
        ),
        "gqa_self": lambda L: _gqa(L, head_dim=4, num_query_heads=4, num_key_value_heads=2),
        "gqa_one_kv_head_causal": lambda L: _gqa(
            L, head_dim=3, num_query_heads=3, num_key_value_heads=1, call={"use_causal_mask": True}
        ),
        "gqa_no_bias_gate": lambda L: _gqa(
            L, head_dim=2, num_query_heads=4, num_key_value_heads=4, use_bias=False, use_gate=True
        ),
        "gqa_sliding_window": lambda L: _gqa(L, head_dim=4, num_query_heads=2, num_key_value_heads=1, sliding_window=2),
        "gqa_masked_scores": lambda L: _gqa_masked(
            L, scores=True, head_dim=4, num_query_heads=4, num_key_value_heads=2
        ),
        "gqa_masked_causal": lambda L: _gqa_masked(
            L, causal=True, head_dim=4, num_query_heads=2, num_key_value_heads=2
        ),
        "gqa_dropout_inference": lambda L: _gqa(L, head_dim=4, num_query_heads=2, num_key_value_heads=1, dropout=0.3),
        "gqa_cross_key": _gqa_cross,
        "adaptive_avg1d": lambda L: _seq(L, (7, 3), [L.layers.AdaptiveAveragePooling1D(3)], pre_dense=True),
        "adaptive_max1d_first": lambda L: _seq(
            L, (4, 9), [L.layers.AdaptiveMaxPooling1D(4, data_format="channels_first")], pre_dense=True
        ),
        "adaptive_avg2d": lambda L: _seq(L, (7, 5, 2), [L.layers.AdaptiveAveragePooling2D((3, 2))], pre_dense=True),
        "adaptive_max2d": lambda L: _seq(L, (6, 5, 2), [L.layers.AdaptiveMaxPooling2D(4)], pre_dense=True),
        "adaptive_avg2d_first_upsample": lambda L: _seq(
            L, (2, 3, 4), [L.layers.AdaptiveAveragePooling2D((5, 4), data_format="channels_first")], pre_dense=True
        ),
        "adaptive_avg3d": lambda L: _seq(
            L, (5, 4, 6, 2), [L.layers.AdaptiveAveragePooling3D((2, 3, 4))], pre_dense=True
        ),
        "adaptive_max3d_first": lambda L: _seq(
            L, (2, 5, 4, 3), [L.layers.AdaptiveMaxPooling3D(2, data_format="channels_first")], pre_dense=True
        ),
    }


CASES = _cases()


def build(lib, case):
    return CASES[case](lib)
