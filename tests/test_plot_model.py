"""utils.plot_model / model_to_dot: the DOT graph against what Keras 3 drew for the same
models (fixtures/keras3_plot_model.json), and files rendered by Graphviz read back."""

import builtins
import json
import os
import re
import shutil

import numpy as np
import pytest

import dagnet
from dagnet import Input, Model, layers, utils

pydot = pytest.importorskip("pydot", reason="plot_model needs pydot (pip install 'dagnet[plot]')")
from plot_model_cases import cases, describe  # noqa: E402

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's `dot` is not installed (apt-get install graphviz)"
)

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras3_plot_model.json")) as _f:
    KERAS = json.load(_f)["cases"]


@pytest.fixture(scope="module")
def models():
    return {name: (model, kwargs) for name, model, kwargs in cases(dagnet)}


@pytest.mark.parametrize("name", sorted(KERAS))
def test_dot_graph_as_keras_draws_it(models, name):
    model, kwargs = models[name]
    assert describe(utils.model_to_dot(model, **kwargs)) == KERAS[name]


def _nodes_and_edges(dot_text):
    """Node label titles (bold names) and edges as title pairs, from DOT text."""
    ids = {}
    for node_id, label in re.findall(r"^\s*(\d+) \[label=<(.*?)>, ", dot_text, flags=re.M):
        ids[node_id] = re.search(r"<b>(.*?)</b>", label).group(1)
    edges = {(ids[a], ids[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot_text, flags=re.M)}
    return ids, edges


def test_dot_text_nodes_edges_labels(models):
    model, _ = models["siamese_all"]
    text = utils.model_to_dot(model, show_shapes=True).to_string()
    ids, edges = _nodes_and_edges(text)
    assert sorted(ids.values()) == ["frozen", "left", "merge", "right", "same", "shared"]
    assert edges == {
        ("left", "shared"),
        ("right", "shared"),
        ("shared", "merge"),
        ("merge", "frozen"),
        ("merge", "same"),
    }
    assert "Input shape: <b>[(None, 4), (None, 4)]</b>" in text  # the concatenate's two inputs


@needs_dot
@pytest.mark.parametrize("extension", ["png", "svg", "pdf"])
def test_plot_model_writes_each_format(models, tmp_path, extension):
    model, _ = models["outer_expanded"]
    path = tmp_path / f"model.{extension}"
    utils.plot_model(model, to_file=str(path), show_shapes=True, expand_nested=True, dpi=72)
    data = path.read_bytes()
    magic = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-", "svg": b"<?xml"}[extension]
    assert data.startswith(magic)


@needs_dot
def test_svg_holds_nodes_edges_and_clusters(models, tmp_path):
    model, _ = models["outer_expanded"]
    path = tmp_path / "outer.svg"
    utils.plot_model(model, to_file=path, show_layer_names=True, show_shapes=True, expand_nested=True)
    svg = path.read_text()
    titles = re.findall(r'<g id="(node|edge|clust)\d+" class="\w+">\s*<title>(.*?)</title>', svg)
    assert sum(kind == "node" for kind, _ in titles) == 6  # outer_in, inner_in, inner_dense, stack_a/b, head
    assert sum(kind == "edge" for kind, _ in titles) == 5
    assert sorted(t for kind, t in titles if kind == "clust") == ["cluster_inner", "cluster_stack"]
    for text in ("outer_in", "inner_dense", "stack_a", "stack_b", "outer_head", "Output shape:", "(None, 5)"):
        assert text in svg


@needs_dot
def test_default_file_is_model_png_without_layer_names(models, tmp_path, monkeypatch):
    model, _ = models["mlp_all"]
    monkeypatch.chdir(tmp_path)
    utils.plot_model(model)
    assert (tmp_path / "model.png").read_bytes().startswith(b"\x89PNG")
    utils.plot_model(model, to_file="model.dot")
    text = (tmp_path / "model.dot").read_text()
    assert "<b>Dense</b>" in text and "hidden" not in text  # Keras 3: show_layer_names=False by default


def test_subclassed_model_is_one_box():
    class Twice(Model):
        def __init__(self):
            super().__init__(name="twice")
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x) * 2

    model = Twice()
    model(np.zeros((1, 3), "float32"))  # built by a call, as in Keras
    ids, edges = _nodes_and_edges(utils.model_to_dot(model).to_string())
    assert list(ids.values()) == ["twice"] and not edges


def test_argument_errors():
    x = Input((3,))
    model = Model(x, layers.Dense(1)(x))
    with pytest.raises(ValueError, match="layer_range"):
        utils.model_to_dot(model, layer_range=["a", "b"])
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        utils.model_to_dot(model, show_shape=True)
    with pytest.raises(ValueError, match="not yet been built"):
        utils.model_to_dot(dagnet.Sequential([layers.Dense(2)]))


def test_missing_pydot_names_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_pydot(name, *args, **kwargs):
        if name == "pydot":
            raise ImportError("No module named 'pydot'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pydot)
    x = Input((3,))
    with pytest.raises(ImportError, match=r"pip install pydot.*dagnet\[plot\]"):
        utils.plot_model(Model(x, layers.Dense(1)(x)))


def test_missing_dot_program_names_graphviz(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on it
    x = Input((3,))
    with pytest.raises(ImportError, match="Graphviz.*apt-get install graphviz"):
        utils.plot_model(Model(x, layers.Dense(1)(x)), to_file=str(tmp_path / "m.png"))
    assert not (tmp_path / "m.png").exists()
