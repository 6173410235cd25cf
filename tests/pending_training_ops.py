"""Moved into test_training_api.py once the engine has l2_penalty and the from-logits losses."""
import numpy as np
import pytest

from dagnet import Input, Model, layers, losses


def test_regularization_adds_to_the_loss():
    x = Input(shape=(3,))
    from dagnet import regularizers

    dense = layers.Dense(2, kernel_regularizer=regularizers.l2(0.5), kernel_initializer="ones", use_bias=False)
    model = Model(x, dense(x))
    model.compile(optimizer="sgd", loss="mse")
    data = np.zeros((4, 3), "float32")
    target = np.zeros((4, 2), "float32")
    loss = model.test_on_batch(data, target)
    assert loss == pytest.approx(0.5 * 6.0)


def test_loss_objects_and_sparse_labels():
    x = Input(shape=(4,))
    logits = layers.Dense(3)(x)
    model = Model(x, logits)
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    rng = np.random.default_rng(2)
    data = rng.standard_normal((64, 4)).astype("float32")
    labels = data[:, :3].argmax(1)
    first = model.train_on_batch(data, labels)
    for _ in range(200):
        last = model.train_on_batch(data, labels[:, None])  # (n, 1) labels are accepted too
    assert last[0] < first[0] and last[1] > 0.9
