"""callbacks.TensorBoard: event files read back with TensorBoard's own EventAccumulator and
compared with what Keras 3's callback writes for the same model, weights and data
(tests/fixtures/keras3_tensorboard.json, made by tests/fixtures/make/keras3_tensorboard.py)."""

import json
import os

import numpy as np
import pytest

pytest.importorskip("tensorboard", reason='the TensorBoard callback needs `pip install "dagnet[tensorboard]"`')
pytest.importorskip("PIL", reason="reading the image summaries back needs Pillow (a tensorboard dependency)")

from tensorboard_listing import scenario_data, summarize  # noqa: E402

from dagnet import Input, Model, callbacks, layers, optimizers  # noqa: E402

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras3_tensorboard.json")
with open(FIXTURE) as f:
    KERAS = json.load(f)
TIMED = ("epoch_steps_per_second", "batch_steps_per_second")  # wall-clock values: compared by tag only


def model():
    inputs = Input((6, 6, 1), name="image")
    h = layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    h = layers.Flatten(name="flatten")(h)
    outputs = layers.Dense(3, activation="softmax", name="out")(h)
    m = Model(inputs, outputs, name="tb_model")
    m.set_weights([np.asarray(w, "float32") for w in KERAS["weights"]])
    m.compile(optimizer=optimizers.SGD(0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def fit_with_tensorboard(log_dir, epochs, **arguments):
    x, y, x_val, y_val = scenario_data()
    callback = callbacks.TensorBoard(log_dir=str(log_dir), **arguments)
    model().fit(
        x,
        y,
        batch_size=8,
        epochs=epochs,
        validation_data=(x_val, y_val),
        shuffle=False,
        verbose=0,
        callbacks=[callback],
    )
    return {run: summarize(str(log_dir / run)) for run in sorted(os.listdir(log_dir)) if (log_dir / run).is_dir()}


@pytest.mark.parametrize("scenario", sorted(KERAS["scenarios"]))
def test_event_files_match_keras(tmp_path, scenario):
    expected = KERAS["scenarios"][scenario]
    runs = fit_with_tensorboard(tmp_path, expected["epochs"], **expected["callback"])
    assert sorted(runs) == sorted(expected["runs"])
    for run, keras_run in expected["runs"].items():
        ours = runs[run]["tags"]
        assert sorted(ours) == sorted(keras_run["tags"]), run
        for tag, want in keras_run["tags"].items():
            got = ours[tag]
            where = f"{scenario}/{run}/{tag}"
            assert (got["plugin"], got["steps"]) == (want["plugin"], want["steps"]), where
            if want["plugin"] == "scalars" and tag not in TIMED:
                np.testing.assert_allclose(got["values"], want["values"], rtol=1e-4, atol=1e-5, err_msg=where)
            elif want["plugin"] == "histograms":
                got_b, want_b = np.array(got["buckets"]), np.array(want["buckets"])
                assert got_b.shape == want_b.shape, where
                np.testing.assert_allclose(got_b[..., :2], want_b[..., :2], atol=1e-5, err_msg=where)  # edges
                np.testing.assert_array_equal(got_b[..., 2], want_b[..., 2], err_msg=where)  # counts
            elif want["plugin"] == "images":
                assert (got["images"], got["sizes"]) == (want["images"], want["sizes"]), where
                for got_step, want_step in zip(got["pixels"], want["pixels"]):
                    for got_image, want_image in zip(got_step, want_step):
                        diff = np.abs(np.array(got_image, np.int64) - np.array(want_image, np.int64))
                        assert diff.max() <= 1, where  # trained weights agree to ~1e-6, pixels to rounding
        assert runs[run]["scalars_v1"] == keras_run["scalars_v1"] == []  # TF2-style tensor summaries only


def test_the_graph_is_the_layer_graph_and_the_keras_model_json(tmp_path):
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    fit_with_tensorboard(tmp_path, 1)
    acc = event_accumulator.EventAccumulator(str(tmp_path / "train"))
    acc.Reload()
    graph = acc.Graph()
    names = [node.name for node in graph.node]
    assert [n.split("/")[-1] for n in names] == ["image", "conv", "flatten", "out"]
    inputs = {node.name.split("/")[-1]: [i.split("/")[-1] for i in node.input] for node in graph.node}
    assert inputs["conv"] == ["image"] and inputs["out"] == ["flatten"]
    (event,) = acc.Tensors("keras")
    config = json.loads(tensor_util.make_ndarray(event.tensor_proto).item())
    assert config["class_name"] == "Functional" and config["config"]["name"] == "tb_model"


def test_no_graph_when_write_graph_is_false(tmp_path):
    runs = fit_with_tensorboard(tmp_path, 1, write_graph=False)
    assert not runs["train"]["graph"] and "keras" not in runs["train"]["tags"]


def test_profile_batch_checked_as_keras_and_accepted(tmp_path):
    for bad in (-1, (5, 2), "1,2,3", "4", 1.5):
        with pytest.raises(ValueError, match="profile_batch must be a non-negative integer"):
            callbacks.TensorBoard(str(tmp_path), profile_batch=bad)
    with pytest.warns(UserWarning, match="no profiler trace"):
        callback = callbacks.TensorBoard(str(tmp_path), profile_batch=(2, 3))
    assert (callback._start_batch, callback._stop_batch) == (2, 3)
    with pytest.warns(UserWarning, match="no profiler trace"):
        assert callbacks.TensorBoard(str(tmp_path), profile_batch="2,4")._stop_batch == 4
    assert not callbacks.TensorBoard(str(tmp_path), profile_batch=0)._start_batch


def test_embeddings_projector_config_and_checkpoints(tmp_path):
    pytest.importorskip("h5py")
    inputs = Input((4,), dtype="int64")
    outputs = layers.Dense(1)(layers.Flatten()(layers.Embedding(10, 3, name="words")(inputs)))
    m = Model(inputs, outputs)
    m.compile(optimizer="sgd", loss="mse")
    callback = callbacks.TensorBoard(str(tmp_path), embeddings_freq=1, embeddings_metadata={"words": "meta.tsv"})
    m.fit(np.arange(16).reshape(4, 4) % 10, np.zeros((4, 1)), epochs=2, verbose=0, callbacks=[callback])
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert 'tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"' in config
    assert 'metadata_path: "meta.tsv"' in config
    assert sorted(p.name for p in (tmp_path / "train").glob("*.weights.h5")) == [
        "keras_embedding.ckpt-0.weights.h5",
        "keras_embedding.ckpt-1.weights.h5",
    ]
    with pytest.raises(ValueError, match="Unrecognized `Embedding` layer names"):
        m.fit(
            np.zeros((4, 4), "int64"),
            np.zeros((4, 1)),
            verbose=0,
            callbacks=[callbacks.TensorBoard(str(tmp_path), embeddings_freq=1, embeddings_metadata={"nope": "m"})],
        )


def test_a_missing_tensorboard_package_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(__import__("sys").modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match=r'pip install "dagnet\[tensorboard\]"'):
        callbacks.TensorBoard(str(tmp_path))
