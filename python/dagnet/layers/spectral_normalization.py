"""SpectralNormalization (Keras 3): wraps a layer with a `kernel` (Dense, Conv*) or
`embeddings` (Embedding) and, in training, runs it with the kernel divided by its largest
singular value sigma, estimated by power iteration from the non-trainable `vector_u`
(1, kernel.shape[-1]), which each training step advances (a state update, as Keras assigns
it). Outside training the wrapped layer runs unchanged, as in Keras.

Weights are Keras's: the wrapper tracks the wrapped kernel as its own first variable, so
`weights` is [kernel, vector_u, the wrapped layer's others...] and the weight file holds
vars/0 = kernel, vars/1 = vector_u beside layer/vars.

One difference, because the engine never writes a weight the optimizer trains inside a step:
Keras's training step assigns kernel := kernel / sigma and the optimizer then updates that
normalized kernel with the gradient taken at it. dagnet feeds the normalized kernel to the
wrapped layer inside the graph, with the gradient passed straight through to the stored kernel,
so the loss, the outputs, vector_u and the optimizer's increment equal Keras's, but the stored
kernel keeps its scale instead of being replaced by the normalized one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .. import initializers, ops
from .._typing import TensorLike
from .input_spec import InputSpec
from .wrapper import Wrapper

_EPSILON = 1e-7  # Keras's backend.epsilon(), the floor of ops.normalize's norm


def _l2_normalize(x: TensorLike) -> Any:
    """Keras's normalize(x, axis=None): x * min(rsqrt(sum(x^2)), 1 / epsilon)."""
    return x * ops.minimum(ops.rsqrt(ops.sum(ops.square(x))), 1.0 / _EPSILON)


@contextlib.contextmanager
def _reading(builder: Any, variable: Any, value: TensorLike) -> Iterator[None]:
    """While open, layers traced into `builder` read `value` where they read `variable`
    (the builder binds one graph value per variable, by identity)."""
    builder.param(variable)  # the real weight stays bound: the optimizer still trains it
    key = id(variable)
    saved = builder._params[key]
    builder._params[key] = value.id
    try:
        yield
    finally:
        builder._params[key] = saved


class SpectralNormalization(Wrapper):
    """Runs the wrapped layer with its kernel normalized by its spectral norm in training."""

    def __init__(self, layer: Any, power_iterations: int = 1, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(
                f"`power_iterations` should be greater than zero. Received: `power_iterations={power_iterations}`"
            )
        self.power_iterations = power_iterations

    def build(self, input_shape: Any = None) -> None:
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel"):
            kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            kernel = self.layer.embeddings
        else:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        self.kernel = kernel
        self.kernel_shape = tuple(kernel.shape)
        # Keras tracks the wrapped kernel as the wrapper's own variable (first in `weights`
        # and in the weight file's vars); the duplicate under `layer` is dropped by identity.
        self._own_weights.append(kernel)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
            dtype=kernel.dtype,
        )

    def call(self, inputs: TensorLike, training: bool | None = False) -> Any:
        if training:
            b = inputs.builder
            new_u, normalized = self._normalized_weights(b.param(self.kernel), b.param(self.vector_u))
            self.vector_u.assign(new_u)
            # Straight through: the layer sees the normalized kernel, the gradient reaches the
            # stored kernel as Keras's reaches the normalized kernel it assigned.
            kernel = b.param(self.kernel)
            with _reading(b, self.kernel, kernel + ops.stop_gradient(normalized - kernel)):
                output = self.layer(inputs)
        else:
            output = self.layer(inputs)
        return ops.cast(output, inputs.dtype)

    def _normalized_weights(self, kernel: TensorLike, vector_u: TensorLike) -> tuple[Any, Any]:
        """(the next vector_u, kernel / sigma); both unchanged when the kernel is all zeros."""
        weights = ops.reshape(kernel, [-1, self.kernel_shape[-1]])
        u = vector_u
        v = u
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(u, ops.transpose(weights)))
            u = _l2_normalize(ops.matmul(v, weights))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.matmul(ops.matmul(v, weights), ops.transpose(u))  # (1, 1)
        all_zero = ops.equal(ops.max(ops.abs(kernel)), 0.0)
        safe_sigma = ops.where(all_zero, ops.ones_like(sigma), sigma)
        new_u = ops.where(all_zero, vector_u, u)
        return new_u, ops.reshape(kernel / ops.reshape(safe_sigma, []), self.kernel_shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "power_iterations": self.power_iterations}
