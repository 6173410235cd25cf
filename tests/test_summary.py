"""model.summary() against text printed by real Keras 3.15 for the same models
(fixtures/keras3_summaries.txt, made by running this construction under Keras)."""

import os

import pytest

from dagnet import Input, Model, Sequential, layers, utils

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_summaries.txt")


def build_and_summarise(print_fn):
    a = Input(shape=(4,), name="a")
    b = Input(shape=(3,), name="b")
    ha = layers.Dense(8, activation="relu")(a)
    hb = layers.Dense(8, activation="tanh")(b)
    out = layers.Dense(2, activation="softmax")(layers.concatenate([ha, hb]))
    Model([a, b], out).summary(print_fn=print_fn)
    Input(shape=(3,))  # consumes the name input_layer, as in the Keras script
    inner_in = Input(shape=(4,))
    inner = Model(inner_in, layers.Dense(3)(inner_in), name="enc")
    x1, x2 = Input(shape=(4,)), Input(shape=(4,))
    Model([x1, x2], layers.add([inner(x1), inner(x2)]), name="outer").summary(expand_nested=True, print_fn=print_fn)
    Sequential([Input(shape=(3,)), layers.Dense(4), layers.Dense(1)]).summary(print_fn=print_fn)


def test_summary_matches_keras3_text(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # Keras wrote the fixture without a terminal: width 80 - 4
    utils.clear_session()
    printed = []
    build_and_summarise(printed.append)
    with open(FIXTURE, encoding="utf-8") as f:
        expected = f.read()
    assert all(text.endswith("\n") for text in printed)  # Keras hands print_fn the console capture
    assert "".join(printed) == expected


def test_summary_options(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    utils.clear_session()
    x = Input(shape=(3,))
    d = layers.Dense(2, name="frozen")
    d.trainable = False
    model = Model(x, layers.Dense(1)(d(x)))
    lines = []
    model.summary(print_fn=lines.append, line_length=120, show_trainable=True)
    text = lines[0]
    assert all(len(line) == 120 for line in text.splitlines()[1:-3])
    assert "Trainable" in text and " N " in text and " Y " in text
    assert " Non-trainable params: 8 (32.00 B)" in text
    lines = []
    model.summary(print_fn=lines.append, layer_range=("frozen", "frozen"))
    assert "frozen (Dense)" in lines[0] and "input_layer" not in lines[0]
    with pytest.raises(ValueError, match="Insufficient console width"):
        model.summary(line_length=5)


def test_summary_layout_matches_keras3(monkeypatch):
    """Console-width cropping (line_length > 80), folded long names, positions scaled by
    line_length, extra positions, bottom-aligned headers, layer_range, optimizer params."""
    from summary_layout_cases import cases

    import dagnet

    monkeypatch.setenv("COLUMNS", "80")
    utils.clear_session()
    with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_summary_layout.txt"), encoding="utf-8") as f:
        expected = f.read().split("\x00")
    got = cases(dagnet)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g == e


def test_summary_layer_range_errors():
    x = Input(shape=(3,))
    model = Model(x, layers.Dense(1, name="d")(x))
    with pytest.raises(ValueError, match="Passed layer_names do not match the layer names in the model"):
        model.summary(layer_range=["nope", "d"])
    with pytest.raises(ValueError, match="layer_range should contain string type only"):
        model.summary(layer_range=[0, 1])
