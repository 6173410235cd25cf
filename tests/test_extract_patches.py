"""ops.image.extract_patches against a NumPy reference of Keras 3.15's one-hot-convolution
definition (checked equal to Keras on these cases: max difference 0.0), both the tile path
(non-overlapping "valid" patches: reshape + transpose) and the convolution path, and the
gradient with respect to the images (one SGD step against the reference's adjoint)."""

import itertools

import numpy as np
import pytest

from dagnet import Input, Model, layers, ops


def _patches_reference(x, size, strides=None, dilation=1, padding="valid", data_format="channels_last"):
    """NumPy extract_patches: one-hot conv semantics, TF 'same' padding."""
    rank = len(size)
    strides = strides or size
    dil = (dilation,) * rank if isinstance(dilation, int) else dilation
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    spatial = x.shape[1:-1]
    eff = [(k - 1) * d + 1 for k, d in zip(size, dil)]
    if padding == "valid":
        out = [(n - e) // s + 1 for n, e, s in zip(spatial, eff, strides)]
        pads = [(0, 0)] * rank
    else:
        out = [-(-n // s) for n, s in zip(spatial, strides)]
        totals = [max((o - 1) * s + e - n, 0) for o, s, e, n in zip(out, strides, eff, spatial)]
        pads = [(t // 2, t - t // 2) for t in totals]
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    C = x.shape[-1]
    res = np.zeros((x.shape[0], *out, int(np.prod(size)) * C), x.dtype)
    for pos in itertools.product(*[range(o) for o in out]):
        cols = []
        for off in itertools.product(*[range(k) for k in size]):
            idx = tuple(p * s + o * d for p, s, o, d in zip(pos, strides, off, dil))
            cols.append(xp[(slice(None), *idx)])
        res[(slice(None), *pos)] = np.concatenate(cols, axis=-1)
    if data_format == "channels_first":
        res = np.moveaxis(res, -1, 1)
    return res


CASES = [
    ((2, 11, 13, 3), {"size": (5, 4)}),
    ((2, 12, 12, 3), {"size": 4}),
    ((2, 11, 13, 3), {"size": (3, 3), "strides": (2, 1), "padding": "same"}),
    ((2, 11, 13, 3), {"size": (2, 3), "strides": 1, "dilation_rate": 2}),
    ((2, 3, 11, 13), {"size": (4, 4), "data_format": "channels_first"}),
    ((2, 3, 11, 13), {"size": (3, 3), "strides": (2, 2), "padding": "same", "data_format": "channels_first"}),
    ((2, 7, 8, 9, 2), {"size": (3, 3, 3)}),
    ((7, 8, 9, 2), {"size": (2, 2, 2), "strides": 1}),
    ((11, 13, 3), {"size": (3, 3), "strides": (1, 1)}),
]


def _reference(x, kw):
    size = kw["size"]
    rank = 3 if not isinstance(size, int) and len(size) == 3 else 2
    size = (size,) * rank if isinstance(size, int) else tuple(size)
    strides = kw.get("strides")
    strides = (strides,) * rank if isinstance(strides, int) else strides
    unbatched = x.ndim == rank + 1
    batch = x[None] if unbatched else x
    out = _patches_reference(
        batch,
        size,
        strides,
        kw.get("dilation_rate", 1),
        kw.get("padding", "valid"),
        kw.get("data_format", "channels_last"),
    )
    return out[0] if unbatched else out


@pytest.mark.parametrize("shape, kw", CASES)
def test_extract_patches_matches_the_reference(shape, kw):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    np.testing.assert_array_equal(np.asarray(ops.image.extract_patches(x, **kw)), _reference(x, kw))


@pytest.mark.parametrize("kw", [{"size": 3}, {"size": 2, "strides": 1, "padding": "same"}])
def test_extract_patches_gradient(kw):
    # A trainable image as the op's input; one SGD step (learning rate 1) on mse moves it by
    # minus the gradient, which the reference's adjoint gives exactly.
    rng = np.random.default_rng(1)
    image0 = rng.standard_normal((1, 6, 6, 2))
    target = _reference(image0, kw) * 0.0 + rng.standard_normal(_reference(image0, kw).shape)

    class Image(layers.Layer):
        def build(self, input_shape):
            self.image = self.add_weight(shape=image0.shape, initializer="zeros", dtype="float64")

        def call(self, x):
            return ops.image.extract_patches(self.image, **kw) + x

    inputs = Input(target.shape[1:], dtype="float64")
    layer = Image(dtype="float64")
    model = Model(inputs, layer(inputs))
    layer.image.assign(image0)
    model.compile(optimizer=__import__("dagnet").optimizers.SGD(1.0), loss="mse")
    model.train_on_batch(np.zeros_like(target), target)
    # d mean((p - t)^2) / dp, pulled back through the patch map by its transpose (found by
    # pushing each unit vector of the image through the reference).
    upstream = 2.0 * (_reference(image0, kw) - target) / target.size
    basis = np.eye(image0.size).reshape(image0.size, *image0.shape)
    jacobian = np.stack([_reference(e, kw).ravel() for e in basis])
    expected = (jacobian @ upstream.ravel()).reshape(image0.shape)
    # (the compiled loss's reduction runs in float32: a relative 1e-6 on the gradient)
    np.testing.assert_allclose(image0 - layer.image.numpy(), expected, rtol=1e-5, atol=1e-9)


def test_extract_patches_argument_errors():
    x = np.zeros((1, 8, 8, 1), "float32")
    with pytest.raises(TypeError, match="Invalid `size` argument"):
        ops.image.extract_patches(x, (2, 2, 2, 2))
    with pytest.raises(ValueError, match="not supported with `strides > 1`"):
        ops.image.extract_patches(x, 2, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="rank 3 or 4"):
        ops.image.extract_patches(np.zeros((8, 8), "float32"), 2)
    with pytest.raises(ValueError, match="`padding` must be"):
        ops.image.extract_patches(x, 2, padding="full")


def test_extract_patches_in_a_vit_style_model():
    # keras.io's ViT example: a Patches layer on a symbolic batch, then a Dense projection.
    class Patches(layers.Layer):
        def call(self, images):
            patches = ops.image.extract_patches(images, size=4)
            return ops.reshape(patches, (-1, 16, 4 * 4 * 3))

    inputs = Input((16, 16, 3))
    outputs = layers.Dense(8)(Patches()(inputs))
    model = Model(inputs, layers.Dense(2)(layers.GlobalAveragePooling1D()(outputs)))
    model.compile("adam", "mse")
    x = np.random.default_rng(2).standard_normal((4, 16, 16, 3)).astype("float32")
    model.fit(x, np.zeros((4, 2), "float32"), verbose=0)
    assert model.predict(x, verbose=0).shape == (4, 2)
