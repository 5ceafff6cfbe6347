"""Loops lowered as loops mean what their turns written out mean: the checks find the
same (and nothing more), the simulator gives the same numbers and the compiler takes
the same programs (programs found by review, each once wrong)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import qnetlang
from qnetlang.ir import nodes as ir

LOOPS = Path(__file__).parent / "loops"


@pytest.mark.parametrize("name", ["qubit_measured_each_turn", "qubit_sent_in_one_turn",
                                  "array_changed_after_send", "array_changed_after_tuple",
                                  "loop_in_measured_branch", "break_on_outcome",
                                  "while_loops_that_part_ways"])
def test_no_false_diagnostic(name: str) -> None:
    program = qnetlang.load(LOOPS / f"{name}.qnet")
    assert program.warnings == []


def test_a_loop_that_may_end_early_is_unrolled_and_ends_where_it_should() -> None:
    program = qnetlang.load(LOOPS / "break_on_outcome.qnet")
    code = program._ir.runs[0].roles["a"].code
    assert not any(isinstance(i, ir.Branch) and i.loop for i in code)
    result = program.simulate(shots=4000, seed=0)
    attempts = {int(k): n for k, n in result.reports["attempts"].counts.items()}
    assert set(attempts) == {1, 2, 3, 4, 5}  # never more turns than the loop has
    # P(ok) = 1 - 2**-5 = 0.96875: within 4 standard errors
    ok = result.reports["ok"]
    assert abs(ok.mean - 0.96875) < 4 * (0.96875 * 0.03125 / 4000) ** 0.5


def test_paths_waiting_at_a_loop_go_on_when_the_batch_splits() -> None:
    """An inner loop taken by some shots splits the batch while the others wait at the
    outer loop's head: each part goes on from where it was (the total was wrong)."""
    result = qnetlang.load(LOOPS / "while_loops_that_part_ways.qnet").simulate(seed=0)
    assert result.reports["ok"].mean == 1.0


def test_a_loop_in_a_branch_on_an_outcome_compiles() -> None:
    (circuit,) = qnetlang.load(LOOPS / "loop_in_measured_branch.qnet").compile()
    assert circuit.count("x a_r[0];") == 3 and "if (outcomes[0] == true)" in circuit


def test_an_array_sized_by_the_counter_unrolls_its_loop_in_a_protocol_on_its_own() -> None:
    program = qnetlang.load(LOOPS / "array_sized_by_the_counter.qnet")
    assert [(d.code, d.span.line) for d in program.warnings  # type: ignore[union-attr]
            ] == [("W0704", 4)]


def test_what_the_ownership_check_reports_does_not_depend_on_hashing() -> None:
    """Which qubit a warning names (several share the declaration's place) once
    depended on the order of a set."""
    path = LOOPS / "branches_reuse_qubits.qnet"
    outputs = {subprocess.run([sys.executable, "-m", "qnetlang", "check", str(path)],
                              capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stderr
               for seed in (1, 2, 3, 4)}
    assert len(outputs) == 1 and "W0704" in outputs.pop()


def test_a_qubit_sent_in_every_turn_is_one_error() -> None:
    """The run (turns known: sent twice) and the protocol on its own (turns not known:
    used after it may have been sent) find one problem, reported once."""
    with pytest.raises(qnetlang.QnetError) as error:
        qnetlang.load(LOOPS / "qubit_sent_in_every_turn.qnet")
    assert [d.code for d in error.value.diagnostics] == ["E0702"]
