"""Classical values of a batch of shots: numpy arrays with one entry per shot.

A scalar variable is an array of shape (B,); an array variable (B, n); a
tuple a Python tuple of such values; a string a plain str (strings never
differ between shots). Constants stay plain Python values and broadcast.
A list, whose length may differ between shots, and a pulse train's records are
`PerShot` values: one object per shot, operated on shot by shot.
Only the shots in the active mask can raise an error: a division by zero in
a shot that does not take the branch is not one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qnetlang.builtins import ELEMENTWISE, REDUCING
from qnetlang.physical.sampling import Clicks
from qnetlang.ir.evaluate import (INT_MAX, INT_MIN, OVERFLOW, EvaluationError, Operations,
                                  apply_binary, apply_unary)

Mask = np.ndarray | None


@dataclass(frozen=True)
class PerShot:
    """A value with an object of its own in each shot: a list (a 1-D numpy array, of any
    length) or the records of a pulse train (qnetlang.physical.trains.Detections). One
    row stands for every shot (a list made of values the shots share, `indices(n)`)."""

    rows: tuple[Any, ...]

    @staticmethod
    def constant(value: Any) -> PerShot:
        """A list every shot shares (`[]`), read-only."""
        array = np.array(value)
        array.flags.writeable = False
        return PerShot((array,))


def _afford(needed: float, budget: float) -> None:
    if needed > budget:
        raise ListTooLarge(f"this list would take {needed / 2 ** 20:,.0f} MiB (all shots of "
                           f"the batch), more than the {budget / 2 ** 20:,.0f} MiB allowed")


def _row(value: Any, shot: int) -> Any:
    """One shot's part of a value: its list, or its number."""
    if isinstance(value, PerShot):
        return value.rows[shot if len(value.rows) > 1 else 0]
    if isinstance(value, np.ndarray) and value.ndim:
        return value[shot if len(value) > 1 else 0]
    return value


class ListTooLarge(EvaluationError):
    """A list value past the memory a batch may take."""


def per_shot(function: Callable[..., Any], values: tuple[Any, ...], mask: Mask,
             gather: bool = False, budget: float | None = None,
             size: Callable[..., float] | None = None) -> Any:
    """`function` of each shot's parts of `values`, in the shots of `mask`: a list value,
    or with `gather` one number per shot (0 in the others). Values every shot shares give
    a value every shot shares, computed once. A list value past `budget` bytes, all shots
    together, is refused: before a row is made where `size` gives its bytes from the
    shot's parts (a list made from a number, `indices(n)`), else after."""
    sizes = [len(v.rows) if isinstance(v, PerShot) else len(v) for v in values
             if isinstance(v, PerShot) or (isinstance(v, np.ndarray) and v.ndim)]
    batch = len(mask) if mask is not None else max(sizes, default=1)
    shared = mask is None and batch == 1 and not any(size > 1 for size in sizes)
    active = range(batch) if mask is None else np.flatnonzero(mask).tolist()
    results: list[Any] = [None] * batch
    taken = 0.0
    for shot in active:
        parts = [_row(v, shot) for v in values]
        if budget is not None and size is not None:
            _afford(taken + size(*parts), budget)
        results[shot] = function(*parts)
        if budget is not None and not gather:
            taken += np.asarray(results[shot]).nbytes
            _afford(taken, budget)
    if gather:
        if shared:
            return np.asarray(results[0])[()]
        found = [r for r in results if r is not None]
        kind = np.asarray(found[0]).dtype if found else np.int64
        return np.array([0 if r is None else r for r in results], dtype=kind)
    kind = np.asarray(results[active[0]]).dtype if len(active) else np.int64
    return PerShot(tuple(np.zeros(0, dtype=kind) if r is None else np.asarray(r)
                         for r in results))


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


def batch_operations(mask: Mask, budget: float | None = None) -> Operations:
    """Operators on per-shot arrays; errors count only in the shots of `mask`, and a list
    value may take `budget` bytes (None: no bound)."""
    if mask is None:
        return _unmasked(budget)
    return _operations(mask, budget)


_BITWISE = {"&": np.bitwise_and, "|": np.bitwise_or, "^": np.bitwise_xor}


def _operations(mask: Mask, budget: float | None = None) -> Operations:

    def binary(op: str, left: Any, right: Any) -> Any:
        if type(left) in _PLAIN and type(right) in _PLAIN:
            return apply_binary(op, left, right)
        if isinstance(left, PerShot) or isinstance(right, PerShot):
            return per_shot(lambda a, b: _UNMASKED.binary(op, _same_length(a, b), b),
                            (left, right), mask, budget=budget)
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
        if isinstance(operand, PerShot):
            return per_shot(lambda a: _UNMASKED.unary(op, a), (operand,), mask, budget=budget)
        if op == "-":
            operand = _number(operand)
            if _integral(operand):
                _check(np.asarray(operand) == INT_MIN, mask, OVERFLOW)
            return np.negative(operand)
        if op == "!":
            return np.logical_not(operand)
        return np.invert(_as_int(operand))

    def builtin(name: str, args: list[Any]) -> Any:
        if name in _PER_SHOT and (name not in ("len", "sum") or isinstance(args[0], PerShot)):
            return _PER_SHOT[name](args, mask, budget)
        if name in REDUCING and len(args) == 1:
            return per_shot(lambda row: _extreme(row, name == "min"), (args[0],), mask,
                            gather=True)
        if name in ELEMENTWISE and any(isinstance(arg, PerShot) for arg in args):
            return per_shot(lambda *items: _UNMASKED.builtin(name, _same_lengths(items)),
                            tuple(args), mask, budget=budget)
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
        if isinstance(container, PerShot):
            return per_shot(lambda row, at: row[int(positions(at, len(row), None))],
                            (container, index), mask, gather=True)
        return take(np.asarray(container), index, mask)

    def array(items: list[Any]) -> Any:
        return np.stack(np.broadcast_arrays(*[np.asarray(i) for i in items]), axis=-1)

    return Operations(binary, unary, builtin, element, array)


_UNMASKED = _operations(None)


@functools.cache
def _unmasked(budget: float | None) -> Operations:
    """The operations without a mask, made once per budget (they are the commonest)."""
    return _UNMASKED if budget is None else _operations(None, budget)


def _sum_row(row: np.ndarray) -> Any:
    return _sum(row.astype(np.int64) if row.dtype == bool else row, None)


def _pick_row(row: np.ndarray, at: np.ndarray) -> np.ndarray:
    return row[positions(np.asarray(at, dtype=np.int64), len(row), None)] if len(at) else row[:0]


def _looked_up(record: Any, at: np.ndarray) -> np.ndarray:
    """Where the pulses `at` are among a train's detected ones (the sender's record keeps
    its choices for those; a receiver's, its own clicks)."""
    at = np.asarray(at, dtype=np.int64)
    where = np.searchsorted(record.index, at)
    inside = where < len(record.index)
    found = inside & (record.index[np.minimum(where, max(len(record.index) - 1, 0))] == at) \
        if len(record.index) else np.zeros(len(at), bool)
    if not found.all():
        pulse = int(at[~found][0])
        if isinstance(record, Clicks):
            raise EvaluationError(f"pulse {pulse} of the train was not detected by this "
                                  "receiver: its record holds the pulses it detected "
                                  "(`detected`; `common` finds those both sides did)")
        raise EvaluationError(f"pulse {pulse} of the train was not detected: the simulation "
                              "keeps the sender's choices for the detected pulses only "
                              "(docs/physical.md)")
    return where


def _sender(field: str) -> Callable[[list[Any], Mask, float | None], Any]:
    """The sender's record of `field` at the pulses named."""
    def looked_up(args: list[Any], mask: Mask, budget: float | None) -> Any:
        return per_shot(lambda record, at: getattr(record, field)[_looked_up(record, at)]
                        .astype(np.int64 if field == "intensity" else np.int8),
                        (args[0], args[1]), mask)
    return looked_up


def _receiver(read: Callable[[Any], np.ndarray]) -> Callable[[list[Any], Mask, float | None],
                                                              Any]:
    return lambda args, mask, budget: per_shot(read, (args[0],), mask)


def _class_of(record: Any, cls: Any) -> int:
    cls, classes = int(cls), len(record.sent)
    if not 0 <= cls < classes:
        held = "class 0 only" if classes == 1 else f"classes 0 to {classes - 1}"
        raise EvaluationError(f"intensity class {cls}: the source's pulses are of {held}")
    return cls


def _either(sender_field: str, receiver_field: str
            ) -> Callable[[list[Any], Mask, float | None], Any]:
    """`bases` and `bits`: a receiver's of each click (or of the clicked pulses given), or
    the sender's at given pulses. The type check told the records apart; a list of no
    shot's records is empty in every shot."""
    sender = _sender(sender_field)

    def read(args: list[Any], mask: Mask, budget: float | None) -> Any:
        if len(args) == 1:
            return per_shot(lambda record: getattr(record, receiver_field), (args[0],), mask)
        if any(isinstance(row, Clicks) for row in args[0].rows):
            return per_shot(lambda record, at: getattr(record, receiver_field)[
                _looked_up(record, at)], (args[0], args[1]), mask)
        return sender(args, mask, budget)
    return read


MAX_LIST = 1 << 31  # elements of a list a built-in makes


def list_length(n: Any, what: str = "length") -> int:
    """A number of elements a built-in makes a list of, checked."""
    if int(n) != n or not 0 <= n <= MAX_LIST:
        raise EvaluationError(f"a list's {what} is a whole number, 0 to {MAX_LIST:,}, not {n}")
    return int(n)


def _permutation(n: Any, seed: Any) -> np.ndarray:
    """A shuffle of 0..n decided by the seed alone (numpy's PCG64), so that two roles
    given the same seed make the same one."""
    if int(seed) != seed:
        raise EvaluationError(f"a seed is a whole number, not {seed}")
    generator = np.random.Generator(np.random.PCG64(int(seed) % 2 ** 64))
    return generator.permutation(list_length(n))


def _concat(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.concatenate([first, second.astype(np.result_type(first, second))])


def _extreme(values: np.ndarray, least: bool) -> Any:
    """`min(x)` or `max(x)` of a list, as a Python number (a bit list's stays a number
    that later sums cannot overflow)."""
    if not len(values):
        raise EvaluationError(f"the {'least' if least else 'greatest'} element of an "
                              "empty list")
    return (values.min() if least else values.max()).item()


def _push(queue: np.ndarray, value: Any) -> np.ndarray:
    """`push(q, x)`: a new list, q then x (lists are values: q itself is unchanged)."""
    return np.append(queue, np.asarray(value).astype(np.result_type(queue, value)))


def _drop(queue: np.ndarray, count: Any) -> np.ndarray:
    """`drop(q, n)`: q without its first n elements."""
    if int(count) != count or count < 0:
        raise EvaluationError(f"drop takes a whole number of elements, 0 or more, not {count}")
    count = int(count)
    if count > len(queue):
        raise EvaluationError(f"cannot drop {count} of a list of {len(queue)}")
    return queue[count:]


def _find(queue: np.ndarray, value: Any) -> int:
    """`find(q, x)`: the first position of x in q, -1 where it is not."""
    found = np.flatnonzero(queue == value)
    return int(found[0]) if len(found) else -1


def _parities(bits: np.ndarray, order: np.ndarray, starts: np.ndarray,
              ends: np.ndarray) -> np.ndarray:
    """The parity of bits[order[s]], ..., bits[order[e - 1]] for each range [s, e): a
    difference of prefix parities, so that any number of ranges costs one pass."""
    if len(starts) != len(ends):
        raise EvaluationError(f"{len(starts)} starts and {len(ends)} ends")
    taken = np.asarray(bits, np.int8)[positions(np.asarray(order, np.int64), len(bits), None)] \
        if len(order) else np.zeros(0, np.int8)
    prefix = np.concatenate([[0], np.bitwise_xor.accumulate(taken)]).astype(np.int8)
    starts, ends = np.asarray(starts, np.int64), np.asarray(ends, np.int64)
    if np.any((starts < 0) | (starts > ends) | (ends > len(taken))):
        raise EvaluationError(f"a range is not within 0..{len(taken)} (a start after its end, "
                              "or past the order's length)")
    return prefix[ends] ^ prefix[starts]


def _flip(bits: np.ndarray, at: np.ndarray) -> np.ndarray:
    flipped = np.asarray(bits, np.int8).copy()
    where = positions(np.asarray(at, np.int64), len(flipped), None) if len(at) else \
        np.zeros(0, np.int64)
    np.bitwise_xor.at(flipped, where, 1)  # a position given twice is flipped twice
    return flipped


def _toeplitz(bits: np.ndarray, seed: np.ndarray, m: Any) -> np.ndarray:
    """y = T x mod 2 for the m × n Toeplitz matrix T[i, j] = seed[i - j + n - 1]: the
    middle of the convolution of seed and x, computed exactly by FFT (counts up to n,
    rounded to the nearest whole number)."""
    m, n = list_length(m, "output length"), len(bits)
    if m == 0 or n == 0:  # no output, or nothing to hash: no seed is needed
        return np.zeros(m, np.int8)
    if len(seed) != n + m - 1:
        raise EvaluationError(f"a Toeplitz hash of {n} bits to {m} takes {n + m - 1} seed "
                              f"bits, not {len(seed)}")
    size = 1 << (n + len(seed) - 2).bit_length()  # at least the full convolution's length
    product = np.fft.irfft(np.fft.rfft(np.asarray(seed, float), size) *
                           np.fft.rfft(np.asarray(bits, float), size), size)
    counts = np.rint(product[n - 1:n - 1 + m]).astype(np.int64)
    return (counts & 1).astype(np.int8)


# Built-ins on lists and trains, shot by shot (`len` and `sum` of arrays are numpy's).
_PER_SHOT: dict[str, Callable[[list[Any], Mask, float | None], Any]] = {
    "len": lambda args, mask, budget: per_shot(len, (args[0],), mask, gather=True),
    "sum": lambda args, mask, budget: per_shot(_sum_row, (args[0],), mask, gather=True),
    "where": lambda args, mask, budget: per_shot(
        lambda row: np.flatnonzero(row).astype(np.int64), (args[0],), mask, budget=budget),
    "pick": lambda args, mask, budget: per_shot(_pick_row, (args[0], args[1]), mask,
                                                budget=budget),
    "parity": lambda args, mask, budget: per_shot(
        lambda row: np.int8(np.bitwise_xor.reduce(np.asarray(row, np.int8)) if len(row)
                            else 0), (args[0],), mask, gather=True),
    "list": lambda args, mask, budget: PerShot.constant(args[0]) if np.ndim(args[0]) < 2
    else PerShot(tuple(np.asarray(args[0]))),
    "indices": lambda args, mask, budget: per_shot(
        lambda n: np.arange(list_length(n), dtype=np.int64), (args[0],), mask, budget=budget,
        size=lambda n: 8.0 * list_length(n)),
    "permutation": lambda args, mask, budget: per_shot(
        _permutation, (args[0], args[1]), mask, budget=budget,
        size=lambda n, _: 8.0 * list_length(n)),
    "concat": lambda args, mask, budget: per_shot(
        _concat, (args[0], args[1]), mask, budget=budget,
        size=lambda a, b: float(a.nbytes + b.nbytes)),
    "push": lambda args, mask, budget: per_shot(
        _push, (args[0], args[1]), mask, budget=budget,
        size=lambda a, _: float(a.nbytes + a.itemsize)),
    "drop": lambda args, mask, budget: per_shot(_drop, (args[0], args[1]), mask),
    "find": lambda args, mask, budget: per_shot(_find, (args[0], args[1]), mask, gather=True),
    "parities": lambda args, mask, budget: per_shot(_parities, tuple(args), mask,
                                                    budget=budget),
    "flip": lambda args, mask, budget: per_shot(_flip, (args[0], args[1]), mask,
                                                budget=budget),
    "toeplitz": lambda args, mask, budget: per_shot(_toeplitz, tuple(args), mask,
                                                    budget=budget),
    "common": lambda args, mask, budget: per_shot(
        lambda a, b: np.intersect1d(np.asarray(a, np.int64), np.asarray(b, np.int64)),
        (args[0], args[1]), mask, budget=budget),
    "detected": _receiver(lambda record: record.index),
    "double_clicks": _receiver(lambda record: record.clicks == 3),
    "click_times": _receiver(lambda record: record.time),
    "bases": _either("alice_basis", "basis"),
    "bits": _either("alice_bit", "bit"),
    "intensities": _sender("intensity"),
    "pulses_of": lambda args, mask, budget: per_shot(
        lambda record, cls: int(record.sent[_class_of(record, cls)]), (args[0], args[1]),
        mask, gather=True),
    "mean_photons": lambda args, mask, budget: per_shot(
        lambda record, cls: float(record.means[_class_of(record, cls)]), (args[0], args[1]),
        mask, gather=True),
}


def _same_lengths(items: tuple[Any, ...]) -> list[Any]:
    """The arguments of `min` or `max` over lists, which must be of one length."""
    for item in items[1:]:
        _same_length(items[0], item)
    return list(items)


def _same_length(left: Any, right: Any) -> Any:
    if np.ndim(left) and np.ndim(right) and np.shape(left) != np.shape(right):
        raise EvaluationError(f"lists of different lengths ({len(left)} and {len(right)}) "
                              "combine element by element")
    return left


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
    if index.ndim == 0:  # a copy: the array may later change in place (`put`)
        element = container[..., int(index)]
        if (element.ndim == 0 or element.shape == (1,)) and element.dtype.kind in "biuf":
            return element.reshape(()).item()  # one number: a plain one
        return element.copy()
    if container.ndim == 1:
        return container[index]
    return np.take_along_axis(container, index[:, None], axis=1)[:, 0]


def put(container: Any, index: Any, value: Any, mask: Mask, batch: int,
        in_place: bool = False) -> Any:
    """The array value with `value` at `index`, in the shots of `mask`: a copy, or with
    `in_place` (an array nothing else shares) the container itself when it already has
    a row per shot and a type that holds the value. A list's rows are copied."""
    if isinstance(container, PerShot):
        def changed(row: np.ndarray, at: Any, item: Any) -> np.ndarray:
            row = row.astype(np.result_type(row, np.asarray(item)))  # a copy
            row[int(positions(at, len(row), None))] = item
            return row
        edited = per_shot(changed, (container, index, value), mask)
        return merge(np.ones(batch, bool) if mask is None else mask, edited, container, batch)
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
    if isinstance(new, PerShot) or isinstance(old, PerShot):
        return PerShot(tuple(_row(new, shot) if mask[shot] else _row(old, shot)
                             for shot in range(batch)))
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
