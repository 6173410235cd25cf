"""Rebuilding a Python function from the marshalled bytecode of a Keras `__lambda__` entry
(`safe_mode=False` only), after proving the bytecode cannot crash the interpreter.

CPython trusts the bytecode of a code object: a constant index past `co_consts`, a jump into
the middle of an instruction, a stack deeper than `co_stacksize`, a NULL that reaches anything
but a call, an unbound local read by LOAD_FAST, a specialised opcode with empty caches, or a
cache-carrying opcode at the end of the code all read or write out of bounds. Opting out of
safe mode lets a file run code the caller trusts; it must not let a corrupt file crash the
process. So a code object is checked before a function is made from it:

- Only CPython 3.11 (the interpreter this checker was written and fuzzed against: reading the
  code of later versions is unsafe already, as 3.12 quickens the bytecode while unmarshalling).
- The raw instruction stream holds base opcodes only, and every cache an opcode carries fits.
- Only the instructions an expression lambda compiles to: loads, calls, attribute and item
  access, arithmetic, comparisons, building tuples/lists/dicts/sets/slices/strings, forward
  jumps (conditional expressions, `and`/`or`), `:=`. No loops, no nested functions or
  comprehensions, no closures, no exception handling, no generators.
- An abstract run over every path: each operand index in range, each jump lands on an
  instruction, no path falls off the end, the stack never underflows, a possible NULL (from
  LOAD_GLOBAL/LOAD_METHOD/PUSH_NULL) only ever reaches the slot of a call that accepts it,
  KW_NAMES names a tuple of strings no longer than its call's arguments, every local is bound
  before LOAD_FAST reads it, and the depth matches what `dis.stack_effect` says.

The function is then built from a fresh code object: the checked (deoptimised) bytecode, the
depth computed here, no line or exception table. Anything else is refused with a ValueError.
"""

from __future__ import annotations

import binascii
import codecs
import dis
import inspect
import marshal
import platform
import sys
import types
from typing import Any

_SUPPORTED = (3, 11)

# Stack kinds: an object, possibly NULL, or (n >= 0) a tuple of n strings (keyword names).
_OBJ = -1
_MAYBE_NULL = -2

_FORBIDDEN_FLAGS = (
    inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE | inspect.CO_ASYNC_GENERATOR
)

# Opcodes that pop a fixed number of operands (given the oparg) and push plain objects.
_POPS = {
    "NOP": lambda a: 0,
    "RESUME": lambda a: 0,
    "EXTENDED_ARG": lambda a: 0,
    "POP_TOP": lambda a: 1,
    "UNARY_POSITIVE": lambda a: 1,
    "UNARY_NEGATIVE": lambda a: 1,
    "UNARY_NOT": lambda a: 1,
    "UNARY_INVERT": lambda a: 1,
    "BINARY_OP": lambda a: 2,
    "BINARY_SUBSCR": lambda a: 2,
    "COMPARE_OP": lambda a: 2,
    "IS_OP": lambda a: 2,
    "CONTAINS_OP": lambda a: 2,
    "BUILD_TUPLE": lambda a: a,
    "BUILD_LIST": lambda a: a,
    "BUILD_SET": lambda a: a,
    "BUILD_MAP": lambda a: 2 * a,
    "BUILD_CONST_KEY_MAP": lambda a: a + 1,
    "BUILD_STRING": lambda a: a,
    "BUILD_SLICE": lambda a: 3 if a == 3 else 2,
    "FORMAT_VALUE": lambda a: 2 if a & 0x04 else 1,
    "UNPACK_SEQUENCE": lambda a: 1,
    "UNPACK_EX": lambda a: 1,
    "LOAD_ATTR": lambda a: 1,
    "STORE_FAST": lambda a: 1,
    "LOAD_FAST": lambda a: 0,
    "LOAD_CONST": lambda a: 0,
    "LOAD_GLOBAL": lambda a: 0,
    "LOAD_METHOD": lambda a: 1,
    "PUSH_NULL": lambda a: 0,
    "KW_NAMES": lambda a: 0,
    "COPY": lambda a: a,
    "SWAP": lambda a: a,
    "PRECALL": lambda a: a + 2,
    "CALL": lambda a: a + 2,
    "RETURN_VALUE": lambda a: 1,
    "JUMP_FORWARD": lambda a: 0,
    "POP_JUMP_FORWARD_IF_FALSE": lambda a: 1,
    "POP_JUMP_FORWARD_IF_TRUE": lambda a: 1,
    "POP_JUMP_FORWARD_IF_NONE": lambda a: 1,
    "POP_JUMP_FORWARD_IF_NOT_NONE": lambda a: 1,
    "JUMP_IF_FALSE_OR_POP": lambda a: 1,
    "JUMP_IF_TRUE_OR_POP": lambda a: 1,
}
_TERMINATORS = {"RETURN_VALUE", "JUMP_FORWARD"}
_POP_JUMPS = {
    "POP_JUMP_FORWARD_IF_FALSE",
    "POP_JUMP_FORWARD_IF_TRUE",
    "POP_JUMP_FORWARD_IF_NONE",
    "POP_JUMP_FORWARD_IF_NOT_NONE",
}
_KEEP_JUMPS = {"JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP"}  # keep TOS when jumping, pop otherwise


class _Refused(ValueError):
    pass


def func_load(code: Any, defaults: Any = None, closure: Any = None, globs: dict | None = None) -> types.FunctionType:
    """The function a Keras `__lambda__` entry describes (base64 of its marshalled code object,
    or Keras's older (code, defaults, closure) triple), after checking its bytecode."""
    if isinstance(code, (tuple, list)):  # unpack a previous dump, as Keras does
        code, defaults, closure = (list(code) + [None, None])[:3]
    if closure:
        raise ValueError("Cannot load a lambda with a closure from a config (dagnet never writes one)")
    if defaults is not None and not isinstance(defaults, (list, tuple)):
        raise ValueError(f"A lambda's defaults must be a list, got {type(defaults).__name__}")
    if not isinstance(code, str):
        raise ValueError(f"A lambda's code must be a base64 string, got {type(code).__name__}")
    try:
        raw = codecs.decode(code.encode("ascii"), "base64")
    except (UnicodeEncodeError, binascii.Error):
        raw = code.encode("raw_unicode_escape")
    checked = checked_code(raw)
    return types.FunctionType(
        checked,
        dict(globs or {}),
        name=checked.co_name,
        argdefs=tuple(defaults) if defaults else None,
    )


def checked_code(raw: bytes) -> types.CodeType:
    """The code object marshalled in `raw`, rebuilt from its checked bytecode; ValueError if the
    bytecode could crash the interpreter or is not an expression lambda's."""
    if platform.python_implementation() != "CPython" or sys.version_info[:2] != _SUPPORTED:
        raise ValueError(
            "Loading a lambda's marshalled bytecode is supported on CPython "
            f"{_SUPPORTED[0]}.{_SUPPORTED[1]} only (this is {platform.python_implementation()} "
            f"{sys.version_info[0]}.{sys.version_info[1]}), where dagnet checks it before running it. "
            "Define the function in your code and pass it in `custom_objects` instead."
        )
    try:
        code = marshal.loads(raw)
    except (EOFError, ValueError, TypeError, SystemError, OverflowError) as exc:
        raise ValueError(f"The lambda's bytecode is corrupt: {exc}") from exc
    if not isinstance(code, types.CodeType):
        raise ValueError(f"The lambda's bytecode holds a {type(code).__name__}, not a code object")
    try:
        return _check(code)
    except _Refused as exc:
        raise ValueError(f"Refusing to load the lambda's bytecode: {exc}") from None


def _check(code: Any) -> types.CodeType:  # Any: mypy reads 3.10's CodeType, which lacks 3.11's fields
    if code.co_flags & _FORBIDDEN_FLAGS:
        raise _Refused("generators and coroutines are not supported")
    if code.co_freevars or code.co_cellvars:
        raise _Refused("closures are not supported")
    if code.co_exceptiontable:
        raise _Refused("exception handling is not supported")
    for const in code.co_consts:
        _check_constant(const)
    _check_raw_stream(code._co_code_adaptive)  # before co_code: its deoptimising copy trusts the caches
    max_depth = _abstract_run(code)
    return code.replace(co_code=code.co_code, co_linetable=b"", co_exceptiontable=b"", co_stacksize=max_depth + 1)


def _check_constant(value: Any) -> None:
    if isinstance(value, types.CodeType):
        raise _Refused("nested functions and comprehensions are not supported")
    if isinstance(value, (tuple, frozenset)):
        for item in value:
            _check_constant(item)


def _check_raw_stream(raw: bytes) -> None:
    """Base opcodes only at instruction positions, each with its caches inside the code."""
    base = set(dis.opmap.values()) - {dis.opmap["CACHE"]}
    units = len(raw) // 2
    if len(raw) % 2 or units == 0:
        raise _Refused("the bytecode has an odd or zero length")
    i = 0
    while i < units:
        op = raw[2 * i]
        if op not in base:
            raise _Refused(f"opcode {op} at offset {2 * i} is not a base instruction")
        i += 1 + dis._inline_cache_entries[op]  # type: ignore[attr-defined]
    if i != units:
        raise _Refused("the last instruction's caches run past the end of the code")


def _instructions(code: types.CodeType) -> list[dis.Instruction]:
    try:
        return list(dis.get_instructions(code))
    except (IndexError, KeyError, ValueError) as exc:
        raise _Refused(f"an operand is out of range ({exc})") from None


def _abstract_run(code: types.CodeType) -> int:
    """Follows every path (forward jumps only, so one pass in offset order); returns the deepest stack."""
    instructions = _instructions(code)
    by_offset = {ins.offset: k for k, ins in enumerate(instructions)}
    extended = {instructions[k + 1].offset for k, ins in enumerate(instructions[:-1]) if ins.opname == "EXTENDED_ARG"}
    nlocals = len(code.co_varnames)
    bound_at_entry = code.co_argcount + code.co_kwonlyargcount
    bound_at_entry += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    states: dict[int, tuple[tuple[int, ...], frozenset[int]]] = {
        0: ((), frozenset(range(min(bound_at_entry, nlocals))))
    }
    deepest = 0

    def arrive(k: int, state: tuple[tuple[int, ...], frozenset[int]]) -> None:
        if k >= len(instructions):
            raise _Refused("a path runs off the end of the code")
        previous = states.get(k)
        if previous is None:
            states[k] = state
            return
        if len(previous[0]) != len(state[0]):
            raise _Refused(f"paths reach offset {instructions[k].offset} with different stack depths")
        merged = tuple(
            a if a == b else (_MAYBE_NULL if _MAYBE_NULL in (a, b) else _OBJ) for a, b in zip(*(previous[0], state[0]))
        )
        states[k] = (merged, previous[1] & state[1])

    for k, ins in enumerate(instructions):
        if k not in states:
            continue  # unreachable: never executed
        stack, bound = states[k]
        name, arg = ins.opname, ins.arg if ins.arg is not None else 0
        if name not in _POPS:
            raise _Refused(f"the instruction {name} is not supported in a loaded lambda")
        pops = _POPS[name](arg)
        if pops < 0 or pops > len(stack):
            raise _Refused(f"{name} at offset {ins.offset} pops {pops} values from a stack of {len(stack)}")
        popped, below = stack[len(stack) - pops :], stack[: len(stack) - pops]
        pushed, bound = _effect(code, instructions, k, ins, popped, bound, nlocals)
        _agree_with_dis(ins, pops, len(pushed))
        after = below + pushed
        deepest = max(deepest, len(after))
        if ins.opcode in dis.hasjrel or ins.opcode in dis.hasjabs:
            target = ins.argval
            if not isinstance(target, int) or target <= ins.offset or target not in by_offset or target in extended:
                raise _Refused(f"{name} at offset {ins.offset} jumps to {target!r}, not to a later instruction")
            taken = after if name not in _KEEP_JUMPS else stack
            arrive(by_offset[target], (taken, bound))
        if name not in _TERMINATORS:
            arrive(k + 1, (after, bound))
    return deepest


def _require_objects(ins: dis.Instruction, kinds: tuple[int, ...]) -> None:
    if any(kind == _MAYBE_NULL for kind in kinds):
        raise _Refused(f"{ins.opname} at offset {ins.offset} may receive NULL")


def _effect(code, instructions, k, ins, popped, bound, nlocals):
    """(pushed kinds, bound locals) after `ins`, having checked its operands."""
    name, arg = ins.opname, ins.arg if ins.arg is not None else 0
    if name in ("PRECALL", "CALL"):
        # [NULL or callable, callable or self, args...]: only the deepest slot may be NULL.
        _require_objects(ins, popped[1:])
        return (popped if name == "PRECALL" else (_OBJ,)), bound
    _require_objects(ins, popped)
    if name in ("LOAD_CONST", "KW_NAMES") and arg >= len(code.co_consts):
        raise _Refused(f"{name} at offset {ins.offset} names constant {arg} of {len(code.co_consts)}")
    if name == "LOAD_CONST":
        value = code.co_consts[arg]
        is_names = isinstance(value, tuple) and all(isinstance(v, str) for v in value)
        return ((len(value) if is_names else _OBJ),), bound
    if name == "KW_NAMES":
        names = code.co_consts[arg]
        follow = instructions[k + 1 : k + 3]
        if not (isinstance(names, tuple) and all(isinstance(v, str) for v in names)):
            raise _Refused(f"KW_NAMES at offset {ins.offset} names {type(names).__name__}, not a tuple of str")
        if [i.opname for i in follow] != ["PRECALL", "CALL"] or follow[0].arg != follow[1].arg:
            raise _Refused(f"KW_NAMES at offset {ins.offset} is not followed by its call")
        if len(names) > (follow[1].arg or 0):
            raise _Refused(f"KW_NAMES at offset {ins.offset} names more keywords than its call has arguments")
        return (), bound
    if name == "LOAD_FAST":
        if arg not in bound:
            raise _Refused(f"LOAD_FAST at offset {ins.offset} reads local {arg} before it is bound")
        return (_OBJ,), bound
    if name == "STORE_FAST":
        if arg >= nlocals:
            raise _Refused(f"STORE_FAST at offset {ins.offset} writes local {arg} of {nlocals}")
        return (), bound | {arg}
    if name == "LOAD_GLOBAL":
        _name_in_range(code, ins, arg >> 1)
        return ((_MAYBE_NULL, _OBJ) if arg & 1 else (_OBJ,)), bound
    if name in ("LOAD_ATTR", "LOAD_METHOD"):
        _name_in_range(code, ins, arg)
        return ((_MAYBE_NULL, _OBJ) if name == "LOAD_METHOD" else (_OBJ,)), bound
    if name == "PUSH_NULL":
        return (_MAYBE_NULL,), bound
    if name in ("COPY", "SWAP"):
        if arg < (1 if name == "COPY" else 2):
            raise _Refused(f"{name} at offset {ins.offset} has operand {arg}")
        kinds = tuple(_OBJ for _ in popped)
        return (kinds + (_OBJ,) if name == "COPY" else kinds), bound
    if name == "BINARY_OP" and arg >= len(dis._nb_ops):  # type: ignore[attr-defined]
        raise _Refused(f"BINARY_OP at offset {ins.offset} has operator {arg}")
    if name == "COMPARE_OP" and arg >= len(dis.cmp_op):
        raise _Refused(f"COMPARE_OP at offset {ins.offset} has operator {arg}")
    if name in ("IS_OP", "CONTAINS_OP") and arg not in (0, 1):
        raise _Refused(f"{name} at offset {ins.offset} has operand {arg}")
    if name in _POP_JUMPS or name in _KEEP_JUMPS or name == "RETURN_VALUE":
        return (), bound
    pushes = _POPS[name](arg) + dis.stack_effect(ins.opcode, ins.arg)
    return tuple(_OBJ for _ in range(max(pushes, 0))), bound


def _name_in_range(code, ins, index):
    if index >= len(code.co_names):
        raise _Refused(f"{ins.opname} at offset {ins.offset} names entry {index} of {len(code.co_names)}")


def _agree_with_dis(ins: dis.Instruction, pops: int, pushes: int) -> None:
    """The model here and CPython's own stack effect must agree (PRECALL's is split oddly in 3.11)."""
    if ins.opname in ("PRECALL", "CALL"):
        return
    arg = ins.arg if ins.opcode >= dis.HAVE_ARGUMENT else None
    expected = dis.stack_effect(ins.opcode, arg, jump=False)
    if pushes - pops != expected:
        raise _Refused(f"{ins.opname} at offset {ins.offset}: stack effect {pushes - pops}, CPython says {expected}")
