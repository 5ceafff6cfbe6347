"""Built-in constants and functions: their types, and how to fold them.

`random`, `uniform`, `now`, `fidelity` and `latency` depend on the run and
are never folded; the others are pure and fold when their arguments are
constants. The arguments of `latency` are roles, not values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qnetlang import units
from qnetlang import types as t

BELL_STATES = ("phi_plus", "phi_minus", "psi_plus", "psi_minus")

CONSTANTS: dict[str, tuple[t.Type, Any]] = {
    "pi": (t.FLOAT, math.pi),
    **{name: (t.STATE, name) for name in BELL_STATES},
}


@dataclass(frozen=True)
class Builtin:
    name: str
    arity: tuple[int, int | None]  # fewest and most arguments (None: any number)
    signature: str  # for messages and docs
    result: Callable[[list[t.Type]], t.Type | str]  # a type, or an error message
    fold: Callable[..., Any] | None = None  # None: depends on the run


def _numbers(arguments: list[t.Type]) -> str | None:
    for argument in arguments:
        if not t.is_numeric(argument) and not t.is_error(argument):
            return f"expected a number, found {t.describe(argument)}"
    return None


def _dimensionless(arguments: list[t.Type]) -> t.Type | str:
    problem = _numbers(arguments)
    if problem:
        return problem
    for argument in arguments:
        if t.dimension_of(argument) not in (units.DIMENSIONLESS, None):
            return f"expected a dimensionless number, found a {t.dimension_of(argument)}"
    return t.FLOAT


def _same_number(arguments: list[t.Type]) -> t.Type | str:
    problem = _numbers(arguments)
    if problem:
        return problem
    dimensions = {t.dimension_of(a) for a in arguments if not t.is_error(a)}
    if len(dimensions) > 1:
        return "all arguments must have the same dimension"
    result = arguments[0]
    for argument in arguments[1:]:
        result = t.join_numbers(result, argument)
    return result


def _array_length(arguments: list[t.Type]) -> t.Type | str:
    if not isinstance(arguments[0], t.Array) and not t.is_error(arguments[0]):
        return f"expected an array, found {t.describe(arguments[0])}"
    return t.INT


def _array_sum(arguments: list[t.Type]) -> t.Type | str:
    array = arguments[0]
    if t.is_error(array):
        return t.ERROR
    if not isinstance(array, t.Array) or not t.is_numeric(array.element):
        return f"expected an array of numbers, found {t.describe(array)}"
    return t.INT if t.is_integral(array.element) else array.element


def _fidelity(arguments: list[t.Type]) -> t.Type | str:
    if any(a != t.QUBIT and not t.is_error(a) for a in arguments[:2]):
        return "`fidelity` compares the state of two qubits"
    if len(arguments) == 3 and arguments[2] not in (t.STATE, t.ERROR):
        return f"the target state is one of {', '.join(BELL_STATES)}"
    return t.FLOAT


ROLE_ARGUMENTS = frozenset({"latency"})  # built-ins whose arguments name roles


def _unary_float(function: Callable[[float], float]) -> Callable[..., float]:
    return lambda x: function(float(x))


def _same(arguments: list[t.Type]) -> t.Type | str:
    return _numbers(arguments) or arguments[0]


FUNCTIONS: dict[str, Builtin] = {
    b.name: b
    for b in [
        Builtin("random", (0, 0), "random() -> bit", lambda a: t.BIT),
        Builtin("uniform", (0, 0), "uniform() -> float", lambda a: t.FLOAT),
        Builtin("now", (0, 0), "now() -> time", lambda a: t.Quantity(units.TIME)),
        Builtin("fidelity", (2, 3), "fidelity(a: qubit, b: qubit, target = phi_plus) -> float",
                _fidelity),
        Builtin("latency", (1, 2), "latency(from: role, to: role = this role) -> time",
                lambda a: t.Quantity(units.TIME)),
        Builtin("sqrt", (1, 1), "sqrt(x: float) -> float", _dimensionless,
                _unary_float(math.sqrt)),
        Builtin("exp", (1, 1), "exp(x: float) -> float", _dimensionless,
                _unary_float(math.exp)),
        Builtin("log", (1, 1), "log(x: float) -> float", _dimensionless,
                _unary_float(math.log)),
        Builtin("log2", (1, 1), "log2(x: float) -> float", _dimensionless,
                _unary_float(math.log2)),
        Builtin("log10", (1, 1), "log10(x: float) -> float", _dimensionless,
                _unary_float(math.log10)),
        Builtin("sin", (1, 1), "sin(x: angle) -> float", _dimensionless,
                _unary_float(math.sin)),
        Builtin("cos", (1, 1), "cos(x: angle) -> float", _dimensionless,
                _unary_float(math.cos)),
        Builtin("tan", (1, 1), "tan(x: angle) -> float", _dimensionless,
                _unary_float(math.tan)),
        Builtin("abs", (1, 1), "abs(x) -> x", _same, abs),
        Builtin("min", (2, None), "min(a, b, ...)", _same_number, min),
        Builtin("max", (2, None), "max(a, b, ...)", _same_number, max),
        Builtin("floor", (1, 1), "floor(x: float) -> int",
                lambda a: _numbers(a) or t.INT, math.floor),
        Builtin("ceil", (1, 1), "ceil(x: float) -> int",
                lambda a: _numbers(a) or t.INT, math.ceil),
        Builtin("round", (1, 1), "round(x: float) -> int",
                lambda a: _numbers(a) or t.INT, round),
        Builtin("int", (1, 1), "int(x) -> int", lambda a: _numbers(a) or t.INT, int),
        Builtin("float", (1, 1), "float(x) -> float", _dimensionless, float),
        Builtin("len", (1, 1), "len(array) -> int", _array_length, len),
        Builtin("sum", (1, 1), "sum(array) -> number", _array_sum, sum),
    ]
}
