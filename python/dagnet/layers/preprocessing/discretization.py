"""Discretization (Keras 3): bucket indices of floats by bin boundaries (boundaries[i-1] <= x <
boundaries[i] is bucket i, as np.digitize), given or learned by `adapt` with Keras's own
approximate quantiles (its summarize / merge / compress steps, reproduced here); outputs
int, one_hot, multi_hot or count. On symbolic tensors: a comparison with every boundary,
summed, then the shared encoding ops."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from .data_layer import DataLayer, batches_of, encode_graph, encode_numpy, is_py_dataset
from .index_lookup import validate_string_arg


def summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    values = np.sort(np.reshape(values, [-1]))
    elements = np.size(values)
    increment = elements / (1.0 / epsilon)
    step = max(increment, 1)
    boundaries = values[int(step - 1) :: int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def compress_summary(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def merge_summaries(prev: np.ndarray, nxt: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((prev, nxt), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


class Discretization(DataLayer):
    def __init__(
        self,
        bin_boundaries: Any = None,
        num_bins: int | None = None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if sparse:
            if output_mode == "int":
                raise ValueError(
                    "`sparse=True` may only be used if `output_mode` is `'one_hot'`, `'multi_hot'`, or `'count'`. "
                    f"Received: sparse={sparse} and output_mode={output_mode}"
                )
            raise ValueError("Discretization: dagnet has no sparse tensors (sparse=True)")
        validate_string_arg(output_mode, ("int", "one_hot", "multi_hot", "count"), "Discretization", "output_mode")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Both `num_bins` and `bin_boundaries` should not be set. "
                f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary: Any = None if bin_boundaries else np.array([[], []], dtype="float32")
        self.built = True

    @property
    def output_dtype(self) -> str:
        return self.dtype if self.output_mode != "int" else "int32"

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learns num_bins - 1 boundaries at the approximate quantiles of `data` (an array, or
        an iterable of batches: as in Keras, a list is an iterable of batches)."""
        if self.num_bins is None:
            raise ValueError(
                "Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, use "
                "`num_bins` instead."
            )
        self.reset_state()
        # Keras iterates anything but an array, a list included (each element is a batch).
        if is_py_dataset(data) or (hasattr(data, "__iter__") and not isinstance(data, np.ndarray)):
            for batch in batches_of(data, steps):
                self.update_state(batch)
        else:
            self.update_state(data)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        summary = summarize(np.array(data).astype("float32"), self.epsilon)
        self.summary = merge_summaries(summary, self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is None:
            return
        self.bin_boundaries = compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self) -> None:
        if self.num_bins is not None:
            self.summary = np.array([[], []], dtype="float32")

    def _boundaries(self) -> list:
        if self.bin_boundaries is None:
            raise ValueError(
                "You need to either pass the `bin_boundaries` argument at construction time or call "
                "`adapt(dataset)` before you can start using the `Discretization` layer."
            )
        return list(self.bin_boundaries)

    def _supports_graph(self, inputs: Any) -> bool:
        return True

    def _numpy_call(self, inputs: Any) -> Any:
        boundaries = self._boundaries()
        indices = np.digitize(np.asarray(inputs, dtype="float32"), np.asarray(boundaries, dtype="float32"))
        return encode_numpy(indices, self.output_mode, len(boundaries) + 1, self.output_dtype)

    def call(self, inputs: Any) -> Any:
        boundaries = np.asarray(self._boundaries(), dtype="float32")
        x = inputs if inputs.dtype == "float32" else ops.cast(inputs, "float32")
        above = ops.greater_equal(ops.expand_dims(x, -1), boundaries)
        indices = ops.sum(ops.cast(above, "int32"), axis=-1)
        return encode_graph(indices, self.output_mode, len(boundaries) + 1, self.output_dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
                return tuple(input_shape[:-1]) + (depth,)
            return tuple(input_shape) + (depth,)
        if input_shape and len(input_shape) >= 2:
            return (input_shape[0],) + tuple(input_shape[2:]) + (depth,)
        return (depth,)

    def get_config(self) -> dict[str, Any]:
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Discretization:
        config = {
            k: v
            for k, v in config.items()
            if k in ("bin_boundaries", "num_bins", "epsilon", "output_mode", "sparse", "name", "dtype")
        }
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)
