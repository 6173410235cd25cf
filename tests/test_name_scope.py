"""keras.name_scope: weight paths of layers built inside it (outputs of Keras 3.15 for the
same script: 'outer/dense/kernel', 'a/a/d1/kernel', 'x/y/b/d3/kernel')."""

import pytest

import dagnet as k


def test_paths_nest_like_keras():
    x = k.Input((4,))
    with k.name_scope("outer"):
        d = k.layers.Dense(3, name="d")
        y = d(x)
        with k.name_scope("inner"):
            e = k.layers.Dense(2, name="e")
            e(y)
    assert [w.path for w in d.weights] == ["outer/d/kernel", "outer/d/bias"]
    assert [w.path for w in e.weights] == ["outer/inner/e/kernel", "outer/inner/e/bias"]
    assert [w.name for w in e.weights] == ["kernel", "bias"]
    f = k.layers.Dense(1, name="f")
    f.build((None, 2))
    assert f.weights[0].path == "f/kernel"  # closed scopes leave no trace


def test_deduplicate_override_parent_and_errors():
    x = k.Input((4,))
    owner = object()
    with k.name_scope("a"):
        with k.name_scope("a"):  # no caller: opened again, as in Keras
            d1 = k.layers.Dense(3, name="d1")
            d1(x)
        with k.name_scope("b", override_parent="x/y"):
            d3 = k.layers.Dense(3, name="d3")
            d3(x)
        d4 = k.layers.Dense(3, name="d4")
        d4(x)
    with k.name_scope("s", caller=owner), k.name_scope("s", caller=owner):  # same caller: once
        d5 = k.layers.Dense(3, name="d5")
        d5(x)
    assert [d.weights[0].path for d in (d1, d3, d4, d5)] == [
        "a/a/d1/kernel",
        "x/y/b/d3/kernel",
        "a/d4/kernel",
        "s/d5/kernel",
    ]
    assert k.name_scope("abc").name == "abc"
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        k.name_scope("a/b")
    with pytest.raises(ValueError, match="must be a string"):
        k.name_scope(3)
