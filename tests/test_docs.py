"""The docs/ site builds with `mkdocs build --strict` (any warning fails: a broken link, a
page missing from the nav, a docstring mkdocstrings cannot parse), and its API reference
pages hold the documented objects."""

import os
import re
import subprocess
import sys

import pytest

pytest.importorskip("mkdocs", reason="the docs need mkdocs (pip install 'dagnet[docs]')")
pytest.importorskip("mkdocstrings", reason="the docs need mkdocstrings (pip install 'dagnet[docs]')")
pytest.importorskip(
    "mkdocstrings_handlers.python", reason="the docs need mkdocstrings-python (pip install 'dagnet[docs]')"
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_docs_build_strict(tmp_path):
    site = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stderr, run.stderr

    def ids(page):
        return set(re.findall(r'id="(dagnet\.[\w.]+)"', (site / page / "index.html").read_text()))

    assert {"dagnet.models.Model.fit", "dagnet.models.Model.compile", "dagnet.Input"} <= ids("api/models")
    assert {"dagnet.layers.Dense", "dagnet.layers.LSTM", "dagnet.layers.Conv2D"} <= ids("api/layers")
    assert {"dagnet.layers.MultiHeadAttention", "dagnet.layers.PReLU", "dagnet.utils.pad_sequences"} <= ids(
        "api/layers"
    ) | ids("api/utils")
    assert {"dagnet.backend.image_data_format", "dagnet.backend.clear_session"} <= ids("api/backend")
    assert {"dagnet.utils.plot_model", "dagnet.utils.model_to_dot", "dagnet.utils.get_file"} <= ids("api/utils")
    assert {"dagnet.callbacks.TensorBoard"} <= ids("api/callbacks")
    assert {"dagnet.export.export_model", "dagnet.export.export_onnx"} <= ids("api/saving")
    assert "dagnet.models.Model.export" in ids("api/models")
    assert {"dagnet.distribution.initialize", "dagnet.distribution.DataParallel"} <= ids("api/distribution")
    assert {
        f"dagnet.datasets.{name}.load_data"
        for name in (
            "mnist",
            "fashion_mnist",
            "cifar10",
            "cifar100",
            "imdb",
            "reuters",
            "boston_housing",
            "california_housing",
        )
    } <= ids("api/datasets")
    guide = (site / "guides" / "datasets" / "index.html").read_text()
    assert "KERAS_HOME" in guide
