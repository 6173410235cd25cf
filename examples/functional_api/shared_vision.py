"""Shared vision model: one convolutional model, called on two digit images, tells whether
they show the same digit (Keras functional guide). Channels last: images are (27, 27, 1).

    python examples/functional_api/shared_vision.py
"""

import numpy as np

from dagnet import Input, Model, layers
from dagnet.layers import Conv2D, Dense, Flatten, MaxPooling2D


def build(size=27, filters=64):
    digit_input = Input(shape=(size, size, 1))
    x = Conv2D(filters, (3, 3))(digit_input)
    x = Conv2D(filters, (3, 3))(x)
    x = MaxPooling2D((2, 2))(x)
    out = Flatten()(x)
    vision_model = Model(digit_input, out)
    digit_a = Input(shape=(size, size, 1))
    digit_b = Input(shape=(size, size, 1))
    out_a = vision_model(digit_a)  # the vision model is shared, weights and all
    out_b = vision_model(digit_b)
    concatenated = layers.concatenate([out_a, out_b])
    out = Dense(1, activation="sigmoid")(concatenated)
    classification_model = Model([digit_a, digit_b], out)
    classification_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return vision_model, classification_model


def main(samples=64, epochs=2):
    vision_model, model = build(filters=16)
    model.summary()
    rng = np.random.default_rng(0)
    a = rng.uniform(size=(samples, 27, 27, 1)).astype("float32")
    b = rng.uniform(size=(samples, 27, 27, 1)).astype("float32")
    same = rng.integers(0, 2, samples).astype("float32")
    model.fit([a, b], same, epochs=epochs, batch_size=16, verbose=2)
    return model


if __name__ == "__main__":
    main()
