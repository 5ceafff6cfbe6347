"""Classical values of a batch of shots: numpy arrays with one entry per shot.

A scalar variable is an array of shape (B,); an array variable (B, n); a
tuple a Python tuple of such values; a string a plain str (strings never
differ between shots). Constants stay plain Python values and broadcast.
Only the shots in the active mask can raise an error: a division by zero in
a shot that does not take the branch is not one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from qnetlang.ir.evaluate import (INT_MAX, INT_MIN, OVERFLOW, EvaluationError, Operations,
                                  apply_binary, apply_unary)

Mask = np.ndarray | None

# Values every shot shares (constants, loop counters) stay plain Python values, and
# operators on them are the folding's own (qnetlang.ir.evaluate): same results, without
# a numpy call per operator.
_PLAIN = frozenset({int, float, bool})


def _active(mask: Mask, shape: tuple[int, ...]) -> np.ndarray:
    return np.ones(shape[:1] or (1,), bool) if mask is None else mask


def _check(bad: Any, mask: Mask, message: str) -> None:
    bad = np.asarray(bad)
    if bad.ndim == 0:
        if bool(bad):
            raise EvaluationError(message)
        return
    if np.any(bad & _active(mask, bad.shape)):
        raise EvaluationError(message)


def _as_int(value: Any) -> Any:
    return np.asarray(value).astype(np.int64)


def _number(value: Any) -> Any:
    """Booleans count as 0 and 1 in arithmetic, as in a folded constant (numpy would
    add them as a logical or)."""
    array = np.asarray(value)
    return array.astype(np.int64) if array.dtype == bool else value


def _integral(*values: Any) -> bool:
    return all(np.issubdtype(np.asarray(v).dtype, np.integer) for v in values)


# Whole numbers are 64-bit integers while the protocol runs, as when folded before it
# (qnetlang.ir.evaluate.checked_int): a result that wraps is an overflow error.

def _add(left: Any, right: Any, mask: Mask) -> Any:
    result = np.add(left, right)
    if _integral(left, right):
        _check((np.bitwise_xor(left, result) & np.bitwise_xor(right, result)) < 0, mask, OVERFLOW)
    return result


def _subtract(left: Any, right: Any, mask: Mask) -> Any:
    result = np.subtract(left, right)
    if _integral(left, right):
        _check((np.bitwise_xor(left, right) & np.bitwise_xor(left, result)) < 0, mask, OVERFLOW)
    return result


def _exact_overflow(left: Any, right: Any, estimate: Any, combine: Callable[[int, int], int]
                    ) -> Any:
    """Where a float estimate comes near the limit, the exact answer in Python integers."""
    left, right, estimate = np.broadcast_arrays(np.asarray(left), np.asarray(right),
                                                np.abs(estimate))
    overflow = np.zeros(estimate.shape, bool)
    for place in map(tuple, np.argwhere(estimate >= 2.0 ** 62)):
        value = combine(int(left[place]), int(right[place]))
        overflow[place] = not INT_MIN <= value <= INT_MAX
    return overflow


def _multiply(left: Any, right: Any, mask: Mask) -> Any:
    result = np.multiply(left, right)
    if _integral(left, right):
        estimate = np.multiply(np.asarray(left, float), right)
        _check(_exact_overflow(left, right, estimate, lambda a, b: a * b), mask, OVERFLOW)
    return result


def _power(left: Any, right: Any, mask: Mask) -> Any:
    if not _integral(left, right):
        result = np.power(np.asarray(left, dtype=float), right)
        _check(~np.isfinite(result), mask, "this power is not a real number")
        return result
    _check(np.asarray(right) < 0, mask, "a whole number to a negative power is not a whole "
                                          "number; use a float, e.g. `2.0 ** -1`")
    exponent = np.maximum(right, 0)
    estimate = np.power(np.abs(np.asarray(left, float)), exponent)
    overflow = _exact_overflow(left, exponent, estimate, lambda a, b: a ** b)
    _check(overflow, mask, OVERFLOW)
    # (-2) ** 63 is the least int, not an overflow: only the overflowing shots are zeroed
    return np.power(left, np.where(overflow, 0, exponent))


_ROUNDING: dict[str, Callable[[Any], Any]] = {
    "floor": np.floor, "ceil": np.ceil, "round": np.round, "int": np.trunc,
}


def _to_int(name: str, value: Any, mask: Mask) -> Any:
    """A number rounded to `int`; NaN, infinities and values past 64 bits are errors."""
    if _integral(value):
        return np.asarray(value)
    with np.errstate(all="ignore"):
        rounded = _ROUNDING[name](np.asarray(value, dtype=float))
    fits = (rounded >= -(2.0 ** 63)) & (rounded < 2.0 ** 63)
    _check(~fits, mask, f"{name} of a value that is not a 64-bit whole number")
    return np.where(fits, rounded, 0).astype(np.int64)


def _sum(values: Any, mask: Mask) -> Any:
    values = np.asarray(values)
    result = values.sum(axis=-1)
    if _integral(values):
        near = np.abs(values.astype(float)).sum(axis=-1) >= 2.0 ** 62
        overflow = np.zeros(result.shape, bool)
        for place in map(tuple, np.argwhere(near)):
            overflow[place] = not INT_MIN <= sum(int(v) for v in values[place]) <= INT_MAX
        _check(overflow, mask, OVERFLOW)
    return result


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "abs": np.abs,
    "float": lambda x: np.asarray(x, dtype=float),
    "min": lambda *xs: np.minimum.reduce(np.broadcast_arrays(*xs)),
    "max": lambda *xs: np.maximum.reduce(np.broadcast_arrays(*xs)),
    "len": lambda x: np.asarray(x).shape[-1],
    # Not a function of the language: the compiler's choice between two paths' values.
    "select": lambda condition, yes, no: np.where(condition, yes, no),
}


_ARITHMETIC: dict[str, Callable[[Any, Any, Mask], Any]] = {
    "+": _add, "-": _subtract, "*": _multiply, "**": _power,
}


def batch_operations(mask: Mask) -> Operations:
    """Operators on per-shot arrays; errors count only in the shots of `mask`."""
    if mask is None:
        return _UNMASKED
    return _operations(mask)


_BITWISE = {"&": np.bitwise_and, "|": np.bitwise_or, "^": np.bitwise_xor}


def _operations(mask: Mask) -> Operations:

    def binary(op: str, left: Any, right: Any) -> Any:
        if type(left) in _PLAIN and type(right) in _PLAIN:
            return apply_binary(op, left, right)
        if isinstance(left, (str, tuple)) or isinstance(right, (str, tuple)):
            if op == "==":
                return left == right
            if op == "!=":
                return left != right
            raise EvaluationError(f"`{op}` cannot combine these values")
        if op in _BITWISE:  # no floating-point error to silence: the commonest, kept cheap
            return _BITWISE[op](_as_int(left), _as_int(right))
        if op == "&&":
            return np.logical_and(left, right)
        if op == "||":
            return np.logical_or(left, right)
        with np.errstate(all="ignore"):
            if op in ("+", "-", "*", "/", "%", "**"):
                left, right = _number(left), _number(right)
            if op in ("/", "%"):
                _check(np.asarray(right) == 0, mask, "division by zero")
                divisor = np.where(np.asarray(right) == 0, 1, right)
                return np.true_divide(left, divisor) if op == "/" else np.mod(left, divisor)
            if op in _ARITHMETIC:
                return _ARITHMETIC[op](left, right, mask)
            return {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                    ">": np.greater, ">=": np.greater_equal}[op](left, right)

    def unary(op: str, operand: Any) -> Any:
        if type(operand) in _PLAIN:
            return apply_unary(op, operand)
        if op == "-":
            operand = _number(operand)
            if _integral(operand):
                _check(np.asarray(operand) == INT_MIN, mask, OVERFLOW)
            return np.negative(operand)
        if op == "!":
            return np.logical_not(operand)
        return np.invert(_as_int(operand))

    def builtin(name: str, args: list[Any]) -> Any:
        if name in _ROUNDING:
            return _to_int(name, args[0], mask)
        if name == "sum":
            return _sum(args[0], mask)
        if name == "abs" and _integral(args[0]):
            _check(np.asarray(args[0]) == INT_MIN, mask, OVERFLOW)
        with np.errstate(all="ignore"):
            result = _FUNCTIONS[name](*args)
        if name not in ("len", "select"):
            _check(~np.isfinite(np.asarray(result, dtype=float)), mask,
                   f"{name} of a value outside its domain")
        return result

    def element(container: Any, index: Any) -> Any:
        if isinstance(container, tuple):
            return container[int(index)]
        return take(np.asarray(container), index, mask)

    def array(items: list[Any]) -> Any:
        return np.stack(np.broadcast_arrays(*[np.asarray(i) for i in items]), axis=-1)

    return Operations(binary, unary, builtin, element, array)


_UNMASKED = _operations(None)


def positions(index: Any, size: int, mask: Mask) -> Any:
    """Checks an index (a number, or one per shot) against `size`; clips inactive shots."""
    if type(index) is int:
        if not 0 <= index < size:
            raise EvaluationError(f"an index is out of range 0..{size}")
        return np.asarray(index)
    index = np.asarray(index)
    whole = np.equal(np.mod(index, 1), 0)
    _check(~whole, mask, "an index is not a whole number")
    index = index.astype(np.int64)
    _check((index < 0) | (index >= size), mask, f"an index is out of range 0..{size}")
    return np.clip(index, 0, max(size - 1, 0))


def take(container: np.ndarray, index: Any, mask: Mask) -> Any:
    """`container[index]` per shot, for an array value of shape (n,) or (B, n)."""
    index = positions(index, container.shape[-1], mask)
    if index.ndim == 0:
        return container[..., int(index)]
    if container.ndim == 1:
        return container[index]
    return np.take_along_axis(container, index[:, None], axis=1)[:, 0]


def put(container: Any, index: Any, value: Any, mask: Mask, batch: int,
        in_place: bool = False) -> np.ndarray:
    """The array value with `value` at `index`, in the shots of `mask`: a copy, or with
    `in_place` (an array nothing else shares) the container itself when it already has
    a row per shot and a type that holds the value."""
    array = np.asarray(container)
    kind = np.result_type(array, np.asarray(value))
    if not (in_place and array.ndim == 2 and array.shape[0] == batch and array.dtype == kind):
        array = np.array(np.broadcast_to(array, (batch,) + array.shape[-1:]), dtype=kind)
    index = positions(index, array.shape[-1], mask)
    if mask is None and index.ndim == 0:  # the same element in every shot
        array[:, int(index)] = value
        return array
    index = np.broadcast_to(index, (batch,))
    rows = np.arange(batch)
    active = np.ones(batch, bool) if mask is None else mask
    values = np.broadcast_to(value, (batch,))
    array[rows[active], index[active]] = values[active]
    return array


def merge(mask: Mask, new: Any, old: Any, batch: int) -> Any:
    """`new` in the shots of `mask`, `old` elsewhere."""
    if mask is None or old is None:
        return new
    if isinstance(new, tuple):
        return tuple(merge(mask, n, o, batch) for n, o in zip(new, old, strict=True))
    if isinstance(new, str):
        return new
    new, old = np.asarray(new), np.asarray(old)
    shape = (batch,) + np.broadcast_shapes(new.shape[1:] if new.ndim else (),
                                           old.shape[1:] if old.ndim else ())
    condition = mask.reshape((batch,) + (1,) * (len(shape) - 1))
    return np.where(condition, np.broadcast_to(new, shape), np.broadcast_to(old, shape))


def uniform(value: Any) -> bool:
    """Whether a condition has one value over the whole batch."""
    array = np.asarray(value)
    return array.ndim == 0 or bool(np.all(array == array.flat[0]))


def first(value: Any) -> Any:
    array = np.asarray(value)
    return array.item() if array.ndim == 0 else array.flat[0].item()
