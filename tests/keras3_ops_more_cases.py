"""Cases for tests/test_keras3_ops_more.py and its fixture maker
(tests/fixtures/make/keras3_ops_more.py): each an op name, its arguments (NumPy arrays built
here from a fixed seed, or Python values) and keyword arguments. The maker stores Keras 3's
outputs in tests/fixtures/keras3_ops_more.npz; the test runs dagnet's op on the same
arguments eagerly and with the arrays in `symbolic` as functional-model inputs."""

import numpy as np

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 5)).astype("float32")
X3 = RNG.standard_normal((2, 3, 4)).astype("float32")
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [0.0, 0.0, 0.0, 0.0]], "float32")
P = np.abs(RNG.standard_normal((4, 3))).astype("float32") + 0.1
PROBS = (P / P.sum(-1, keepdims=True)).astype("float32")
HOT = np.eye(3, dtype="float32")[[0, 2, 1, 1]]
SPECIAL = np.array([1.5, np.nan, np.inf, -np.inf, -2.5, 0.0], "float32")
INTS = np.array([[7, -7, 3], [-3, 8, 0]], "int32")
DIV = np.array([[3, 3, -2], [2, -5, 4]], "int32")
IDS = np.array([0, 1, 1, 3, 2, 1, 4], "int32")
SEG = np.array([0, 0, 2, 2, 1], "int32")
DATA = RNG.standard_normal((5, 2)).astype("float32")
V3 = RNG.standard_normal((4, 3)).astype("float32")
W3 = RNG.standard_normal((4, 3)).astype("float32")


def case(op, *args, symbolic=(0,), **kwargs):
    return {"op": op, "args": args, "kwargs": kwargs, "symbolic": symbolic}


CASES = {
    "argmax_default": case("argmax", X),
    "argmax_axis1": case("argmax", X, axis=1),
    "argmax_keepdims": case("argmax", X3, axis=0, keepdims=True),
    "argmax_ties": case("argmax", TIES, axis=-1),
    "argmin_axis0": case("argmin", X, axis=0),
    "argmin_ties": case("argmin", TIES, axis=1),
    "argsort_last": case("argsort", X),
    "argsort_axis0": case("argsort", X3, axis=0),
    "argsort_ties": case("argsort", TIES),
    "sort_last": case("sort", X3),
    "sort_axis1": case("sort", X3, axis=1),
    "top_k_2": case("top_k", X, 2),
    "top_k_ties": case("top_k", TIES, 3),
    "in_top_k": case("in_top_k", np.array([0, 4, 2], "int32"), X, 2, symbolic=(1,)),
    "logsumexp_all": case("logsumexp", X),
    "logsumexp_axis": case("logsumexp", X3, axis=-1, keepdims=True),
    "take_flat": case("take", X, np.array([[0, 7], [14, 3]], "int32")),
    "take_axis1": case("take", X3, np.array([2, 0, 0], "int32"), axis=1),
    "take_negative": case("take", X, np.array([-1, 0], "int32"), axis=0),
    "take_along_axis1": case("take_along_axis", X, np.array([[0, 4], [1, 1], [3, 2]], "int32"), axis=1),
    "take_along_axis0": case("take_along_axis", X3, np.zeros((1, 3, 4), "int32") + 1, axis=0),
    "pad_constant": case("pad", X, [[1, 2], [0, 1]]),
    "pad_value": case("pad", X3, [[1, 1], [0, 2], [1, 0]], constant_values=2.5),
    "pad_reflect": case("pad", X, [[2, 1], [3, 2]], mode="reflect"),
    "pad_symmetric": case("pad", X, [[1, 3], [2, 0]], mode="symmetric"),
    "var_all": case("var", X),
    "var_axis": case("var", X3, axis=(0, 2), keepdims=True),
    "std_axis": case("std", X, axis=1),
    "isnan": case("isnan", SPECIAL),
    "isinf": case("isinf", SPECIAL),
    "isfinite": case("isfinite", SPECIAL),
    "nan_to_num": case("nan_to_num", SPECIAL),
    "nan_to_num_values": case("nan_to_num", SPECIAL, nan=-1.0, posinf=9.0, neginf=-9.0),
    "cumprod_axis": case("cumprod", X, axis=1),
    "cumprod_flat": case("cumprod", X3[0]),
    "unstack_axis1": case("unstack", X3, axis=1),
    "full_like": case("full_like", X, 4.5),
    "norm_default": case("norm", X),
    "norm_vector_axis": case("norm", X, axis=1),
    "norm_ord1": case("norm", X, ord=1, axis=0, keepdims=True),
    "norm_inf": case("norm", X, ord=np.inf, axis=-1),
    "norm_matrix_fro": case("norm", X3, ord="fro", axis=(1, 2)),
    "norm_matrix_1": case("norm", X, ord=1),
    "ceil": case("ceil", X),
    "mod_float": case("mod", X, 0.7),
    "mod_int": case("mod", INTS, DIV),
    "floor_divide_int": case("floor_divide", INTS, DIV),
    "floor_divide_float": case("floor_divide", X, 0.3),
    "count_nonzero": case("count_nonzero", INTS),
    "count_nonzero_axis": case("count_nonzero", INTS, axis=0),
    "diag_vector": case("diag", X[0], k=1),
    "diag_matrix": case("diag", X, k=-1),
    "diagonal": case("diagonal", X3, offset=1, axis1=1, axis2=2),
    "trace": case("trace", X),
    "trace_offset": case("trace", X3, offset=-1, axis1=1, axis2=2),
    "outer": case("outer", X[0], X[1, :3]),
    "cross": case("cross", V3, W3),
    "flip_all": case("flip", X3),
    "flip_axis": case("flip", X3, axis=(0, 2)),
    "roll_flat": case("roll", X, 3),
    "roll_axis": case("roll", X3, -1, axis=2),
    "meshgrid_xy": case("meshgrid", X[0], X[1, :3]),
    "meshgrid_ij": case("meshgrid", X[0], X[1, :3], indexing="ij"),
    "digitize": case("digitize", X, np.array([-1.0, 0.0, 0.5], "float32")),
    "bincount": case("bincount", IDS, symbolic=()),
    "bincount_weighted": case("bincount", IDS, weights=np.arange(7, dtype="float32"), minlength=7),
    "segment_sum": case("segment_sum", DATA, SEG, num_segments=3),
    "segment_max": case("segment_max", DATA, SEG, num_segments=3),
    "segment_min": case("segment_min", DATA, SEG, num_segments=4),
    "segment_max_empty": case("segment_max", DATA, SEG, num_segments=4),
    "multi_hot": case("multi_hot", np.array([[0, 2], [3, 3]], "int32"), 5),
    "binary_crossentropy": case("binary_crossentropy", HOT, PROBS),
    "binary_crossentropy_logits": case("binary_crossentropy", HOT, 2.0 * P - 1.0, from_logits=True),
    "categorical_crossentropy": case("categorical_crossentropy", HOT, PROBS, symbolic=(1,)),
    "categorical_crossentropy_logits": case("categorical_crossentropy", HOT, P, from_logits=True, symbolic=(1,)),
    "sparse_categorical_crossentropy": case(
        "sparse_categorical_crossentropy", np.array([0, 2, 1, 1], "int32"), PROBS, symbolic=(1,)
    ),
    "sparse_categorical_crossentropy_logits": case(
        "sparse_categorical_crossentropy", np.array([0, 2, 1, 1], "int32"), P, from_logits=True, symbolic=(1,)
    ),
    "amax": case("amax", X, axis=0),
    "amin": case("amin", X3, axis=(1, 2), keepdims=True),
    "ravel": case("ravel", X3),
    "tan": case("tan", X),
    "sinh": case("sinh", X),
    "cosh": case("cosh", X),
    "log2": case("log2", P),
    "log10": case("log10", P),
    "exp2": case("exp2", X),
    "logaddexp": case("logaddexp", X, X[::-1]),
    "hypot": case("hypot", X, X[::-1]),
    "trunc": case("trunc", X * 3.0),
    "cbrt": case("cbrt", X),
    "deg2rad": case("deg2rad", X),
    "rad2deg": case("rad2deg", X),
    "divide_no_nan": case("divide_no_nan", X, np.array([0.0, 2.0, 0.0, -1.0, 0.5], "float32")),
    "heaviside": case("heaviside", np.array([-1.0, 0.0, 2.0], "float32"), np.array([0.5, 0.5, 0.5], "float32")),
    "isclose": case("isclose", X, X + np.array([0.0, 1e-7, 1e-3, 0.0, 2e-5], "float32")),
    "diff": case("diff", X3, axis=1),
    "diff_twice": case("diff", X, n=2),
    "average": case("average", X, axis=1),
    "average_weights": case("average", X, axis=0, weights=np.array([1.0, 2.0, 3.0], "float32")),
    "nansum": case("nansum", SPECIAL[[0, 1, 4, 5]]),
    "nanmean": case("nanmean", np.array([[1.0, np.nan], [3.0, 4.0]], "float32"), axis=1),
    "append": case("append", X, X3[0]),
    "append_axis": case("append", X, X[:1], axis=0),
    "hstack": case("hstack", [X, X[:, :2]], symbolic=()),
    "vstack": case("vstack", [X[:1], X], symbolic=()),
    "fliplr": case("fliplr", X),
    "flipud": case("flipud", X3),
    "searchsorted": case("searchsorted", np.array([-1.0, 0.0, 0.0, 1.0], "float32"), X[0], symbolic=(1,)),
    "searchsorted_right": case(
        "searchsorted", np.array([-1.0, 0.0, 0.0, 1.0], "float32"), np.zeros(3, "float32"), side="right"
    ),
    "tensordot": case("tensordot", X3, V3, axes=([1, 2], [1, 0])),
    "tensordot_int": case("tensordot", X3, V3, axes=1),
    "inner": case("inner", X3, W3.T),
    "vdot": case("vdot", X, X * 2.0),
    "quantile": case("quantile", X, 0.3),
    "quantile_axis": case("quantile", X3, [0.1, 0.5, 1.0], axis=(0, 2)),
    "quantile_keepdims": case("quantile", X, 0.75, axis=1, keepdims=True),
    "quantile_lower": case("quantile", X, 0.3, axis=0, method="lower"),
    "quantile_higher": case("quantile", X, 0.3, axis=0, method="higher"),
    "quantile_midpoint": case("quantile", X, 0.3, axis=0, method="midpoint"),
    "quantile_nearest": case("quantile", X, 0.4, axis=1, method="nearest"),
    "percentile": case("percentile", X3, 40.0, axis=-1),
    "median": case("median", X),
    "median_axis": case("median", X3, axis=1, keepdims=True),
    "nanmax": case("nanmax", np.array([[1.0, np.nan], [np.nan, np.nan], [-2.0, 3.0]], "float32"), axis=1),
    "nanmin": case("nanmin", np.array([[1.0, np.nan], [np.nan, 0.5], [-2.0, 3.0]], "float32"), axis=0),
    "ptp": case("ptp", X, axis=1),
    "rot90": case("rot90", X),
    "rot90_k3": case("rot90", X3, k=-1, axes=(0, 2)),
    "dstack": case("dstack", [X, X], symbolic=()),
    "array_split": case("array_split", X, 3, axis=1),
    "logspace": case("logspace", 0.0, 2.0, 5, symbolic=()),
    "geomspace": case("geomspace", 1.0, 100.0, 3, symbolic=()),
    "unravel_index": case("unravel_index", np.array([0, 7, 13], "int32"), (3, 5)),
    "isin": case("isin", np.array([[1, 2], [5, 3]], "int32"), np.array([3, 1, 4], "int32")),
    "isin_invert": case("isin", np.array([1.0, 2.0, 5.0], "float32"), np.array([5.0, 1.0], "float32"), invert=True),
    "linspace": case("linspace", 0.0, 2.0, 5, symbolic=()),
    "linspace_open": case("linspace", -1.0, 1.0, 4, endpoint=False, symbolic=()),
}
