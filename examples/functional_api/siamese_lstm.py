"""Shared layers: one LSTM encodes two tweets (weights shared), a logistic regression
on the concatenation says whether the same person wrote both (Keras functional guide).

    python examples/functional_api/siamese_lstm.py
"""

import numpy as np

from dagnet import Input, Model, layers


def build(timesteps=140, features=256):
    tweet_a = Input(shape=(timesteps, features))
    tweet_b = Input(shape=(timesteps, features))
    shared_lstm = layers.LSTM(64)
    encoded_a = shared_lstm(tweet_a)
    encoded_b = shared_lstm(tweet_b)
    assert shared_lstm.get_output_at(0) is encoded_a and shared_lstm.get_output_at(1) is encoded_b
    merged_vector = layers.concatenate([encoded_a, encoded_b], axis=-1)
    predictions = layers.Dense(1, activation="sigmoid")(merged_vector)
    model = Model(inputs=[tweet_a, tweet_b], outputs=predictions)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(samples=64, timesteps=20, features=32, epochs=2):
    model = build(timesteps, features)
    model.summary()
    rng = np.random.default_rng(0)
    data_a = (rng.uniform(size=(samples, timesteps, features)) > 0.9).astype("float32")
    data_b = (rng.uniform(size=(samples, timesteps, features)) > 0.9).astype("float32")
    labels = rng.integers(0, 2, samples).astype("float32")
    model.fit([data_a, data_b], labels, epochs=epochs, verbose=2)
    return model


if __name__ == "__main__":
    main()
