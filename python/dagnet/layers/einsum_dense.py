"""EinsumDense: a dense layer whose kernel contraction is an einsum equation (Keras 3),
the projections of MultiHeadAttention. An equation that is a dense layer in disguise
(free input axes, then the contracted ones; kernel = contracted axes, then output axes;
bias over the output axes) lowers to one fused native `dense` node over reshaped views;
any other equation lowers through ops.einsum."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .. import activations as activations_module, constraints, initializers, regularizers
from .._typing import TensorLike
from ..ops import einsum
from ..ops._dispatch import emit
from .input_spec import InputSpec
from .layer import Layer


def analyze_einsum_string(equation: str, bias_axes: str | None, input_shape: Any, output_shape: Any) -> tuple:
    """Keras's analysis: (kernel_shape, bias_shape, full output shape, the kernel's input
    axes, its output axes) for an input shape and the partial output shape."""
    dotted = re.sub(r"\.\.\.", "0", equation)
    for pattern, left_elided in (
        ("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
        ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
        ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False),
    ):
        match = re.match(pattern, dotted)
        if match:
            return _analyze(match.groups(), bias_axes, tuple(input_shape), output_shape, left_elided)
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def _analyze(specs, bias_axes, input_shape, output_shape, left_elided):
    input_spec, weight_spec, output_spec = specs
    elided = len(input_shape) - len(input_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided :])
    if left_elided:
        input_dim = {c: i + elided - len(input_shape) for i, c in enumerate(input_spec)}
        output_dim = {c: i + elided for i, c in enumerate(output_spec)}
    else:
        input_dim = {c: i for i, c in enumerate(input_spec)}
        output_dim = {c: i for i, c in enumerate(output_spec)}
    for c in input_spec:
        if c in output_dim:
            want, got = output_shape[output_dim[c]], input_shape[input_dim[c]]
            if want is not None and want != got:
                raise ValueError(
                    f"Input shape and output shape do not match at shared dimension '{c}'. Input shape is "
                    f"{got}, and output shape is {want}."
                )
    for c in output_spec:
        if c not in input_spec and c not in weight_spec:
            raise ValueError(
                f"Dimension '{c}' was specified in the output '{output_spec}' but has no corresponding dim in "
                f"the input spec '{input_spec}' or weight spec '{output_spec}'"
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, c in enumerate(weight_spec):
        if c in output_dim:
            kernel_shape.append(output_shape[output_dim[c]])
            output_axes.append(i)
        elif c in input_dim:
            kernel_shape.append(input_shape[input_dim[c]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"Weight dimension '{c}' did not have a match in either the input spec '{input_spec}' or the "
                f"output spec '{output_spec}'. For this layer, the weight must be fully specified."
            )
    bias_shape = None
    if bias_axes is not None:
        offset = elided if left_elided else 0
        sizes = {c: output_shape[i + offset] for i, c in enumerate(output_spec)}
        for c in bias_axes:
            if c not in output_spec:
                raise ValueError(
                    f"Bias dimension '{c}' was requested, but is not part of the output spec '{output_spec}'"
                )
        first = min(output_spec.find(c) for c in bias_axes)
        bias_shape = [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * elided)
    return kernel_shape, bias_shape, output_shape, input_axes, output_axes


def _dense_form(equation: str, bias_axes: str | None) -> tuple[int, int, int] | None:
    """(free, contracted, output) axis counts when the equation is x (free.., c..) .
    w (c.., o..) -> (free.., o..) with the bias (if any) over exactly o..; else None."""
    match = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", equation)
    if not match:
        return None
    x, w, y = match.groups()
    contracted = [c for c in x if c in w and c not in y]
    nc = len(contracted)
    if nc == 0 or x[len(x) - nc :] != "".join(contracted) or w[:nc] != "".join(contracted):
        return None
    free, out = x[: len(x) - nc], w[nc:]
    if y != free + out or set(free) & set(w):
        return None
    if bias_axes is not None and bias_axes != out:
        return None
    return len(free), nc, len(out)


class EinsumDense(Layer):
    def __init__(
        self,
        equation: str,
        output_shape: Any,
        activation: Any = None,
        bias_axes: str | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: Any = None,
        lora_alpha: Any = None,
        gptq_unpacked_column_size: Any = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if lora_rank is not None or quantization_config is not None or gptq_unpacked_column_size is not None:
            raise ValueError("EinsumDense: LoRA, GPTQ and quantization_config are not supported by dagnet")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations_module.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = None

    def build(self, input_shape: Any) -> None:
        kernel_shape, bias_shape, self.full_output_shape, input_axes, output_axes = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (init.input_axes is None or init.output_axes is None):
            # Keras: fans over the kernel's input and output axes, not the last two axes.
            init = type(init).from_config({**init.get_config(), "input_axes": input_axes, "output_axes": output_axes})
        self._kernel = self.add_weight(
            name="kernel",
            shape=tuple(kernel_shape),
            initializer=init,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=tuple(bias_shape),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    @property
    def kernel(self) -> Any:
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return tuple(analyze_einsum_string(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2])

    def call(self, inputs: TensorLike, training: bool | None = None) -> Any:
        b = inputs.builder
        form = _dense_form(self.equation, self.bias_axes)
        fused = activations_module.engine_kind(self.activation)
        if form is not None:
            free, nc, nout = form
            kernel_shape = self._kernel.shape
            contracted, out_dims = int(np.prod(kernel_shape[:nc])), [int(d) for d in kernel_shape[nc:]]
            x = inputs if nc == 1 else emit(b, "reshape", [inputs], {"shape": [0] * free + [contracted]})
            kernel = emit(b, "reshape", [b.param(self._kernel)], {"shape": [contracted, int(np.prod(out_dims))]})
            operands = [x, kernel]
            if self.bias is not None:
                operands.append(emit(b, "reshape", [b.param(self.bias)], {"shape": [int(np.prod(out_dims))]}))
            y = emit(b, "dense", operands, {"activation": fused or "linear"})
            if nout != 1:
                y = emit(b, "reshape", [y], {"shape": [0] * free + out_dims})
            return y if fused is not None else self.activation(y)
        y = einsum(self.equation, inputs, self._kernel)
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations_module.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
