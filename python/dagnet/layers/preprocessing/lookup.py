"""StringLookup and IntegerLookup (Keras 3): IndexLookup over strings or int64. StringLookup
runs on data only (the engine holds no strings). IntegerLookup called on a symbolic tensor
builds graph ops with the vocabulary it has at that moment baked in as a constant (adapt
or set the vocabulary before building the model, as keras-io's examples do): a comparison
with every vocabulary entry picks the index; OOV values go to the OOV index. With several OOV
indices (a modulo or a hash) or invert=True it runs on data only."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ...saving import assets
from .data_layer import encode_graph
from .index_lookup import IndexLookup


class StringLookup(IndexLookup):
    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: str | None = None,
        oov_token: str = "[UNK]",
        vocabulary: Any = None,
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        salt: Any = None,
        **kwargs: Any,
    ) -> None:
        self.encoding = encoding
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            name=name,
            salt=salt,
            vocabulary_dtype="string",
            encoding=encoding,
            **kwargs,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["vocabulary_dtype"]
        return {**config, "encoding": self.encoding}


class IntegerLookup(IndexLookup):
    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: int | None = None,
        oov_token: int = -1,
        vocabulary: Any = None,
        vocabulary_dtype: str = "int64",
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        salt: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(
                "If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. "
                f"Received: max_tokens={max_tokens}"
            )
        if num_oov_indices < 0:
            raise ValueError(
                "The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. Received: "
                f"num_oov_indices={num_oov_indices}"
            )
        if vocabulary_dtype != "int64":
            raise ValueError(
                "Only `vocabulary_dtype='int64'` is supported at this time. "
                f"Received: vocabulary_dtype={vocabulary_dtype}"
            )
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            vocabulary_dtype=vocabulary_dtype,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            oov_method=oov_method,
            salt=salt,
            name=name,
            **kwargs,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config

    # -- the graph path -------------------------------------------------------------------
    def _supports_graph(self, inputs: Any) -> bool:
        return not self.invert and self.num_oov_indices <= 1

    def _no_graph_message(self, inputs: Any) -> str:
        return (
            f"IntegerLookup (layer '{self.name}'): with invert=True or num_oov_indices > 1 the lookup runs on the "
            "data pipeline in dagnet (the engine has no integer modulo or hash op): apply it to the "
            "data (`dataset.map(...)` or `layer(numpy_data)`) instead of placing it in the model."
        )

    def call(self, inputs: Any) -> Any:
        if inputs.dtype not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int64")
        if self.output_mode != "int":
            depth = self._depth()
        tokens = self._tokens
        if not tokens and assets.is_probing():
            tokens = [0]  # the first build of a model being loaded: its vocabulary comes with the assets
        elif not tokens:
            raise ValueError(
                f"IntegerLookup (layer '{self.name}'): the vocabulary is empty; adapt the layer or set its "
                "vocabulary before calling it on a symbolic tensor"
            )
        vocab = np.asarray(tokens, dtype=inputs.dtype)
        start = self._token_start_index()
        hits = ops.equal(ops.expand_dims(inputs, -1), vocab)
        positions = np.arange(start, start + len(vocab), dtype="int64")
        found = ops.sum(ops.multiply(ops.cast(hits, "int64"), positions), axis=-1)
        known = ops.any(hits, axis=-1)
        oov_start = self._oov_start_index()
        if self.num_oov_indices == 0:
            # Keras raises on OOV values at run time; the graph cannot raise, so they map to -1.
            default: Any = np.int64(-1)
        else:
            default = np.int64(oov_start)
        indices = ops.where(known, found, default)
        if self.mask_token is not None:
            mask_index = 0 if self.output_mode == "int" else -1
            indices = ops.where(ops.equal(inputs, int(self.mask_token)), np.int64(mask_index), indices)
        if self.output_mode == "int":
            return indices
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_graph(indices, mode, depth, "float32" if self.output_mode == "tf_idf" else "int64")
        if self.output_mode == "tf_idf":
            out = ops.multiply(out, self.idf_weights)
        return out
