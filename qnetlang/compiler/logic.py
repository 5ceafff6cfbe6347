"""Conditions of a compiled circuit as boolean functions of the measured bits.

The lowering leaves each condition as an expression over the bits (`c3 ^ c5`,
`select(c1, c2 + c3, 0) == 2`), with the language's own meaning: integers,
comparisons and arithmetic included. A circuit can only test bits, so each
condition becomes a boolean function, and the function a sum of cubes: an
exclusive or of conjunctions of literals, which both circuit forms build from
one-bit tests (nested `if`s) or controlled X gates.

A condition that reads few bits is tabulated: evaluated on every assignment of
its bits with the simulator's own operators (`runtime.values.batch_operations`),
so its meaning cannot drift from the simulator's; the table is then written as
cubes, the cheaper of a disjoint cover and the positive Reed–Muller form (a
parity of many bits stays one cube per bit). A condition over more bits is
taken apart where it is plainly boolean (`!`, `&&`, `||`, `^` and `==` of
truth values, a selection between truth values) and its parts tabulated; what
is left is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qnetlang.compiler.circuit import bit_index
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import EvaluationError, evaluate
from qnetlang.runtime.values import batch_operations

MAX_TABULATED = 12  # bits of one table (4,096 rows)
MAX_CUBES = 4096  # cubes of one condition taken apart


class NotALogicFunction(Exception):
    """A condition no circuit of one-bit tests computes (too many bits, not boolean, or
    not computable on some outcomes); `help` says what to do."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


_FEWER = "a compiled condition tests measured bits: compare fewer outcomes at once"


@dataclass(frozen=True)
class Cube:
    """A conjunction of literals: each (bit, value) holds. No literal: always true."""

    literals: tuple[tuple[int, bool], ...] = ()

    def __and__(self, other: Cube) -> Cube | None:
        """Both cubes hold (None: never, as a bit would need both values)."""
        merged = dict(self.literals)
        for bit, value in other.literals:
            if merged.setdefault(bit, value) != value:
                return None
        return Cube(tuple(sorted(merged.items())))

    @property
    def cost(self) -> int:
        return 1 + 2 * len(self.literals) + sum(not value for _, value in self.literals)


@dataclass(frozen=True)
class Logic:
    """A boolean function as an exclusive or of cubes (no cube: never true)."""

    cubes: tuple[Cube, ...]

    @property
    def constant(self) -> bool | None:
        if not self.cubes:
            return False
        if self.cubes == (Cube(),):
            return True
        return None

    @property
    def literal(self) -> tuple[int, bool] | None:
        """(bit, value) when the function is one bit having a value."""
        if len(self.cubes) == 1 and len(self.cubes[0].literals) == 1:
            return self.cubes[0].literals[0]
        if len(self.cubes) == 2 and Cube() in self.cubes:
            other = next(cube for cube in self.cubes if cube != Cube())
            if len(other.literals) == 1:
                bit, value = other.literals[0]
                return bit, not value
        return None

    @property
    def parity(self) -> tuple[frozenset[int], bool] | None:
        """(bits, negated) when the function is the parity of some bits, or its negation."""
        bits: set[int] = set()
        negated = False
        for cube in self.cubes:
            if len(cube.literals) > 1:
                return None
            for bit, value in cube.literals:
                bits ^= {bit}
                negated ^= not value
            negated ^= not cube.literals
        return frozenset(bits), negated

    @property
    def cost(self) -> int:
        return sum(cube.cost for cube in self.cubes)


def xor(cubes: Iterable[Cube]) -> tuple[Cube, ...]:
    """An exclusive or of cubes, each cube that appears twice cancelled."""
    odd: dict[Cube, None] = {}
    for cube in cubes:
        if cube in odd:
            del odd[cube]
        else:
            odd[cube] = None
    return tuple(odd)


def logic_of(condition: Any) -> Logic:
    """The condition (a truth value, or an expression over bits) as cubes."""
    if not isinstance(condition, ir.Expr):
        return Logic((Cube(),) if condition else ())
    return Logic(_Tabulation().cubes(condition))


class _Tabulation:
    """One condition taken apart. Both memos keep the expressions they are keyed by
    alive, so that an id is never reused within one condition: the lowering shares
    subexpressions (a flag flipped in a loop nests `select(m, !f, f)`), which are
    worked out once."""

    def __init__(self) -> None:
        self.read: dict[int, tuple[ir.Expr, frozenset[int]]] = {}
        self.found: dict[int, tuple[ir.Expr, tuple[Cube, ...]]] = {}

    def bits(self, expr: ir.Expr) -> frozenset[int]:
        if id(expr) not in self.read:
            if isinstance(expr, ir.Var):
                found = frozenset({bit_index(expr)})
            else:
                found = frozenset().union(*(self.bits(child) for child in ir.children(expr)))
            self.read[id(expr)] = (expr, found)
        return self.read[id(expr)][1]

    def cubes(self, expr: ir.Expr) -> tuple[Cube, ...]:
        if id(expr) not in self.found:
            self.found[id(expr)] = (expr, self.work_out(expr))
        return self.found[id(expr)][1]

    def work_out(self, expr: ir.Expr) -> tuple[Cube, ...]:
        bits = sorted(self.bits(expr))
        if len(bits) <= MAX_TABULATED:
            return _from_table(bits, _table(expr, bits))
        parts = _boolean_parts(expr)
        if parts is None:
            raise NotALogicFunction(f"this condition reads {len(bits)} measured bits "
                                    f"(at most {MAX_TABULATED} unless it is a parity or a "
                                    "conjunction of truth values)", _FEWER)
        op, operands = parts
        pieces = [self.cubes(operand) for operand in operands]
        if op == "not":
            return xor((*pieces[0], Cube()))
        if op == "xor":
            return xor(cube for piece in pieces for cube in piece)
        if op == "and":
            return _and(*pieces)
        if op == "or":  # a | b = a ^ b ^ ab
            return xor((*pieces[0], *pieces[1], *_and(*pieces)))
        choice, yes, no = pieces  # select: c·a ^ !c·b (the two are never both true)
        return xor((*_and(choice, yes), *_and(xor((*choice, Cube())), no)))


def _and(left: tuple[Cube, ...], right: tuple[Cube, ...]) -> tuple[Cube, ...]:
    if len(left) * len(right) > MAX_CUBES:
        raise NotALogicFunction("this condition is too large a function of measured bits "
                                f"(more than {MAX_CUBES:,} terms)", _FEWER)
    return xor(both for a in left for b in right if (both := a & b) is not None)


def is_boolean(expr: Any) -> bool:
    """Whether the value (an expression over bits, or a constant) is always a truth value
    or a bit: 0 or 1."""
    if not isinstance(expr, ir.Expr):
        return isinstance(expr, (bool, int)) and expr in (0, 1)
    if isinstance(expr, ir.Var):
        return True  # the lowering's variables are the measured bits
    if isinstance(expr, ir.Const):
        return expr.value in (0, 1)
    if isinstance(expr, ir.Unary):
        return expr.op == "!"
    if isinstance(expr, ir.Binary):
        if expr.op in ("&&", "||", "==", "!=", "<", "<=", ">", ">="):
            return True
        return expr.op in ("^", "&", "|") and is_boolean(expr.left) and \
            is_boolean(expr.right)
    if isinstance(expr, ir.Builtin) and expr.name == "select":
        return is_boolean(expr.args[1]) and is_boolean(expr.args[2])
    return False


def _boolean_parts(expr: ir.Expr) -> tuple[str, list[ir.Expr]] | None:
    """The expression as a boolean operation on truth values, or None."""
    if isinstance(expr, ir.Unary) and expr.op == "!":
        return "not", [expr.operand]
    if isinstance(expr, ir.Builtin) and expr.name == "select" and is_boolean(expr):
        return "select", list(expr.args)
    if not isinstance(expr, ir.Binary):
        return None
    left, right = expr.left, expr.right
    if expr.op in ("&&", "||"):
        return ("and" if expr.op == "&&" else "or"), [left, right]
    if not (is_boolean(left) and is_boolean(right)):
        return None
    if expr.op in ("^", "!="):
        return "xor", [left, right]
    if expr.op == "==":
        return "not", [ir.Binary("^", left, right)]
    if expr.op in ("&", "|"):
        return ("and" if expr.op == "&" else "or"), [left, right]
    return None


def _table(expr: ir.Expr, bits: list[int]) -> np.ndarray:
    """The expression's truth on each assignment of `bits` (row r gives bit bits[i] the
    value of bit i of r), with the simulator's operators. The conjuncts of the path's
    guard come first: each later one counts as failing only on the rows where those
    before it hold (`if (m == 1) { if (10 / m > 3) ... }` divides by m only where m is
    1), as in the simulator, which reaches it only in those shots."""
    rows = np.arange(1 << len(bits))
    column = {bit: (rows >> i) & 1 for i, bit in enumerate(bits)}
    truth = np.ones(rows.shape, dtype=bool)
    memo: dict[int, Any] = {}  # the rows only narrow: a value computed before stands
    for conjunct in _conjuncts(expr):
        try:
            value = evaluate(conjunct, lambda var: column[bit_index(var)], None,
                             batch_operations(truth.copy()), memo=memo)
        except EvaluationError as error:
            raise NotALogicFunction(f"this condition cannot be computed on every outcome "
                                    f"that reaches it: {error}",
                                    "the simulator would stop there too (E0905)") from None
        truth &= np.broadcast_to(np.asarray(value).astype(bool), rows.shape)
    return truth


def _conjuncts(expr: ir.Expr) -> list[ir.Expr]:
    """`a && b && c` (as the lowering nests it, to the left) as [a, b, c]."""
    if isinstance(expr, ir.Binary) and expr.op == "&&":
        return [*_conjuncts(expr.left), expr.right]
    return [expr]


def _from_table(bits: list[int], table: np.ndarray) -> tuple[Cube, ...]:
    """The cheaper of a disjoint cover and the positive Reed–Muller form (the cover is
    given up as soon as it costs more: a parity's has 2^(k-1) cubes)."""
    if not table.any():
        return ()
    if table.all():
        return (Cube(),)
    reed_muller = _reed_muller(bits, table)
    budget = [Logic(reed_muller).cost]
    cover = _disjoint_cover(bits, table, budget)
    if cover is None or Logic(cover).cost >= Logic(reed_muller).cost:
        return reed_muller
    return cover


def _disjoint_cover(bits: list[int], table: np.ndarray,
                    budget: list[int]) -> tuple[Cube, ...] | None:
    """Shannon expansion on the highest bit, leaving out a bit the function ignores: the
    cubes never overlap, so their exclusive or is their disjunction. None once it has
    more cubes than `budget` (shared, counted down)."""
    if not table.any():
        return ()
    if table.all():
        budget[0] -= 1
        return None if budget[0] < 0 else (Cube(),)
    half = len(table) // 2
    low, high = table[:half], table[half:]
    rest = bits[:-1]
    if np.array_equal(low, high):
        return _disjoint_cover(rest, low, budget)
    top = bits[-1]
    cubes = []
    for value, part in ((False, low), (True, high)):
        found = _disjoint_cover(rest, part, budget)
        if found is None:
            return None
        cubes += [Cube(((top, value),)) & cube for cube in found]
    return tuple(cube for cube in cubes if cube is not None)


def _reed_muller(bits: list[int], table: np.ndarray) -> tuple[Cube, ...]:
    """The algebraic normal form: an exclusive or of conjunctions of positive literals
    (the Möbius transform of the table)."""
    coefficients = table.astype(np.uint8).copy()
    step = 1
    while step < len(coefficients):
        shaped = coefficients.reshape(-1, 2 * step)
        shaped[:, step:] ^= shaped[:, :step]
        step *= 2
    return tuple(Cube(tuple((bit, True) for i, bit in enumerate(bits) if row >> i & 1))
                 for row in np.flatnonzero(coefficients))
