"""Keras 3's IndexLookup, the base of StringLookup and IntegerLookup (and the vocabulary of
TextVectorization), in NumPy: a vocabulary learned by `adapt` (tokens by count, high to low,
ties broken by the token, high to low, as Keras's lexsort does) or given; indices laid out
as Keras does ([mask] [OOV x num_oov_indices] tokens); OOV values bucketed by floormod
(integers) or by FarmHash64/SipHash of the string (as TensorFlow's hash buckets); outputs
int, one_hot, multi_hot, count or tf_idf. Only the layers' eager calls and IntegerLookup's
symbolic calls use it."""

from __future__ import annotations

import collections
import math
import os
from typing import Any

import numpy as np

from ...saving import assets
from ...serialization.safe_mode import in_safe_mode
from .data_layer import DataLayer, batches_of, encode_numpy, encode_rows, is_batch_iterable, to_strings
from .hash_functions import hash_bucket

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def validate_string_arg(
    value: Any, allowable: tuple, caller: str, arg: str, allow_none: bool = False, allow_callables: bool = False
) -> None:
    """Keras's argument_validation.validate_string_arg (same messages)."""
    if allow_none and value is None:
        return
    if allow_callables and callable(value):
        return
    if isinstance(value, str) and value in allowable:
        return
    allowed_args = "`None`, " if allow_none else ""
    allowed_args += "a `Callable`, " if allow_callables else ""
    allowed_args += f"or one of the following values: {allowable}"
    if allow_callables:
        callable_note = (
            f"If restoring a model and `{arg}` is a custom callable, please ensure the callable is "
            "registered as a custom object. "
        )
    else:
        callable_note = ""
    raise ValueError(
        f"Unkown value for `{arg}` argument of layer {caller}. {callable_note}Allowed values are: "
        f"{allowed_args}. Received: {value}"
    )


def _listify(x: Any) -> Any:
    return x.tolist() if isinstance(x, np.ndarray) else x


class IndexLookup(DataLayer):
    _is_string = True

    def __init__(
        self,
        max_tokens: int | None,
        num_oov_indices: int,
        mask_token: Any,
        oov_token: Any,
        vocabulary_dtype: str,
        vocabulary: Any = None,
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        name: str | None = None,
        salt: Any = None,
        **kwargs: Any,
    ) -> None:
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(
                f"`num_oov_indices` must be greater than or equal to 0. Received: num_oov_indices={num_oov_indices}"
            )
        validate_string_arg(oov_method, ("floormod", "farmhash"), type(self).__name__, "oov_method")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(
                    f"`salt` can only be used when `oov_method='farmhash'`. Received: oov_method={oov_method}"
                )
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(
                    "The `salt` argument for `IndexLookup` can only be a tuple of 2 integers, or a single "
                    f"integer. Received: salt={salt}."
                )
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        validate_string_arg(output_mode, OUTPUT_MODES, type(self).__name__, "output_mode")
        if invert and output_mode != "int":
            raise ValueError(
                f"`output_mode` must be `'int'` when `invert` is true. Received: output_mode={output_mode}"
            )
        if sparse:
            if output_mode == "int":
                raise ValueError(
                    "`sparse` may only be true if `output_mode` is `'one_hot'`, `'multi_hot'`, `'count'` or "
                    f"`'tf_idf'`. Received: sparse={sparse} and output_mode={output_mode}"
                )
            raise ValueError(f"{type(self).__name__}: dagnet has no sparse tensors (sparse=True)")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                "`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                f"Received: idf_weights={idf_weights} and output_mode={output_mode}"
            )
        frozen = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        self._encoding = kwargs.pop("encoding", "utf-8")
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name)
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._tokens: list = []
        self._index: dict = {}
        self.idf_weights: np.ndarray | None = None
        self._reset_counts()
        if output_mode == "tf_idf":
            if self._has_input_vocabulary and idf_weights is None:
                raise ValueError(
                    "When specifying the `vocabulary` argument, in TF-IDF output mode, the `idf_weights` "
                    "argument must also be provided."
                )
            if idf_weights is not None:
                self.idf_weights = np.asarray(idf_weights, dtype="float32")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        files = assets.pending_for(self.name)
        if files and "vocabulary.txt" in files:
            self._load_vocabulary_asset(files["vocabulary.txt"])

    # -- assets (a .keras archive's assets/<path>/vocabulary.txt, as Keras writes it) ----
    def _asset_files(self) -> dict[str, bytes]:
        if self.input_vocabulary is not None or not self._tokens:
            return {}
        return {"vocabulary.txt": "\n".join(str(w) for w in self.get_vocabulary()).encode(self._encoding)}

    def _load_vocabulary_asset(self, content: bytes) -> None:
        lines = content.decode(self._encoding).splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self.vocabulary_dtype == "string" else [int(line) for line in lines]
        # Keras keeps the idf weights in the weights file; set_vocabulary needs them in tf_idf mode.
        self.set_vocabulary(values, idf_weights=self.idf_weights if self.output_mode == "tf_idf" else None)

    # -- index layout ---------------------------------------------------------------------
    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The size of the vocabulary, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        vocab = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        vocab += list(self._tokens)
        if not include_special_tokens:
            vocab = vocab[self._token_start_index() :]
        return vocab

    # -- vocabulary -----------------------------------------------------------------------
    def _convert_token(self, value: Any) -> Any:
        if self.vocabulary_dtype == "string":
            return value.decode(self._encoding) if isinstance(value, (bytes, np.bytes_)) else str(value)
        return int(value)

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Sets the vocabulary (and, in tf_idf mode, the idf weights) directly: a list, tuple,
        1-D array, or the path of a text file with one term per line."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(
                "`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                f"Received: output_mode={self.output_mode} and idf_weights={idf_weights}"
            )
        if isinstance(vocabulary, str):
            if in_safe_mode():
                raise ValueError(
                    "Requested the loading of a vocabulary file outside of the model archive. This carries a "
                    "potential risk of loading arbitrary and sensitive files and thus it is disallowed by default. "
                    "If you trust the source of the artifact, you can override this error by passing "
                    "`safe_mode=False` to the loading function, or calling "
                    f"`keras.config.enable_unsafe_deserialization(). Vocabulary file: '{vocabulary}'"
                )
            if not os.path.exists(vocabulary):
                raise ValueError(f"Vocabulary file {vocabulary} does not exist.")
            if self.output_mode == "tf_idf":
                raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from file.")
            with open(vocabulary, encoding=self._encoding) as f:
                lines = f.read().splitlines()
            vocabulary = lines
        vocabulary = [self._convert_token(v) for v in np.asarray(vocabulary, dtype=object).reshape(-1)]
        if len(vocabulary) == 0:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        token_start = self._token_start_index()
        special_tokens = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_special_tokens = vocabulary[:token_start] == special_tokens
        tokens = vocabulary[token_start:] if found_special_tokens else vocabulary
        repeated = [item for item, count in collections.Counter(tokens).items() if count > 1]
        if repeated:
            raise ValueError(
                "The passed vocabulary has at least one repeated term. Please uniquify your dataset. "
                f"The repeated terms are: {repeated}"
            )
        for kind, token in (("mask", self.mask_token), ("OOV", self.oov_token if self.invert else None)):
            if token is not None and token in tokens:
                index = max(i for i, v in enumerate(vocabulary) if v == token)
                raise ValueError(
                    f"Found reserved {kind} token at unexpected location in `vocabulary`. Note that passed "
                    "`vocabulary` does not need to include the OOV and mask tokens. Either remove all mask and "
                    "OOV tokens, or include them only at the start of the vocabulary in precisely this order: "
                    f"{special_tokens}. Received: {kind.lower()}_token={token} at vocabulary index [{index}]"
                )
        new_size = token_start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError(
                "Attempted to set a vocabulary larger than the maximum vocab size. Received vocabulary size "
                f"is {new_size}; `max_tokens` is {self.max_tokens}."
            )
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf" and idf_weights is not None:
            weights = np.asarray(idf_weights)
            if len(vocabulary) != len(weights):
                raise ValueError(
                    "`idf_weights` must be the same length as vocabulary. "
                    f"len(idf_weights) is {len(weights)}; len(vocabulary) is {len(vocabulary)}"
                )
            if weights.ndim != 1:
                raise ValueError(f"TF-IDF data must be a 1-index array. Received: type(idf_weights)={type(weights)}")
            front = 0 if found_special_tokens else token_start
            front_value = 0 if found_special_tokens else np.average(weights)
            back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens and self.max_tokens else 0
            self.idf_weights = np.pad(weights, (front, back), "constant", constant_values=(front_value, 0)).astype(
                "float32"
            )

    def _set_tokens(self, tokens: list) -> None:
        if self._frozen_vocab_size is not None and not (self.output_mode == "int" or self.pad_to_max_tokens):
            new_size = self._token_start_index() + len(tokens)
            if new_size != self._frozen_vocab_size:
                raise RuntimeError(
                    f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, the vocabulary "
                    "size cannot be changed after the layer is called. Old vocab size is "
                    f"{self._frozen_vocab_size}, new vocab size is {new_size}"
                )
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {token: start + i for i, token in enumerate(self._tokens)}
        self._frozen_vocab_size = self.vocabulary_size()

    # -- adapt ----------------------------------------------------------------------------
    def _reset_counts(self) -> None:
        self._token_counts: collections.Counter = collections.Counter()
        self._document_counts: collections.Counter = collections.Counter()
        self._num_documents = 0

    def reset_state(self) -> None:
        if not self._has_input_vocabulary:
            self._reset_counts()

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learns the vocabulary (and idf weights in tf_idf mode) from `data`: an array or a
        list (each element of a 1-D one is a document), or an iterable of batches."""
        self.reset_state()
        if is_batch_iterable(data):
            for batch in batches_of(data, steps):
                self.update_state(batch)
        else:
            array = self._as_values(data)
            self.update_state(array[:, None] if array.ndim == 1 else array)
        self.finalize_state()

    def _as_values(self, data: Any) -> np.ndarray:
        if self.vocabulary_dtype == "string":
            return to_strings(data, self._encoding)
        return np.asarray(data).astype(self.vocabulary_dtype)

    def _documents(self, data: Any) -> list:
        """The documents of a batch: its rows (a ragged list of rows, or an array of rank >= 2),
        the whole batch for rank 0 or 1 (Keras expands those to one row)."""
        if isinstance(data, list) and data and all(isinstance(r, (list, tuple, np.ndarray)) for r in data):
            rows = [self._as_values(r).reshape(-1).tolist() for r in data]
            if len({len(r) for r in rows}) > 1:
                return rows
        array = self._as_values(data)
        if array.ndim <= 1:
            return [array.reshape(-1).tolist()]
        return [row.reshape(-1).tolist() for row in array]

    def update_state(self, data: Any) -> None:
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via `vocabulary` argument "
                "or `set_vocabulary()` method."
            )
        for document in self._documents(data):
            self._token_counts.update(document)
            if self.output_mode == "tf_idf":
                self._document_counts.update(set(document))
            self._num_documents += 1

    def finalize_state(self) -> None:
        if self._has_input_vocabulary or not self._token_counts:
            return
        counts = dict(self._token_counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        # Keras: np.lexsort((tokens, counts))[::-1], by count then by token, both high to low.
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            tokens = tokens[: self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            n = self._num_documents
            idf = np.array([math.log(1 + n / (1 + self._document_counts[t])) for t in tokens]).astype("float32")
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=np.mean(idf, dtype="float32"))
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size), constant_values=0)
            self.idf_weights = idf.astype("float32")
        self._reset_counts()

    # -- calling ------------------------------------------------------------------------
    def _depth(self) -> int:
        if self.pad_to_max_tokens:
            return int(self.max_tokens)  # type: ignore[arg-type]
        if self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, you must set the "
                "layer's vocabulary before calling it. Either pass a `vocabulary` argument to the layer, or call "
                "`adapt` with some sample data."
            )
        return int(self._frozen_vocab_size)

    def _oov_buckets(self, values: list) -> list:
        n = self.num_oov_indices
        if self.vocabulary_dtype != "string" and self.oov_method != "farmhash":
            return [int(v) % n for v in values]  # Python's % is a floormod, as TensorFlow's
        key = tuple(self.salt) if self.salt is not None else None
        return [hash_bucket(str(v), n, key) for v in values]

    def lookup(self, values: np.ndarray) -> np.ndarray:
        """The indices of `values` (any shape), OOV and mask handled as Keras does."""
        flat = values.reshape(-1).tolist()
        masked = self.mask_token is not None
        mask_index = 0 if self.output_mode == "int" else -1  # Keras: int64 max, which encodes to nothing
        default = self._oov_start_index() if self.num_oov_indices == 1 else -1
        index = self._index
        out = [mask_index if masked and v == self.mask_token else index.get(v, default) for v in flat]
        if self.num_oov_indices == 0:
            oov = [v for v, i in zip(flat, out) if i == -1]
            if oov:
                raise ValueError(
                    "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                    f"{oov}, consider setting `num_oov_indices=1`."
                )
        elif self.num_oov_indices > 1:
            where = [k for k, (v, i) in enumerate(zip(flat, out)) if i == -1 and not (masked and v == self.mask_token)]
            if where:
                buckets = self._oov_buckets([flat[k] for k in where])
                for k, b in zip(where, buckets):
                    out[k] = b + self._oov_start_index()
        return np.asarray(out, dtype="int64").reshape(values.shape)

    def _invert(self, indices: np.ndarray) -> np.ndarray:
        vocab = self.get_vocabulary()
        size = len(vocab)
        flat = [
            self.mask_token
            if self.mask_token is not None and i == 0
            else vocab[i]
            if self._token_start_index() <= i < size
            else self.oov_token
            for i in np.asarray(indices).reshape(-1).tolist()
        ]
        dtype = object if self.vocabulary_dtype == "string" else self.vocabulary_dtype
        return np.asarray(flat, dtype=dtype).reshape(np.shape(indices))

    def _output_dtype(self) -> str:
        return "float32" if self.output_mode == "tf_idf" else "int64"

    def encode(self, indices: Any) -> Any:
        """int indices (an array, or a ragged list of 1-D arrays) in the layer's output mode."""
        if self.output_mode == "int":
            return indices
        depth = self._depth()
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        if isinstance(indices, list):
            out = encode_rows(indices, mode, depth, "int64")
        else:
            out = encode_numpy(indices, mode, depth, "int64")
        if self.output_mode == "tf_idf":
            return out.astype("float32") * self.idf_weights
        return out

    def _numpy_call(self, inputs: Any) -> Any:
        if self.invert:
            return self._invert(np.asarray(inputs))
        if self.output_mode != "int":
            self._depth()
        values = self._as_values(inputs)
        return self.encode(self.lookup(values))

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    # -- config -------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }

    def get_build_config(self) -> dict[str, Any]:
        return {}

    def build_from_config(self, config: dict[str, Any]) -> None:
        self.built = True
