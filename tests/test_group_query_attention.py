"""GroupQueryAttention beyond the Keras fixtures of test_keras3_more_layers.py: against a
NumPy reference of grouped heads (each key / value head serving num_query_heads //
num_key_value_heads consecutive query heads), config round trip, training with dropout,
errors naming the layer and shapes."""

import numpy as np
import pytest
from global_rng_isolation import keep_global_rng  # noqa: F401  (autouse: leaves the global RNG as found)

import dagnet


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_matches_numpy_grouped_heads():
    layer = dagnet.layers.GroupQueryAttention(head_dim=3, num_query_heads=6, num_key_value_heads=2)
    rng = np.random.default_rng(0)
    q, v = rng.normal(size=(2, 4, 5)).astype("float32"), rng.normal(size=(2, 7, 5)).astype("float32")
    out, scores = layer(q, v, return_attention_scores=True)
    wq, bq, wk, bk, wv, bv, wo, bo = (w.numpy().astype("float64") for w in layer.weights)
    assert wq.shape == (5, 6, 3) and wk.shape == (5, 2, 3) and wo.shape == (6, 3, 5)
    qp = np.einsum("bqm,muh->bquh", q, wq) + bq
    kp = np.repeat(np.einsum("bkm,mvh->bkvh", v, wk) + bk, 3, axis=2)
    vp = np.repeat(np.einsum("bkm,mvh->bkvh", v, wv) + bv, 3, axis=2)
    probs = _softmax(np.einsum("bquh,bkuh->buqk", qp / np.sqrt(3), kp))
    want = np.einsum("bquh,uhm->bqm", np.einsum("buqk,bkuh->bquh", probs, vp), wo) + bo
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scores, probs, rtol=1e-5, atol=1e-6)
    assert layer.count_params() == 5 * 6 * 3 + 18 + 2 * (5 * 2 * 3 + 6) + 6 * 3 * 5 + 5


def test_config_round_trip_and_aliases():
    layer = dagnet.layers.GroupQueryAttention(4, 4, 2, dropout=0.1, use_bias=False, sliding_window=3, seed=5)
    config = layer.get_config()
    assert {"head_dim", "num_query_heads", "num_key_value_heads", "use_gate", "sliding_window"} <= set(config)
    assert "num_heads" not in config and "key_dim" not in config
    clone = dagnet.layers.GroupQueryAttention.from_config(config)
    assert clone.get_config() == config
    assert dagnet.layers.GroupedQueryAttention is dagnet.layers.GroupQueryAttention
    assert dagnet.layers.serialize(layer)["class_name"] == "GroupQueryAttention"  # as Keras writes it


def test_fit_with_dropout_and_save_load(tmp_path):
    x = dagnet.Input((5, 8))
    y = dagnet.layers.GroupQueryAttention(4, 4, 1, dropout=0.2, seed=1)(x, x, use_causal_mask=True)
    model = dagnet.Model(x, y)
    model.compile("adam", "mse")
    data = np.random.default_rng(3).normal(size=(16, 5, 8)).astype("float32")
    history = model.fit(data, data, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    path = str(tmp_path / "gqa.keras")
    model.save(path)
    loaded = dagnet.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-5, atol=1e-6)


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match="divisible"):
        dagnet.layers.GroupQueryAttention(4, 3, 2)
    with pytest.raises(ValueError, match="num_key_value_heads"):
        dagnet.layers.GroupQueryAttention(4, 3, 0)
    with pytest.raises(ValueError, match="flash attention"):
        dagnet.layers.GroupQueryAttention(4, 2, 1, dropout=0.1, flash_attention=True)
    layer = dagnet.layers.GroupQueryAttention(4, 2, 1, name="gqa")
    with pytest.raises(ValueError, match=r"query_shape=\(None, 3, 4\), value_shape=\(None, 5, 6\)"):
        layer(dagnet.Input((3, 4)), dagnet.Input((5, 6)))
    with pytest.raises(ValueError, match=r'"gqa".*query_shape=\(None, 2, 3, 4\)'):
        dagnet.layers.GroupQueryAttention(4, 2, 1, name="gqa")(dagnet.Input((2, 3, 4)), dagnet.Input((2, 3, 4)))
