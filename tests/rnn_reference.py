"""NumPy GRU and SimpleRNN with Keras 3 semantics: the processing order runs backwards
with go_backwards (outputs stay in processing order), masked steps keep the state and
repeat the previous output (zeros with zero_output_for_mask), recurrent dropout multiplies
h by a fixed mask where it feeds the recurrence."""

import numpy as np

ACTIVATIONS = {
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "relu": lambda x: np.maximum(x, 0),
    "linear": lambda x: x,
}


def _scan(x, h0, mask, return_sequences, go_backwards, zero_output_for_mask, step):
    batch, steps, _ = x.shape
    h = h0
    out = np.zeros_like(h0)
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        h_new = step(x[:, t], h)
        m = np.ones((batch, 1)) if mask is None else (mask[:, t : t + 1] != 0).astype(np.float64)
        h = m * h_new + (1 - m) * h
        out = m * h_new + (1 - m) * (0 if zero_output_for_mask else out)
        outputs.append(out)
    seq = np.stack(outputs, axis=1)
    return (seq if return_sequences else out), h


def gru(
    x,
    w,
    u,
    b,
    h0=None,
    mask=None,
    return_sequences=False,
    go_backwards=False,
    reset_after=True,
    activation="tanh",
    recurrent_activation="sigmoid",
    recurrent_mask=None,
    zero_output_for_mask=False,
):
    x = x.astype(np.float64)
    units = u.shape[0]
    act, ract = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]
    h0 = np.zeros((x.shape[0], units)) if h0 is None else h0.astype(np.float64)
    b_in, b_rec = (b[0], b[1]) if reset_after else (b, np.zeros_like(b))

    def step(xt, h):
        hm = h if recurrent_mask is None else h * recurrent_mask
        xp = xt @ w + b_in
        xz, xr, xh = xp[:, :units], xp[:, units : 2 * units], xp[:, 2 * units :]
        if reset_after:
            hr = hm @ u + b_rec
            z = ract(xz + hr[:, :units])
            r = ract(xr + hr[:, units : 2 * units])
            hh = act(xh + r * hr[:, 2 * units :])
        else:
            z = ract(xz + hm @ u[:, :units])
            r = ract(xr + hm @ u[:, units : 2 * units])
            hh = act(xh + (r * hm) @ u[:, 2 * units :])
        return z * h + (1 - z) * hh

    return _scan(x, h0, mask, return_sequences, go_backwards, zero_output_for_mask, step)


def simple_rnn(
    x,
    w,
    u,
    b,
    h0=None,
    mask=None,
    return_sequences=False,
    go_backwards=False,
    activation="tanh",
    recurrent_mask=None,
    zero_output_for_mask=False,
):
    x = x.astype(np.float64)
    act = ACTIVATIONS[activation]
    h0 = np.zeros((x.shape[0], u.shape[0])) if h0 is None else h0.astype(np.float64)

    def step(xt, h):
        hm = h if recurrent_mask is None else h * recurrent_mask
        return act(xt @ w + b + hm @ u)

    return _scan(x, h0, mask, return_sequences, go_backwards, zero_output_for_mask, step)
