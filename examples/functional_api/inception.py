"""Inception modules and the image classifier built from them (seed: "Keras Functional API"
lecture), plus the dual-input model that shares the inception sub-network.

    python examples/functional_api/inception.py
"""

import numpy as np

from dagnet import Input, Model, layers, optimizers
from dagnet.layers import Concatenate, Convolution2D, Dense, Flatten, MaxPooling2D


def inception_module(input_tensor, nfilters, activation, name):
    """Four parallel branches (1x1; 1x1->3x3; 1x1->5x5; 3x3 max-pool->1x1), strided by 2, concatenated."""
    conv_a = Convolution2D(
        filters=nfilters[0],
        kernel_size=(1, 1),
        strides=(2, 2),
        padding="same",
        name="convA_" + name,
        activation=activation,
    )(input_tensor)
    conv_b0 = Convolution2D(
        filters=nfilters[1][0],
        kernel_size=(1, 1),
        strides=(1, 1),
        padding="same",
        name="convB0_" + name,
        activation=activation,
    )(input_tensor)
    conv_b1 = Convolution2D(
        filters=nfilters[1][1],
        kernel_size=(3, 3),
        strides=(2, 2),
        padding="same",
        name="convB1_" + name,
        activation=activation,
    )(conv_b0)
    conv_c0 = Convolution2D(
        filters=nfilters[2][0],
        kernel_size=(1, 1),
        strides=(1, 1),
        padding="same",
        name="convC0_" + name,
        activation=activation,
    )(input_tensor)
    conv_c1 = Convolution2D(
        filters=nfilters[2][1],
        kernel_size=(5, 5),
        strides=(2, 2),
        padding="same",
        name="convC1_" + name,
        activation=activation,
    )(conv_c0)
    max_tensor = MaxPooling2D(pool_size=(3, 3), strides=(1, 1), name="MAX_" + name, padding="same")(input_tensor)
    conv_d0 = Convolution2D(
        filters=nfilters[3],
        kernel_size=(1, 1),
        strides=(2, 2),
        padding="same",
        name="convD0_" + name,
        activation=activation,
    )(max_tensor)
    return Concatenate()([conv_a, conv_b1, conv_c1, conv_d0])


def create_inception_network(image_size, n_channels, activation="elu"):
    input_tensor = Input(shape=(image_size[0], image_size[1], n_channels), name="input")
    i1 = inception_module(input_tensor, (10, (10, 10), (10, 10), 10), activation, name="i1")
    i2 = inception_module(i1, (40, (40, 40), (40, 40), 40), activation, name="i2")
    flat = Flatten()(i2)
    dense1 = Dense(units=100, activation=activation, name="D1")(flat)
    dense2 = Dense(units=20, activation=activation, name="D2")(dense1)
    output = Dense(units=1, activation="sigmoid", name="output")(dense2)
    model = Model(inputs=input_tensor, outputs=output)
    model.compile(loss="binary_crossentropy", optimizer=optimizers.Adam(lr=0.0001, amsgrad=False), metrics=["accuracy"])
    return model


def create_inception_subnetwork(image_size, n_channels, activation="elu"):
    input_tensor = Input(shape=(image_size[0], image_size[1], n_channels), name="input")
    i1 = inception_module(input_tensor, (10, (10, 10), (10, 10), 10), activation, name="i1")
    i2 = inception_module(i1, (40, (40, 40), (40, 40), 40), activation, name="i2")
    flat = Flatten()(i2)
    dense1 = Dense(units=100, activation=activation, name="D1")(flat)
    return Model(inputs=input_tensor, outputs=dense1)


def create_dual_input_network(image_size, n_channels, activation="elu"):
    """Two consecutive images through the same inception sub-network, then dense layers."""
    subnet = create_inception_subnetwork(image_size, n_channels, activation)
    input1 = Input(shape=(image_size[0], image_size[1], n_channels), name="input1")
    input2 = Input(shape=(image_size[0], image_size[1], n_channels), name="input2")
    merged = layers.concatenate([subnet(input1), subnet(input2)])
    dense3 = Dense(units=20, activation=activation, name="D3")(merged)
    output = Dense(units=1, activation="sigmoid", name="output")(dense3)
    model = Model(inputs=[input1, input2], outputs=output)
    model.compile(loss="binary_crossentropy", optimizer=optimizers.Adam(lr=0.0001), metrics=["accuracy"])
    return model


def main(samples=64, epochs=2):
    classifier = create_inception_network((32, 32), 3)
    classifier.summary()
    dual = create_dual_input_network((32, 32), 3)
    dual.summary()
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(samples, 32, 32, 3)).astype("float32")
    labels = (images[:, :16].mean(axis=(1, 2, 3)) > images[:, 16:].mean(axis=(1, 2, 3))).astype("float32")
    classifier.fit(images, labels, epochs=epochs, batch_size=16, verbose=2)
    dual.fit([images, images[::-1]], labels, epochs=epochs, batch_size=16, verbose=2)
    return classifier, dual


if __name__ == "__main__":
    main()
