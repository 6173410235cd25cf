"""Keras's small datasets, as ``keras.datasets``: the same ``load_data()`` functions, URLs,
checksums and cache folder (``~/.keras/datasets``, or ``$KERAS_HOME/datasets``), so files
Keras already downloaded are used without a network.

    (x_train, y_train), (x_test, y_test) = dagnet.datasets.mnist.load_data()
"""

from . import boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters"]
