"""Cases for tests/test_keras3_ops_extra.py and its fixture maker
(tests/fixtures/make/keras3_ops_extra.py): the keras.ops names added in ops/inverse_trig.py,
bitwise.py, identity_ops.py, elementwise_extra.py, array_extra.py, nan_reductions.py,
scatter_ops.py and conv_ops.py, each an op name, its arguments (NumPy arrays from a fixed
seed, or Python values) and keyword arguments. The maker stores Keras 3's outputs in
tests/fixtures/keras3_ops_extra.npz; the test runs dagnet's op on the same arguments eagerly
and with the arrays in `symbolic` as functional-model inputs."""

import numpy as np

RNG = np.random.default_rng(11)
X = RNG.standard_normal((3, 5)).astype("float32")
X64 = RNG.standard_normal((3, 4))
UNIT = RNG.uniform(-0.95, 0.95, (2, 5)).astype("float32")
ABOVE1 = RNG.uniform(1.05, 4.0, (2, 4)).astype("float32")
INTS = np.array([[12, -18, 7, 0], [9, 30, -4, 5]], "int32")
INTS2 = np.array([[8, 27, -21, 6], [3, -12, 6, 0]], "int32")
SHIFTS = np.array([[0, 1, 3, 31], [2, 5, 0, 4]], "int32")
SPECIAL = np.array([1.5, np.nan, np.inf, -np.inf, -2.5, 0.0, -0.0], "float32")
WITH_NAN = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan, np.nan, np.nan, np.nan], [4.0, 0.5, np.nan, 2.0]], "float32")
IMG = RNG.standard_normal((2, 6, 5, 3)).astype("float32")
SEQ = RNG.standard_normal((2, 9, 3)).astype("float32")
VOL = RNG.standard_normal((1, 4, 5, 4, 2)).astype("float32")
K2 = RNG.standard_normal((3, 3, 3, 4)).astype("float32")
K2G = RNG.standard_normal((3, 2, 1, 6)).astype("float32")
K1 = RNG.standard_normal((3, 3, 5)).astype("float32")
K3 = RNG.standard_normal((2, 2, 3, 2, 3)).astype("float32")
DW2 = RNG.standard_normal((3, 3, 3, 2)).astype("float32")
DW1 = RNG.standard_normal((2, 3, 2)).astype("float32")
PW2 = RNG.standard_normal((1, 1, 6, 4)).astype("float32")
KT2 = RNG.standard_normal((3, 3, 4, 3)).astype("float32")
KT1 = RNG.standard_normal((4, 2, 3)).astype("float32")
V1 = RNG.standard_normal(6).astype("float32")
V2 = RNG.standard_normal(4).astype("float32")
DEPTH = np.arange(2 * 2 * 3 * 8, dtype="float32").reshape(2, 2, 3, 8)


def case(op, *args, symbolic=(0,), **kwargs):
    return {"op": op, "args": args, "kwargs": kwargs, "symbolic": symbolic}


CASES = {
    # inverse trigonometric / hyperbolic, erfc, erfinv (native unary kinds)
    "arcsin": case("arcsin", UNIT),
    "arcsin_ints": case("arcsin", np.array([0, 1, -1], "int32")),
    "arccos": case("arccos", UNIT),
    "arctan": case("arctan", X),
    "arcsinh": case("arcsinh", X),
    "arccosh": case("arccosh", ABOVE1),
    "arctanh": case("arctanh", UNIT),
    "arctan_64": case("arctan", X64),
    "erfc": case("erfc", X * 2),
    "erfinv": case("erfinv", UNIT),
    "erfinv_64": case("erfinv", np.array([0.0, 0.5, -0.999, 0.9999999, 1e-12, -0.3])),
    "arctan2": case("arctan2", X, X[::-1], symbolic=(0, 1)),
    "arctan2_quadrants": case(
        "arctan2",
        np.array([1.0, 1.0, -1.0, -1.0, 0.0, 2.0], "float32"),
        np.array([1.0, -1.0, 1.0, -1.0, -1.0, 0.0], "float32"),
    ),
    "arctan2_ints": case("arctan2", np.array([1, -2, 0], "int32"), np.array([3, 1, -1], "int32")),
    # integer ops (native binary kinds)
    "bitwise_and": case("bitwise_and", INTS, INTS2, symbolic=(0, 1)),
    "bitwise_or": case("bitwise_or", INTS, INTS2),
    "bitwise_xor": case("bitwise_xor", INTS, INTS2),
    "bitwise_not": case("bitwise_not", INTS),
    "bitwise_invert": case("bitwise_invert", INTS),
    "left_shift": case("left_shift", INTS, SHIFTS),
    "right_shift": case("right_shift", INTS, SHIFTS),
    "bitwise_left_shift": case("bitwise_left_shift", INTS, 2),
    "bitwise_right_shift": case("bitwise_right_shift", INTS, SHIFTS),
    "gcd": case("gcd", INTS, INTS2, symbolic=(0, 1)),
    "lcm": case("lcm", INTS, INTS2),
    "gcd_int64": case("gcd", INTS.astype("int64"), INTS2.astype("int64")),
    # pass-through
    "stop_gradient": case("stop_gradient", X),
    "copy": case("copy", INTS),
    "real": case("real", X),
    "imag": case("imag", X),
    "conj": case("conj", X),
    "conjugate": case("conjugate", INTS),
    "isreal": case("isreal", X),
    # elementwise compositions
    "fabs": case("fabs", X),
    "fabs_ints": case("fabs", INTS),
    "fmod": case("fmod", X * 5, np.float32(1.5)),
    "fmod_pairs": case(
        "fmod", np.array([-3.5, 3.0, 7.25, -7.25], "float32"), np.array([2.0, -2.0, 2.0, 0.5], "float32")
    ),
    "fmod_ints": case("fmod", INTS, np.array([5, 7, -3, 2], "int32")),
    "signbit": case("signbit", SPECIAL[[0, 2, 3, 4, 5, 6]]),
    "signbit_ints": case("signbit", INTS),
    "isposinf": case("isposinf", SPECIAL),
    "isneginf": case("isneginf", SPECIAL),
    "sinc": case("sinc", np.array([0.0, 0.5, -1.5, 2.25, 1e-3], "float32")),
    "logaddexp2": case("logaddexp2", X, X[::-1], symbolic=(0, 1)),
    "logaddexp2_big": case(
        "logaddexp2", np.array([1000.0, -1000.0, 3.0], "float32"), np.array([999.0, -1001.0, 3.0], "float32")
    ),
    "ldexp": case("ldexp", X, np.array([0, 1, -2, 3, 10], "int32")),
    "ldexp_int": case("ldexp", INTS, 3),
    "fmax": case("fmax", SPECIAL, SPECIAL[::-1]),
    "fmin": case("fmin", SPECIAL, SPECIAL[::-1]),
    "fmax_ints": case("fmax", INTS, INTS2),
    "allclose": case("allclose", X, X + 1e-7),
    "allclose_far": case("allclose", X, X + 1e-2),
    "i0": case("i0", np.array([0.0, 0.5, -3.0, 7.9, 8.0, 12.5, -20.0], "float32")),
    "i0_64": case("i0", X64 * 4),
    # array builders
    "vander": case("vander", V2),
    "vander_n": case("vander", np.array([1, 2, 3], "int32"), N=4, increasing=True),
    "diagflat": case("diagflat", X[:2, :2]),
    "diagflat_k": case("diagflat", V2, k=-1),
    "kron": case("kron", X[:2, :3], X[1:, 2:4], symbolic=(0, 1)),
    "kron_ranks": case("kron", V2, X[:2, :2]),
    "hsplit": case("hsplit", X[:, :4], 2),
    "vsplit": case("vsplit", X64, [1]),
    "dsplit": case("dsplit", IMG[0], [1, 2]),
    "trapezoid": case("trapezoid", X),
    "trapezoid_dx": case("trapezoid", X, dx=0.5, axis=0),
    "trapezoid_x": case("trapezoid", X, x=np.array([0.0, 0.5, 1.5, 2.0, 4.0], "float32")),
    "extract_sequences": case("extract_sequences", X, 2, 1),
    "extract_sequences_stride": case("extract_sequences", SEQ[:, :, 0], 4, 2),
    "psnr": case("psnr", X, X * 0.9, 1.0, symbolic=(0, 1)),
    "correlate_valid": case("correlate", V1, V2, symbolic=(0, 1)),
    "correlate_same": case("correlate", V1, V2, mode="same"),
    "correlate_full": case("correlate", V2, V1, mode="full"),
    "correlate_same_short_first": case("correlate", V2, V1, mode="same"),
    "cdist": case("cdist", X, X[:2] + 1, symbolic=(0, 1)),
    "corrcoef": case("corrcoef", X),
    "depth_to_space": case("depth_to_space", DEPTH, 2),
    "depth_to_space_first": case("depth_to_space", DEPTH.transpose(0, 3, 1, 2), 2, data_format="channels_first"),
    "space_to_depth": case("space_to_depth", IMG[:, :4, :4], 2),
    "space_to_depth_first": case(
        "space_to_depth", IMG[:, :4, :4].transpose(0, 3, 1, 2), 2, data_format="channels_first"
    ),
    # nan reductions
    "nanprod": case("nanprod", WITH_NAN, axis=1),
    "nanprod_ints": case("nanprod", INTS),
    "nanvar": case("nanvar", WITH_NAN[[0, 2]], axis=1),
    "nanstd": case("nanstd", WITH_NAN[[0, 2]]),
    "nanstd_keepdims": case("nanstd", WITH_NAN[[0, 2]], axis=0, keepdims=True),
    "nancumsum": case("nancumsum", WITH_NAN, axis=1),
    "nancumsum_flat": case("nancumsum", WITH_NAN),
    "nancumprod": case("nancumprod", WITH_NAN, axis=0),
    "nanargmax": case("nanargmax", WITH_NAN, axis=1),
    "nanargmin": case("nanargmin", WITH_NAN, axis=1),
    "nanargmax_flat": case("nanargmax", WITH_NAN),
    "nanargmin_keepdims": case("nanargmin", WITH_NAN[[0, 2]], axis=0, keepdims=True),
    "nanmedian": case("nanmedian", WITH_NAN, axis=1),
    "nanmedian_all": case("nanmedian", WITH_NAN),
    "nanquantile": case("nanquantile", WITH_NAN, 0.3, axis=1),
    "nanquantile_qs": case("nanquantile", WITH_NAN[[0, 2]], [0.0, 0.25, 1.0], axis=-1, keepdims=True),
    "nanpercentile": case("nanpercentile", WITH_NAN, 40, axis=1),
    "nanquantile_lower": case("nanquantile", WITH_NAN, 0.4, axis=1, method="lower"),
    "nanquantile_higher": case("nanquantile", WITH_NAN, 0.4, axis=1, method="higher"),
    "nanquantile_nearest": case("nanquantile", WITH_NAN, 0.5, axis=1, method="nearest"),
    "nanquantile_midpoint": case("nanquantile", WITH_NAN, 0.4, axis=1, method="midpoint"),
    # slicing and scattering
    "slice": case("slice", X, (1, 2), (2, 3)),
    "slice_update": case("slice_update", X, (1, 1), np.ones((2, 3), "float32"), symbolic=(0, 2)),
    "get_item_int": case("get_item", X, 1),
    "scatter": case(
        "scatter",
        np.array([[0, 1], [2, 3], [0, 1]], "int32"),
        np.array([1.0, 2.0, 5.0], "float32"),
        (3, 4),
        symbolic=(1,),
    ),
    "scatter_rows": case("scatter", np.array([[1], [3]], "int32"), X[:2, :4], (4, 4), symbolic=(1,)),
    "scatter_update": case(
        "scatter_update", X, np.array([[0, 1], [2, 4]], "int32"), np.array([7.0, 8.0], "float32"), symbolic=(0, 2)
    ),
    "scatter_update_dup": case(
        "scatter_update", X, np.array([[1, 1], [1, 1]], "int32"), np.array([7.0, 8.0], "float32")
    ),
    "scatter_update_rows": case("scatter_update", X, np.array([[2], [0]], "int32"), X[:2] * 10),
    "scatter_update_add": case(
        "scatter_update",
        X,
        np.array([[1, 1], [1, 1], [0, 0]], "int32"),
        np.array([7.0, 8.0, 1.0], "float32"),
        reduction="add",
    ),
    "scatter_update_max": case(
        "scatter_update",
        X,
        np.array([[1, 1], [1, 1], [0, 0]], "int32"),
        np.array([7.0, -8.0, -9.0], "float32"),
        reduction="max",
    ),
    "scatter_update_min": case(
        "scatter_update",
        X,
        np.array([[1, 1], [1, 1], [0, 0]], "int32"),
        np.array([7.0, -8.0, -9.0], "float32"),
        reduction="min",
    ),
    "scatter_update_mul": case(
        "scatter_update",
        X,
        np.array([[1, 1], [1, 1], [0, 0]], "int32"),
        np.array([2.0, 3.0, -1.0], "float32"),
        reduction="mul",
    ),
    "histogram": case("histogram", X.reshape(-1), bins=4),
    "histogram_range": case("histogram", X.reshape(-1), bins=3, range=(-1.0, 1.0)),
    # convolutions and poolings
    "conv2d": case("conv", IMG, K2, symbolic=(0, 1)),
    "conv2d_same_strided": case("conv", IMG, K2, strides=2, padding="same"),
    "conv2d_dilated": case("conv", IMG, K2, dilation_rate=(1, 2), padding="same"),
    "conv2d_groups": case("conv", IMG[..., :2].repeat(3, -1), K2G),
    "conv1d": case("conv", SEQ, K1, strides=2),
    "conv3d": case("conv", VOL, K3, padding="same"),
    "depthwise_conv2d": case("depthwise_conv", IMG, DW2, padding="same", symbolic=(0, 1)),
    "depthwise_conv1d": case("depthwise_conv", SEQ, DW1, strides=2),
    "separable_conv2d": case("separable_conv", IMG, DW2, PW2, symbolic=(0, 1, 2)),
    "separable_conv2d_same": case("separable_conv", IMG, DW2, PW2, strides=2, padding="same"),
    "conv_transpose2d": case("conv_transpose", IMG, KT2, strides=2, symbolic=(0, 1)),
    "conv_transpose2d_same": case("conv_transpose", IMG, KT2, strides=2, padding="same"),
    "conv_transpose2d_outpad": case("conv_transpose", IMG, KT2, strides=2, output_padding=1),
    "conv_transpose1d": case("conv_transpose", SEQ, KT1, strides=3, padding="same"),
    "max_pool2d": case("max_pool", IMG, 2),
    "max_pool2d_same": case("max_pool", IMG, (3, 2), strides=(2, 1), padding="same"),
    "max_pool1d": case("max_pool", SEQ, 3, strides=2),
    "average_pool2d": case("average_pool", IMG, 2, padding="same"),
    "average_pool1d_same": case("average_pool", SEQ, 4, strides=3, padding="same"),
    "average_pool3d": case("average_pool", VOL, 2),
    "conv2d_channels_first": case("conv", IMG.transpose(0, 3, 1, 2), K2, data_format="channels_first"),
    "max_pool2d_channels_first": case("max_pool", IMG.transpose(0, 3, 1, 2), 2, data_format="channels_first"),
    # misc_extra.py
    "nextafter": case("nextafter", X, X[::-1], symbolic=(0, 1)),
    "nextafter_up": case("nextafter", np.array([1.0, 0.0, -1.0], "float32"), np.float32(np.inf)),
    "angle": case("angle", np.array([-1.5, 0.0, 2.0, -0.0], "float32")),
    "saturate_cast": case("saturate_cast", np.array([-1e10, -3.7, 3.7, 1e9, 2.5e3], "float32"), "int32"),
    "saturate_cast_int": case("saturate_cast", np.array([-5, 2**40, 7], "int64"), "int32"),
    "segment_prod": case("segment_prod", X[:, :2], np.array([1, 0, 1], "int32"), num_segments=3),
    "rearrange_transpose": case("rearrange", IMG, "b h w c -> b c h w"),
    "rearrange_merge": case("rearrange", IMG, "b h w c -> (b h) w c"),
    "rearrange_split": case("rearrange", IMG, "b (h h1) w c -> b h (w h1) c", h1=2),
    "rearrange_patches": case("rearrange", IMG[:, :4, :4], "b (h1 h) (w1 w) c -> (b h1 w1) h w c", h1=2, w1=2),
    # fft_ops.py
    "fft": case("fft", (X, X[::-1]), symbolic=(0,)),
    "fft2": case("fft2", (IMG[..., 0], IMG[..., 1]), symbolic=(0,)),
    "ifft2": case("ifft2", (IMG[..., 0], IMG[..., 1])),
    "rfft": case("rfft", X),
    "rfft_odd": case("rfft", SEQ[..., 0], fft_length=7),
    "rfft_padded": case("rfft", X, fft_length=8),
    "irfft": case("irfft", (X[:, :4], X[:, 1:]), symbolic=(0,)),
    "irfft_odd": case("irfft", (X, X[::-1]), fft_length=9),
    "stft": case("stft", SEQ[:, :, 0], 4, 2, 6, symbolic=(0,)),
    "stft_plain": case("stft", V1, 3, 1, 4, window=None, center=False),
    "stft_hamming": case("stft", SEQ[0, :, 1].astype("float64"), 5, 2, 5, window="hamming"),
    "istft": case("istft", (SEQ[:, :5, :], SEQ[:, 2:7, :]), 4, 2, 4, symbolic=(0,)),
    "istft_length": case("istft", (SEQ[0, :5, :], SEQ[1, :5, :]), 3, 1, 4, length=5, window="hamming"),
    "istft_plain": case("istft", (SEQ[0, :4, :], SEQ[1, :4, :]), 4, 2, 4, window=None, center=False),
    # pooling_extra.py
    "adaptive_average_pool": case("adaptive_average_pool", IMG, (4, 2), symbolic=(0,)),
    "adaptive_average_pool_1d": case("adaptive_average_pool", SEQ, 4),
    "adaptive_max_pool": case("adaptive_max_pool", IMG, (4, 3), symbolic=(0,)),
    "adaptive_max_pool_first": case("adaptive_max_pool", IMG.transpose(0, 3, 1, 2), 2, data_format="channels_first"),
    "unfold": case("unfold", IMG.transpose(0, 3, 1, 2), 2, symbolic=(0,)),
    "unfold_strided": case("unfold", IMG.transpose(0, 3, 1, 2), (2, 3), dilation=1, padding=1, stride=2),
    "unfold_dilated": case("unfold", IMG.transpose(0, 3, 1, 2), 2, dilation=2),
    "fold": case("fold", RNG.standard_normal((2, 12, 20)).astype("float32"), (5, 6), 2, symbolic=(0,)),
    "fold_strided": case("fold", RNG.standard_normal((2, 6, 9)).astype("float32"), (5, 6), (2, 3), padding=1, stride=2),
    # functional_extra.py and dynamic_shapes.py (eager-only)
    "associative_scan": case("associative_scan", lambda a, b: a + b, X, symbolic=(1,)),
    "associative_scan_reverse": case("associative_scan", lambda a, b: a * b, X, reverse=True, axis=1, symbolic=(1,)),
    "vectorized_map": case("vectorized_map", lambda row: row * 2.0 + row[0], X, symbolic=(1,)),
    "nonzero": case("nonzero", INTS, symbolic=()),
    "unique": case("unique", np.array([3, 1, 3, 2, 1], "int32"), symbolic=()),
    "unique_all": case(
        "unique",
        np.array([3, 1, 3, 2, 1], "int32"),
        return_index=True,
        return_inverse=True,
        return_counts=True,
        symbolic=(),
    ),
    # ctc.py
    "ctc_loss": case(
        "ctc_loss",
        np.array([[1, 2, 2, 0], [3, 1, 0, 0], [2, 0, 0, 0]], "int32"),
        RNG.standard_normal((3, 8, 4)).astype("float32"),
        np.array([3, 2, 1], "int32"),
        np.array([8, 6, 5], "int32"),
        symbolic=(1,),
    ),
    "ctc_loss_blank_last": case(
        "ctc_loss",
        np.array([[0, 1, 1], [2, 2, 0]], "int32"),
        RNG.standard_normal((2, 7, 4)).astype("float32"),
        np.array([3, 2], "int32"),
        np.array([7, 7], "int32"),
        mask_index=3,
        symbolic=(0, 1, 2, 3),
    ),
    "ctc_decode": case("ctc_decode", RNG.standard_normal((2, 6, 4)).astype("float32"), np.array([6, 4], "int32")),
    "ctc_decode_no_merge": case(
        "ctc_decode",
        RNG.standard_normal((3, 7, 3)).astype("float32"),
        np.array([7, 5, 0], "int32"),
        merge_repeated=False,
        mask_index=2,
        symbolic=(0, 1),
    ),
    "lu_factor": case("lu_factor", np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 10]], "float32"), symbolic=()),
    "view_same_size": case("view", X, "int32"),
    "view_wider": case("view", INTS, "float64"),
    "view_narrower": case("view", X64, "int32"),
}
