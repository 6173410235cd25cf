"""dagnet: the Keras functional API on a native C++17/CUDA engine.

    from dagnet import Input, Model, layers
    x = Input(shape=(32,))
    y = layers.Dense(10, activation="softmax")(layers.Dense(64, activation="relu")(x))
    model = Model(x, y)

The engine lives in ``dagnet._engine`` (bindings only); ``dagnet.engine`` is the thin entry
to the native graph that models lower into.
"""

from . import (
    _engine,
    activations,
    applications,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    saving,
    tree,
    utils,
)
from ._device import device, get_device, set_device
from ._info import devices, info
from ._name_scope import name_scope
from .initializers import Initializer
from .keras_tensor import KerasTensor
from .layers import Input, InputLayer, InputSpec, Layer
from .losses import Loss
from .metrics import Metric
from .models import Model, Sequential
from .optimizers import Optimizer
from .regularizers import Regularizer
from .variables import Variable

__version__ = _engine.info()["version"]


def version() -> str:
    """dagnet's version (keras.version())."""
    return __version__


__all__ = [
    "name_scope",
    "Initializer",
    "Input",
    "InputLayer",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Loss",
    "Metric",
    "Optimizer",
    "Regularizer",
    "Variable",
    "tree",
    "version",
    "Model",
    "Sequential",
    "layers",
    "models",
    "ops",
    "activations",
    "applications",
    "initializers",
    "constraints",
    "regularizers",
    "losses",
    "metrics",
    "optimizers",
    "callbacks",
    "config",
    "datasets",
    "distribution",
    "utils",
    "backend",
    "preprocessing",
    "random",
    "info",
    "devices",
    "set_device",
    "device",
    "get_device",
    "saving",
    "__version__",
]
