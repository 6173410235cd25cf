"""Max/average pooling 1D/2D/3D and their global forms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import ops
from .._typing import TensorLike
from ..ops._dispatch import emit
from ..serialization.keras_saveable import alias
from .arguments import standardize_data_format, standardize_tuple
from .input_spec import InputSpec
from .layer import Layer


class _Pooling(Layer):
    _keras_built_at_init = True  # Keras builds it in __init__, so its config has no build_config
    rank = 2
    mode = "max"

    def __init__(
        self,
        pool_size: int | Sequence[int] = 2,
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.pool_size = standardize_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else standardize_tuple(strides, self.rank, "strides")
        self.padding = padding  # kept as given in the config, as Keras 3 does ('SAME' stays 'SAME')
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: {padding}")
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: TensorLike) -> Any:
        return emit(
            inputs.builder,
            f"{self.mode}_pool{self.rank}d",
            [inputs],
            {
                "pool_size": list(self.pool_size),
                "strides": list(self.strides),
                "padding": self.padding.lower(),
                "data_format": self.data_format,
            },
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


class MaxPooling1D(_Pooling):
    rank, mode = 1, "max"


class MaxPooling2D(_Pooling):
    rank, mode = 2, "max"


class AveragePooling1D(_Pooling):
    rank, mode = 1, "avg"


class AveragePooling2D(_Pooling):
    rank, mode = 2, "avg"


class MaxPooling3D(_Pooling):
    rank, mode = 3, "max"

    def __init__(
        self,
        pool_size: int | Sequence[int] = (2, 2, 2),
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    """As Keras 3, pool_size has no default here."""

    rank, mode = 3, "avg"

    def __init__(
        self,
        pool_size: int | Sequence[int],
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


MaxPool1D = alias("MaxPool1D", MaxPooling1D)
MaxPool2D = alias("MaxPool2D", MaxPooling2D)
AvgPool1D = alias("AvgPool1D", AveragePooling1D)
AvgPool2D = alias("AvgPool2D", AveragePooling2D)
MaxPool3D = alias("MaxPool3D", MaxPooling3D)
AvgPool3D = alias("AvgPool3D", AveragePooling3D)


class _GlobalPooling(Layer):
    _keras_built_at_init = True
    rank = 2
    mode = "max"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: TensorLike) -> Any:
        out = emit(inputs.builder, f"global_{self.mode}_pool", [inputs], {"data_format": self.data_format})
        if self.keepdims:
            axis = 1 if self.data_format == "channels_last" else 2
            for _ in range(self.rank):
                out = emit(inputs.builder, "expand_dims", [out], {"axis": axis})
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPooling):
    rank, mode = 1, "max"


class GlobalMaxPooling2D(_GlobalPooling):
    rank, mode = 2, "max"


class GlobalAveragePooling1D(_GlobalPooling):
    """With a mask (e.g. from Embedding(mask_zero=True)) it averages the unmasked steps
    only, as Keras does (a fully masked row gives 0/0 = NaN there too)."""

    rank, mode = 1, "avg"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs: TensorLike, mask: TensorLike | None = None) -> Any:
        if mask is None:
            return super().call(inputs)
        steps_axis = 1 if self.data_format == "channels_last" else 2
        mask = ops.expand_dims(ops.cast(mask, "float32"), 2 if self.data_format == "channels_last" else 1)
        return ops.divide(
            ops.sum(ops.multiply(inputs, mask), axis=steps_axis, keepdims=self.keepdims),
            ops.sum(mask, axis=steps_axis, keepdims=self.keepdims),
        )

    def compute_mask(self, inputs: TensorLike, mask: TensorLike | None = None) -> None:
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    rank, mode = 2, "avg"


class GlobalMaxPooling3D(_GlobalPooling):
    rank, mode = 3, "max"


class GlobalAveragePooling3D(_GlobalPooling):
    rank, mode = 3, "avg"


GlobalMaxPool1D = alias("GlobalMaxPool1D", GlobalMaxPooling1D)
GlobalMaxPool2D = alias("GlobalMaxPool2D", GlobalMaxPooling2D)
GlobalAvgPool1D = alias("GlobalAvgPool1D", GlobalAveragePooling1D)
GlobalAvgPool2D = alias("GlobalAvgPool2D", GlobalAveragePooling2D)
GlobalMaxPool3D = alias("GlobalMaxPool3D", GlobalMaxPooling3D)
GlobalAvgPool3D = alias("GlobalAvgPool3D", GlobalAveragePooling3D)
