"""Hashing (Keras 3): values into num_bins buckets by FarmHash64 (or SipHash-2-4 with a salt)
of their string form, exactly as Keras's TensorFlow ops (to_hash_bucket_fast/strong):
integers hash their decimal text, floats are truncated to int64 first; with a mask_value,
bin 0 is the mask's and the others hash into num_bins - 1. Runs on data only: the engine has
no hash op, so a symbolic call raises and says to apply the layer to the data."""

from __future__ import annotations

from typing import Any

import numpy as np

from .data_layer import DataLayer, encode_numpy, to_strings
from .hash_functions import hash_bucket


class Hashing(DataLayer):
    def __init__(
        self,
        num_bins: int,
        mask_value: Any = None,
        salt: Any = None,
        output_mode: str = "int",
        sparse: bool = False,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(
                f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. Received: num_bins={num_bins}."
            )
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(
                "When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or 'in64'. "
                f"Received: dtype={kwargs['dtype']}"
            )
        accepted = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in accepted:
            raise ValueError(
                f"Invalid value for argument `output_mode`. Expected one of {accepted}. "
                f"Received: output_mode={output_mode}"
            )
        if sparse:
            if output_mode == "int":
                raise ValueError(
                    '`sparse` may only be true if `output_mode` is `"one_hot"`, `"multi_hot"`, or `"count"`. '
                    f"Received: sparse={sparse} and output_mode={output_mode}"
                )
            raise ValueError("Hashing: dagnet has no sparse tensors (sparse=True)")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError(
                    "The `salt` argument for `Hashing` can only be a tuple of size 2 integers, or a single "
                    f"integer. Received: salt={salt}."
                )
        self.built = True

    def _no_graph_message(self, inputs: Any) -> str:
        return (
            f"Hashing (layer '{self.name}') hashes the text of each value with FarmHash64/SipHash, which "
            "dagnet's engine has no op for: it runs on the data pipeline in dagnet. Apply it to the data "
            "(`dataset.map(lambda x, y: (layer(x), y))` or `layer(numpy_data)`) instead of placing it in the model."
        )

    def _hash(self, values: np.ndarray) -> np.ndarray:
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = values == (str(self.mask_value) if values.dtype == object else self.mask_value)
        if values.dtype.kind == "f":
            values = values.astype("int64")
        text = to_strings(values) if values.dtype == object else values.astype(str)
        key = tuple(self.salt) if self.salt is not None else None
        flat = [hash_bucket(s, bins, key) for s in text.reshape(-1).tolist()]
        out = np.asarray(flat, dtype="int64").reshape(values.shape)
        if masked is not None:
            out = np.where(masked, 0, out + 1)
        return out

    def _numpy_call(self, inputs: Any) -> Any:
        values = np.asarray(inputs)
        if values.dtype.kind in "USO":
            values = to_strings(values)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        return encode_numpy(self._hash(values), self.output_mode, self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }
