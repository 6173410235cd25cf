"""A valid call of every registered engine op, drawn at random: its operands (shape,
dtype, how to fill them) and attributes. test_engine_properties.py runs these as they
are and mutated (a dimension, a dtype, an attribute, an operand count changed) through
``dagnet.engine``. The gradient ops get the operand shapes their forward op implies, so
an unmutated case is one that autodiff itself could have built.

Each recipe takes ``draw`` (hypothesis's ``data.draw``) and returns a ``Case``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from hypothesis import strategies as st

FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("int32", "int64")


@dataclass(frozen=True)
class Operand:
    shape: tuple
    dtype: str = "float32"
    fill: str = "normal"  # normal | positive | index:<n> | label:<n> | binary | zero
    param: bool = False  # a parameter (state an update op writes) rather than a fed input
    known: tuple = ()  # axes whose size the op needs when the graph is built (never declared unknown)


@dataclass(frozen=True)
class Case:
    op: str
    operands: tuple
    attrs: dict = field(default_factory=dict)


def small_dim(draw, low=0):
    return draw(st.sampled_from([d for d in (1, 2, 3, 4, 0) if d >= low]))


def shape_of_rank(draw, rank, low=0):
    return tuple(small_dim(draw, low) for _ in range(rank))


def float_dtype(draw):
    return draw(st.sampled_from(FLOAT_DTYPES))


def forward_output_shapes(case: Case) -> list[tuple]:
    """The output shapes of a valid forward case, from the engine's own shape rule."""
    from dagnet.engine import Graph

    g = Graph()
    ids = [g.input(f"x{i}", list(o.shape), o.dtype) for i, o in enumerate(case.operands)]
    return [tuple(g.shape(v)) for v in g.node(case.op, ids, case.attrs)]


def grad_of(forward: Case, op: str, operands: list, attrs=None) -> Case:
    return Case(op, tuple(operands), dict(forward.attrs if attrs is None else attrs))


# ---------------------------------------------------------------- elementwise family
ACTIVATIONS = ("linear", "relu", "elu", "sigmoid", "tanh", "softmax")
UNARY = (
    "neg",
    "exp",
    "log",
    "sqrt",
    "square",
    "abs",
    "sign",
    "reciprocal",
    "log1p",
    "expm1",
    "softplus",
    "sin",
    "cos",
    "floor",
    "round",
    "rsqrt",
    "erf",
    "erfc",
    "erfinv",
    "arcsin",
    "arccos",
    "arctan",
    "arcsinh",
    "arccosh",
    "arctanh",
)
INTEGER_BINARY = ("bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "gcd", "lcm")
BINARY = (
    "add",
    "subtract",
    "multiply",
    "divide",
    "maximum",
    "minimum",
    "power",
    "arctan2",  # float operands only
    "nextafter",  # float operands only
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
)


def activation_case(draw):
    dt = float_dtype(draw)
    shape = shape_of_rank(draw, draw(st.integers(1, 3)))
    attrs = {"kind": draw(st.sampled_from(ACTIVATIONS))}
    if draw(st.booleans()):
        attrs["alpha"] = draw(st.floats(0.1, 2.0))
    if attrs["kind"] == "softmax" and draw(st.booleans()):
        attrs["axis"] = draw(st.integers(-len(shape), len(shape) - 1))
    return Case("activation", (Operand(shape, dt),), attrs)


def activation_grad_case(draw):
    fwd = activation_case(draw)
    x = fwd.operands[0]
    return grad_of(fwd, "activation_grad", [x, x])


def unary_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    kind = draw(st.sampled_from(UNARY))
    return Case("unary", (Operand(shape, float_dtype(draw), "positive"),), {"kind": kind})


def unary_grad_case(draw):
    fwd = unary_case(draw)
    x = fwd.operands[0]
    return grad_of(fwd, "unary_grad", [x, x, x])


def broadcast_pair(draw, rank):
    out = shape_of_rank(draw, rank)
    a = tuple(d if draw(st.booleans()) else 1 for d in out)
    b = tuple(d if draw(st.booleans()) else 1 for d in out)
    a = a[draw(st.integers(0, len(a))) :]  # a lower-rank operand broadcasts from the right
    return a, b


def binary_case(draw):
    a, b = broadcast_pair(draw, draw(st.integers(0, 3)))
    kind = draw(st.sampled_from(BINARY + INTEGER_BINARY))
    if kind in INTEGER_BINARY:
        dt = draw(st.sampled_from(INT_DTYPES))
    else:
        dt = draw(st.sampled_from(FLOAT_DTYPES + (INT_DTYPES if kind not in ("arctan2", "nextafter") else ())))
    fill = "positive" if dt.startswith("int") else "normal"
    return Case("binary", (Operand(a, dt, fill), Operand(b, dt, fill)), {"kind": kind})


def binary_grad_case(draw):
    a, b = broadcast_pair(draw, draw(st.integers(0, 3)))
    dt = float_dtype(draw)
    fwd = Case("binary", (Operand(a, dt), Operand(b, dt)), {"kind": draw(st.sampled_from(BINARY[:9]))})
    (out,) = forward_output_shapes(fwd)
    return grad_of(fwd, "binary_grad", [Operand(out, dt), Operand(a, dt, "positive"), Operand(b, dt, "positive")])


def sum_to_shape_case(draw):
    a, b = broadcast_pair(draw, draw(st.integers(0, 3)))
    out = tuple(np.broadcast_shapes(a, b))
    dt = float_dtype(draw)
    return Case("sum_to_shape", (Operand(out, dt), Operand(a, dt)))


def where_case(draw):
    a, b = broadcast_pair(draw, draw(st.integers(0, 3)))
    c = tuple(draw(st.sampled_from([1, d])) for d in np.broadcast_shapes(a, b))
    dt = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
    return Case("where", (Operand(c, dt, "binary"), Operand(a, dt), Operand(b, dt)))


def where_grad_case(draw):
    fwd = where_case(draw)
    dt = float_dtype(draw)
    (out,) = forward_output_shapes(replace(fwd, operands=tuple(replace(o, dtype=dt) for o in fwd.operands)))
    return Case("where_grad", (Operand(out, dt), Operand(fwd.operands[0].shape, dt, "binary")))


def add_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    dt = float_dtype(draw)
    return Case("add", tuple(Operand(shape, dt) for _ in range(draw(st.integers(1, 3)))))


def scale_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    return Case("scale", (Operand(shape, float_dtype(draw)),), {"factor": draw(st.floats(-3, 3))})


def fill_like_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    dt = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
    return Case("fill_like", (Operand(shape, dt),), {"value": draw(st.floats(-3, 3))})


def cast_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    src = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
    dst = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
    return Case("cast", (Operand(shape, src, "positive"),), {"dtype": dst})


def dropout_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    return Case(
        "dropout",
        (Operand(shape, float_dtype(draw)), Operand((), "int64", "zero", param=True)),
        {"rate": draw(st.floats(0, 0.9)), "seed": draw(st.integers(0, 2**31))},
    )


def penalty_case(draw, kind):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    return Case(f"{kind}_penalty", (Operand(shape, float_dtype(draw)),), {kind: draw(st.floats(0, 1))})


def penalty_grad_case(draw, kind):
    fwd = penalty_case(draw, kind)
    w = fwd.operands[0]
    return grad_of(fwd, f"{kind}_penalty_grad", [Operand((), w.dtype), w])


def assign_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    dt = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
    return Case("assign", (Operand(shape, dt, param=True), Operand(shape, dt)))


# ---------------------------------------------------------------- reductions
REDUCE_KINDS = ("sum", "mean", "max", "min", "prod")


def reduce_case(draw):
    rank = draw(st.integers(0, 3))
    shape = shape_of_rank(draw, rank, low=1)
    axes = (
        draw(st.lists(st.integers(-rank, rank - 1), max_size=rank, unique_by=lambda a: a % max(rank, 1)))
        if rank
        else []
    )
    attrs = {"kind": draw(st.sampled_from(REDUCE_KINDS)), "keepdims": int(draw(st.booleans()))}
    if axes:
        attrs["axes"] = axes
    return Case("reduce", (Operand(shape, draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))),), attrs)


def reduce_grad_case(draw):
    fwd = reduce_case(draw)
    dt = float_dtype(draw)
    fwd = replace(fwd, operands=(replace(fwd.operands[0], dtype=dt),))
    (out,) = forward_output_shapes(fwd)
    return grad_of(fwd, "reduce_grad", [Operand(out, dt), fwd.operands[0], Operand(out, dt)])


def sum_leading_axes_case(draw):
    return Case("sum_leading_axes", (Operand(shape_of_rank(draw, draw(st.integers(1, 3))), float_dtype(draw)),))


def conv_grad_bias_case(draw):
    fmt = draw(st.sampled_from(["channels_last", "channels_first"]))
    return Case(
        "conv_grad_bias",
        (Operand(shape_of_rank(draw, draw(st.integers(2, 4))), float_dtype(draw)),),
        {"data_format": fmt},
    )


# ---------------------------------------------------------------- shapes
def reshape_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)), low=1)
    n = int(np.prod(shape))
    target = [n]
    if n % 2 == 0 and n > 0:
        target = [2, n // 2]
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return Case("reshape", (Operand(shape, draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))),), {"shape": target})


def reshape_like_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    dt = float_dtype(draw)
    return Case("reshape_like", (Operand(shape, dt), Operand((int(np.prod(shape)),), dt)))


def merge_leading_axes_case(draw):
    return Case("merge_leading_axes", (Operand(shape_of_rank(draw, draw(st.integers(2, 4))), float_dtype(draw)),))


def split_leading_axes_case(draw):
    like = shape_of_rank(draw, draw(st.integers(2, 3)))
    dt = float_dtype(draw)
    return Case("split_leading_axes", (Operand((like[0] * like[1],) + like[2:], dt), Operand(like, dt)))


def expand_dims_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    return Case(
        "expand_dims", (Operand(shape, float_dtype(draw)),), {"axis": draw(st.integers(-len(shape) - 1, len(shape)))}
    )


def squeeze_case(draw):
    shape = tuple(draw(st.sampled_from([1, 2, 3])) for _ in range(draw(st.integers(0, 3))))
    ones = [i for i, d in enumerate(shape) if d == 1]
    attrs = {"axes": draw(st.lists(st.sampled_from(ones), unique=True))} if ones and draw(st.booleans()) else {}
    return Case("squeeze", (Operand(shape, float_dtype(draw)),), attrs)


def stop_gradient_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    return Case("stop_gradient", (Operand(shape, draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))),))


def bitcast_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 2))) + (draw(st.sampled_from([0, 2, 4])),)
    dtypes = FLOAT_DTYPES + INT_DTYPES
    x = Operand(shape, draw(st.sampled_from(dtypes)), known=(len(shape) - 1,))  # the last axis is rescaled
    return Case("bitcast", (x,), {"dtype": draw(st.sampled_from(dtypes))})


def stack_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    dt = float_dtype(draw)
    n = draw(st.integers(1, 3))
    return Case(
        "stack", tuple(Operand(shape, dt) for _ in range(n)), {"axis": draw(st.integers(-len(shape) - 1, len(shape)))}
    )


def concatenate_case(draw):
    shape = list(shape_of_rank(draw, draw(st.integers(1, 3))))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    dt = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(shape)
        s[axis] = small_dim(draw)
        pieces.append(Operand(tuple(s), dt))
    return Case("concatenate", tuple(pieces), {"axis": axis})


def split_like_case(draw):
    fwd = concatenate_case(draw)
    dt = float_dtype(draw)
    fwd = replace(fwd, operands=tuple(replace(o, dtype=dt) for o in fwd.operands))
    (out,) = forward_output_shapes(fwd)
    return grad_of(fwd, "split_like", [Operand(out, dt)] + list(fwd.operands))


def transpose_case(draw):
    rank = draw(st.integers(0, 4))
    perm = draw(st.permutations(range(rank)))
    attrs = {"perm": list(perm)} if draw(st.booleans()) else {}
    return Case(
        "transpose", (Operand(shape_of_rank(draw, rank), draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))),), attrs
    )


def slice_attrs(draw, shape):
    n = draw(st.integers(0, len(shape)))
    begin, end, strides, bmask, emask, squeeze = [], [], [], [], [], []
    for a in range(n):
        dim = shape[a]
        if dim > 0 and draw(st.integers(0, 3)) == 0:
            begin.append(draw(st.integers(-dim, dim - 1)))
            end.append(0)
            strides.append(1)
            bmask.append(0)
            emask.append(0)
            squeeze.append(a)
            continue
        begin.append(draw(st.integers(-6, 6)))
        end.append(draw(st.integers(-6, 6)))
        strides.append(draw(st.sampled_from([1, 2, 3, -1, -2])))
        bmask.append(int(draw(st.booleans())))
        emask.append(int(draw(st.booleans())))
    attrs = {"begin": begin, "end": end, "strides": strides, "begin_mask": bmask, "end_mask": emask}
    if squeeze:
        attrs["squeeze_axes"] = squeeze
    return attrs


def slice_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    return Case("slice", (Operand(shape, draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))),), slice_attrs(draw, shape))


def slice_grad_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    dt = float_dtype(draw)
    fwd = Case("slice", (Operand(shape, dt),), slice_attrs(draw, shape))
    (out,) = forward_output_shapes(fwd)
    return grad_of(fwd, "slice_grad", [Operand(out, dt), Operand(shape, dt)])


# ---------------------------------------------------------------- linear algebra
def matmul_case(draw):
    ta, tb = draw(st.booleans()), draw(st.booleans())
    m, k, n = small_dim(draw), small_dim(draw), small_dim(draw)
    # Without transpose_a the leading axes of a fold into rows; with it a is (k, m).
    a = (k, m) if ta else shape_of_rank(draw, draw(st.integers(0, 1))) + (m, k)
    b = (n, k) if tb else (k, n)
    dt = float_dtype(draw)
    return Case("matmul", (Operand(a, dt), Operand(b, dt)), {"transpose_a": int(ta), "transpose_b": int(tb)})


def batch_matmul_case(draw):
    ta, tb = draw(st.booleans()), draw(st.booleans())
    batch = shape_of_rank(draw, draw(st.integers(0, 2)))
    m, k, n = small_dim(draw), small_dim(draw), small_dim(draw)
    dt = float_dtype(draw)
    a = batch + ((k, m) if ta else (m, k))
    b = batch + ((n, k) if tb else (k, n))
    return Case("batch_matmul", (Operand(a, dt), Operand(b, dt)), {"transpose_a": int(ta), "transpose_b": int(tb)})


def dense_case(draw):
    x = shape_of_rank(draw, draw(st.integers(2, 3)))
    units = small_dim(draw)
    dt = float_dtype(draw)
    ops = [Operand(x, dt), Operand((x[-1], units), dt)]
    if draw(st.booleans()):
        ops.append(Operand((units,), dt))
    return Case("dense", tuple(ops), {"activation": draw(st.sampled_from(ACTIVATIONS))})


# ---------------------------------------------------------------- convolution and pooling
def spatial_input(draw, rank, fmt, low_spatial, channels=None):
    n = small_dim(draw)
    c = small_dim(draw, 1) if channels is None else channels
    spatial = tuple(draw(st.integers(low_spatial, low_spatial + 4)) for _ in range(rank))
    return ((n, c) + spatial) if fmt == "channels_first" else ((n,) + spatial + (c,)), c


def window_attrs(draw, rank, causal=False):
    """A kernel size and the strides, dilation, padding and data_format of a window op."""
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    attrs = {
        "strides": [draw(st.sampled_from([1, 1, 2, 3])) for _ in range(rank)],
        "dilation": [draw(st.sampled_from([1, 1, 2])) for _ in range(rank)],
        "padding": draw(st.sampled_from(["valid", "same"] + (["causal"] if causal else []))),
        "data_format": draw(st.sampled_from(["channels_last", "channels_first"])),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
    }
    span = max((k - 1) * d + 1 for k, d in zip(kernel, attrs["dilation"]))
    return kernel, attrs, span


def with_bias(draw, operands, channels, dt):
    return tuple(operands) + ((Operand((channels,), dt),) if draw(st.booleans()) else ())


def conv_case(draw, rank):
    """A convolution, grouped (kernel (k..., c / groups, filters)) one time in three."""
    kernel, attrs, span = window_attrs(draw, rank, causal=rank == 1)
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    x, c = spatial_input(draw, rank, attrs["data_format"], span, groups * small_dim(draw, 1))
    filters = groups * small_dim(draw, 1)
    dt = float_dtype(draw)
    if groups > 1:
        attrs["groups"] = groups
    ops = with_bias(draw, [Operand(x, dt), Operand(kernel + (c // groups, filters), dt)], filters, dt)
    return Case(f"conv{rank}d", ops, attrs)


def conv_grad_case(draw, forward, which):
    """<forward>_grad_input (dy, kernel, x: shape only) or _grad_kernel (dy, x, kernel)."""
    fwd = forward(draw)
    x, k = fwd.operands[0], fwd.operands[1]
    (out,) = forward_output_shapes(fwd)
    dy = Operand(out, x.dtype)
    operands = [dy, k, x] if which == "input" else [dy, x, k]
    return grad_of(fwd, f"{fwd.op}_grad_{which}", operands)


def conv_transpose_case(draw, rank):
    """kernel (k..., filters, c); output_padding (each below its stride) left out half the
    time, and never 0 with 'same' on an even window (no convolution maps that back)."""
    kernel, attrs, span = window_attrs(draw, rank)
    x, c = spatial_input(draw, rank, attrs["data_format"], 1)
    filters = small_dim(draw, 1)
    dt = float_dtype(draw)
    if draw(st.booleans()):
        spans = [(k - 1) * d + 1 for k, d in zip(kernel, attrs["dilation"])]
        low = [int(attrs["padding"] == "same" and sp % 2 == 0) for sp in spans]
        if all(lo < s for lo, s in zip(low, attrs["strides"])):
            attrs["output_padding"] = [draw(st.integers(lo, s - 1)) for lo, s in zip(low, attrs["strides"])]
    ops = with_bias(draw, [Operand(x, dt), Operand(kernel + (filters, c), dt)], filters, dt)
    return Case(f"conv{rank}d_transpose", ops, attrs)


def depthwise_case(draw, rank):
    """kernel (k..., c, multiplier), bias (c * multiplier,)."""
    kernel, attrs, span = window_attrs(draw, rank)
    x, c = spatial_input(draw, rank, attrs["data_format"], span)
    multiplier = small_dim(draw, 1)
    dt = float_dtype(draw)
    ops = with_bias(draw, [Operand(x, dt), Operand(kernel + (c, multiplier), dt)], c * multiplier, dt)
    return Case(f"depthwise_conv{rank}d", ops, attrs)


def pool_case(draw, kind, rank):
    fmt = draw(st.sampled_from(["channels_last", "channels_first"]))
    pool = [draw(st.integers(1, 3)) for _ in range(rank)]
    x, _ = spatial_input(draw, rank, fmt, max(pool))
    attrs = {"pool_size": pool, "padding": draw(st.sampled_from(["valid", "same"])), "data_format": fmt}
    if draw(st.booleans()):
        attrs["strides"] = [draw(st.integers(1, 3)) for _ in range(rank)]
    return Case(f"{kind}_pool{rank}d", (Operand(x, float_dtype(draw)),), attrs)


def global_pool_case(draw, kind):
    fmt = draw(st.sampled_from(["channels_last", "channels_first"]))
    x, _ = spatial_input(draw, draw(st.integers(1, 3)), fmt, 1)
    return Case(f"global_{kind}_pool", (Operand(x, float_dtype(draw)),), {"data_format": fmt})


def pool_grad_case(draw, forward):
    fwd = forward(draw)
    x = fwd.operands[0]
    (out,) = forward_output_shapes(fwd)
    return grad_of(fwd, fwd.op + "_grad", [Operand(out, x.dtype), x])


def pad_case(draw):
    """Constant padding of any dtype (ZeroPadding*D pads the spatial axes only)."""
    shape = shape_of_rank(draw, draw(st.integers(0, 4)))
    attrs = {"pads": [draw(st.integers(0, 3)) for _ in range(2 * len(shape))]}
    if draw(st.booleans()):
        attrs["value"] = draw(st.floats(-3, 3))
    return Case("pad", (Operand(shape, draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))),), attrs)


# ---------------------------------------------------------------- images and augmentation
RESIZE_METHODS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
RESIZE_FITS = ("stretch", "crop_to_aspect", "pad_to_aspect", "smart_resize", "center_crop", "window")


def resize_case(draw):
    """ops.image.resize / Resizing / CenterCrop / RandomCrop (2 spatial axes and a size,
    maybe a fit) or UpSampling1D/2D/3D (integer factors) or a stretch over 1-3 axes."""
    fmt = draw(st.sampled_from(["channels_last", "channels_first"]))
    attrs = {"interpolation": draw(st.sampled_from(RESIZE_METHODS)), "data_format": fmt}
    style = draw(st.sampled_from(["fit", "factors", "stretch"]))
    rank = 2 if style == "fit" else draw(st.integers(1, 3))
    x, _ = spatial_input(draw, rank, fmt, 1)
    if style == "factors":
        attrs["factors"] = [draw(st.integers(1, 3)) for _ in range(rank)]
    else:
        attrs["size"] = [draw(st.integers(1, 6)) for _ in range(rank)]
    if style == "fit":
        attrs["fit"] = draw(st.sampled_from(RESIZE_FITS))
        if attrs["fit"] == "window":
            attrs["window"] = [draw(st.integers(0, 3)), draw(st.integers(0, 3))] + attrs["size"]
        if attrs["fit"] == "pad_to_aspect":
            attrs["fill_value"] = draw(st.floats(-3, 3))
    if draw(st.booleans()):
        attrs["antialias"] = int(draw(st.booleans()))
    return Case("resize", (Operand(x, float_dtype(draw)),), attrs)


def resize_grad_case(draw):
    fwd = resize_case(draw)
    x = fwd.operands[0]
    (out,) = forward_output_shapes(fwd)
    return grad_of(fwd, "resize_grad", [Operand(out, x.dtype), x])


AFFINE_FILL_MODES = ("constant", "nearest", "wrap", "reflect")


def affine_transform_case(draw):
    """Images (batch, height, width, channels) and one transform row per image or one shared
    (its 8 columns are read when the graph is built); RandomCrop's output_size half the time."""
    fmt = draw(st.sampled_from(["channels_last", "channels_first"]))
    x, _ = spatial_input(draw, 2, fmt, 1)
    dt = float_dtype(draw)
    rows = draw(st.sampled_from([1, x[0]]))
    attrs = {
        "interpolation": draw(st.sampled_from(["nearest", "bilinear"])),
        "fill_mode": draw(st.sampled_from(AFFINE_FILL_MODES)),
        "fill_value": draw(st.floats(-3, 3)),
        "data_format": fmt,
    }
    if draw(st.booleans()):
        attrs["output_size"] = [draw(st.integers(1, 5)), draw(st.integers(1, 5))]
    return Case("affine_transform", (Operand(x, dt), Operand((rows, 8), dt, known=(1,))), attrs)


def affine_transform_grad_case(draw):
    """dy, transforms, x (its shape only)."""
    fwd = affine_transform_case(draw)
    x, transforms = fwd.operands
    (out,) = forward_output_shapes(fwd)
    return grad_of(fwd, "affine_transform_grad", [Operand(out, x.dtype), transforms, x])


def random_uniform_case(draw):
    """The layer's int64 draw counter and a tensor read for its shape and dtype; `shape`
    (0: like's size on that axis) as the augmentation layers ask for it, or like's shape."""
    like = shape_of_rank(draw, draw(st.integers(0, 3)))
    lo = draw(st.floats(-3, 3))
    attrs = {"seed": draw(st.integers(0, 2**31)), "minval": lo, "maxval": lo + draw(st.floats(0, 3))}
    if draw(st.booleans()):
        attrs["shape"] = [0] * draw(st.integers(0, len(like))) + [draw(st.integers(1, 3))]
    return Case("random_uniform", (Operand((), "int64", "zero", param=True), Operand(like, float_dtype(draw))), attrs)


# ---------------------------------------------------------------- embedding and LSTM
def embedding_case(draw):
    vocab, dim = small_dim(draw, 1), small_dim(draw)
    idx = shape_of_rank(draw, draw(st.integers(0, 3)))
    return Case(
        "embedding",
        (Operand(idx, draw(st.sampled_from(INT_DTYPES)), f"index:{vocab}"), Operand((vocab, dim), float_dtype(draw))),
    )


def embedding_grad_case(draw):
    fwd = embedding_case(draw)
    idx, table = fwd.operands
    (out,) = forward_output_shapes(fwd)
    return Case("embedding_grad", (Operand(out, table.dtype), idx, table))


# Gates per unit and state count of each recurrent cell.
RECURRENT_CELLS = {"lstm": (4, 2), "gru": (3, 1), "simple_rnn": (1, 1)}


def recurrent_case(draw, op):
    gates, states = RECURRENT_CELLS[op]
    n, t, f, u = small_dim(draw), small_dim(draw), small_dim(draw), small_dim(draw, 1)
    dt = float_dtype(draw)
    attrs = {
        "return_sequences": int(draw(st.booleans())),
        "go_backwards": int(draw(st.booleans())),
        "zero_output_for_mask": int(draw(st.booleans())),
        "has_initial_state": int(draw(st.booleans())),
        "has_mask": int(draw(st.booleans())),
        "has_recurrent_mask": int(draw(st.booleans())),
    }
    bias = (gates * u,)
    if op == "gru":
        attrs["reset_after"] = int(draw(st.booleans()))
        bias = (2, gates * u) if attrs["reset_after"] else bias
    if op != "simple_rnn" and draw(st.booleans()):
        attrs["recurrent_activation"] = draw(st.sampled_from(["sigmoid", "hard_sigmoid", "relu"]))
    if draw(st.booleans()):
        attrs["activation"] = draw(st.sampled_from(["tanh", "relu", "linear"]))
    ops = [Operand((n, t, f), dt), Operand((f, gates * u), dt), Operand((u, gates * u), dt), Operand(bias, dt)]
    if attrs["has_initial_state"]:
        ops += [Operand((n, u), dt)] * states
    if attrs["has_mask"]:
        ops.append(Operand((n, t), draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES)), "binary"))
    if attrs["has_recurrent_mask"]:
        ops.append(Operand((n, u), dt, "binary"))
    return Case(op, tuple(ops), attrs)


def recurrent_grad_case(draw, op):
    """d_output, d_states, x, kernel, recurrent, saved activations, then the optional inputs."""
    fwd = recurrent_case(draw, op)
    states = RECURRENT_CELLS[op][1]
    outs = forward_output_shapes(fwd)
    dt = fwd.operands[0].dtype
    ops = (
        [Operand(s, dt) for s in outs[: 1 + states]]
        + list(fwd.operands[:3])
        + [Operand(s, dt) for s in outs[1 + states :]]
        + list(fwd.operands[4:])
    )
    return grad_of(fwd, op + "_grad", ops)


# ---------------------------------------------------------------- normalization
def normalize_case(draw, weights_allowed=True):
    """One of the layouts the Keras layers lower to: batch (statistics per channel, maybe
    masked), layer, group (a split channel axis) and the RMS / L2 modes."""
    style = draw(st.sampled_from(["batch", "layer", "group", "rms"]))
    dt = float_dtype(draw)
    attrs = {"epsilon": draw(st.sampled_from([1e-3, 1e-5, 0.1]))}
    if style == "group":
        groups = draw(st.integers(1, 3))
        shape = (small_dim(draw), small_dim(draw), groups * draw(st.integers(1, 2)))
        attrs.update(axes=[1], param_axes=[2], groups=groups, group_axis=2)
    else:
        rank = draw(st.integers(1, 3))
        shape = shape_of_rank(draw, rank)
        if style == "batch":
            attrs.update(axes=list(range(rank - 1)) or [0], param_axes=[rank - 1])
            if rank == 1:
                attrs["axes"], attrs["param_axes"] = [0], []
        else:
            first = draw(st.integers(0, rank - 1))
            attrs.update(axes=list(range(first, rank)), param_axes=list(range(first, rank)))
        if style == "rms":
            attrs["mode"] = draw(st.sampled_from(["rms_scaling", "rms", "l2"]))
            attrs["param_axes"] = [] if attrs["mode"] == "l2" else attrs["param_axes"]
    params = tuple(shape[a] for a in attrs["param_axes"])
    attrs["scale"] = int(bool(params) and draw(st.booleans()))
    attrs["center"] = int(bool(params) and attrs.get("mode", "moments") != "l2" and draw(st.booleans()))
    # gamma/beta's axes and a split group axis are sized when the graph is built
    known = tuple(sorted(set(attrs["param_axes"]) | ({attrs["group_axis"]} if "groups" in attrs else set())))
    ops = [Operand(shape, dt, known=known)]
    ops += [Operand(params, dt)] * (attrs["scale"] + attrs["center"])
    if weights_allowed and style == "batch" and len(shape) > 1 and draw(st.booleans()):
        attrs["weighted"] = 1
        attrs["count_epsilon"] = 1e-7
        ops.append(Operand(shape[:-1], dt, "binary"))
    return Case("normalize", tuple(ops), attrs)


def normalize_with_stats_case(draw):
    fwd = normalize_case(draw, weights_allowed=False)
    while fwd.attrs.get("mode", "moments") != "moments":
        fwd = normalize_case(draw, weights_allowed=False)
    _, mean, var = forward_output_shapes(fwd)
    x, *params = fwd.operands
    dt = x.dtype
    stats = [Operand(mean, dt), Operand(var, dt, "positive")]
    return Case("normalize_with_stats", (x, *stats, *params), dict(fwd.attrs, fixed_stats=1))


def normalize_grad_case(draw):
    """dy, x, mean, var, [gamma], [weights], [dmean, dvar]: after normalize or normalize_with_stats."""
    fixed = draw(st.booleans())
    fwd = normalize_with_stats_case(draw) if fixed else normalize_case(draw)
    x = fwd.operands[0]
    dt = x.dtype
    probe = fwd if not fixed else replace(fwd, op="normalize", operands=(x, *fwd.operands[3:]), attrs=dict(fwd.attrs))
    if fixed:
        probe.attrs.pop("fixed_stats")
    _, mean, var = forward_output_shapes(probe)
    ops = [Operand(x.shape, dt, known=x.known), x, Operand(mean, dt), Operand(var, dt, "positive")]
    if fwd.attrs["scale"]:
        ops.append(Operand(fwd.operands[3 if fixed else 1].shape, dt))
    if fwd.attrs.get("weighted"):
        ops.append(fwd.operands[-1])
    stat_grads = int(not fixed and draw(st.booleans()))
    if stat_grads:
        ops += [Operand(mean, dt), Operand(var, dt)]
    return Case("normalize_grad", tuple(ops), dict(fwd.attrs, fixed_stats=int(fixed), stat_grads=stat_grads))


def moving_average_update_case(draw):
    shape, dt = shape_of_rank(draw, draw(st.integers(0, 2))), float_dtype(draw)
    return Case(
        "moving_average_update",
        (Operand(shape, dt, param=True), Operand(shape, dt)),
        {"momentum": draw(st.sampled_from([0.0, 0.5, 0.99, 1.0]))},
    )


def fold_batch_norm_case(draw):
    """A dense or conv kernel (channels last) and the batch norm folded into it."""
    channels, dt = small_dim(draw), float_dtype(draw)
    kernel = shape_of_rank(draw, draw(st.integers(0, 3))) + (channels,)
    attrs = {k: int(draw(st.booleans())) for k in ("bias", "scale", "center")}
    attrs["epsilon"] = 1e-3
    c = Operand((channels,), dt)
    ops = [Operand(kernel, dt)] + [c] * attrs["bias"] + [c, Operand((channels,), dt, "positive")]
    ops += [c] * (attrs["scale"] + attrs["center"])
    return Case("fold_batch_norm", tuple(ops), attrs)


# ---------------------------------------------------------------- losses and metrics
LOSSES = (
    "mae",
    "mse",
    "binary_crossentropy",
    "binary_crossentropy_logits",
    "categorical_crossentropy",
    "categorical_crossentropy_logits",
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
)
SPARSE_LOSSES = ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy_logits")


def loss_operands(draw, sparse):
    rows = shape_of_rank(draw, draw(st.integers(0, 2)))
    cols = small_dim(draw, 1)
    dt = float_dtype(draw)
    pred = Operand(rows + (cols,), dt, "positive")
    if sparse:
        tdt = draw(st.sampled_from(FLOAT_DTYPES + INT_DTYPES))
        target = Operand(rows + ((1,) if draw(st.booleans()) else ()), tdt, f"label:{cols}")
    else:
        target = Operand(rows + (cols,), dt, "positive")
    ops, attrs = [pred, target], {}
    if draw(st.booleans()):
        ops.append(Operand(rows, dt, "binary"))
    if draw(st.booleans()):
        ops.append(Operand(rows, dt, "positive"))
        attrs["weighted"] = 1
    return ops, attrs


def loss_case(draw, name):
    ops, attrs = loss_operands(draw, name in SPARSE_LOSSES)
    if name == "huber" and draw(st.booleans()):
        attrs["delta"] = draw(st.floats(0.1, 3))
    return Case(name, tuple(ops), attrs)


def loss_grad_case(draw, name):
    fwd = loss_case(draw, name)
    return grad_of(fwd, name + "_grad", [Operand((), fwd.operands[0].dtype)] + list(fwd.operands))


ACCURACY_KINDS = ("binary", "categorical", "sparse_categorical", "top_k_categorical", "sparse_top_k_categorical")


def accuracy_case(draw):
    kind = draw(st.sampled_from(ACCURACY_KINDS))
    ops, _ = loss_operands(draw, kind.startswith("sparse"))
    ops = ops[:3]
    attrs = {"kind": kind}
    if "top_k" in kind:
        attrs["k"] = draw(st.integers(1, 5))
    if kind == "binary":
        attrs["threshold"] = draw(st.floats(0, 1))
    return Case("accuracy", tuple(ops), attrs)


# ---------------------------------------------------------------- optimizer updates
def param_like(shape, dt, fill="normal"):
    return Operand(shape, dt, fill, param=True)


def update_case(draw, op):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    dt = float_dtype(draw)
    p, g = param_like(shape, dt), Operand(shape, dt)
    lr = Operand((), "float64", "positive")
    it = Operand((), "int64", "zero", param=True)
    slot = lambda: param_like(shape, dt, "positive")  # noqa: E731
    attrs = {}
    if draw(st.booleans()):
        attrs["weight_decay"] = draw(st.floats(0, 0.1))
    if op == "sgd_update":
        ops = [p, g, lr]
        if draw(st.booleans()):
            attrs["momentum"] = draw(st.floats(0.1, 0.9))
            attrs["nesterov"] = int(draw(st.booleans()))
            ops.append(slot())
    elif op == "adam_update":
        ops = [p, g, lr, it, slot(), slot()]
        if draw(st.booleans()):
            attrs["amsgrad"] = 1
            ops.append(slot())
    elif op == "rmsprop_update":
        ops = [p, g, lr, slot()]
        if draw(st.booleans()):
            attrs["momentum"] = draw(st.floats(0.1, 0.9))
            ops.append(slot())
        if draw(st.booleans()):
            attrs["centered"] = 1
            ops.append(slot())
    elif op == "adagrad_update":
        ops = [p, g, lr, slot()]
    elif op == "adadelta_update":
        ops = [p, g, lr, slot(), slot()]
    elif op == "adamax_update":
        ops = [p, g, lr, it, slot(), slot()]
    elif op == "nadam_update":
        ops = [p, g, lr, it, Operand((), "float64", "positive", param=True), slot(), slot()]
    elif op == "lion_update":
        ops = [p, g, lr, slot()]
    elif op == "ftrl_update":
        ops = [p, g, lr, slot(), slot()]
        if draw(st.booleans()):
            attrs["learning_rate_power"] = draw(st.floats(-1, 0))
            attrs["l1_regularization_strength"] = draw(st.floats(0, 0.1))
            attrs["l2_shrinkage_regularization_strength"] = draw(st.floats(0, 0.1))
    elif op == "lamb_update":
        ops = [p, g, lr, it, slot(), slot()]
    else:  # adafactor_update: factored moments r, c for rank >= 2
        ops = [p, g, lr, it]
        if len(shape) >= 2:
            ops += [param_like(shape[:-1], dt, "positive"), param_like(shape[:-2] + shape[-1:], dt, "positive")]
        ops.append(slot())
    return Case(op, tuple(ops), attrs)


CONSTRAINTS = ("non_neg", "max_norm", "unit_norm", "min_max_norm")


def constrain_case(draw):
    rank = draw(st.integers(0, 3))
    attrs = {"kind": draw(st.sampled_from(CONSTRAINTS))}
    if rank and draw(st.booleans()):
        attrs["axes"] = draw(
            st.lists(st.integers(-rank, rank - 1), min_size=1, max_size=rank, unique_by=lambda a: a % rank)
        )
    return Case("constrain", (param_like(shape_of_rank(draw, rank), float_dtype(draw)),), attrs)


def increment_counter_case(draw):
    return Case("increment_counter", (Operand((), "int64", "zero", param=True),))


def nadam_schedule_case(draw):
    return Case(
        "nadam_schedule",
        (Operand((), "float64", "positive"), Operand((), "int64", "zero")),
        {"beta_1": draw(st.floats(0, 1))},
    )


# ---------------------------------------------------------------- data-parallel gradients
def allreduce_start_case(draw):
    """A bucket of 1-3 gradients (shapes fully known) and this process's batch weight; in
    one process the allreduce is the identity."""
    dt = float_dtype(draw)
    shapes = [shape_of_rank(draw, draw(st.integers(0, 3))) for _ in range(draw(st.integers(1, 3)))]
    grads = [Operand(s, dt, known=tuple(range(len(s)))) for s in shapes]
    return Case("allreduce_start", (Operand((), "float64", "positive"), *grads))


def allreduce_wait_case(draw):
    start = allreduce_start_case(draw)
    (bucket,) = forward_output_shapes(start)
    return Case("allreduce_wait", (Operand(bucket, start.operands[1].dtype, known=(0,)), *start.operands[1:]))


# ---------------------------------------------------------------- attention and random draws
def attention_case(draw):
    """q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv), then the dropout counter when dropout
    > 0 and a mask (each axis 1 or full) when has_mask."""
    b, t, s_len, n = small_dim(draw), small_dim(draw), small_dim(draw), small_dim(draw, 1)
    h, hv = small_dim(draw), small_dim(draw)
    dt = float_dtype(draw)
    operands = [Operand((b, t, n, h), dt), Operand((b, s_len, n, h), dt), Operand((b, s_len, n, hv), dt)]
    dropout = draw(st.sampled_from([0.0, 0.0, 0.5]))
    has_mask = draw(st.booleans())
    if dropout:
        operands.append(Operand((), "int64", "zero"))
    if has_mask:
        full = (b, n, t, s_len)
        operands.append(Operand(tuple(d if draw(st.booleans()) else 1 for d in full), dt, "binary"))
    attrs = {
        "scale": draw(st.floats(0.1, 2)),
        "causal": int(draw(st.booleans())),
        "dropout": dropout,
        "seed": draw(st.integers(0, 2**31)),
        "has_mask": int(has_mask),
        "zero_masked_rows": int(draw(st.booleans())),
    }
    return Case("attention", tuple(operands), attrs)


def attention_grad_case(draw):
    fwd = attention_case(draw)
    q, k, v = fwd.operands[:3]
    out, probs = forward_output_shapes(fwd)
    operands = [Operand(out, q.dtype), q, k, v, Operand(probs, q.dtype, "positive"), *fwd.operands[3:]]
    attrs = dict(fwd.attrs)
    if draw(st.booleans()):
        operands.append(Operand(probs, q.dtype))
        attrs["has_probs_grad"] = 1
    return Case("attention_grad", tuple(operands), attrs)


def rng_draw_case(draw):
    return Case("rng_draw", (Operand((), "int64", "zero", param=True),))


def random_normal_case(draw):
    shape = shape_of_rank(draw, draw(st.integers(0, 3)))
    attrs = {"mean": draw(st.floats(-1, 1)), "stddev": draw(st.floats(0, 2)), "seed": draw(st.integers(0, 2**31))}
    return Case("random_normal", (Operand((), "int64", "zero"), Operand(shape, float_dtype(draw))), attrs)


# ---------------------------------------------------------------- the table
RECIPES = {
    "accuracy": accuracy_case,
    "allreduce_start": allreduce_start_case,
    "allreduce_wait": allreduce_wait_case,
    "attention": attention_case,
    "attention_grad": attention_grad_case,
    "random_normal": random_normal_case,
    "rng_draw": rng_draw_case,
    "activation": activation_case,
    "activation_grad": activation_grad_case,
    "add": add_case,
    "affine_transform": affine_transform_case,
    "affine_transform_grad": affine_transform_grad_case,
    "batch_matmul": batch_matmul_case,
    "binary": binary_case,
    "binary_grad": binary_grad_case,
    "cast": cast_case,
    "concatenate": concatenate_case,
    "constrain": constrain_case,
    "conv_grad_bias": conv_grad_bias_case,
    "dense": dense_case,
    "dropout": dropout_case,
    "embedding": embedding_case,
    "embedding_grad": embedding_grad_case,
    "expand_dims": expand_dims_case,
    "fill_like": fill_like_case,
    "increment_counter": increment_counter_case,
    "assign": assign_case,
    "nadam_schedule": nadam_schedule_case,
    "pad": pad_case,
    "random_uniform": random_uniform_case,
    "normalize": normalize_case,
    "normalize_with_stats": normalize_with_stats_case,
    "normalize_grad": normalize_grad_case,
    "moving_average_update": moving_average_update_case,
    "fold_batch_norm": fold_batch_norm_case,
    "matmul": matmul_case,
    "merge_leading_axes": merge_leading_axes_case,
    "reduce": reduce_case,
    "reduce_grad": reduce_grad_case,
    "reshape": reshape_case,
    "reshape_like": reshape_like_case,
    "resize": resize_case,
    "resize_grad": resize_grad_case,
    "scale": scale_case,
    "slice": slice_case,
    "slice_grad": slice_grad_case,
    "split_leading_axes": split_leading_axes_case,
    "split_like": split_like_case,
    "squeeze": squeeze_case,
    "stack": stack_case,
    "stop_gradient": stop_gradient_case,
    "bitcast": bitcast_case,
    "sum_leading_axes": sum_leading_axes_case,
    "sum_to_shape": sum_to_shape_case,
    "transpose": transpose_case,
    "unary": unary_case,
    "unary_grad": unary_grad_case,
    "where": where_case,
    "where_grad": where_grad_case,
}
for _kind in ("l1", "l2"):
    RECIPES[f"{_kind}_penalty"] = lambda draw, k=_kind: penalty_case(draw, k)
    RECIPES[f"{_kind}_penalty_grad"] = lambda draw, k=_kind: penalty_grad_case(draw, k)
for _cell in RECURRENT_CELLS:
    RECIPES[_cell] = lambda draw, c=_cell: recurrent_case(draw, c)
    RECIPES[_cell + "_grad"] = lambda draw, c=_cell: recurrent_grad_case(draw, c)
for _rank in (1, 2, 3):
    _conv = lambda draw, r=_rank: conv_case(draw, r)
    RECIPES[f"conv{_rank}d"] = _conv
    RECIPES[f"conv{_rank}d_grad_input"] = lambda draw, f=_conv: conv_grad_case(draw, f, "input")
    RECIPES[f"conv{_rank}d_grad_kernel"] = lambda draw, f=_conv: conv_grad_case(draw, f, "kernel")
    RECIPES[f"conv{_rank}d_transpose"] = lambda draw, r=_rank: conv_transpose_case(draw, r)
    for _kind in ("max", "avg"):
        _fwd = lambda draw, k=_kind, r=_rank: pool_case(draw, k, r)
        RECIPES[f"{_kind}_pool{_rank}d"] = _fwd
        RECIPES[f"{_kind}_pool{_rank}d_grad"] = lambda draw, f=_fwd: pool_grad_case(draw, f)
for _rank in (1, 2):
    _depthwise = lambda draw, r=_rank: depthwise_case(draw, r)
    RECIPES[f"depthwise_conv{_rank}d"] = _depthwise
    RECIPES[f"depthwise_conv{_rank}d_grad_input"] = lambda draw, f=_depthwise: conv_grad_case(draw, f, "input")
    RECIPES[f"depthwise_conv{_rank}d_grad_kernel"] = lambda draw, f=_depthwise: conv_grad_case(draw, f, "kernel")
for _kind in ("max", "avg"):
    _fwd = lambda draw, k=_kind: global_pool_case(draw, k)
    RECIPES[f"global_{_kind}_pool"] = _fwd
    RECIPES[f"global_{_kind}_pool_grad"] = lambda draw, f=_fwd: pool_grad_case(draw, f)
for _name in LOSSES + SPARSE_LOSSES:
    RECIPES[_name] = lambda draw, n=_name: loss_case(draw, n)
    RECIPES[_name + "_grad"] = lambda draw, n=_name: loss_grad_case(draw, n)
for _op in (
    "sgd_update",
    "adam_update",
    "rmsprop_update",
    "adagrad_update",
    "adadelta_update",
    "adamax_update",
    "nadam_update",
    "lion_update",
    "ftrl_update",
    "lamb_update",
    "adafactor_update",
):
    RECIPES[_op] = lambda draw, o=_op: update_case(draw, o)
