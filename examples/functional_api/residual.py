"""Residual connections: an identity shortcut (same feature-map size) and a 1x1
projection shortcut when the sizes differ (Deep Learning with Python, 7.1.4).

    python examples/functional_api/residual.py
"""

import numpy as np

from dagnet import Input, Model, layers


def identity_block(x):
    y = layers.Conv2D(32, 3, activation="relu", padding="same")(x)
    y = layers.Conv2D(32, 3, activation="relu", padding="same")(y)
    y = layers.Conv2D(32, 3, activation="relu", padding="same")(y)
    return layers.add([y, x])


def projection_block(x):
    y = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    y = layers.Conv2D(64, 3, activation="relu", padding="same")(y)
    y = layers.MaxPooling2D(2, strides=2)(y)
    residual = layers.Conv2D(64, 1, strides=2, padding="same")(x)  # linear 1x1 down-sampling
    return layers.add([y, residual])


def build():
    x = Input(shape=(16, 16, 32))
    y = projection_block(identity_block(x))
    out = layers.Dense(10, activation="softmax")(layers.GlobalAveragePooling2D()(y))
    model = Model(x, out)
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(samples=64, epochs=2):
    model = build()
    model.summary()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((samples, 16, 16, 32)).astype("float32")
    y = rng.integers(0, 10, samples)
    model.fit(x, y, epochs=epochs, batch_size=16, verbose=2)
    return model


if __name__ == "__main__":
    main()
