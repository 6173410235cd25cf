"""Model files never run code unless asked (issue 15, item 1): Keras 3's `safe_mode`, on by
default for `.keras`, legacy `.h5` and JSON; `dagnet.config.enable_unsafe_deserialization()`;
the names a config gives are looked up in tables, never evaluated; and with safe mode off a
lambda's bytecode is checked before a function is made from it (a malformed code object is
refused, never run)."""

import base64
import dis
import json
import marshal
import sys
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import dagnet
from dagnet import Input, Model, layers, models, saving
from dagnet.serialization import safe_mode as safe_mode_state
from dagnet.serialization.lambda_bytecode import checked_code, func_load

CPYTHON_311 = sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11)
needs_311 = pytest.mark.skipif(not CPYTHON_311, reason="lambda bytecode loads on CPython 3.11 only")


@pytest.fixture(autouse=True)
def _restore_safe_mode():
    yield
    safe_mode_state._SAFE_MODE = None  # enable_unsafe_deserialization() is global, as in Keras


def _b64(code) -> str:
    return base64.encodebytes(marshal.dumps(code)).decode("ascii")


def _attack_code(marker):
    # What a crafted file carries: a "lambda" that writes a file when called (or built).
    return (lambda t: (__import__("pathlib").Path(marker).write_text("pwned"), t)[1]).__code__


def _lambda_model():
    x = Input(shape=(2,))
    return Model(x, layers.Lambda(lambda t: t * 3 + 1, name="lam")(x))


def _crafted_config(marker):
    config = json.loads(_lambda_model().to_json())
    lam = next(layer for layer in config["config"]["layers"] if layer["name"] == "lam")
    lam["config"]["function"]["config"]["code"] = _b64(_attack_code(marker))
    return config


def _crafted_keras_file(tmp_path, marker):
    path = tmp_path / "crafted.keras"
    _lambda_model().save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["config"] = _crafted_config(marker)["config"]
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _crafted_h5_file(tmp_path, marker):
    path = tmp_path / "crafted.h5"
    with pytest.warns(UserWarning):
        _lambda_model().save(path)
    with h5py.File(path, "r+") as f:
        config = _crafted_config(marker)
        f.attrs["model_config"] = json.dumps({"class_name": config["class_name"], "config": config["config"]})
    return path


def _loaders(tmp_path, marker):
    keras_file = _crafted_keras_file(tmp_path, marker)
    h5_file = _crafted_h5_file(tmp_path, marker)
    config = _crafted_config(marker)
    lam_config = next(layer for layer in config["config"]["layers"] if layer["name"] == "lam")["config"]
    return {
        ".keras": lambda: models.load_model(keras_file),
        ".h5": lambda: models.load_model(h5_file),
        "model_from_json": lambda: models.model_from_json(json.dumps(config)),
        "Model.from_config": lambda: Model.from_config(config["config"]),
        "Lambda.from_config": lambda: layers.Lambda.from_config(lam_config),
        "deserialize_keras_object": lambda: saving.deserialize_keras_object(config),
    }


def test_every_loader_refuses_lambda_bytecode_by_default(tmp_path):
    marker = tmp_path / "pwned"
    for name, load in _loaders(tmp_path, marker).items():
        with pytest.raises(ValueError, match="arbitrary code execution") as info:
            load()
        message = str(info.value)
        assert "safe_mode=False" in message and "dagnet.config.enable_unsafe_deserialization()" in message, name
        assert not marker.exists(), name


def test_explicit_safe_mode_true_refuses_too(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.load_model(_crafted_keras_file(tmp_path, marker), safe_mode=True)
    with pytest.raises(ValueError, match="safe_mode=False"):
        saving.deserialize_keras_object(_crafted_config(marker), safe_mode=True)
    assert not marker.exists()


@needs_311
def test_safe_mode_false_loads_a_trusted_lambda(tmp_path):
    model = _lambda_model()
    model.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning):
        model.save(tmp_path / "m.h5")
    x = np.ones((1, 2), "float32")
    for path in ("m.keras", "m.h5"):
        rebuilt = models.load_model(tmp_path / path, safe_mode=False)
        np.testing.assert_allclose(rebuilt(x), [[4.0, 4.0]])
    rebuilt = saving.deserialize_keras_object(json.loads(model.to_json()), safe_mode=False)
    np.testing.assert_allclose(rebuilt(x), [[4.0, 4.0]])
    layer = layers.Lambda.from_config(model.get_layer("lam").get_config(), safe_mode=False)
    np.testing.assert_allclose(layer(x), [[4.0, 4.0]])


@needs_311
def test_enable_unsafe_deserialization_as_keras(tmp_path):
    model = _lambda_model()
    model.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning):
        model.save(tmp_path / "m.h5")
    dagnet.config.enable_unsafe_deserialization()
    x = np.ones((1, 2), "float32")
    np.testing.assert_allclose(models.load_model(tmp_path / "m.keras")(x), [[4.0, 4.0]])
    np.testing.assert_allclose(models.model_from_json(model.to_json())(x), [[4.0, 4.0]])
    # Keras 3 quirk kept: the legacy .h5 loader scopes its own safe_mode argument, so it still refuses.
    with pytest.raises(ValueError, match="safe_mode=False"):
        models.load_model(tmp_path / "m.h5")


def test_generic_lambda_entries_follow_safe_mode():
    entry = {"class_name": "__lambda__", "config": {"value": _b64((lambda a: a + 1).__code__)}}
    with pytest.raises(ValueError, match="Requested the deserialization of a Python lambda"):
        saving.deserialize_keras_object(entry)
    if CPYTHON_311:
        assert saving.deserialize_keras_object(entry, safe_mode=False)(2) == 3


def test_named_functions_are_saved_by_name_and_found_in_tables():
    def double(t):
        return t * 2

    config = layers.Lambda(double).get_config()
    assert config["function"] == {
        "module": "builtins",
        "class_name": "function",
        "config": "double",
        "registered_name": "function",
    }
    with pytest.raises(TypeError, match="Could not locate function 'double'"):
        layers.Lambda.from_config(config)
    x = np.ones((1, 2), "float32")
    np.testing.assert_allclose(layers.Lambda.from_config(config, custom_objects={"double": double})(x), [[2, 2]])
    square = layers.Lambda.from_config(layers.Lambda(dagnet.ops.square).get_config())
    assert square.function is dagnet.ops.square


@pytest.mark.parametrize("name", ["np", "__builtins__", "get", "_dispatch", "os", "__loader__"])
def test_config_names_never_reach_module_attributes(name):
    with pytest.raises((ValueError, TypeError)):
        layers.Lambda.from_config({"name": "l", "function": name})
    for module in ("keras.losses", "keras.metrics", "keras.optimizers", "keras.constraints"):
        with pytest.raises(ValueError, match="Could not locate class"):
            saving.deserialize_keras_object({"module": module, "class_name": name, "config": {}})


def test_saved_arrays_must_be_numeric():
    ok = saving.deserialize_keras_object({"class_name": "__numpy__", "config": {"value": [1, 2], "dtype": "int32"}})
    assert ok.dtype == np.int32
    for dtype in ("V100000000000", "S100000000000", "object", "U9", "nonsense"):
        with pytest.raises(ValueError, match="dtype"):
            saving.deserialize_keras_object({"class_name": "__numpy__", "config": {"value": 0, "dtype": dtype}})


# -- malformed code objects, with safe mode off: refused before any function exists -----------
def _code_bytes(fn, co_code=None, **changes):
    """marshal bytes of fn's code with its bytecode swapped for `co_code` in the marshal stream
    (building such a code object in-process and reading its co_code back would itself corrupt
    the heap on 3.11, which is the point)."""
    code = fn.__code__.replace(**changes) if changes else fn.__code__
    dump = marshal.dumps(code)
    if co_code is None:
        return dump
    original = code.co_code
    head = b"s" + len(original).to_bytes(4, "little") + original
    position = dump.index(head[1:]) - 1
    return dump[: position + 1] + len(co_code).to_bytes(4, "little") + co_code + dump[position + len(head) :]


def _op(name, arg=0):
    return bytes([dis.opmap[name], arg])


def _closure():
    captured = 1
    return lambda: captured


def _identity(t):
    return t


_RESUME = _op("RESUME") if CPYTHON_311 else b""
_MALFORMED = {
    "const out of range": lambda: _code_bytes(_identity, _RESUME + _op("LOAD_CONST", 200) + _op("RETURN_VALUE")),
    "name out of range": lambda: _code_bytes(
        _identity, _RESUME + _op("LOAD_GLOBAL", 200) + bytes(10) + _op("RETURN_VALUE")
    ),
    "stack underflow": lambda: _code_bytes(_identity, _RESUME + _op("POP_TOP") + _op("RETURN_VALUE")),
    "NULL returned": lambda: _code_bytes(_identity, _RESUME + _op("PUSH_NULL") + _op("RETURN_VALUE")),
    "jump into caches": lambda: _code_bytes(
        lambda t: t.a,
        _RESUME
        + _op("LOAD_FAST")
        + _op("POP_JUMP_FORWARD_IF_NONE", 2)
        + _op("LOAD_FAST")
        + _op("LOAD_ATTR")
        + bytes(8)
        + _op("RETURN_VALUE"),
    ),
    "backward jump": lambda: _code_bytes(_identity, _RESUME + _op("JUMP_BACKWARD", 1)),
    "runs off the end": lambda: _code_bytes(_identity, _RESUME + _op("LOAD_FAST")),
    "trailing cache op": lambda: _code_bytes(_identity, _RESUME + _op("LOAD_FAST") + _op("LOAD_ATTR")),
    "specialised opcode": lambda: _code_bytes(
        lambda t: t.a, _RESUME + _op("LOAD_FAST") + bytes([dis._all_opmap["LOAD_ATTR_SLOT"], 0]) + bytes(8)
    ),
    "unknown opcode": lambda: _code_bytes(_identity, _RESUME + bytes([255, 0]) + _op("RETURN_VALUE")),
    "unbound local": lambda: _code_bytes(lambda t: (u := t) and u, _RESUME + _op("LOAD_FAST", 1) + _op("RETURN_VALUE")),
    "kw names not a tuple": lambda: _code_bytes(
        lambda t: t(a=1),
        _RESUME
        + _op("LOAD_FAST")
        + _op("PUSH_NULL")
        + _op("LOAD_CONST", 0)
        + _op("KW_NAMES", 0)
        + _op("PRECALL", 1)
        + bytes(2)
        + _op("CALL", 1)
        + bytes(8)
        + _op("RETURN_VALUE"),
    ),
    "closure": lambda: _code_bytes(_closure()),
    "exception table": lambda: _code_bytes(_identity, co_exceptiontable=b"\x80\x00\x02\x00"),
    "generator flag": lambda: _code_bytes(_identity, co_flags=_identity.__code__.co_flags | 0x20),
    "not code": lambda: marshal.dumps(("not", "code")),
    "truncated": lambda: marshal.dumps(_identity.__code__)[:-7],
}


@needs_311
@pytest.mark.parametrize("case", sorted(_MALFORMED))
def test_malformed_code_objects_are_refused(case):
    with pytest.raises(ValueError):
        checked_code(_MALFORMED[case]())


@needs_311
def test_well_formed_lambdas_load_and_run():
    cases = [
        (lambda t: t * 3 + 1, (2,), 7),
        (lambda x, y=2: x if x is not None else -y, (None,), -2),
        (lambda a: 1 < a < 3, (2,), True),
        (lambda x: {"a": x, "b": (x, 2)}, (1,), {"a": 1, "b": (1, 2)}),
        (lambda x: f"{x!r:>3}", (1,), "  1"),
        (lambda x: (y := x + 1) * y, (1,), 4),
        (lambda x: x[0] and x[1] or 3, ((1, 0),), 3),
        (lambda x: sorted(x, reverse=True)[1:], ([1, 3, 2],), [2, 1]),
    ]
    for fn, args, expected in cases:
        assert func_load(_b64(fn.__code__), defaults=fn.__defaults__, globs={})(*args) == expected


def test_lambda_loading_needs_a_string_and_no_closure():
    with pytest.raises(ValueError):
        func_load(12)
    with pytest.raises(ValueError, match="closure"):
        func_load(_b64((lambda t: t).__code__), closure=[1])


_FUZZ_SEEDS = [
    lambda t: t * 3 + 1,
    lambda x: x[:, 0] if x is not None else -x,
    lambda x, y=2: sorted([x, y], reverse=True)[0],
    lambda a: 1 < a < 3,
    lambda x: {"a": x, "b": (x, 2)},
    lambda x: f"{x!r:>3}",
    lambda x: (y := x + 1) * y,
    lambda x: x.sum(axis=1, keepdims=True),
    lambda x: (x, *x),
]


_EDIT = st.tuples(st.integers(0, 10**6), st.integers(0, 255), st.sampled_from("opx"))  # where, value, what


@needs_311
@settings(max_examples=600, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.sampled_from(range(len(_FUZZ_SEEDS))),
    edits=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 255), st.sampled_from("opx")), min_size=1, max_size=4
    ),
)
def test_mutated_bytecode_is_refused_or_runs_without_crashing(seed, edits):
    """Random edits of a real lambda's bytecode (opcodes, operands, removed units): whatever the
    checker accepts runs as ordinary Python, raising at worst (a crash would kill the test run)."""
    fn = _FUZZ_SEEDS[seed]
    code = bytearray(fn.__code__.co_code)
    for position, value, kind in edits:
        unit = (position % (len(code) // 2)) * 2
        if kind == "o":  # any byte: base, specialised and unknown opcodes
            code[unit] = value
        elif kind == "p":
            code[unit + 1] = value
        elif len(code) > 2:
            del code[unit : unit + 2]
    try:
        loaded = checked_code(_code_bytes(fn, bytes(code)))
    except ValueError:
        return
    function = func_load(_b64(loaded), defaults=fn.__defaults__, globs={})
    for args in [(np.ones((2, 2)),), (1,), (None,), ((1, 2),)]:
        try:
            function(*args[: loaded.co_argcount])
        except Exception:
            pass  # the lambda's own errors: what matters is that the interpreter survives
