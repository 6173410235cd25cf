"""The keras.ops added for transformer blocks (arange, tile, repeat, broadcast_to, triu/tril,
swapaxes/moveaxis, logical ops, any/all, cumsum, split, one_hot, einsum,
dot_product_attention) against NumPy, eagerly and inside a traced layer (where they become
graph nodes, with gradients), plus their errors."""

import attention_reference as ref
import numpy as np
import pytest

import dagnet
from dagnet import layers, ops

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4)).astype("float32")


@pytest.mark.parametrize(
    "got,want",
    [
        (lambda: ops.arange(5), lambda: np.arange(5, dtype="int32")),
        (lambda: ops.arange(1, 3, 0.5), lambda: np.arange(1, 3, 0.5, dtype="float32")),
        (lambda: ops.arange(2, 9, 3, dtype="float32"), lambda: np.arange(2, 9, 3, dtype="float32")),
        (lambda: ops.tile(X, [1, 2, 3]), lambda: np.tile(X, [1, 2, 3])),
        (lambda: ops.tile(X[0], 2), lambda: np.tile(X[0], 2)),
        (lambda: ops.tile(X[0], [2, 1, 1]), lambda: np.tile(X[0], [2, 1, 1])),
        (lambda: ops.repeat(X, 3, axis=1), lambda: np.repeat(X, 3, axis=1)),
        (lambda: ops.repeat(X, 2, axis=-1), lambda: np.repeat(X, 2, axis=-1)),
        (lambda: ops.repeat(X, 2), lambda: np.repeat(X, 2)),
        (lambda: ops.broadcast_to(X[0, 0], (2, 3, 4)), lambda: np.broadcast_to(X[0, 0], (2, 3, 4))),
        (lambda: ops.broadcast_to(X[:, :1], (2, 3, 4)), lambda: np.broadcast_to(X[:, :1], (2, 3, 4))),
        (lambda: ops.triu(X), lambda: np.triu(X)),
        (lambda: ops.triu(X, 1), lambda: np.triu(X, 1)),
        (lambda: ops.tril(X, -1), lambda: np.tril(X, -1)),
        (lambda: ops.swapaxes(X, 0, 2), lambda: np.swapaxes(X, 0, 2)),
        (lambda: ops.moveaxis(X, 0, -1), lambda: np.moveaxis(X, 0, -1)),
        (lambda: ops.moveaxis(X, [0, 1], [2, 0]), lambda: np.moveaxis(X, [0, 1], [2, 0])),
        (lambda: ops.logical_and(X > 0, X < 1), lambda: (X > 0) & (X < 1)),
        (lambda: ops.logical_or(X > 1, X < -1), lambda: (X > 1) | (X < -1)),
        (lambda: ops.logical_xor(X > 0, X > 1), lambda: (X > 0) ^ (X > 1)),
        (lambda: ops.logical_not(X > 0), lambda: ~(X > 0)),
        (lambda: ops.any(X > 1, axis=1), lambda: (X > 1).any(1)),
        (lambda: ops.all(X > -1, axis=(0, 2), keepdims=True), lambda: (X > -1).all((0, 2), keepdims=True)),
        (lambda: ops.cumsum(X, axis=1), lambda: np.cumsum(X, axis=1)),
        (lambda: ops.cumsum(X), lambda: np.cumsum(X)),
        (lambda: ops.cumsum(np.arange(12).reshape(3, 4), axis=0), lambda: np.cumsum(np.arange(12).reshape(3, 4), 0)),
        (lambda: ops.split(X, 2, axis=2)[1], lambda: np.split(X, 2, axis=2)[1]),
        (lambda: ops.split(X, [1, 2], axis=1)[2], lambda: np.split(X, [1, 2], axis=1)[2]),
        (lambda: ops.one_hot(np.array([2, 0, 1]), 3), lambda: np.eye(3, dtype="float32")[[2, 0, 1]]),
        (lambda: ops.one_hot(np.array([2, 0]), 3, axis=0), lambda: np.eye(3, dtype="float32")[[2, 0]].T),
        (lambda: ops.eye(3, 4, 1), lambda: np.eye(3, 4, 1, dtype="float32")),
        (lambda: ops.tri(3), lambda: np.tri(3, dtype="float32")),
    ],
)
def test_against_numpy(got, want):
    g, w = np.asarray(got()), want()
    assert g.shape == w.shape
    if w.dtype == bool:
        np.testing.assert_array_equal(g != 0, w)
    else:
        assert g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)


EINSUM = [
    ("abc,cde->abde", [(2, 3, 4), (4, 5, 6)]),
    ("abcd,cde->abe", [(2, 3, 5, 6), (5, 6, 7)]),
    ("btnh,bsnh->bnts", [(2, 3, 4, 5), (2, 6, 4, 5)]),
    ("bnts,bsnh->btnh", [(2, 4, 3, 6), (2, 6, 4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ijk->ik", [(3, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bj->bi", [(2, 3, 4), (2, 4)]),
    ("i,i->", [(3,), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("abc,cb->ab", [(2, 3, 4), (4, 3)]),
    ("abc,abd->acd", [(2, 3, 4), (2, 3, 5)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM)
def test_einsum_against_numpy(equation, shapes):
    xs = [RNG.standard_normal(s).astype("float32") for s in shapes]
    np.testing.assert_allclose(ops.einsum(equation, *xs), np.einsum(equation, *xs), rtol=1e-5, atol=1e-5)


def test_einsum_errors():
    with pytest.raises(NotImplementedError, match="repeated within one operand"):
        ops.einsum("ii->i", np.eye(3, dtype="float32"))
    with pytest.raises(ValueError, match="names 2 operands"):
        ops.einsum("ij,jk->ik", np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match="do not match an operand of rank"):
        ops.einsum("ijk,jk->i", np.zeros((2, 2), "float32"), np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match="size 3 in one operand and 4"):
        ops.einsum("ij,jk->ik", np.zeros((2, 3), "float32"), np.zeros((4, 2), "float32"))


def test_ops_trace_into_a_trainable_graph():
    """A custom layer written with the new ops: Keras's TokenAndPositionEmbedding (arange as a
    graph constant, so the position table trains), einsum, cumsum, tile and repeat."""

    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.pos = layers.Embedding(6, 4)

        def build(self, input_shape):
            self.w = self.add_weight(shape=(4, 2, 3), name="w")

        def call(self, x):
            positions = self.pos(ops.arange(start=0, stop=ops.shape(x)[1], step=1))
            y = ops.einsum("btd,dnh->btnh", x + positions, self.w)
            y = ops.cumsum(ops.reshape(y, (-1, 6, 6)), axis=1)
            return ops.repeat(ops.tile(y, [1, 1, 2]), 2, axis=1)

    x = dagnet.Input((6, 4))
    block = Block()
    model = dagnet.Model(x, block(x))
    assert model.outputs[0].shape == (None, 12, 12)
    data = RNG.standard_normal((5, 6, 4)).astype("float32")
    w, table = block.w.numpy(), block.pos.embeddings.numpy()
    y = np.cumsum(np.einsum("btd,dnh->btnh", data + table, w).reshape(-1, 6, 6), axis=1)
    np.testing.assert_allclose(
        model.predict(data, verbose=0), np.repeat(np.tile(y, [1, 1, 2]), 2, 1), rtol=1e-4, atol=1e-5
    )
    model.compile("sgd", "mse")
    model.train_on_batch(data, np.zeros((5, 12, 12), "float32"))
    assert not np.allclose(block.pos.embeddings.numpy(), table)  # the position table trained
    assert not np.allclose(block.w.numpy(), w)


def test_ops_errors_name_the_op():
    with pytest.raises(ValueError, match="arange: start is unknown until run time"):
        ops.arange(None)  # ops.shape(x)[1] of a variable-length input
    with pytest.raises(ValueError, match="cannot broadcast"):
        ops.broadcast_to(X, (3, 3, 4))
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.triu(X[0, 0])
    with pytest.raises(ValueError, match="equal sections"):
        ops.split(X, 3, axis=2)
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        ops.swapaxes(X, 0, 3)
    with pytest.raises(NotImplementedError, match="sparse"):
        ops.one_hot(np.array([1]), 2, sparse=True)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("mask_shape", [None, (2, 1, 5, 4), (5, 4), (2, 3, 5, 4)])
def test_dot_product_attention(causal, mask_shape):
    q = RNG.standard_normal((2, 5, 3, 6)).astype("float32")
    k = RNG.standard_normal((2, 4, 3, 6)).astype("float32")
    v = RNG.standard_normal((2, 4, 3, 2)).astype("float32")
    mask = None if mask_shape is None else RNG.random(mask_shape) > 0.3
    got = ops.dot_product_attention(q, k, v, mask=mask, is_causal=causal, scale=0.3)
    full = None if mask is None else np.broadcast_to(mask, (2, 3, 5, 4)).astype("float32")
    np.testing.assert_allclose(got, ref.attention(q, k, v, full, causal=causal, scale=0.3)[0], rtol=1e-5, atol=1e-5)


def test_dot_product_attention_grouped_heads_and_errors():
    q = RNG.standard_normal((2, 5, 4, 6)).astype("float32")
    k = RNG.standard_normal((2, 4, 2, 6)).astype("float32")
    v = RNG.standard_normal((2, 4, 2, 3)).astype("float32")
    want = ref.attention(q, np.repeat(k, 2, axis=2), np.repeat(v, 2, axis=2))[0]
    np.testing.assert_allclose(ops.dot_product_attention(q, k, v), want, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="only supports 4D inputs"):
        ops.dot_product_attention(q[0], k[0], v[0])
    with pytest.raises(NotImplementedError, match="bias"):
        ops.dot_product_attention(q, k, v, bias=np.zeros((2, 4, 5, 4), "float32"))
