"""Recurrent models and layer constructions written once for Keras 3 and dagnet: ``build(lib,
case)`` takes the library module (``keras`` or ``dagnet``). tests/fixtures/make/keras3_rnn.py
saves what Keras gives for them (weights, inputs, outputs, shapes, parameter counts, weights
after one SGD step; get_config of the constructions in CONFIGS; a saved .keras model);
test_keras3_rnn.py checks dagnet against that. This module never imports keras.

Inputs come from layer_numerics_cases.inputs_for: integer ids with zeros inside, at the
end and at the start of rows, and one fully zero row, so Embedding(mask_zero=True) gives
masks of every pattern."""

import numpy as np
from layer_numerics_cases import inputs_for, targets_for  # noqa: F401  (re-exported for the maker and tests)

# Training-mode dropout is random: no weights-after-a-step comparison for these.
NO_TRAIN = {"gru_dropout_inference", "bidi_dropout_inference"}
# Keras's symbolic shape of a Bidirectional doubles the forward layer's size even when the
# backward_layer has another (its outputs have the real size, as dagnet's shapes do).
KERAS_SHAPE_DIFFERS = {"bidi_backward_layer"}


def _flat(y):
    """A layer's output(s) as model outputs: one tensor, or the flat list of a nested structure."""
    if not isinstance(y, (list, tuple)):
        return y
    return [leaf for item in y for leaf in (_flat(item) if isinstance(item, (list, tuple)) else [item])]


def _seq(lib, shape, layers, dtype=None):
    x = lib.Input(shape, dtype=dtype) if dtype else lib.Input(shape)
    y = x
    for layer in layers:
        y = layer(y)
    return lib.Model(x, _flat(y))


def _embedded(lib, layer, steps=6):
    """Embedding(mask_zero) feeding `layer`: every mask pattern (see inputs_for)."""
    x = lib.Input((steps,), dtype="int32")
    return lib.Model(x, _flat(layer(lib.layers.Embedding(7, 4, mask_zero=True)(x))))


def minimal_cell_class(lib):
    """Keras's documented custom cell (RNN docstring): a plain Python cell dagnet unrolls."""

    class MinimalRNNCell(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel"
            )

        def call(self, inputs, states):
            output = lib.ops.matmul(inputs, self.kernel) + lib.ops.matmul(states[0], self.recurrent_kernel)
            return output, [output]

    return MinimalRNNCell


def _state_model(lib, layer, state_shapes, shape=(5, 3)):
    x = lib.Input(shape)
    states = [lib.Input(s) for s in state_shapes]
    return lib.Model([x] + states, _flat(layer(x, initial_state=states)))


def _stacked_initial_state(L):
    """Per-cell initial states, nested as Keras takes them: [[h1, c1], h2]."""
    x = L.Input((5, 3))
    h1, c1, h2 = L.Input((3,)), L.Input((3,)), L.Input((2,))
    layer = L.layers.RNN(L.layers.StackedRNNCells([L.layers.LSTMCell(3), L.layers.GRUCell(2)]))
    return L.Model([x, h1, c1, h2], layer(x, initial_state=[[h1, c1], h2]))


def _cases():
    cases = {}

    def add(name, fn):
        assert name not in cases, name
        cases[name] = fn

    # GRU: both conventions, options, masks.
    for reset_after in (True, False):
        tag = "ra" if reset_after else "rb"
        add(f"gru_{tag}", lambda L, r=reset_after: _seq(L, (6, 3), [L.layers.GRU(4, reset_after=r)]))
        for rs in (False, True):
            for gb in (False, True):
                add(
                    f"gru_{tag}_embed_rs{int(rs)}_gb{int(gb)}",
                    lambda L, r=reset_after, rs=rs, gb=gb: _embedded(
                        L, L.layers.GRU(3, reset_after=r, return_sequences=rs, go_backwards=gb)
                    ),
                )
        add(
            f"gru_{tag}_state_seq",
            lambda L, r=reset_after: _embedded(
                L, L.layers.GRU(3, reset_after=r, return_sequences=True, return_state=True)
            ),
        )
        add(
            f"gru_{tag}_initial_state",
            lambda L, r=reset_after: _state_model(L, L.layers.GRU(4, reset_after=r, return_sequences=True), [(4,)]),
        )
    add(
        "gru_relu_hard_sigmoid_nobias",
        lambda L: _seq(
            L, (5, 3), [L.layers.GRU(4, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False)]
        ),
    )
    add(
        "gru_zero_output_backwards",
        lambda L: _embedded(L, L.layers.GRU(3, return_sequences=True, go_backwards=True, zero_output_for_mask=True)),
    )
    add("gru_dropout_inference", lambda L: _seq(L, (5, 3), [L.layers.GRU(4, dropout=0.5, recurrent_dropout=0.5)]))
    add("gru_stacked", lambda L: _seq(L, (6, 3), [L.layers.GRU(5, return_sequences=True), L.layers.GRU(3)]))

    # SimpleRNN.
    add("simple_rnn", lambda L: _seq(L, (6, 3), [L.layers.SimpleRNN(4)]))
    add(
        "simple_rnn_relu_seq_nobias",
        lambda L: _seq(L, (6, 3), [L.layers.SimpleRNN(4, "relu", False, return_sequences=True)]),
    )
    for rs in (False, True):
        for gb in (False, True):
            add(
                f"simple_rnn_embed_rs{int(rs)}_gb{int(gb)}",
                lambda L, rs=rs, gb=gb: _embedded(L, L.layers.SimpleRNN(3, return_sequences=rs, go_backwards=gb)),
            )
    add("simple_rnn_state", lambda L: _embedded(L, L.layers.SimpleRNN(3, return_state=True)))
    add("simple_rnn_initial_state", lambda L: _state_model(L, L.layers.SimpleRNN(4), [(4,)]))
    add("simple_rnn_linear", lambda L: _seq(L, (4, 3), [L.layers.SimpleRNN(2, activation=None, return_sequences=True)]))

    # RNN over the cells, stacks and a custom cell.
    add("rnn_gru_cell_backwards", lambda L: _embedded(L, L.layers.RNN(L.layers.GRUCell(3), go_backwards=True)))
    add("rnn_lstm_cell_seq", lambda L: _embedded(L, L.layers.RNN(L.layers.LSTMCell(3), return_sequences=True)))
    add(
        "rnn_simple_cell_state", lambda L: _seq(L, (5, 3), [L.layers.RNN(L.layers.SimpleRNNCell(2), return_state=True)])
    )
    for rs in (False, True):
        for gb in (False, True):
            add(
                f"rnn_stacked_embed_rs{int(rs)}_gb{int(gb)}",
                lambda L, rs=rs, gb=gb: _embedded(
                    L,
                    L.layers.RNN(
                        [L.layers.GRUCell(3), L.layers.LSTMCell(2), L.layers.SimpleRNNCell(2)],
                        return_sequences=rs,
                        go_backwards=gb,
                    ),
                ),
            )
    add(
        "rnn_stacked_state",
        lambda L: _seq(L, (5, 3), [L.layers.RNN([L.layers.LSTMCell(3), L.layers.GRUCell(2)], return_state=True)]),
    )
    add("rnn_stacked_initial_state", _stacked_initial_state)
    add(
        "rnn_softsign_cell_unrolled",
        lambda L: _embedded(L, L.layers.RNN(L.layers.GRUCell(3, activation="softsign"), return_sequences=True)),
    )
    add(
        "rnn_custom_cell",
        lambda L: _embedded(L, L.layers.RNN(minimal_cell_class(L)(3), return_sequences=True, go_backwards=True)),
    )
    add(
        "rnn_custom_in_stack",
        lambda L: _seq(L, (5, 3), [L.layers.RNN([L.layers.GRUCell(3), minimal_cell_class(L)(2)], return_state=True)]),
    )

    # Bidirectional.
    for mode in ("concat", "sum", "mul", "ave", None):
        add(
            f"bidi_lstm_{mode}_seq",
            lambda L, m=mode: _embedded(
                L, L.layers.Bidirectional(L.layers.LSTM(3, return_sequences=True), merge_mode=m)
            ),
        )
        add(
            f"bidi_gru_{mode}",
            lambda L, m=mode: _embedded(L, L.layers.Bidirectional(L.layers.GRU(3), merge_mode=m)),
        )
    add(
        "bidi_simple_rnn_state_seq",
        lambda L: _embedded(L, L.layers.Bidirectional(L.layers.SimpleRNN(2, return_sequences=True, return_state=True))),
    )
    add(
        "bidi_lstm_state_none",
        lambda L: _seq(L, (5, 3), [L.layers.Bidirectional(L.layers.LSTM(2, return_state=True), merge_mode=None)]),
    )
    add(
        "bidi_backward_layer",
        lambda L: _embedded(
            L,
            L.layers.Bidirectional(
                L.layers.LSTM(3, return_sequences=True),
                backward_layer=L.layers.GRU(2, return_sequences=True, go_backwards=True),
            ),
        ),
    )
    add(
        "bidi_initial_state",
        lambda L: _state_model(L, L.layers.Bidirectional(L.layers.GRU(3, return_sequences=True)), [(3,), (3,)]),
    )
    add(
        "bidi_stacked",  # the IMDB Bidirectional LSTM example's shape
        lambda L: _embedded(
            L,
            lambda e: L.layers.Dense(1, activation="sigmoid")(
                L.layers.Bidirectional(L.layers.LSTM(3))(
                    L.layers.Bidirectional(L.layers.LSTM(4, return_sequences=True))(e)
                )
            ),
        ),
    )
    add(
        "bidi_dropout_inference",
        lambda L: _seq(L, (5, 3), [L.layers.Bidirectional(L.layers.GRU(3, dropout=0.3, recurrent_dropout=0.3))]),
    )
    return cases


CASES = _cases()


def build(lib, case):
    return CASES[case](lib)


# get_config() of layer constructions, compared with Keras's (names aside).
CONFIGS = {
    "GRU": lambda L: L.layers.GRU(3),
    "GRUFull": lambda L: L.layers.GRU(
        4,
        activation="relu",
        recurrent_activation="hard_sigmoid",
        use_bias=False,
        kernel_initializer="ones",
        recurrent_initializer="zeros",
        bias_initializer="ones",
        kernel_regularizer="l2",
        recurrent_regularizer="l1",
        bias_regularizer="l2",
        activity_regularizer="l2",
        kernel_constraint="max_norm",
        recurrent_constraint="unit_norm",
        bias_constraint="non_neg",
        dropout=0.1,
        recurrent_dropout=0.2,
        seed=3,
        return_sequences=True,
        return_state=True,
        go_backwards=True,
        stateful=False,
        unroll=True,
        reset_after=False,
        use_cudnn=False,
    ),
    "SimpleRNN": lambda L: L.layers.SimpleRNN(3),
    "SimpleRNNFull": lambda L: L.layers.SimpleRNN(
        2, activation="relu", use_bias=False, dropout=0.3, return_sequences=True, go_backwards=True, seed=5
    ),
    "LSTMStateful": lambda L: L.layers.LSTM(3, stateful=True, zero_output_for_mask=True),
    "GRUCell": lambda L: L.layers.GRUCell(3, reset_after=False, dropout=0.2, seed=1),
    "LSTMCell": lambda L: L.layers.LSTMCell(3, unit_forget_bias=False),
    "SimpleRNNCell": lambda L: L.layers.SimpleRNNCell(3, activation="sigmoid"),
    "StackedRNNCells": lambda L: L.layers.StackedRNNCells([L.layers.GRUCell(2), L.layers.LSTMCell(3)]),
    "RNN": lambda L: L.layers.RNN(L.layers.GRUCell(2), return_sequences=True, zero_output_for_mask=True),
    "RNNStacked": lambda L: L.layers.RNN([L.layers.SimpleRNNCell(2), L.layers.GRUCell(3)], go_backwards=True),
    "Bidirectional": lambda L: L.layers.Bidirectional(L.layers.LSTM(3, return_sequences=True)),
    "BidirectionalSum": lambda L: L.layers.Bidirectional(L.layers.GRU(2), merge_mode="sum"),
    "BidirectionalBackward": lambda L: L.layers.Bidirectional(
        L.layers.LSTM(3), backward_layer=L.layers.SimpleRNN(3, go_backwards=True), merge_mode=None
    ),
}


def saved_model(lib):
    """A model with every recurrent layer, for the .keras round trip."""
    x = lib.Input((6,), dtype="int32")
    e = lib.layers.Embedding(7, 4, mask_zero=True)(x)
    y = lib.layers.GRU(4, return_sequences=True)(e)
    y = lib.layers.GRU(3, return_sequences=True, reset_after=False)(y)
    y = lib.layers.SimpleRNN(3, return_sequences=True)(y)
    y = lib.layers.RNN([lib.layers.GRUCell(3), lib.layers.LSTMCell(2)], return_sequences=True)(y)
    y = lib.layers.Bidirectional(lib.layers.LSTM(2, return_sequences=True), merge_mode="sum")(y)
    y = lib.layers.Bidirectional(lib.layers.GRU(2))(y)
    return lib.Model(x, lib.layers.Dense(1)(y))


def saved_model_inputs():
    rng = np.random.default_rng(99)
    ids = rng.integers(1, 7, size=(4, 6)).astype("int32")
    ids[0, -2:] = 0
    ids[1, 3] = 0
    ids[2] = 0
    return ids
