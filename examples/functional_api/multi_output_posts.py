"""A multi-output model: from a social-media post, predict age (regression), income group
(softmax) and gender (sigmoid), with per-output losses and loss weights given by output
name (Deep Learning with Python, 7.1.2).

    python examples/functional_api/multi_output_posts.py
"""

import numpy as np

from dagnet import Input, Model, layers

vocabulary_size = 2000
num_income_groups = 10


def build():
    posts_input = Input(shape=(None,), dtype="int32", name="posts")
    embedded_posts = layers.Embedding(vocabulary_size, 64)(posts_input)
    x = layers.Conv1D(32, 5, activation="relu")(embedded_posts)
    x = layers.MaxPooling1D(5)(x)
    x = layers.Conv1D(64, 5, activation="relu")(x)
    x = layers.Conv1D(64, 5, activation="relu")(x)
    x = layers.MaxPooling1D(5)(x)
    x = layers.Conv1D(64, 5, activation="relu")(x)
    x = layers.Conv1D(64, 5, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(32, activation="relu")(x)
    age_prediction = layers.Dense(1, name="age")(x)
    income_prediction = layers.Dense(num_income_groups, activation="softmax", name="income")(x)
    gender_prediction = layers.Dense(1, activation="sigmoid", name="gender")(x)
    model = Model(posts_input, [age_prediction, income_prediction, gender_prediction])
    model.compile(
        optimizer="rmsprop",
        loss={"age": "mse", "income": "categorical_crossentropy", "gender": "binary_crossentropy"},
        loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0},
    )
    return model


def main(num_posts=128, max_length=300, epochs=2):
    # Long enough posts: with length 100 the stack of convolutions and poolings would
    # shrink the sequence below the kernel size (the seed notebook hit exactly that).
    model = build()
    model.summary()
    rng = np.random.default_rng(0)
    posts = rng.integers(1, vocabulary_size, size=(num_posts, max_length))
    age_targets = rng.integers(18, 50, size=num_posts).astype("float32")
    income_targets = np.eye(num_income_groups, dtype="float32")[rng.integers(0, num_income_groups, num_posts)]
    gender_targets = rng.integers(0, 2, size=num_posts).astype("float32")
    model.fit(
        posts,
        {"age": age_targets, "income": income_targets, "gender": gender_targets},
        epochs=epochs,
        batch_size=64,
        verbose=2,
    )
    return model


if __name__ == "__main__":
    main()
