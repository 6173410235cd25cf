"""Keras layers (``keras.layers`` names)."""
from .conv import Conv1D, Conv2D, Convolution1D, Convolution2D
from .core import Activation, Dense, Dropout, Flatten, Lambda, Reshape
from .embedding import Embedding
from .input_layer import Input, InputLayer
from .input_spec import InputSpec
from .layer import Layer
from . import op_layer as op_layer  # registers how raw ops on symbolic tensors become nodes
from .merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                    concatenate, dot, maximum, minimum, multiply, subtract)
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D, GlobalAveragePooling1D,
                      GlobalAveragePooling2D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)
from .recurrent import LSTM
from .wrappers import TimeDistributed

__all__ = ["Activation", "Add", "Average", "AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D", "Concatenate",
           "Conv1D", "Conv2D", "Convolution1D", "Convolution2D", "Dense", "Dot", "Dropout", "Embedding", "Flatten",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D",
           "GlobalMaxPool2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Input", "InputLayer", "InputSpec", "LSTM",
           "Lambda", "Layer", "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D", "Maximum", "Minimum", "Multiply",
           "Reshape", "Subtract", "TimeDistributed", "add", "average", "concatenate", "dot", "maximum", "minimum",
           "multiply", "subtract"]
