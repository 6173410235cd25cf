"""Models and summary() calls whose text real Keras 3.15 printed into
fixtures/keras3_summary_layout.txt (regenerate: run `python tests/summary_layout_cases.py`
under an environment with Keras, COLUMNS=80). `K` is the keras or dagnet module."""

import numpy as np


def cases(K):
    L = K.layers
    i = K.Input((4,), name="a" * 50)
    o = L.Dense(3, name="d" * 70)(i)
    long_named = K.Model(i, o, name="m" * 100)

    a, b = K.Input((8,), name="a"), K.Input((8,), name="b")
    inner_in = K.Input((8,), name="sub_in")
    inner = K.Model(inner_in, L.Dropout(0.5, name="sub_drop")(L.Dense(5, name="sub_d1")(inner_in)), name="inner_model")
    head = L.Dense(2, name="head")
    head.trainable = False
    out = head(L.concatenate([inner(a), inner(b)], name="cat"))
    seq = K.Sequential([K.Input((2,), name="seq_in"), L.Dense(4, name="s1"), L.Dense(1, name="s2")], name="seqy")
    outer = K.Model([a, b], [out, seq(out)], name="outer")

    calls = [
        (long_named, dict(line_length=120)),
        (long_named, dict()),
        (long_named, dict(positions=[10, 30, 50])),
        (outer, dict(line_length=100, expand_nested=True)),
        (outer, dict(positions=[0.3, 0.6, 0.8, 0.95])),
        (outer, dict(positions=[0.2, 0.5, 0.7, 1.0], line_length=70, show_trainable=True)),
        (outer, dict(layer_range=["b", "cat"])),
        (outer, dict(layer_range=["head", "inner"])),
        (seq, dict(positions=[0.3, 0.6, 0.8, 0.95])),
        (seq, dict(positions=[0.2, 0.5, 0.7, 1.0], line_length=70)),
    ]
    texts = []
    for model, kwargs in calls:
        model.summary(print_fn=texts.append, **kwargs)
    outer.compile(optimizer="adam", loss="mse")
    x = [np.zeros((4, 8), "float32")] * 2
    outer.fit(x, [np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32")], verbose=0)
    outer.summary(print_fn=texts.append)
    seq.compile(optimizer="sgd", loss="mse")
    seq.fit(np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32"), verbose=0)
    seq.summary(print_fn=texts.append)
    return texts


if __name__ == "__main__":
    import os

    import keras

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "keras3_summary_layout.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\x00".join(cases(keras)))
