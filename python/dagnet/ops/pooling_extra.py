"""unfold (im2col) and fold (col2im), composed from native ops (the adaptive pools are in
adaptive_pool.py). unfold is one gather of the padded image; fold is one transposed
convolution with a 0/1 kernel that adds each patch element back at its position."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, lowering, op
from .array_ops import _known
from .conv_ops import _tuple, conv_transpose
from .gather import take
from .padding import pad
from .shape_ops import cast, reshape, slice_by_index, transpose

__all__ = ["unfold", "fold"]


def _patch_geometry(height, width, kernel_size, dilation, padding, stride, op_name):
    kh, kw = _tuple(kernel_size, 2, "kernel_size", op_name)
    dh, dw = _tuple(dilation, 2, "dilation", op_name)
    ph, pw = _tuple(padding, 2, "padding", op_name, allow_zero=True)
    sh, sw = _tuple(stride, 2, "stride", op_name)
    hp, wp = height + 2 * ph, width + 2 * pw
    oh, ow = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"{op_name}: a {kh}x{kw} window (dilation {dh}x{dw}) does not fit the padded {hp}x{wp} image")
    return (kh, kw), (dh, dw), (ph, pw), (sh, sw), (hp, wp), (oh, ow)


@op
def unfold(
    builder: GraphBuilder, x: TensorLike, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Any:
    """Sliding blocks of a channels-first image (N, C, H, W) -> (N, C * kh * kw, L): row
    c * kh * kw + i * kw + j holds window element (i, j) of channel c at the L positions."""
    (a,) = as_values(builder, x)
    if a.ndim != 4:
        raise ValueError(f"unfold: x must be 4-D (N, C, H, W), got shape {tuple(a.shape)}")
    c = _known(a.shape[1], "the channel count", "unfold")
    h, w = _known(a.shape[2], "the height", "unfold"), _known(a.shape[3], "the width", "unfold")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (hp, wp), (oh, ow) = _patch_geometry(
        h, w, kernel_size, dilation, padding, stride, "unfold"
    )
    if ph or pw:
        a = lowering(pad)(builder, a, [[0, 0], [0, 0], [ph, ph], [pw, pw]])
    rows = (np.arange(kh) * dh)[:, None, None, None] + (np.arange(oh) * sh)[None, None, :, None]
    cols = (np.arange(kw) * dw)[None, :, None, None] + (np.arange(ow) * sw)[None, None, None, :]
    index = (rows * wp + cols).reshape(kh * kw, oh * ow).astype(np.int32)  # (K, L) into the flat image
    flat = lowering(reshape)(builder, a, [-1, c, hp * wp])
    patches = lowering(take)(builder, flat, index, 2)  # (N, C, K, L)
    return lowering(reshape)(builder, patches, [-1, c * kh * kw, oh * ow])


@op
def fold(
    builder: GraphBuilder,
    x: TensorLike,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Any:
    """The adjoint of unfold: (N, C * kh * kw, L) blocks summed back into (N, C, H, W) images
    of output_size (overlapping elements add up)."""
    (a,) = as_values(builder, x)
    a = a if a.dtype.startswith("float") else lowering(cast)(builder, a, "float32")
    height, width = _tuple(output_size, 2, "output_size", "fold")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (hp, wp), (oh, ow) = _patch_geometry(
        height, width, kernel_size, dilation, padding, stride, "fold"
    )
    if a.ndim != 3 or a.shape[2] != oh * ow or a.shape[1] is None or a.shape[1] % (kh * kw):
        raise ValueError(
            f"fold: x must be (N, C * {kh * kw}, {oh * ow}) for output_size {(height, width)}, got {tuple(a.shape)}"
        )
    c = a.shape[1] // (kh * kw)
    # (N, C*K, L) -> (N, oh, ow, C*K) channels-last, then each channel c*K + k scatters to
    # window tap k of output channel c.
    image = lowering(reshape)(builder, lowering(transpose)(builder, a, [0, 2, 1]), [-1, oh, ow, c * kh * kw])
    kernel = np.zeros((kh, kw, c, c * kh * kw), a.dtype)
    for ch in range(c):
        for i in range(kh):
            for j in range(kw):
                kernel[i, j, ch, ch * kh * kw + i * kw + j] = 1.0
    out = lowering(conv_transpose)(builder, image, kernel, (sh, sw), "valid", None, "channels_last", (dh, dw))
    got_h, got_w = (oh - 1) * sh + dh * (kh - 1) + 1, (ow - 1) * sw + dw * (kw - 1) + 1
    if got_h < hp or got_w < wp:  # positions no window reaches stay 0
        out = lowering(pad)(builder, out, [[0, 0], [0, hp - got_h], [0, wp - got_w], [0, 0]])
    out = lowering(slice_by_index)(builder, out, (slice(None), slice(ph, ph + height), slice(pw, pw + width)))
    return lowering(transpose)(builder, out, [0, 3, 1, 2])
