"""Built-in constants and functions: their types, and how to fold them.

`random`, `uniform`, `uniforms`, `coins`, `now`, `fidelity`, `latency` and the
network's (`next_hop`, `hop_count`, `neighbours`, `transmittance`) depend on the run
and are never folded; the others are pure and fold when their arguments are
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
    if len(arguments) == 1:  # `min(x)` of a list: one of its elements
        if t.is_error(arguments[0]):
            return t.ERROR
        if not isinstance(arguments[0], t.List):
            return f"one argument is a list, whose least or greatest element this is, not " \
                   f"{t.describe(arguments[0])}; of numbers, give two or more"
        return _numbers([arguments[0].element]) or arguments[0].element
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
    if not isinstance(arguments[0], (t.Array, t.List)) and not t.is_error(arguments[0]):
        return f"expected an array or a list, found {t.describe(arguments[0])}"
    return t.INT


def _array_sum(arguments: list[t.Type]) -> t.Type | str:
    array = arguments[0]
    if t.is_error(array):
        return t.ERROR
    if not isinstance(array, (t.Array, t.List)) or not t.is_numeric(array.element):
        return f"expected an array or a list of numbers, found {t.describe(array)}"
    return t.INT if t.is_integral(array.element) else array.element


# ---------------------------------------------------------------- lists and pulse trains

INDICES = t.List(t.INT)
PULSES = t.Scalar("pulses")  # `pulses(n)`: only the value of a `send`
PAIRS = t.Scalar("pairs")  # `pairs(n)`: likewise
TRAINS = (PULSES, PAIRS)


def _list_of(argument: t.Type, elements: str = "") -> str | None:
    """Why `argument` is not a list (of bits, with `elements`), or None."""
    if t.is_error(argument):
        return None
    if isinstance(argument, t.Array):
        return f"expected a list, found {t.describe(argument)}: make one with `list(...)`"
    if not isinstance(argument, t.List):
        return f"expected a list, found {t.describe(argument)}"
    if elements == "bits" and not t.is_bitlike(argument.element) and \
            not t.is_error(argument.element):
        return f"expected a list of bits, found {t.describe(argument)}"
    return None


def _whole_numbers(argument: t.Type) -> bool:
    """Whether a list (if it is one) holds whole numbers: ints, not the bits or booleans
    of a mask (`where(mask)` gives the positions of its 1s)."""
    return not isinstance(argument, t.List) or argument.element in (t.INT, t.ERROR)


def _where(arguments: list[t.Type]) -> t.Type | str:
    return _list_of(arguments[0], "bits") or INDICES


def _pick(arguments: list[t.Type]) -> t.Type | str:
    values, at = arguments
    problem = _list_of(values) or _list_of(at)
    if problem:
        return problem
    if not _whole_numbers(at):
        return "the positions are an int[] (a mask's are `where(mask)`)"
    return values if isinstance(values, t.List) else t.ERROR


def _parity(arguments: list[t.Type]) -> t.Type | str:
    return _list_of(arguments[0], "bits") or t.BIT


def _coins(arguments: list[t.Type]) -> t.Type | str:
    count, probability = arguments
    problem = _count(count, "the number of coins") or _dimensionless([probability])
    return problem if isinstance(problem, str) else t.List(t.BOOL)


def _count(argument: t.Type, what: str) -> str | None:
    if t.is_integral(argument) or t.is_error(argument):
        return None
    return f"{what} is a whole number, not {t.describe(argument)}"


def _list(arguments: list[t.Type]) -> t.Type | str:
    array = arguments[0]
    if t.is_error(array):
        return t.ERROR
    if not isinstance(array, t.Array) or t.contains_qubit(array) or \
            not isinstance(array.element, t.Scalar | t.Quantity):
        return f"expected an array of numbers or bits, found {t.describe(array)}"
    return t.List(array.element) if not t.is_error(array.element) else t.List(t.INT)


def _indices(arguments: list[t.Type]) -> t.Type | str:
    return _count(arguments[0], "the length") or INDICES


def _permutation(arguments: list[t.Type]) -> t.Type | str:
    return _count(arguments[0], "the length") or _count(arguments[1], "the seed") or INDICES


def _concat(arguments: list[t.Type]) -> t.Type | str:
    first, second = arguments
    problem = _list_of(first) or _list_of(second)
    if problem:
        return problem
    if isinstance(first, t.List) and isinstance(second, t.List) and \
            not t.assignable(first, second):
        return f"the lists hold different types: {first} and {second}"
    return first if isinstance(first, t.List) else t.ERROR


def _list_and_element(arguments: list[t.Type], verb: str) -> t.List | str | None:
    """The list of `push(q, x)` or `find(q, x)`, where x is of its elements' type; else
    why not (None: after an error already reported)."""
    values, value = arguments
    problem = _list_of(values)
    if problem or not isinstance(values, t.List):
        return problem
    if not t.is_error(value) and not t.assignable(values.element, value):
        return f"`{values}` {verb} values of type {values.element}, not {t.describe(value)}"
    return values


def _push(arguments: list[t.Type]) -> t.Type | str:
    found = _list_and_element(arguments, "holds")
    return t.ERROR if found is None else found


def _drop(arguments: list[t.Type]) -> t.Type | str:
    queue, count = arguments
    return _list_of(queue) or _count(count, "the number of elements dropped") or \
        (queue if isinstance(queue, t.List) else t.ERROR)


def _find(arguments: list[t.Type]) -> t.Type | str:
    found = _list_and_element(arguments, "is searched for")
    return t.ERROR if found is None else found if isinstance(found, str) else t.INT


def _parities(arguments: list[t.Type]) -> t.Type | str:
    bits, order, starts, ends = arguments
    problem = _list_of(bits, "bits") or _list_of(order) or _list_of(starts) or _list_of(ends)
    if problem:
        return problem
    if not all(_whole_numbers(argument) for argument in (order, starts, ends)):
        return "the order and the ranges are lists of whole numbers"
    return t.List(t.BIT)


def _flip(arguments: list[t.Type]) -> t.Type | str:
    bits, at = arguments
    problem = _list_of(bits, "bits") or _list_of(at)
    if problem:
        return problem
    if not _whole_numbers(at):
        return "the positions are a list of whole numbers"
    return bits


def _toeplitz(arguments: list[t.Type]) -> t.Type | str:
    bits, seed, length = arguments
    return _list_of(bits, "bits") or _list_of(seed, "bits") or \
        _count(length, "the output's length") or t.List(t.BIT)


# The functions that apply to each element of a list given in their place (`min` and
# `max` of two or more; of one list, they reduce it).
ELEMENTWISE = frozenset({"sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan", "abs",
                         "min", "max", "floor", "ceil", "round"})
REDUCING = frozenset({"min", "max"})


def _pulses(arguments: list[t.Type]) -> t.Type | str:
    return _count(arguments[0], "the number of pulses") or PULSES


def _pairs(arguments: list[t.Type]) -> t.Type | str:
    return _count(arguments[0], "the number of pulses") or PAIRS


def _common(arguments: list[t.Type]) -> t.Type | str:
    problem = _list_of(arguments[0]) or _list_of(arguments[1])
    if problem:
        return problem
    if not all(_whole_numbers(argument) for argument in arguments):
        return "the pulses are named by their numbers: lists of whole numbers"
    return INDICES


def _clicks_record(result: t.Type) -> Callable[[list[t.Type]], t.Type | str]:
    """A built-in on a receiver's record, and the pulses numbered in a list, if it takes
    them."""
    def check(arguments: list[t.Type]) -> t.Type | str:
        if arguments[0] not in (t.CLICKS, t.ERROR):
            return f"expected the clicks of a train (`recv clicks from ...`), found " \
                   f"{t.describe(arguments[0])}"
        return _pulses_named(arguments[1:]) or result
    return check


def _pulses_named(arguments: list[t.Type]) -> str | None:
    """Why the pulses named (a list, if given) are not a list of pulse numbers."""
    if not arguments:
        return None
    problem = _list_of(arguments[0])
    if problem:
        return problem
    if not _whole_numbers(arguments[0]):
        return "the pulses are named by their numbers: a list of whole numbers"
    return None


def _train_record(result: t.Type) -> Callable[[list[t.Type]], t.Type | str]:
    """A built-in on the sender's record, and the pulses numbered in a list, if it takes
    them."""
    def check(arguments: list[t.Type]) -> t.Type | str:
        if arguments[0] not in (t.TRAIN, t.ERROR):
            return f"expected a train sent (`let sent = send pulses(n) to ...`), found " \
                   f"{t.describe(arguments[0])}"
        return _pulses_named(arguments[1:]) or result
    return check


def _of_class(result: t.Type) -> Callable[[list[t.Type]], t.Type | str]:
    """A built-in on the sender's record and an intensity class."""
    def check(arguments: list[t.Type]) -> t.Type | str:
        if not t.is_integral(arguments[1]) and not t.is_error(arguments[1]):
            return "the class is a whole number: 0 signal, 1 decoy, 2 vacuum"
        return _train_record(result)(arguments[:1])
    return check


def _either_record(result: t.Type) -> Callable[[list[t.Type]], t.Type | str]:
    """`bases` and `bits`: the receiver's of each click (or of the clicked pulses
    given), or the sender's at given pulses."""
    def check(arguments: list[t.Type]) -> t.Type | str:
        if len(arguments) == 1 or arguments[0] == t.CLICKS:
            return _clicks_record(result)(arguments)
        return _train_record(result)(arguments)
    return check


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
        Builtin("next_hop", (1, 1), "next_hop(k: int) -> int (the member of this role's "
                "family a message to member k goes to first)",
                lambda a: _count(a[0], "a member") or t.INT),
        Builtin("hop_count", (1, 1), "hop_count(k: int) -> int (the channels a message to "
                "member k of this role's family crosses)",
                lambda a: _count(a[0], "a member") or t.INT),
        Builtin("transmittance", (1, 1), "transmittance(k: int) -> float (of the quantum "
                "channel from this node to member k's, its losses all counted)",
                lambda a: _count(a[0], "a member") or t.FLOAT),
        Builtin("neighbours", (0, 0), "neighbours() -> int[] (the members of this role's "
                "family a classical channel from its node reaches)", lambda a: INDICES),
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
        Builtin("min", (1, None), "min(a, b, ...) or min(x: T[]) -> T (its least element)",
                _same_number, min),
        Builtin("max", (1, None), "max(a, b, ...) or max(x: T[]) -> T (its greatest "
                "element)", _same_number, max),
        Builtin("floor", (1, 1), "floor(x: float) -> int",
                lambda a: _numbers(a) or t.INT, math.floor),
        Builtin("ceil", (1, 1), "ceil(x: float) -> int",
                lambda a: _numbers(a) or t.INT, math.ceil),
        Builtin("round", (1, 1), "round(x: float) -> int",
                lambda a: _numbers(a) or t.INT, round),
        Builtin("int", (1, 1), "int(x) -> int", lambda a: _numbers(a) or t.INT, int),
        Builtin("float", (1, 1), "float(x) -> float", _dimensionless, float),
        Builtin("len", (1, 1), "len(array or list) -> int", _array_length, len),
        Builtin("sum", (1, 1), "sum(array or list) -> number", _array_sum, sum),
        Builtin("where", (1, 1), "where(x: bit[]) -> int[] (the positions of the 1s)", _where),
        Builtin("pick", (2, 2), "pick(x: T[], at: int[]) -> T[] (x[at[0]], x[at[1]], ...)",
                _pick),
        Builtin("parity", (1, 1), "parity(x: bit[]) -> bit", _parity),
        Builtin("list", (1, 1), "list(a: T[n]) -> T[] (the array's elements as a list)",
                _list),
        Builtin("indices", (1, 1), "indices(n: int) -> int[] (0, 1, ..., n - 1)", _indices),
        Builtin("permutation", (2, 2), "permutation(n: int, seed: int) -> int[] (a shuffle "
                "of 0..n that the seed decides)", _permutation),
        Builtin("concat", (2, 2), "concat(a: T[], b: T[]) -> T[]", _concat),
        Builtin("push", (2, 2), "push(q: T[], x: T) -> T[] (q, then x: a queue's tail)",
                _push),
        Builtin("drop", (2, 2), "drop(q: T[], n: int) -> T[] (q without its first n: a "
                "queue's rest)", _drop),
        Builtin("find", (2, 2), "find(q: T[], x: T) -> int (the first position of x in q, "
                "-1 if none: a lookup of keys)", _find),
        Builtin("parities", (4, 4), "parities(x: bit[], order: int[], starts: int[], ends: "
                "int[]) -> bit[] (of x[order[s]] ... x[order[e - 1]], each range)", _parities),
        Builtin("flip", (2, 2), "flip(x: bit[], at: int[]) -> bit[] (x, its bits at `at` "
                "flipped)", _flip),
        Builtin("toeplitz", (3, 3), "toeplitz(x: bit[], seed: bit[], m: int) -> bit[] (m "
                "bits: x times the m × len(x) Toeplitz matrix of len(x) + m - 1 seed bits)",
                _toeplitz),
        Builtin("pulses", (1, 1), "send pulses(n: int) to r", _pulses),
        Builtin("pairs", (1, 1), "send pairs(n: int) to r", _pairs),
        Builtin("common", (2, 2), "common(a: int[], b: int[]) -> int[] (the numbers in both, "
                "in increasing order)", _common),
        Builtin("uniforms", (1, 1), "uniforms(n: int) -> float[] (n numbers, each uniform "
                "in [0, 1))", lambda a: _count(a[0], "the length") or t.List(t.FLOAT)),
        Builtin("coins", (2, 2), "coins(n: int, p: float) -> bool[] (each true with "
                "probability p)", _coins),
        Builtin("detected", (1, 1), "detected(c: clicks) -> int[] (the pulses detected)",
                _clicks_record(INDICES)),
        Builtin("double_clicks", (1, 1), "double_clicks(c: clicks) -> bool[]",
                _clicks_record(t.List(t.BOOL))),
        Builtin("click_times", (1, 1), "click_times(c: clicks) -> time[]",
                _clicks_record(t.List(t.Quantity(units.TIME)))),
        Builtin("bases", (1, 2), "bases(c: clicks or train, at: int[]) -> bit[] (0: Z, 1: X; "
                "a receiver's `at` may be left out: all its clicks)",
                _either_record(t.List(t.BIT))),
        Builtin("bits", (1, 2), "bits(c: clicks or train, at: int[]) -> bit[] (a receiver's "
                "`at` may be left out: all its clicks)", _either_record(t.List(t.BIT))),
        Builtin("intensities", (2, 2), "intensities(s: train, at: int[]) -> int[] (0: signal, "
                "1: decoy, 2: vacuum)", _train_record(INDICES)),
        Builtin("pulses_of", (2, 2),
                "pulses_of(s: train, class: int) -> int (pulses sent of the class)",
                _of_class(t.INT)),
        Builtin("mean_photons", (2, 2), "mean_photons(s: train, class: int) -> float",
                _of_class(t.FLOAT)),
    ]
}
