"""The MBQC engine and the state-vector engine give the same report means on every
example run that compiles and has no noise (4 standard errors of their difference).

(b92 runs on 64 qubits here: its 256-round example builds report expressions deeper
than Python's default recursion limit, which only the command line raises.)"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from qnetlang.pipeline import check, load
from qnetlang.runtime.runner import RunResult, run_shots
from tests.conftest import ROOT
from tests.runtime.helpers import simulate
from tests.stdlib.test_stdlib import B92_NETWORK, module


def assert_agree(first: RunResult, second: RunResult) -> None:
    assert first.reports.keys() == second.reports.keys()
    for report, summary in first.reports.items():
        other = second.reports[report]
        spread = math.hypot(summary.stderr, other.stderr)
        assert abs(summary.mean - other.mean) <= 4 * spread + 1e-9, report


RUNS = [("chsh.qnet", "chsh", 2000), ("superdense.qnet", "superdense", 1000)]


@pytest.mark.parametrize(("example", "name", "shots"), RUNS)
def test_mbqc_agrees_with_state_vector(example: str, name: str, shots: int) -> None:
    path = ROOT / "examples" / example
    result = check(load(path), path)
    assert result.ir is not None
    (run,) = [r for r in result.ir.runs if r.name == name]
    pattern = run_shots(run, shots=shots, seed=21, engine="mbqc")
    vector = run_shots(run, shots=shots, seed=22, engine="statevector")
    assert_agree(vector, pattern)


def test_mbqc_agrees_on_b92(tmp_path: Path) -> None:
    text = module("b92") + B92_NETWORK.replace("QUBITS", "64")
    pattern = simulate(text, tmp_path, shots=400, seed=23, engine="mbqc")
    vector = simulate(text, tmp_path, shots=400, seed=24, engine="statevector")
    assert_agree(vector, pattern)
