"""TextVectorization (Keras 3): standardize, split, n-grams, then a StringLookup with mask ""
(index 0) and OOV "[UNK]" (index 1). Runs on data (lists, arrays, a dataset's batches) and
returns NumPy arrays; the string steps follow TensorFlow's ops exactly: lower-casing touches
ASCII letters only (tf.strings.lower), the punctuation stripped is Keras's ASCII set,
whitespace splitting drops empty tokens, character splitting is by code point, and n-grams
of each width are listed width by width joined with " " (tf.strings.ngrams)."""

from __future__ import annotations

import re
import string
from typing import Any

import numpy as np

from ...serialization.object_registration import get_registered_name, get_registered_object
from .data_layer import DataLayer, batches_of, is_batch_iterable, to_strings
from .index_lookup import OUTPUT_MODES, _listify, validate_string_arg
from .lookup import StringLookup

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')


_BUILT_IN = {
    "standardize": ("lower_and_strip_punctuation", "lower", "strip_punctuation"),
    "split": ("whitespace", "character"),
}


def _function_name(fn: Any) -> str:
    registered = getattr(fn, "_registered_name", None)  # a function carries its own registration
    return registered if isinstance(registered, str) else get_registered_name(fn)


def _serialize_function(fn: Any) -> dict[str, Any]:
    """A callable standardize / split as Keras 3 writes a function: by its registered name
    ('package>name'), found again through register_keras_serializable or custom_objects."""
    return {
        "module": "builtins",
        "class_name": "function",
        "config": _function_name(fn),
        "registered_name": "function",
    }


class TextVectorization(DataLayer):
    def __init__(
        self,
        max_tokens: int | None = None,
        standardize: Any = "lower_and_strip_punctuation",
        split: Any = "whitespace",
        ngrams: Any = None,
        output_mode: str = "int",
        output_sequence_length: int | None = None,
        pad_to_max_tokens: bool = False,
        vocabulary: Any = None,
        idf_weights: Any = None,
        sparse: bool = False,
        ragged: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if ragged:
            raise ValueError("`ragged=True` can only be used with the TensorFlow backend.")
        validate_string_arg(
            standardize,
            ("lower_and_strip_punctuation", "lower", "strip_punctuation"),
            "TextVectorization",
            "standardize",
            allow_none=True,
            allow_callables=True,
        )
        validate_string_arg(
            split, ("whitespace", "character"), "TextVectorization", "split", allow_none=True, allow_callables=True
        )
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        validate_string_arg(output_mode, OUTPUT_MODES, "TextVectorization", "output_mode")
        if not (
            ngrams is None
            or isinstance(ngrams, int)
            or isinstance(ngrams, tuple)
            and all(isinstance(item, int) for item in ngrams)
        ):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (isinstance(output_sequence_length, int) or output_sequence_length is None):
            raise ValueError(
                "`output_sequence_length` must be either None or an integer when `output_mode` is 'int'. "
                f"Received: output_sequence_length={output_sequence_length}"
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}."
            )
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            sparse=sparse,
            has_input_vocabulary=self._has_input_vocabulary,
            encoding=encoding,
            vocabulary_size=vocabulary_size,
        )
        self.built = True

    # -- vocabulary -----------------------------------------------------------------------
    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Builds the vocabulary from `data` (a list or array of strings, or an iterable of
        batches such as a generator or a dataset of (text, label) pairs), by token count,
        ties broken by the token (high to low), truncated to `max_tokens`."""
        self.reset_state()
        if is_batch_iterable(data):
            for batch in batches_of(data, steps):
                self.update_state(batch)
        else:  # as Keras: an array or a list is one batch (batch_size and steps are not used)
            array = to_strings(data, self._encoding)
            self.update_state(array[:, None] if array.ndim == 1 else array)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # -- the string steps -----------------------------------------------------------------
    def _standardize_values(self, inputs: np.ndarray) -> np.ndarray:
        if callable(self._standardize):
            result = to_strings(self._standardize(inputs.astype(str)), self._encoding)
            return result
        flat = inputs.reshape(-1).tolist()
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            flat = [s.translate(_ASCII_LOWER) for s in flat]
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [_PUNCTUATION.sub("", s) for s in flat]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(inputs.shape)

    def _ngram_rows(self, rows: list) -> list:
        widths = self._ngrams or ()
        return [[" ".join(row[i : i + n]) for n in widths for i in range(len(row) - n + 1)] for row in rows]

    def _preprocess(self, inputs: Any) -> Any:
        """Standardized, split and n-grammed strings: a list of token lists (one per row) when
        splitting, else an array of strings."""
        values = self._standardize_values(to_strings(inputs, self._encoding))
        if self._split is None:
            if self._ngrams is not None:
                return self._ngram_rows([[s] for s in values.reshape(-1)])
            return values
        if values.ndim > 1:
            if values.shape[-1] != 1:
                raise ValueError(
                    "When using `TextVectorization` to tokenize strings, the input rank must be 1 or the last "
                    f"shape dimension must be 1. Received: inputs.shape={values.shape} with rank={values.ndim}"
                )
            values = values[..., 0]
        if values.ndim == 0:
            values = values[None]
        if self._split == "whitespace":
            rows = [s.split() for s in values.reshape(-1)]
        elif self._split == "character":
            rows = [list(s) for s in values.reshape(-1)]
        else:
            rows = [
                [str(t) for t in to_strings(r, self._encoding).reshape(-1)] for r in self._split(values.astype(str))
            ]
        return self._ngram_rows(rows) if self._ngrams is not None else rows

    # -- calling --------------------------------------------------------------------------
    def _numpy_call(self, inputs: Any) -> Any:
        out = self._vectorize(inputs)
        if self._split is not None and np.ndim(inputs) == 0 and not isinstance(inputs, (list, tuple)):
            return out[0]  # one string gives one sequence, as in Keras
        return out

    def _vectorize(self, inputs: Any) -> Any:
        tokens = self._preprocess(inputs)
        lookup = self._lookup_layer
        if self._output_mode != "int":
            lookup._depth()
        if isinstance(tokens, np.ndarray):
            return lookup.encode(lookup.lookup(tokens))
        rows = [lookup.lookup(np.asarray(row, dtype=object)) if row else np.zeros(0, "int64") for row in tokens]
        if self._output_mode != "int":
            return lookup.encode(rows)
        length = self._output_sequence_length
        if length is None:
            length = max((len(r) for r in rows), default=0)
        out = np.zeros((len(rows), length), dtype="int64")
        for i, row in enumerate(rows):
            row = row[:length]
            out[i, : len(row)] = row
        return out

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = tuple(input_shape) + (1,)
        else:
            input_shape = tuple(input_shape) + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    # -- config ---------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        lookup = self._lookup_layer
        config = {
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": lookup.sparse,
            "ragged": self._ragged,
            "vocabulary": _listify(lookup.input_vocabulary),
            "idf_weights": _listify(lookup.input_idf_weights),
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }
        for key in ("standardize", "split"):
            if callable(config[key]):
                config[key] = _serialize_function(config[key])
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> TextVectorization:
        config = dict(config)
        for key in ("standardize", "split"):
            value = config.get(key)
            if isinstance(value, dict) and value.get("class_name") == "function":
                value = value["config"]
            if isinstance(value, str) and value not in _BUILT_IN[key]:
                found = get_registered_object(value, custom_objects)
                if found is not None:
                    value = found
            config[key] = value
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        config.pop("trainable", None)
        config.pop("dtype", None)
        return cls(**config)
