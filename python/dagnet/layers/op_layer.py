"""A raw op called on symbolic tensors (``x * 2``, ``ops.exp(x)``) becomes a node of an
operation, as Keras 3 records raw operations. Models list them in ``operations`` but not
in ``layers``.

Each keras.ops function dagnet has is recorded as the operation class Keras 3 records for
it (``Multiply``, ``Sum``, ``GetItem``, ...), with Keras's module, its constructor
arguments (``axis``, ``keepdims``, ``newshape``, ...) in the config and only the call's
operands as the node's arguments, so a model's config is what Keras writes and Keras's
configs load here. ``OpLayer`` is the fallback for dagnet ops Keras does not have."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .. import _naming, ops
from ..ops._dispatch import register_symbolic_recorder
from ..serialization.serialization_lib import public_function
from .layer import Layer

_REQUIRED = inspect.Parameter.empty


class OpLayer(Layer):
    _is_raw_operation = True

    def __init__(self, fn: Any, name: str | None = None) -> None:
        super().__init__(name=name)
        self._fn = fn
        self.supports_masking = False

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["function"] = getattr(self._fn, "__name__", "op")
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> OpLayer:
        name = str(config.get("function") or "")
        fn = public_function(ops, name)
        if fn is None:
            raise ValueError(f"Unknown op '{name}' in a saved raw operation")
        return cls(fn, name=config.get("name"))


class Operation(OpLayer):
    """A Keras 3 operation class (``keras.src.ops.*``): the constructor takes the op's
    non-tensor arguments, the call its operands."""

    _config_table = "operations"  # found by class name for module keras.src.ops.*
    _keras_module = "keras.src.ops.numpy"
    _function = ""  # the dagnet.ops function
    _call_params: tuple = ("x",)
    _init_params: tuple = ()  # ((name, default or _REQUIRED), ...), in Keras's order

    def __init__(self, *args: Any, name: str | None = None, **kwargs: Any) -> None:
        bound = inspect.Signature(
            [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d) for p, d in self._init_params]
        ).bind(*args, **kwargs)
        bound.apply_defaults()
        self._arguments = dict(bound.arguments)
        super().__init__(getattr(ops, self._function), name=name)

    def call(self, *args: Any) -> Any:
        if type(self).__name__ == "GetItem" and len(args) == 2 and isinstance(args[1], list):
            args = (args[0], tuple(args[1]))  # a JSON list is the key's tuple (as Keras's GetItem)
        return self._fn(*args, **self._arguments)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, **self._arguments}

    def _config_module_and_name(self) -> tuple[str | None, str | None]:
        return self._keras_module, type(self).__name__  # Keras's operation class, registered under its name

    def _config_extras(self) -> bool:
        return False

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Operation:
        config = dict(config)
        known = {p for p, _ in cls._init_params} | {"name"}
        extra = {k: v for k, v in config.items() if k not in known}
        if any(v is not None for v in extra.values()):
            raise ValueError(f"The Keras operation {cls.__name__} has arguments dagnet does not support: {extra}")
        return cls(**{k: v for k, v in config.items() if k in known})

    @classmethod
    def signature(cls) -> inspect.Signature:
        """The keras.ops function's signature: operands, then the constructor's arguments."""
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        defaults = {
            "Where": {"x1": None, "x2": None},
            "DotProductAttention": {"bias": None, "mask": None, "scale": None},
        }.get(cls.__name__, {})
        params = [inspect.Parameter(p, kind, default=defaults.get(p, _REQUIRED)) for p in cls._call_params]
        params += [inspect.Parameter(p, kind, default=d) for p, d in cls._init_params]
        return inspect.Signature(params)


_AXES = (("axis", None), ("keepdims", False))

# class name, module (keras.src.ops.<module>), dagnet.ops function, operands, constructor args.
_TABLE = [
    *[
        (c, "numpy", f, ("x1", "x2"), ())
        for c, f in [
            ("Add", "add"),
            ("Subtract", "subtract"),
            ("Multiply", "multiply"),
            ("Divide", "divide"),
            ("TrueDivide", "true_divide"),
            ("Power", "power"),
            ("Maximum", "maximum"),
            ("Minimum", "minimum"),
            ("Equal", "equal"),
            ("NotEqual", "not_equal"),
            ("Less", "less"),
            ("LessEqual", "less_equal"),
            ("Greater", "greater"),
            ("GreaterEqual", "greater_equal"),
            ("Matmul", "matmul"),
            ("Dot", "dot"),
        ]
    ],
    *[
        (c, "numpy", f, ("x",), ())
        for c, f in [
            ("Negative", "negative"),
            ("Exp", "exp"),
            ("Log", "log"),
            ("Sqrt", "sqrt"),
            ("Square", "square"),
            ("Absolute", "absolute"),
            ("Sign", "sign"),
            ("Reciprocal", "reciprocal"),
            ("Log1p", "log1p"),
            ("Expm1", "expm1"),
            ("Sin", "sin"),
            ("Cos", "cos"),
            ("Floor", "floor"),
            ("Tanh", "tanh"),
        ]
    ],
    ("Round", "numpy", "round", ("x",), (("decimals", 0),)),
    ("Rsqrt", "math", "rsqrt", ("x",), ()),
    ("Erf", "math", "erf", ("x",), ()),
    ("Clip", "numpy", "clip", ("x",), (("x_min", _REQUIRED), ("x_max", _REQUIRED))),
    ("Where", "numpy", "where", ("condition", "x1", "x2"), ()),
    ("Sum", "numpy", "sum", ("x",), _AXES),
    ("Mean", "numpy", "mean", ("x",), _AXES),
    ("Max", "numpy", "max", ("x",), _AXES + (("initial", None),)),
    ("Min", "numpy", "min", ("x",), _AXES + (("initial", None),)),
    ("Prod", "numpy", "prod", ("x",), _AXES + (("dtype", None),)),
    *[(c, "nn", f, ("x",), ()) for c, f in [("Relu", "relu"), ("Sigmoid", "sigmoid"), ("Softplus", "softplus")]],
    ("Softmax", "nn", "softmax", ("x",), (("axis", -1),)),
    ("LogSoftmax", "nn", "log_softmax", ("x",), (("axis", -1),)),
    ("Elu", "nn", "elu", ("x",), (("alpha", 1.0),)),
    *[
        (c, "nn", f, ("x",), ())
        for c, f in [
            ("Relu6", "relu6"),
            ("Silu", "silu"),
            ("HardSigmoid", "hard_sigmoid"),
            ("HardSilu", "hard_silu"),
            ("Selu", "selu"),
            ("Softsign", "softsign"),
            ("LogSigmoid", "log_sigmoid"),
            ("SparsePlus", "sparse_plus"),
            ("SparseSigmoid", "sparse_sigmoid"),
            ("HardTanh", "hard_tanh"),
            ("TanhShrink", "tanh_shrink"),
        ]
    ],
    ("LeakyRelu", "nn", "leaky_relu", ("x",), (("negative_slope", 0.2),)),
    ("Gelu", "nn", "gelu", ("x",), (("approximate", True),)),
    ("Celu", "nn", "celu", ("x",), (("alpha", 1.0),)),
    ("Glu", "nn", "glu", ("x",), (("axis", -1),)),
    ("Sparsemax", "nn", "sparsemax", ("x",), (("axis", -1),)),
    ("Squareplus", "nn", "squareplus", ("x",), (("b", 4),)),
    ("SoftShrink", "nn", "soft_shrink", ("x",), (("threshold", 0.5),)),
    ("HardShrink", "nn", "hard_shrink", ("x",), (("threshold", 0.5),)),
    ("Threshold", "nn", "threshold", ("x",), (("threshold", _REQUIRED), ("default_value", _REQUIRED))),
    ("Reshape", "numpy", "reshape", ("x",), (("newshape", _REQUIRED),)),
    ("Transpose", "numpy", "transpose", ("x",), (("axes", None),)),
    ("ExpandDims", "numpy", "expand_dims", ("x",), (("axis", _REQUIRED),)),
    ("Squeeze", "numpy", "squeeze", ("x",), (("axis", None),)),
    ("Concatenate", "numpy", "concatenate", ("xs",), (("axis", 0),)),
    ("Stack", "numpy", "stack", ("x",), (("axis", 0),)),
    ("Cast", "core", "cast", ("x",), (("dtype", _REQUIRED),)),
    ("ZerosLike", "numpy", "zeros_like", ("x",), (("dtype", None),)),
    ("OnesLike", "numpy", "ones_like", ("x",), (("dtype", None),)),
    ("ConvertToTensor", "core", "convert_to_tensor", ("x",), (("dtype", None), ("sparse", None), ("ragged", None))),
    ("GetItem", "numpy", "slice_by_index", ("x", "key"), ()),
    # ops/array_ops.py and ops/attention.py
    *[(c, "numpy", f, ("x1", "x2"), ()) for c, f in [("LogicalAnd", "logical_and"), ("LogicalOr", "logical_or")]],
    ("LogicalXor", "numpy", "logical_xor", ("x1", "x2"), ()),
    ("LogicalNot", "numpy", "logical_not", ("x",), ()),
    ("Any", "numpy", "any", ("x",), _AXES),
    ("All", "numpy", "all", ("x",), _AXES),
    ("Tile", "numpy", "tile", ("x",), (("repeats", _REQUIRED),)),
    ("Repeat", "numpy", "repeat", ("x",), (("repeats", _REQUIRED), ("axis", None))),
    ("BroadcastTo", "numpy", "broadcast_to", ("x",), (("shape", _REQUIRED),)),
    ("Triu", "numpy", "triu", ("x",), (("k", 0),)),
    ("Tril", "numpy", "tril", ("x",), (("k", 0),)),
    ("Swapaxes", "numpy", "swapaxes", ("x",), (("axis1", _REQUIRED), ("axis2", _REQUIRED))),
    ("Moveaxis", "numpy", "moveaxis", ("x",), (("source", _REQUIRED), ("destination", _REQUIRED))),
    ("Cumsum", "numpy", "cumsum", ("x",), (("axis", None), ("dtype", None))),
    ("Split", "numpy", "split", ("x",), (("indices_or_sections", _REQUIRED), ("axis", 0))),
    ("OneHot", "nn", "one_hot", ("x",), (("num_classes", _REQUIRED), ("axis", -1), ("dtype", None), ("sparse", False))),
    (
        "DotProductAttention",
        "nn",
        "dot_product_attention",
        ("query", "key", "value", "bias", "mask", "scale"),
        (("is_causal", False), ("flash_attention", None), ("attn_logits_soft_cap", None)),
    ),
]

OPERATIONS: dict[str, type[Operation]] = {
    name: type(
        name,
        (Operation,),
        {
            "_keras_module": f"keras.src.ops.{module}",
            "_function": function,
            "_call_params": call,
            "_init_params": init,
            "__module__": __name__,
            "__qualname__": name,
        },
    )
    for name, module, function, call, init in _TABLE
}

_BY_FUNCTION: dict = {}
for _cls in OPERATIONS.values():
    _BY_FUNCTION.setdefault(id(getattr(ops, _cls._function)), _cls)


def operation_for(fn: Any) -> Any:
    """The Keras operation class recorded for the dagnet.ops function ``fn`` (or None)."""
    return _BY_FUNCTION.get(id(fn))


def record(fn: Any, fallback_name: Any, args: Any, kwargs: Any) -> Any:
    """Calls ``fn`` on symbolic tensors: one node of its Keras operation, constructed with
    the non-tensor arguments and called with the operands."""
    cls = operation_for(fn)
    if cls is not None:
        try:
            bound = cls.signature().bind(*args, **kwargs)
        except TypeError:
            cls = None
    if cls is None:
        return OpLayer(fn, name=_naming.uniquify(fallback_name))(*args, **kwargs)
    if cls.__name__ == "Cast" and bound.arguments.get("dtype") is not None:
        dtype = bound.arguments["dtype"]
        bound.arguments["dtype"] = np.dtype(getattr(dtype, "name", dtype)).name  # Keras standardizes it
    operands = [bound.arguments.get(p, None) for p in cls._call_params]
    init = {p: bound.arguments[p] for p, _ in cls._init_params if p in bound.arguments}
    return cls(**init)(*operands)


register_symbolic_recorder(record)
