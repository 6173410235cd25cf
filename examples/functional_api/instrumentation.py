"""Instrumentation by nesting: a model whose outputs are every layer's output of another
model reads all intermediate activations in one call, sharing the weights; the nested
pattern works through models used as layers too.

    python examples/functional_api/instrumentation.py
"""

import numpy as np

from dagnet import Input, Model, layers


def build():
    inputs = Input(shape=(20,), name="features")
    x = layers.Dense(32, activation="relu", name="hidden_1")(inputs)
    x = layers.Dense(16, activation="relu", name="hidden_2")(x)
    outputs = layers.Dense(3, activation="softmax", name="predictions")(x)
    model = Model(inputs, outputs, name="classifier")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    probe = Model(inputs=model.input, outputs=[layer.output for layer in model.layers[1:]], name="probe")
    # The classifier as a layer inside a bigger model; instrument that one too.
    outer_in = Input(shape=(20,))
    outer = Model(outer_in, model(outer_in), name="wrapper")
    return model, probe, outer


def main(samples=256, epochs=3):
    model, probe, outer = build()
    probe.summary()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((samples, 20)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")
    before = probe.predict(x[:4], verbose=0)
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=2)
    after = probe.predict(x[:4], verbose=0)  # the probe sees the trained weights
    for layer, a, b in zip(model.layers[1:], before, after):
        print(f"{layer.name:12s} {str(a.shape):10s} mean |change| {np.abs(a - b).mean():.4f}")
    np.testing.assert_allclose(outer.predict(x[:4], verbose=0), after[-1], rtol=1e-5)
    return model, probe


if __name__ == "__main__":
    main()
