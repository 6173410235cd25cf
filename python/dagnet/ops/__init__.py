"""``dagnet.ops``: the ``keras.ops`` names, on symbolic tensors, traced tensors and arrays.

Each op is written once as a lowering function that adds native nodes. Called on
KerasTensors it records a node in the functional graph (Keras 3's raw operations);
called while a layer is traced it emits into that graph; called on NumPy arrays it runs
at once in the engine and returns NumPy.
"""

from . import image as image  # keras.ops.image
from ._dispatch import convert_to_numpy, convert_to_tensor, op, shape
from .array_ops import *  # noqa: F401,F403
from .array_ops import __all__ as _array_all
from .attention import *  # noqa: F401,F403
from .attention import __all__ as _attention_all
from .einsum_ops import *  # noqa: F401,F403
from .einsum_ops import __all__ as _einsum_all
from .math import *  # noqa: F401,F403
from .math import __all__ as _math_all
from .nn import *  # noqa: F401,F403
from .nn import __all__ as _nn_all
from .normalization import *  # noqa: F401,F403
from .normalization import __all__ as _normalization_all
from .shape_ops import *  # noqa: F401,F403
from .shape_ops import __all__ as _shape_all

__all__ = (
    ["convert_to_numpy", "convert_to_tensor", "shape", "op"]
    + _math_all
    + _nn_all
    + _normalization_all
    + _shape_all
    + _array_all
    + _attention_all
    + _einsum_all
)
