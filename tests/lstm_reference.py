"""A NumPy LSTM with Keras 3 semantics (masked steps keep state and repeat the previous
output, which starts at zero (zeros with zero_output_for_mask); recurrent dropout multiplies h by a fixed mask where it
feeds the recurrence)."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm(
    x,
    w,
    u,
    b,
    h0=None,
    c0=None,
    mask=None,
    return_sequences=False,
    go_backwards=False,
    recurrent_mask=None,
    zero_output_for_mask=False,
):
    batch, steps, _ = x.shape
    units = u.shape[0]
    h = np.zeros((batch, units)) if h0 is None else h0.astype(np.float64)
    c = np.zeros((batch, units)) if c0 is None else c0.astype(np.float64)
    out = np.zeros((batch, units))
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        z = x[:, t] @ w + (h if recurrent_mask is None else h * recurrent_mask) @ u + b
        i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h_new = sigmoid(o) * np.tanh(c_new)
        m = np.ones((batch, 1)) if mask is None else (mask[:, t : t + 1] != 0).astype(np.float64)
        c = m * c_new + (1 - m) * c
        h = m * h_new + (1 - m) * h
        out = m * h_new + (1 - m) * (0 if zero_output_for_mask else out)
        outputs.append(out)
    seq = np.stack(outputs, axis=1)
    return (seq if return_sequences else out), h, c
