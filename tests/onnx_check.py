"""What the ONNX export tests share: export a model, check the file with onnx.checker
(full check) and compare onnxruntime's outputs with dagnet's predict (rtol = atol = 1e-5)."""

import numpy as np
import onnx
import onnxruntime as ort

ORT_DTYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int32)": np.int32}
ORT_DTYPES["tensor(int64)"] = np.int64


def _outputs(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    if isinstance(out, dict):
        return [out[k] for k in sorted(out)]
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _onnx_output_names(model):
    """The export's names: a dict's keys, else output_names with repeats suffixed _1, _2."""
    struct = getattr(model, "_outputs_struct", None)
    if isinstance(struct, dict):
        return sorted(struct)
    names, taken = [], set(model.input_names)
    for name in model.output_names:
        candidate, n = name, 1
        while candidate in taken:
            candidate, n = f"{name}_{n}", n + 1
        taken.add(candidate)
        names.append(candidate)
    return names


def check_onnx(model, batches, tmp_path, **export_args):
    """Exports `model`, checks the file and compares onnxruntime with predict on each batch."""
    path = str(tmp_path / f"{model.name}.onnx")
    model.export(path, format="onnx", **export_args)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == list(model.input_names)
    assert [o.name for o in session.get_outputs()] == _onnx_output_names(model)
    for xs in batches:
        feeds = {i.name: np.asarray(x).astype(ORT_DTYPES[i.type]) for i, x in zip(session.get_inputs(), xs)}
        got = session.run(None, feeds)
        want = _outputs(model, xs)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape == np.shape(w)
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    return proto


def random_inputs(model, batch, seed=0, int_high=5, length=6):
    """Normal floats, small integer ids; `length` for the axes the model leaves as None."""
    rng = np.random.default_rng(seed)
    xs = []
    for t in model.inputs:
        shape = (batch,) + tuple(d if d is not None else length for d in t.shape[1:])
        if "int" in str(t.dtype):
            xs.append(rng.integers(0, int_high, size=shape).astype(str(t.dtype)))
        else:
            xs.append(rng.normal(size=shape).astype("float32"))
    return xs
