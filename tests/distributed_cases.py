"""Training runs for the data-parallel tests: each runs with one process in the test and
with two under ``mpirun -np 2`` (tests/distributed_job.py); two processes at global batch
2B must give one process's weights at 2B over the same samples."""

import math

import numpy as np

import dagnet
from dagnet import Input, Model, layers

GLOBAL_BATCH = 8  # 2 processes x B = 4
EPOCHS = 2
# Samples before validation_split=0.25 takes its share: "even" trains on 24 (3 whole
# global batches) and validates on 8; "ragged" trains on 13 (a last batch of 5 rows:
# 3 + 2 over two processes) and validates on 5; "single" trains on 17 (a last batch of
# one row: process 1 takes a stand-in row that trains nothing).
SAMPLES = {"even": 32, "ragged": 18, "single": 23}


def dense_model():
    x = Input((6,))
    h = layers.Dense(16, activation="tanh")(x)
    return Model(x, layers.Dense(3, activation="softmax")(h))


def conv_model():
    x = Input((8, 8, 2))
    h = layers.Conv2D(4, 3, activation="relu")(x)
    h = layers.MaxPooling2D()(h)
    return Model(x, layers.Dense(3, activation="softmax")(layers.Flatten()(h)))


def lstm_model():
    x = Input((5, 3))
    return Model(x, layers.Dense(3, activation="softmax")(layers.LSTM(8)(x)))


def batch_norm_model():
    x = Input((6,))
    h = layers.BatchNormalization()(x)  # on the input: its batch statistics do not depend on the weights
    return Model(x, layers.Dense(3, activation="softmax")(layers.Dense(16, activation="tanh")(h)))


MODELS = {
    "dense": (dense_model, (6,)),
    "conv": (conv_model, (8, 8, 2)),
    "lstm": (lstm_model, (5, 3)),
    "batch_norm": (batch_norm_model, (6,)),
}

# (model, data source, samples): arrays for every model, with and without a ragged last
# batch; a PyDataset, a generator and steps_per_execution=2 for the dense model.
CASES = [
    ("dense", "arrays", "even"),
    ("dense", "arrays", "ragged"),
    ("dense", "arrays", "single"),
    ("conv", "arrays", "even"),
    ("conv", "arrays", "ragged"),
    ("lstm", "arrays", "even"),
    ("lstm", "arrays", "ragged"),
    ("dense", "pydataset", "ragged"),
    ("dense", "generator", "ragged"),
    ("dense", "steps_per_execution", "ragged"),
]
# BatchNormalization normalises each process's shard by its own statistics, so the weights
# differ from one process's; the moving statistics are averaged over processes each epoch.
STATISTICS_CASE = ("batch_norm", "arrays", "even")


def case_name(case):
    return "-".join(case)


def data(kind, samples):
    rng = np.random.default_rng(42)
    x = rng.normal(size=(samples,) + MODELS[kind][1]).astype("float32")
    y = rng.integers(0, 3, size=(samples,))
    return x, y


class Batches(dagnet.utils.PyDataset):
    """Global batches of (x, y), indexable (fit shuffles their order)."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return math.ceil(len(self.x) / GLOBAL_BATCH)

    def __getitem__(self, i):
        s = slice(i * GLOBAL_BATCH, (i + 1) * GLOBAL_BATCH)
        return self.x[s], self.y[s]


def generator(x, y):
    while True:  # the same global batches on every process, in order
        for i in range(0, len(x), GLOBAL_BATCH):
            yield x[i : i + GLOBAL_BATCH], y[i : i + GLOBAL_BATCH]


def train(case, callbacks=None, epochs=EPOCHS):
    """Trains the case's model from seeded weights; returns (model, history dict)."""
    kind, source, split = case
    dagnet.utils.set_random_seed(7)
    model = MODELS[kind][0]()
    model.compile(
        optimizer=dagnet.optimizers.Adam(0.01, clipnorm=1.0),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=2 if source == "steps_per_execution" else 1,
    )
    x, y = data(kind, SAMPLES[split])
    common = {"epochs": epochs, "verbose": 0, "callbacks": callbacks}
    if source in ("arrays", "steps_per_execution"):
        history = model.fit(x, y, batch_size=GLOBAL_BATCH, shuffle=True, validation_split=0.25, **common)
    else:
        cut = int(len(x) * 0.75)
        train_xy, val_xy = (x[:cut], y[:cut]), (x[cut:], y[cut:])
        if source == "pydataset":
            history = model.fit(Batches(*train_xy), validation_data=Batches(*val_xy), **common)
        else:
            steps = math.ceil(cut / GLOBAL_BATCH)
            history = model.fit(
                generator(*train_xy), steps_per_epoch=steps, validation_data=val_xy, shuffle=False, **common
            )
    return model, history.history
