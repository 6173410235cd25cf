"""``dagnet.ops``: the ``keras.ops`` names, on symbolic tensors, traced tensors and arrays.

Each op is written once as a lowering function that adds native nodes. Called on
KerasTensors it records a node in the functional graph (Keras 3's raw operations);
called while a layer is traced it emits into that graph; called on NumPy arrays it runs
at once in the engine and returns NumPy.
"""

import sys as _sys
import types as _types

from . import (
    image as image,  # keras.ops.image
    linalg as linalg,  # keras.ops.linalg
)
from ._dispatch import convert_to_numpy, convert_to_tensor, op, shape
from .adaptive_pool import adaptive_average_pool as adaptive_average_pool, adaptive_max_pool as adaptive_max_pool
from .array_extra import *  # noqa: F401,F403
from .array_extra import __all__ as _array_extra_all
from .array_ops import *  # noqa: F401,F403
from .array_ops import __all__ as _array_all
from .attention import *  # noqa: F401,F403
from .attention import __all__ as _attention_all
from .bitwise import *  # noqa: F401,F403
from .bitwise import __all__ as _bitwise_all
from .bucketing import *  # noqa: F401,F403
from .bucketing import __all__ as _bucketing_all
from .control_flow import *  # noqa: F401,F403
from .control_flow import __all__ as _control_flow_all
from .conv_ops import *  # noqa: F401,F403
from .conv_ops import __all__ as _conv_ops_all
from .crossentropy import *  # noqa: F401,F403
from .crossentropy import __all__ as _crossentropy_all
from .ctc import *  # noqa: F401,F403
from .ctc import __all__ as _ctc_all
from .dynamic_shapes import *  # noqa: F401,F403
from .dynamic_shapes import __all__ as _dynamic_shapes_all
from .einsum_ops import *  # noqa: F401,F403
from .einsum_ops import __all__ as _einsum_all
from .elementwise_extra import *  # noqa: F401,F403
from .elementwise_extra import __all__ as _elementwise_extra_all
from .elementwise_more import *  # noqa: F401,F403
from .elementwise_more import __all__ as _elementwise_more_all
from .fft_ops import *  # noqa: F401,F403
from .fft_ops import __all__ as _fft_ops_all
from .functional_extra import *  # noqa: F401,F403
from .functional_extra import __all__ as _functional_extra_all
from .gather import *  # noqa: F401,F403
from .gather import __all__ as _gather_all
from .identity_ops import *  # noqa: F401,F403
from .identity_ops import __all__ as _identity_ops_all
from .inverse_trig import *  # noqa: F401,F403
from .inverse_trig import __all__ as _inverse_trig_all
from .layout_more import *  # noqa: F401,F403
from .layout_more import __all__ as _layout_more_all
from .linalg import *  # noqa: F401,F403
from .linalg import __all__ as _linalg_all
from .math import *  # noqa: F401,F403
from .math import __all__ as _math_all
from .math_more import *  # noqa: F401,F403
from .math_more import __all__ as _math_more_all
from .misc_extra import *  # noqa: F401,F403
from .misc_extra import __all__ as _misc_extra_all
from .nan_reductions import *  # noqa: F401,F403
from .nan_reductions import __all__ as _nan_reductions_all
from .nn import *  # noqa: F401,F403
from .nn import __all__ as _nn_all
from .normalization import *  # noqa: F401,F403
from .normalization import __all__ as _normalization_all
from .order_stats import *  # noqa: F401,F403
from .order_stats import __all__ as _order_stats_all
from .padding import *  # noqa: F401,F403
from .padding import __all__ as _padding_all
from .pooling_extra import *  # noqa: F401,F403
from .pooling_extra import __all__ as _pooling_extra_all
from .reductions_more import *  # noqa: F401,F403
from .reductions_more import __all__ as _reductions_more_all
from .scatter_ops import *  # noqa: F401,F403
from .scatter_ops import __all__ as _scatter_ops_all
from .shape_ops import *  # noqa: F401,F403
from .shape_ops import __all__ as _shape_all
from .sorting import *  # noqa: F401,F403
from .sorting import __all__ as _sorting_all

__all__ = (
    ["convert_to_numpy", "convert_to_tensor", "shape", "op"]
    + _math_all
    + [n for n in _linalg_all if n != "norm"]
    + _math_more_all
    + _order_stats_all
    + _nn_all
    + _misc_extra_all
    + _nan_reductions_all
    + _normalization_all
    + _scatter_ops_all
    + _shape_all
    + _array_all
    + _array_extra_all
    + _elementwise_extra_all
    + _identity_ops_all
    + _attention_all
    + _einsum_all
    + _bitwise_all
    + _bucketing_all
    + _control_flow_all
    + _conv_ops_all
    + _crossentropy_all
    + _elementwise_more_all
    + _fft_ops_all
    + _ctc_all
    + _dynamic_shapes_all
    + _functional_extra_all
    + _gather_all
    + _inverse_trig_all
    + _layout_more_all
    + _padding_all
    + _pooling_extra_all
    + _reductions_more_all
    + _sorting_all
)

# keras.ops.numpy: the same functions under their NumPy-style names, importable as a module.
from ._numpy_names import NAMES as _NUMPY_NAMES  # noqa: E402

numpy = _types.ModuleType("dagnet.ops.numpy", "keras.ops.numpy: dagnet.ops' NumPy-style ops.")
numpy.__dict__.update({_name: globals()[_name] for _name in _NUMPY_NAMES})
numpy.__all__ = list(_NUMPY_NAMES)  # type: ignore[attr-defined]
_sys.modules["dagnet.ops.numpy"] = numpy
