"""Evaluation of IR expressions, shared by constant folding, the analyses and the runtime.

Values are Python ints (bits are 0 and 1), floats (SI units), bools, strings,
tuples and lists. An analysis that does not know a value (a measurement
outcome, a random bit) uses UNKNOWN, which every operation propagates.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from qnetlang.ir import nodes as ir
from qnetlang.builtins import FUNCTIONS


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


RUN_DEPENDENT = frozenset({"now", "fidelity"})


class EvaluationError(Exception):
    """Division by zero, an index out of range, a math domain error..."""


def _divide(left: Any, right: Any) -> Any:
    if right == 0:
        raise EvaluationError("division by zero")
    return left / right


def _modulo(left: Any, right: Any) -> Any:
    if right == 0:
        raise EvaluationError("division by zero")
    return left % right


def _power(left: Any, right: Any) -> Any:
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
        return BINARY[op](left, right)
    except TypeError as error:
        raise EvaluationError(str(error)) from None


def apply_builtin(name: str, args: list[Any]) -> Any:
    fold = FUNCTIONS[name].fold
    if fold is None or any(a is UNKNOWN for a in args):
        return UNKNOWN
    try:
        return fold(*args)
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


def evaluate(expr: ir.Expr, read: Callable[[ir.Var], Any] | None = None,
             call: Callable[[ir.Builtin], Any] | None = None) -> Any:
    """The value of `expr`; `read` gives variables' values (constants need none) and
    `call` the built-ins that depend on the run (`now`, `fidelity`)."""
    if isinstance(expr, ir.Const):
        return expr.value
    if isinstance(expr, ir.Binary):
        return apply_binary(expr.op, evaluate(expr.left, read, call),
                            evaluate(expr.right, read, call))
    if isinstance(expr, ir.Unary):
        operand = evaluate(expr.operand, read, call)
        return UNKNOWN if operand is UNKNOWN else UNARY[expr.op](operand)
    if isinstance(expr, ir.Var):
        if read is None:
            return UNKNOWN
        return read(expr)
    if isinstance(expr, ir.Builtin):
        if expr.name in RUN_DEPENDENT:
            return UNKNOWN if call is None else call(expr)
        return apply_builtin(expr.name, [evaluate(a, read, call) for a in expr.args])
    if isinstance(expr, ir.TupleOf):
        return tuple(evaluate(item, read, call) for item in expr.items)
    if isinstance(expr, ir.ArrayOf):
        return [evaluate(item, read, call) for item in expr.items]
    if isinstance(expr, ir.Index):
        return element(evaluate(expr.target, read, call), evaluate(expr.index, read, call))
    return UNKNOWN


def is_whole(value: Any) -> bool:
    return isinstance(value, (int, bool)) or (isinstance(value, float) and math.isfinite(value)
                                               and value.is_integer())
