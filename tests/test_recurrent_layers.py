"""Recurrent layers beyond the Keras fixtures: stateful RNNs (states carried between batches
inside the native step, reset_states, kept out of the weights), dropout in training only,
cells called on one step, the unrolled path's limits, and argument errors."""

import numpy as np
import pytest
from rnn_reference import gru as ref_gru, simple_rnn as ref_simple_rnn

import dagnet
from dagnet import Input, Model, Sequential, layers as L


def _cell_weights(layer):
    return [np.asarray(w, np.float64) for w in layer.get_weights()]


@pytest.mark.parametrize("kind", ["GRU", "SimpleRNN", "LSTM"])
def test_stateful_carries_states_between_batches(kind):
    """Two predict calls on halves of a sequence equal one call on the whole sequence; the
    states are no weights; reset_states() starts over."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 6, 3)).astype("float32")
    whole = Model(i := Input((6, 3)), getattr(L, kind)(5, return_sequences=True)(i))
    layer = getattr(L, kind)(5, return_sequences=True, stateful=True)
    model = Model(j := Input((3, 3), batch_size=4), layer(j))
    layer.set_weights(whole.layers[1].get_weights())
    assert len(layer.weights) == len(whole.layers[1].weights) and model.count_params() == whole.count_params()
    want = whole.predict(x, verbose=0)
    first = model.predict(x[:, :3], verbose=0)
    second = model.predict(x[:, 3:], verbose=0)
    np.testing.assert_allclose(np.concatenate([first, second], 1), want, rtol=1e-5, atol=1e-6)
    assert all(np.abs(s.numpy()).max() > 0 for s in layer.states)
    layer.reset_states()
    assert all(not s.numpy().any() for s in layer.states)
    np.testing.assert_allclose(model.predict(x[:, :3], verbose=0), first, rtol=1e-6)


def test_stateful_training_steps_carry_states():
    """train_on_batch reads the carried states and writes the new ones inside the step."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    layer = L.GRU(3, stateful=True)
    model = Model(i := Input((4, 3), batch_size=2), layer(i))
    model.compile("sgd", "mse")
    weights = _cell_weights(layer)
    model.train_on_batch(x, np.zeros((2, 3), "float32"))
    _, want_h = ref_gru(x, *weights)
    np.testing.assert_allclose(layer.states[0].numpy(), want_h, rtol=1e-5, atol=1e-6)
    weights = _cell_weights(layer)
    model.train_on_batch(x, np.zeros((2, 3), "float32"))
    _, want_h = ref_gru(x, *weights, h0=want_h)
    np.testing.assert_allclose(layer.states[0].numpy(), want_h, rtol=1e-5, atol=1e-6)


def test_stateful_sequential_and_bidirectional():
    model = Sequential([L.Input((5, 2), batch_size=3), L.Bidirectional(L.SimpleRNN(2, stateful=True))])
    bidi = model.layers[0]
    x = np.ones((3, 5, 2), "float32")
    a = model.predict(x, verbose=0)
    b = model.predict(x, verbose=0)
    assert not np.allclose(a, b) and len(bidi.states) == 2
    bidi.reset_states()
    np.testing.assert_allclose(model.predict(x, verbose=0), a, rtol=1e-6)
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        L.Bidirectional(L.GRU(2)).reset_states()


def test_stateful_errors():
    with pytest.raises(ValueError, match="batch size must be static"):
        L.SimpleRNN(3, stateful=True)(Input((None, 3)))
    layer = L.GRU(2, stateful=True)
    Model(i := Input((4, 3), batch_size=2), layer(i))
    with pytest.raises(ValueError, match="Expected batch size: 2"):
        layer(Input((4, 3), batch_size=5))


@pytest.mark.parametrize("kind", ["GRU", "SimpleRNN"])
def test_dropout_only_in_training(kind):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 5, 3)).astype("float32")
    layer = getattr(L, kind)(4, dropout=0.4, recurrent_dropout=0.4, seed=3)
    model = Model(i := Input((5, 3)), layer(i))
    plain = getattr(L, kind)(4)
    reference = Model(j := Input((5, 3)), plain(j))
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(model.predict(x, verbose=0), reference.predict(x, verbose=0), rtol=1e-6)
    a, b = np.asarray(model(x, training=True)), np.asarray(model(x, training=True))
    assert not np.allclose(a, b)  # a fresh mask per call
    model.compile("sgd", "mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, np.zeros((6, 4), "float32"), verbose=0)
    assert all(not np.allclose(w, v) for w, v in zip(model.get_weights(), before))


def test_cells_run_one_step():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3)).astype("float32")
    h = rng.standard_normal((2, 4)).astype("float32")
    cell = L.GRUCell(4, reset_after=False)
    out, (new_h,) = cell(x, [h])
    _, want = ref_gru(x[:, None].astype(np.float64), *_cell_weights(cell), h0=h, reset_after=False)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_h, want, rtol=1e-5, atol=1e-6)
    cell = L.SimpleRNNCell(4)
    out, _ = cell(x, [h])
    _, want = ref_simple_rnn(x[:, None].astype(np.float64), *_cell_weights(cell), h0=h)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    cell = L.LSTMCell(4)
    out, (h1, c1) = cell(x, [h, h])
    assert out.shape == h1.shape == c1.shape == (2, 4)
    assert cell.state_size == [4, 4] and cell.output_size == 4


def test_unrolled_cells_need_a_known_length():
    with pytest.raises(ValueError, match="needs a known sequence length"):
        L.RNN(L.GRUCell(3, activation="softsign"))(Input((None, 2)))
    # a native cell has no such limit
    assert L.RNN(L.GRUCell(3))(Input((None, 2))).shape == (None, 3)


def test_rnn_argument_errors():
    with pytest.raises(ValueError, match="should have a `call` method"):
        L.RNN(object())
    with pytest.raises(ValueError, match="positive integer"):
        L.GRU(0)
    with pytest.raises(ValueError, match="use_cudnn"):
        L.GRU(2, use_cudnn="sometimes")
    with pytest.raises(ValueError, match="has 2 states"):
        L.LSTM(3)(Input((4, 2)), initial_state=[Input((3,))])
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        L.GRU(3)(Input((4,)))
    with pytest.raises(ValueError, match="expects a 3-D input"):
        L.RNN(L.GRUCell(3))(Input((4,)))
    with pytest.raises(ValueError, match="unsupported recurrent activation|Could not interpret"):
        L.GRU(3, activation="no_such_activation")


def test_bidirectional_argument_errors():
    with pytest.raises(ValueError, match="Please initialize `Bidirectional`"):
        L.Bidirectional("lstm")
    with pytest.raises(ValueError, match="Invalid merge mode"):
        L.Bidirectional(L.GRU(2), merge_mode="max")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        L.Bidirectional(L.GRU(2), backward_layer=L.GRU(2))
    with pytest.raises(ValueError, match='same value for attribute "return_sequences"'):
        L.Bidirectional(L.GRU(2), backward_layer=L.GRU(2, go_backwards=True, return_sequences=True))


def test_bidirectional_weights_argument_and_names():
    base = L.Bidirectional(L.LSTM(2))
    Model(i := Input((3, 2)), base(i))
    weights = [w + 1 for w in base.get_weights()]
    layer = L.Bidirectional(L.LSTM(2, name="enc"), weights=weights)
    Model(j := Input((3, 2)), layer(j))
    for a, b in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    assert [w.path.split("/")[1] for w in layer.weights] == ["forward_enc"] * 3 + ["backward_enc"] * 3


def test_keras2_list_input_gives_initial_state():
    rng = np.random.default_rng(4)
    x, h = rng.standard_normal((2, 4, 3)).astype("float32"), rng.standard_normal((2, 3)).astype("float32")
    layer = L.GRU(3)
    xi, hi = Input((4, 3)), Input((3,))
    a = Model([xi, hi], layer([xi, hi])).predict([x, h], verbose=0)
    b = Model([xi, hi], layer(xi, initial_state=[hi])).predict([x, h], verbose=0)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    _, want = ref_gru(x, *_cell_weights(layer), h0=h)
    np.testing.assert_allclose(a, want, rtol=1e-5, atol=1e-6)


def test_unknown_sequence_length_and_batch_run_natively():
    model = Model(i := Input((None, 3)), L.Bidirectional(L.GRU(4, return_sequences=True))(i))
    for steps in (2, 7):
        assert model.predict(np.ones((5, steps, 3), "float32"), verbose=0).shape == (5, steps, 8)
    assert dagnet.layers.RNN(L.SimpleRNNCell(2)).get_config()["cell"]["class_name"] == "SimpleRNNCell"


def test_stateful_eager_calls_carry_states():
    """Keras's guide pattern: a stateful layer called on NumPy paragraphs one after another."""
    rng = np.random.default_rng(5)
    parts = [rng.random((3, 4, 5)).astype("float32") for _ in range(2)]
    layer = L.GRU(6, stateful=True)
    layer(parts[0])
    second = np.asarray(layer(parts[1]))
    whole = L.GRU(6)
    whole.build((None, 8, 5))
    whole.set_weights(layer.get_weights())
    np.testing.assert_allclose(second, np.asarray(whole(np.concatenate(parts, 1))), rtol=1e-5, atol=1e-6)
    fresh = L.GRU(6)  # the states as another layer's initial state (the guide's "state reuse")
    fresh.build((None, 4, 5))
    fresh.set_weights(layer.get_weights())
    _, want = ref_gru(parts[1], *_cell_weights(fresh), h0=layer.states[0].numpy())
    np.testing.assert_allclose(fresh(parts[1], initial_state=layer.states), want, rtol=1e-5, atol=1e-6)


def test_lstm_layer_and_rnn_of_lstm_cell_share_weights():
    """RNN(LSTMCell(u)) is LSTM(u) (Keras's guide swaps weights between them)."""
    rng = np.random.default_rng(6)
    x = rng.random((2, 7, 4)).astype("float32")
    a = Sequential([L.Input((None, 4)), L.LSTM(5), L.Dense(3)])
    b = Sequential([L.Input((None, 4)), L.RNN(L.LSTMCell(5)), L.Dense(3)])
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(a.predict(x, verbose=0), b.predict(x, verbose=0), rtol=1e-6)


def test_explicit_bool_mask_input():
    """keras-io's video classifier: a bool mask Input passed as the layer's `mask` argument."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 6, 3)).astype("float32")
    mask = np.arange(6)[None] < np.array([[6], [3], [1], [4]])
    features, mask_input = Input((6, 3)), Input((6,), dtype="bool")
    layer = L.GRU(4, return_sequences=True)
    model = Model([features, mask_input], layer(features, mask=mask_input))
    want, _ = ref_gru(x, *_cell_weights(layer), mask=mask, return_sequences=True)
    np.testing.assert_allclose(model.predict([x, mask], verbose=0), want, rtol=1e-5, atol=1e-6)
    model.compile("adam", "mse")
    model.fit([x, mask], np.zeros((4, 6, 4), "float32"), verbose=0)
