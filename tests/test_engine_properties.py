"""Property-based robustness of the native engine: every registered op, called through
``dagnet.engine`` with valid operands (tests/engine_op_catalog.py) and with mutated ones
(a dimension set to 0, 1, another size or a huge value, an axis added or dropped, a dtype
swapped, an attribute replaced by a random or extreme value, an operand dropped or
repeated, dimensions left unknown until run time), ends in a result or a Python
exception: never a signal, a hang or an internal error. Valid cases must run, and so must
the backward graph autodiff builds for them.

Profiles (DAGNET_HYPOTHESIS_PROFILE): "ci" (the default, derandomised: the same examples
on every run, > 2,000 in all) and "large" (random, 20x as many per op), e.g.
    DAGNET_HYPOTHESIS_PROFILE=large python -m pytest tests/test_engine_properties.py
Under tools/sanitize.sh this suite is what AddressSanitizer watches (the smoke run draws
DAGNET_HYPOTHESIS_EXAMPLES=5 examples per op instead of 25)."""

import os
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason="the property suite needs hypothesis (pip install dagnet[test])")
from engine_op_catalog import FLOAT_DTYPES, INT_DTYPES, RECIPES, Case, Operand  # noqa: E402
from hypothesis import (  # noqa: E402
    HealthCheck,
    given,
    settings,
    strategies as st,  # noqa: E402
)

from dagnet.engine import Executor, Graph, gradients, op_names  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("DAGNET_HYPOTHESIS_EXAMPLES", 25)),  # fewer under the sanitizer smoke run
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile("large", max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("DAGNET_HYPOTHESIS_PROFILE", "ci"))

# What a bad graph or bad data may raise: the engine's Value/Type/Index/Memory errors.
# (RuntimeError is the engine's internal-inconsistency kind and counts as a failure.)
EXPECTED = (ValueError, TypeError, IndexError, MemoryError)
HUGE = (2**31 - 1, 2**31, 2**32 + 1, 2**40, 2**62, 2**63 - 1)
MAX_FED_ELEMENTS = 1 << 16
ATTR_STRINGS = (
    "valid",
    "same",
    "causal",
    "channels_first",
    "channels_last",
    "sum",
    "max",
    "mean",
    "relu",
    "softmax",
    "multiply",
    "float32",
    "int64",
    "bogus",
    "",
)
FORWARD_OPS = sorted(
    op
    for op in RECIPES
    if not op.endswith("_grad")
    and not op.endswith("_update")
    and op not in ("split_like", "sum_to_shape", "constrain", "increment_counter", "assign", "nadam_schedule")
)


def test_every_registered_op_has_a_recipe():
    assert sorted(RECIPES) == sorted(op_names())


# ---------------------------------------------------------------- mutations
def mutate_dim(draw, case):
    i = draw(st.integers(0, len(case.operands) - 1))
    o = case.operands[i]
    if not o.shape:
        return replace_operand(case, i, replace(o, shape=(draw(st.sampled_from([0, 1, 3])),)))
    axis = draw(st.integers(0, len(o.shape) - 1))
    value = draw(st.sampled_from((0, 1, 2, 5, 7) + HUGE))
    shape = o.shape[:axis] + (value,) + o.shape[axis + 1 :]
    return replace_operand(case, i, replace(o, shape=shape))


def mutate_rank(draw, case):
    i = draw(st.integers(0, len(case.operands) - 1))
    o = case.operands[i]
    if o.shape and draw(st.booleans()):
        axis = draw(st.integers(0, len(o.shape) - 1))
        shape = o.shape[:axis] + o.shape[axis + 1 :]
    else:
        axis = draw(st.integers(0, len(o.shape)))
        shape = o.shape[:axis] + (draw(st.sampled_from([0, 1, 2])),) + o.shape[axis:]
    return replace_operand(case, i, replace(o, shape=shape))


def mutate_dtype(draw, case):
    i = draw(st.integers(0, len(case.operands) - 1))
    o = case.operands[i]
    dtype = draw(st.sampled_from([d for d in FLOAT_DTYPES + INT_DTYPES if d != o.dtype]))
    return replace_operand(case, i, replace(o, dtype=dtype))


def attr_value(draw):
    ints = st.one_of(st.integers(-3, 8), st.sampled_from(HUGE), st.sampled_from([-(2**62), -(2**63)]))
    return draw(
        st.one_of(
            ints,
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from(ATTR_STRINGS),
            st.lists(ints, max_size=5),
        )
    )


def mutate_attr(draw, case):
    keys = sorted(case.attrs) or ["axis"]
    key = draw(st.sampled_from(keys))
    attrs = dict(case.attrs)
    attrs[key] = attr_value(draw)
    return replace(case, attrs=attrs)


def mutate_arity(draw, case):
    operands = list(case.operands)
    if len(operands) > 1 and draw(st.booleans()):
        del operands[draw(st.integers(0, len(operands) - 1))]
    else:
        operands.append(operands[draw(st.integers(0, len(operands) - 1))])
    return replace(case, operands=tuple(operands))


def mutate_data(draw, case):
    """Index, label and mask operands with values outside their range."""
    i = draw(st.integers(0, len(case.operands) - 1))
    return replace_operand(case, i, replace(case.operands[i], fill=draw(st.sampled_from(["wild", "nan"]))))


def replace_operand(case, i, operand):
    operands = list(case.operands)
    operands[i] = operand
    return replace(case, operands=tuple(operands))


MUTATIONS = (mutate_dim, mutate_rank, mutate_dtype, mutate_attr, mutate_arity, mutate_data)


# ---------------------------------------------------------------- running a case
def fill_array(o: Operand, rng):
    shape, dtype = o.shape, np.dtype(o.dtype)
    kind, _, arg = o.fill.partition(":")
    if kind == "wild":
        values = rng.integers(-(2**31), 2**31, size=shape).astype(np.float64) * rng.choice([1, 1e-9], size=shape)
    elif kind == "nan":
        values = np.full(shape, np.nan)
    elif kind in ("index", "label"):
        values = rng.integers(0, int(arg), size=shape)
    elif kind == "binary":
        values = rng.integers(0, 2, size=shape)
    elif kind == "zero":
        values = np.zeros(shape)
    elif kind == "positive":
        values = np.abs(rng.standard_normal(shape)) + 0.1
    else:
        values = rng.standard_normal(shape) * 2
    if dtype.kind == "i":
        values = np.nan_to_num(values, nan=0, posinf=0, neginf=0)
        info = np.iinfo(dtype)
        values = np.clip(np.round(values), info.min, info.max)
    return np.array(values, dtype=dtype, order="C").reshape(shape)


def feedable(shape):
    """Whether an array of this shape can be made here (small, or empty with huge dims)."""
    if any(d == 0 for d in shape):
        return all(d < 2**40 for d in shape)
    return int(np.prod([float(d) for d in shape])) <= MAX_FED_ELEMENTS


def build(case: Case, unknown_dims: list, rng):
    """Adds the case's operands and node to a new graph: (graph, outputs, feeds), or None
    when an operand cannot be made as an array (the graph is still built, for its rules)."""
    g = Graph()
    ids, feeds, runnable = [], {}, True
    for i, o in enumerate(case.operands):
        ok = feedable(o.shape)
        runnable = runnable and ok
        if o.param:
            if not ok:
                return None
            ids.append(g.param(f"p{i}", fill_array(o, rng)))
            continue
        unknown = unknown_dims[i % len(unknown_dims)]
        declared = [-1 if (unknown >> a) & 1 and a not in o.known else d for a, d in enumerate(o.shape)]
        ids.append(g.input(f"x{i}", declared, o.dtype))
        if ok:
            feeds[f"x{i}"] = fill_array(o, rng)
    outputs = g.node(case.op, ids, case.attrs)
    return g, outputs, feeds if runnable else None


def run_node(g, outputs, feeds):
    effects = [] if outputs else [g.num_nodes - 1]
    ex = Executor(g, list(outputs), effects)
    results = ex.run({name: feeds[name] for name in ex.required_inputs})
    for r, v in zip(results, outputs):
        assert tuple(r.shape) == tuple(g.shape(v)) or -1 in g.shape(v)
    return results


def run_case(case: Case, unknown_dims, seed, must_succeed):
    rng = np.random.default_rng(seed)
    try:
        built = build(case, unknown_dims, rng)
        if built is None or built[2] is None:
            return
        run_node(*built)
    except EXPECTED as e:
        if must_succeed:
            raise AssertionError(f"a valid case failed: {case}: {type(e).__name__}: {e}") from e


@pytest.mark.parametrize("op", sorted(RECIPES))
@given(data=st.data())
def test_op_survives_valid_and_mutated_operands(op, data):
    draw = data.draw
    case = RECIPES[op](draw)
    mutations = draw(st.lists(st.sampled_from(MUTATIONS), max_size=2))
    for mutate in mutations:
        case = mutate(draw, case)
    unknown_dims = draw(st.lists(st.integers(0, 15), min_size=1, max_size=3))
    data_errors_possible = op in ("reduce",)  # max/min over an empty axis is an error of the data
    run_case(
        case, unknown_dims, draw(st.integers(0, 2**32 - 1)), must_succeed=not mutations and not data_errors_possible
    )


@pytest.mark.parametrize("op", FORWARD_OPS)
@given(data=st.data())
@settings(max_examples=max(5, settings().max_examples // 3))
def test_backward_graph_of_a_valid_case_runs(op, data):
    """sum(outputs) differentiated with respect to every float operand, built and run."""
    draw = data.draw
    case = RECIPES[op](draw)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    unknown_dims = draw(st.lists(st.integers(0, 15), min_size=1, max_size=3))
    g, outputs, feeds = build(case, unknown_dims, rng)
    floats = [v for v in outputs if g.dtype(v) in FLOAT_DTYPES]
    if not floats:
        return
    dt = g.dtype(floats[0])
    sums = [g.node("reduce", [v], {"kind": "sum"})[0] for v in floats]
    sums = [s if g.dtype(s) == dt else g.node("cast", [s], {"dtype": dt})[0] for s in sums]
    (loss,) = g.node("add", sums)
    wrt = [v for v in range(g.num_values) if g.value_kind(v) in ("input", "param") and g.dtype(v) in FLOAT_DTYPES]
    grads = gradients(g, loss, wrt)
    run_node(g, [loss] + list(grads), feeds)
