"""Conditions as boolean functions of the bits (compiler/logic.py), checked against their
own truth tables."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from qnetlang.compiler.circuit import bit
from qnetlang.compiler.logic import Cube, Logic, NotALogicFunction, _from_table, logic_of
from qnetlang.compiler.lower import lower_run
from qnetlang.compiler.reuse import reuse_qubits
from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.source import SourceFile


def holds(logic: Logic, assignment: dict[int, int]) -> bool:
    value = False
    for cube in logic.cubes:
        value ^= all(assignment[b] == v for b, v in cube.literals)
    return value


@pytest.mark.parametrize("seed", range(40))
def test_the_cubes_compute_the_table(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randrange(1, 7)
    bits = sorted(rng.sample(range(20), size))
    table = np.array([rng.random() < 0.5 for _ in range(1 << size)])
    logic = Logic(_from_table(bits, table))
    for row in range(1 << size):
        assignment = {b: (row >> i) & 1 for i, b in enumerate(bits)}
        assert holds(logic, assignment) == bool(table[row])


def test_integers_comparisons_and_masks_mean_what_they_mean() -> None:
    m0, m1, m2 = bit(0), bit(1), bit(2)
    B = ir.Binary
    assert logic_of(B("==", m0, ir.Const(2))).constant is False
    assert logic_of(B("&", B("*", m0, ir.Const(2)), ir.Const(1))).constant is False
    assert logic_of(B("<", m0, m1)).cubes == (Cube(((0, False), (1, True))),)
    two_of_three = logic_of(B("==", B("+", B("+", m0, m1), m2), ir.Const(2)))
    for values in itertools.product((0, 1), repeat=3):
        assert holds(two_of_three, dict(enumerate(values))) == (sum(values) == 2)


def test_a_long_parity_is_a_cube_per_bit() -> None:
    parity: ir.Expr = bit(0)
    for index in range(1, 40):
        parity = ir.Binary("^", parity, bit(index))
    logic = logic_of(parity)
    assert logic.parity == (frozenset(range(40)), False)
    assert len(logic.cubes) == 40


def run_of(text: str) -> ir.Run:
    result = check(SourceFile("logic.qnet", text))
    assert result.ok and result.ir is not None, [d.message for d in result.diagnostics]
    return result.ir.runs[0]


FLIPS = """
network solo {{ node a {{ qubits 30; }} }}
protocol flips {{
  role a {{
    bool flip = false;
    for k in 0..{n} {{
      qubit c = |+>;
      if (measure c == 1) {{ flip = !flip; }}
    }}
    qubit t;
    if (flip) x t;
    report flipped = measure t;
  }}
}}
run flips on solo with a = a;
"""


def test_a_flag_flipped_in_a_loop_stays_a_parity() -> None:
    """Each turn nests `select(m, !f, f)` over the last: worked out once per shared part,
    not once per path to it (which doubled the work for every bit)."""
    (circuit,) = lower_run(run_of(FLIPS.format(n=24)))
    (conditioned,) = [op for op in circuit.ops if op.condition is not True]
    assert conditioned.logic.parity is not None and len(conditioned.logic.cubes) == 24
    assert circuit.depth >= 2 and reuse_qubits(circuit).qubits  # both read its bits once


def test_a_guarded_division_is_computed_only_where_it_is_reached() -> None:
    run = run_of("""
network solo { node a { qubits 2; } }
protocol guarded {
  role a {
    qubit c = |+>, t;
    int m = measure c;
    if (m == 1) {
      if (10 / m > 3) x t;
    }
    report flipped = measure t;
  }
}
run guarded on solo with a = a;
""")
    (circuit,) = lower_run(run)
    (conditioned,) = [op for op in circuit.ops if op.condition is not True]
    assert conditioned.logic.literal == (0, True)


def test_a_condition_too_wide_is_refused() -> None:
    total: ir.Expr = bit(0)
    for index in range(1, 14):
        total = ir.Binary("+", total, bit(index))
    with pytest.raises(NotALogicFunction, match="reads 14 measured bits"):
        logic_of(ir.Binary(">", total, ir.Const(6)))
