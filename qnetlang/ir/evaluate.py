"""Evaluation of IR expressions, shared by constant folding, the analyses and the runtime.

The structure of evaluation is one function; what the operators do comes from
an `Operations` table. SCALAR works on plain Python values and propagates
UNKNOWN, the value an analysis cannot know before the run (a measurement
outcome, a random bit). The runtime's table (qnetlang.runtime.values) works
on numpy arrays holding one value per shot of a batch.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qnetlang.builtins import FUNCTIONS
from qnetlang.ir import nodes as ir

RUN_DEPENDENT = frozenset({"now", "fidelity", "latency", "coins", "uniforms"}) | frozenset(
    {"next_hop", "hop_count", "neighbours", "transmittance"})  # of the run's network


class _Unknown:
    """A value an analysis cannot know before the protocol runs."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class EvaluationError(Exception):
    """Division by zero, an index out of range, a math domain error..."""


@dataclass(frozen=True)
class Operations:
    binary: Callable[[str, Any, Any], Any]
    unary: Callable[[str, Any], Any]
    builtin: Callable[[str, list[Any]], Any]
    element: Callable[[Any, Any], Any]
    array: Callable[[list[Any]], Any]


def evaluate(expr: ir.Expr, read: Callable[[ir.Var], Any] | None = None,
             call: Callable[[ir.Builtin], Any] | None = None,
             ops: Operations | None = None, memo: dict[int, Any] | None = None) -> Any:
    """The value of `expr`; `read` gives variables' values (constants need none) and
    `call` the built-ins that depend on the run (`now`, `fidelity`). With `memo`, a
    subexpression shared by several parents (the compiler builds such DAGs) is
    evaluated once."""
    kind = type(expr)
    if memo is None:  # the commonest leaves first: an analysis evaluates many
        if kind is ir.Const:
            return expr.value
        if kind is ir.Var:
            return UNKNOWN if read is None else read(expr)
    elif id(expr) in memo:
        return memo[id(expr)]
    ops = ops or SCALAR
    if isinstance(expr, ir.Const):
        value = expr.value
    elif isinstance(expr, ir.Binary):
        value = ops.binary(expr.op, evaluate(expr.left, read, call, ops, memo),
                           evaluate(expr.right, read, call, ops, memo))
    elif isinstance(expr, ir.Unary):
        value = ops.unary(expr.op, evaluate(expr.operand, read, call, ops, memo))
    elif isinstance(expr, ir.Var):
        value = UNKNOWN if read is None else read(expr)
    elif isinstance(expr, ir.Builtin):
        if expr.name in RUN_DEPENDENT:
            value = UNKNOWN if call is None else call(expr)
        else:
            value = ops.builtin(expr.name, [evaluate(a, read, call, ops, memo) for a in expr.args])
    elif isinstance(expr, ir.TupleOf):
        value = tuple(evaluate(item, read, call, ops, memo) for item in expr.items)
    elif isinstance(expr, ir.ArrayOf):
        value = ops.array([evaluate(item, read, call, ops, memo) for item in expr.items])
    elif isinstance(expr, ir.Index):
        value = ops.element(evaluate(expr.target, read, call, ops, memo),
                            evaluate(expr.index, read, call, ops, memo))
    else:
        value = UNKNOWN
    if memo is not None:
        memo[id(expr)] = value
    return value


# ---------------------------------------------------------------- plain Python values


def _divide(left: Any, right: Any) -> Any:
    if right == 0:
        raise EvaluationError("division by zero")
    return left / right


def _modulo(left: Any, right: Any) -> Any:
    if right == 0:
        raise EvaluationError("division by zero")
    return left % right


INT_MIN, INT_MAX = -2 ** 63, 2 ** 63 - 1  # `int` is a 64-bit signed integer, folded or run


OVERFLOW = ("integer overflow: the result is outside the 64-bit range of `int` "
            "(-2**63 to 2**63 - 1); use a float, e.g. `2.0 ** 70`")


def checked_int(value: Any) -> Any:
    """`value`, or an overflow error for a whole number outside the range of `int`, so
    that a constant folded before the run means what the same expression means in it."""
    if type(value) is int and not INT_MIN <= value <= INT_MAX:
        raise EvaluationError(OVERFLOW)
    return value


def _power(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int):
        if right < 0:
            raise EvaluationError("a whole number to a negative power is not a whole number; "
                                  "use a float, e.g. `2.0 ** -1`")
        if abs(left) > 1 and right * math.log2(abs(left)) > 64:  # never build a huge number
            raise EvaluationError(OVERFLOW)
    try:
        result = left ** right
    except (OverflowError, ZeroDivisionError) as error:
        raise EvaluationError(str(error)) from None
    if isinstance(result, complex):
        raise EvaluationError("a negative number to a fractional power")
    return result


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "%": _modulo,
    "**": _power,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "&": lambda a, b: int(a) & int(b),
    "|": lambda a, b: int(a) | int(b),
    "^": lambda a, b: int(a) ^ int(b),
    "&&": lambda a, b: bool(a) and bool(b),
    "||": lambda a, b: bool(a) or bool(b),
}

UNARY: dict[str, Callable[[Any], Any]] = {
    "-": operator.neg,
    "!": lambda a: not a,
    "~": lambda a: ~int(a),
}


def apply_binary(op: str, left: Any, right: Any) -> Any:
    if left is UNKNOWN or right is UNKNOWN:
        # Short-circuit logic still decides with one side known.
        if op == "&&" and (left is False or right is False):
            return False
        if op == "||" and (left is True or right is True):
            return True
        return UNKNOWN
    try:
        return checked_int(BINARY[op](left, right))
    except TypeError as error:
        raise EvaluationError(str(error)) from None


def apply_unary(op: str, operand: Any) -> Any:
    return UNKNOWN if operand is UNKNOWN else checked_int(UNARY[op](operand))


def apply_builtin(name: str, args: list[Any]) -> Any:
    fold = FUNCTIONS[name].fold
    if fold is None or any(a is UNKNOWN for a in args):
        return UNKNOWN
    try:
        return checked_int(fold(*args))
    except (ValueError, OverflowError, TypeError) as error:
        raise EvaluationError(f"{name}: {error}") from None


def element(container: Any, index: Any) -> Any:
    if container is UNKNOWN or index is UNKNOWN:
        return UNKNOWN
    if isinstance(index, float):
        if not index.is_integer():
            raise EvaluationError(f"index {index} is not a whole number")
        index = int(index)
    if not 0 <= index < len(container):
        raise EvaluationError(f"index {index} is out of range 0..{len(container)}")
    return container[index]


SCALAR = Operations(apply_binary, apply_unary, apply_builtin, element, list)


def is_whole(value: Any) -> bool:
    return isinstance(value, (int, bool)) or (isinstance(value, float) and math.isfinite(value)
                                               and value.is_integer())
