"""ops.einsum as GEMMs: each pair of operands becomes transposes, reshapes and one matmul
(batched when the two share output axes), the classic reduction of a two-operand
contraction; more operands are contracted left to right. Labels in only one operand and
not in the output are summed first. Repeated labels within one operand (traces,
diagonals) and broadcasting of size-1 batch axes are not supported (a clear error)."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .._tracing import GraphBuilder
from .._typing import TensorLike
from ._dispatch import as_values, emit, op

__all__ = ["einsum"]


def _parse(subscripts: str, ranks: list[int]) -> tuple[list[str], str]:
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        inputs_part, output = spec.split("->")
    else:
        inputs_part, output = spec, None
    inputs = inputs_part.split(",")
    if len(inputs) != len(ranks):
        raise ValueError(f"einsum: '{subscripts}' names {len(inputs)} operands, got {len(ranks)}")
    used = set("".join(inputs).replace(".", "") + (output or "").replace(".", ""))
    spare = [c for c in string.ascii_letters if c not in used]
    ellipsis_rank = max((r - len(s.replace("...", "")) for s, r in zip(inputs, ranks) if "..." in s), default=0)
    broadcast = "".join(spare[:ellipsis_rank])
    expanded = []
    for s, r in zip(inputs, ranks):
        if "..." in s:
            n = r - len(s.replace("...", ""))
            s = s.replace("...", broadcast[ellipsis_rank - n :])
        if len(s) != r:
            raise ValueError(f"einsum: subscripts '{s}' do not match an operand of rank {r} in '{subscripts}'")
        if len(set(s)) != len(s):
            raise NotImplementedError(f"einsum: a label repeated within one operand ('{s}') is not supported")
        expanded.append(s)
    if output is None:  # implicit mode: the labels seen once, sorted (NumPy)
        counts = {c: "".join(expanded).count(c) for c in set("".join(expanded))}
        output = broadcast + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in broadcast))
    else:
        output = output.replace("...", broadcast)
    for c in output:
        if not any(c in s for s in expanded):
            raise ValueError(f"einsum: output label '{c}' appears in no operand of '{subscripts}'")
    return expanded, output


def _transpose(builder, x, labels, order):
    if labels == order:
        return x
    return emit(builder, "transpose", [x], {"perm": [labels.index(c) for c in order]})


def _reduce(builder, x, labels, keep):
    """Sums the axes whose labels are not in `keep`."""
    axes = [i for i, c in enumerate(labels) if c not in keep]
    if not axes:
        return x, labels
    x = emit(builder, "reduce", [x], {"kind": "sum", "axes": axes, "keepdims": 0})
    return x, "".join(c for c in labels if c in keep)


def _prod(sizes: list[Any]) -> int:
    """The merged size of some axes: -1 (inferred by reshape) when one is unknown."""
    return -1 if any(d is None for d in sizes) else int(np.prod(sizes, dtype=np.int64))


def _reshape(builder: GraphBuilder, x: Any, target: list[int]) -> Any:
    if target.count(-1) > 1:
        raise NotImplementedError(
            f"einsum: merging axes of shape {tuple(x.shape)} needs more than one unknown size; fix the Input's sizes"
        )
    return emit(builder, "reshape", [x], {"shape": target})


def _contract(builder, a, la, b, lb, keep):
    """a (labels la) x b (labels lb), keeping the labels in `keep` (the output's and those
    later operands need): returns the product and its labels (batch, free of a, free of b)."""
    a, la = _reduce(builder, a, la, set(lb) | set(keep))
    b, lb = _reduce(builder, b, lb, set(la) | set(keep))
    batch = [c for c in la if c in lb and c in keep]
    contract = [c for c in la if c in lb and c not in keep]
    free_a = [c for c in la if c not in lb]
    free_b = [c for c in lb if c not in la]
    size = {c: d for c, d in zip(la, a.shape)}
    for c, d in zip(lb, b.shape):
        if c in size and d is not None and size[c] is not None and size[c] != d:
            raise ValueError(f"einsum: label '{c}' has size {size[c]} in one operand and {d} in the other")
        if size.get(c) is None:
            size[c] = d
    a = _transpose(builder, a, la, "".join(batch + free_a + contract))  # (batch, free_a, contract)
    b = _transpose(builder, b, lb, "".join(batch + contract + free_b))  # (batch, contract, free_b)
    nb, na, nc, nf = len(batch), len(free_a), len(contract), len(free_b)
    c_size = _prod([size[c] for c in contract])
    fa_sizes = [size[c] for c in free_a]
    fb_sizes = [size[c] for c in free_b]
    if nb == 0:
        # (free_a.., C) x (C, FB) is a plain matmul over a's leading axes.
        a2 = _reshape(builder, a, [0] * na + [c_size]) if nc != 1 or na == 0 else a
        if na == 0:
            a2 = emit(builder, "expand_dims", [a2], {"axis": 0})
        b2 = _reshape(builder, b, [c_size, _prod(fb_sizes)])
        product = emit(builder, "matmul", [a2, b2])
        if na == 0:
            product = emit(builder, "squeeze", [product], {"axes": [0]})
        target = [0] * na + [-1 if d is None else int(d) for d in fb_sizes]
    else:
        fa = 0 if na == 1 else _prod(fa_sizes)
        a3 = _reshape(builder, a, [0] * nb + [fa, 0 if (nc == 1 and na == 1) else c_size])
        b3 = _reshape(
            builder, b, [0] * nb + [0 if nc == 1 else c_size, 0 if (nf == 1 and nc == 1) else _prod(fb_sizes)]
        )
        product = emit(builder, "batch_matmul", [a3, b3])  # (batch, FA, FB)
        fa_part = [0] if na == 1 else [-1 if d is None else int(d) for d in fa_sizes]
        target = [0] * nb + fa_part + [-1 if d is None else int(d) for d in fb_sizes]
    return _reshape(builder, product, target), "".join(batch + free_a + free_b)


@op
def einsum(builder: GraphBuilder, subscripts: str, *operands: TensorLike, **kwargs: Any) -> Any:
    """The Einstein summation `subscripts` over `operands` (NumPy's rules: ellipses, implicit output)."""
    values = as_values(builder, *operands)
    inputs, output = _parse(subscripts, [v.ndim for v in values])
    x, labels = values[0], inputs[0]
    if len(values) == 1:
        x, labels = _reduce(builder, x, labels, set(output))
        return _transpose(builder, x, labels, output)
    for i in range(1, len(values)):
        later = set(output).union(*[set(s) for s in inputs[i + 1 :]])
        x, labels = _contract(builder, x, labels, values[i], inputs[i], later)
    x, labels = _reduce(builder, x, labels, set(output))
    return _transpose(builder, x, labels, output)
