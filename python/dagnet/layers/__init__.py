"""Keras layers (``keras.layers`` names)."""

from . import op_layer as op_layer  # registers how raw ops on symbolic tensors become nodes
from .batch_normalization import BatchNormalization
from .bidirectional import Bidirectional
from .conv import Conv1D, Conv2D, Convolution1D, Convolution2D
from .core import Activation, Dense, Dropout, Flatten, Lambda, Reshape
from .embedding import Embedding
from .input_layer import Input, InputLayer
from .input_spec import InputSpec
from .layer import Layer
from .merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .normalization import GroupNormalization, LayerNormalization, RMSNormalization, UnitNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool1D,
    AvgPool2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .recurrent import GRU, LSTM, SimpleRNN
from .rnn import RNN, StackedRNNCells
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell
from .wrappers import TimeDistributed

__all__ = [
    "Activation",
    "Add",
    "Average",
    "Bidirectional",
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Convolution1D",
    "Convolution2D",
    "Dense",
    "Dot",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GRUCell",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GroupNormalization",
    "Input",
    "InputLayer",
    "InputSpec",
    "LSTM",
    "LSTMCell",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "Multiply",
    "RMSNormalization",
    "RNN",
    "Reshape",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "Subtract",
    "TimeDistributed",
    "UnitNormalization",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
