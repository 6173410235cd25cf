"""CategoryEncoding (Keras 3): integer category ids as one_hot, multi_hot or count vectors of
length num_tokens, in NumPy on data and as one_hot + max/sum graph ops on symbolic tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

from .data_layer import DataLayer, encode_graph, encode_numpy


class CategoryEncoding(DataLayer):
    def __init__(
        self, num_tokens: int | None = None, output_mode: str = "multi_hot", sparse: bool = False, **kwargs: Any
    ):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError(
                "num_tokens must be set to use this layer. If the number of tokens is not known beforehand, use "
                "the IntegerLookup layer instead."
            )
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: dagnet has no sparse tensors (sparse=True)")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    def _supports_graph(self, inputs: Any) -> bool:
        return True

    def _check_weights(self, count_weights: Any) -> None:
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(
                "`count_weights` is not used when `output_mode` is not `'count'`. "
                f"Received `count_weights={count_weights}`."
            )

    def _numpy_call(self, inputs: Any, count_weights: Any = None) -> Any:
        self._check_weights(count_weights)
        if count_weights is not None:
            count_weights = np.asarray(count_weights, dtype=self.dtype)
        return encode_numpy(np.asarray(inputs), self.output_mode, self.num_tokens, self.dtype, count_weights)

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        self._check_weights(count_weights)
        return encode_graph(inputs, self.output_mode, self.num_tokens, self.dtype, count_weights)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if input_shape is not None and len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return tuple(input_shape) + (self.num_tokens,)
        return tuple(input_shape[:-1]) + (self.num_tokens,)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}
