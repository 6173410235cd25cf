"""ONNX export of the fused attention op (MultiHeadAttention, Attention): onnxruntime
reproduces predict with cross attention, key/value sizes, a causal mask with the scores
returned, a padding mask with a fully hidden row (the engine's empty-row value), and the
dot-product Attention layer; attention dropout in a training-mode call is refused by name."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX export needs `pip install "dagnet[onnx]"`')
ort = pytest.importorskip("onnxruntime", reason="the ONNX tests run the exported models with onnxruntime")

from onnx_check import check_onnx  # noqa: E402

from dagnet import Input, Model, layers  # noqa: E402


def test_cross_attention(tmp_path):
    rng = np.random.default_rng(0)
    q, v = Input((5, 8)), Input((7, 8))
    model = Model([q, v], layers.MultiHeadAttention(num_heads=2, key_dim=4)(q, v), name="cross")
    check_onnx(model, [[rng.standard_normal((3, 5, 8)), rng.standard_normal((3, 7, 8))]], tmp_path)


def test_causal_self_attention_with_scores(tmp_path):
    x = Input((6, 8))
    out, scores = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5)(
        x, x, use_causal_mask=True, return_attention_scores=True
    )
    model = Model(x, [out, scores], name="causal")
    check_onnx(model, [[np.random.default_rng(1).standard_normal((2, 6, 8))]], tmp_path)


def test_padding_mask_and_a_fully_hidden_row(tmp_path):
    ids = Input((6,), dtype="int32")
    embedded = layers.Embedding(10, 8, mask_zero=True)(ids)
    model = Model(ids, layers.MultiHeadAttention(num_heads=2, key_dim=4)(embedded, embedded), name="masked")
    check_onnx(model, [[np.array([[1, 2, 3, 0, 0, 0], [0, 0, 0, 0, 0, 0], [4, 5, 6, 7, 8, 9]])]], tmp_path)


def test_dot_product_attention_layers(tmp_path):
    rng = np.random.default_rng(2)
    a, b = Input((4, 6)), Input((5, 6))
    model = Model([a, b], [layers.Attention(use_scale=True)([a, b]), layers.AdditiveAttention()([a, b])], name="dot")
    check_onnx(model, [[rng.standard_normal((2, 4, 6)), rng.standard_normal((2, 5, 6))]], tmp_path)


def test_attention_dropout_in_a_training_call_is_refused(tmp_path):
    class AlwaysTraining(layers.Layer):  # a layer that calls its attention in training mode
        def __init__(self):
            super().__init__()
            self.attention = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5)

        def call(self, x):
            return self.attention(x, x, training=True)

    x = Input((4, 8))
    model = Model(x, AlwaysTraining()(x), name="dropping")
    with pytest.raises(NotImplementedError, match="multi_head_attention.*cannot be exported"):
        model.export(str(tmp_path / "m.onnx"), format="onnx")
