"""std.bqc: the client gets the target circuit's output distribution, and the server's
view (the angles delta it is sent) is uniform and independent of the computation.

The target is computed here independently, as the circuit a brickwork pattern
implements: |+> on every row; per column, CZ on its vertical edges, then
J(-phi) = H P(-phi) on every row; the rows measured in Z at the end."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.runtime.limits import DEFAULT_MAX_STEPS
from qnetlang.runtime.runner import Bounds, simulate_batch
from qnetlang.source import SourceFile
from tests.stdlib.test_stdlib import module

# The example's computation: a Bell pair, measured (00 or 11).
BELL_ANGLES = [4, 2, 5, 1, 0, 0, 0, 2, 6, 4]


def brick_edge(i: int, j: int, rows: int) -> bool:
    if i + 1 >= rows:
        return False
    c = j % 8
    return c in (2, 4) if i % 2 == 0 else c == 6 or (c == 0 and j > 0)


def target_distribution(steps: list[int], rows: int, columns: int) -> np.ndarray:
    """P(result) for result = the rows' bits, row 0 the most significant."""
    psi = np.full((2,) * rows, 2 ** (-rows / 2), dtype=complex)
    hadamard = np.array([[1, 1], [1, -1]]) / math.sqrt(2)
    for j in range(columns):
        for i in range(rows):
            if brick_edge(i, j, rows):
                index: list[slice | int] = [slice(None)] * rows
                index[i] = index[i + 1] = 1
                psi[tuple(index)] *= -1
        for i in range(rows):
            phase = np.exp(-1j * steps[j * rows + i] * math.pi / 4)
            unitary = hadamard @ np.diag([1, phase])
            psi = np.moveaxis(np.tensordot(unitary, psi, axes=([1], [i])), 0, i)
    return np.abs(psi.reshape(-1)) ** 2


def bqc_run(tmp_path: Path, steps: list[int], rows: int, columns: int) -> ir.Run:
    angles = ", ".join(f"{s} * pi / 4" for s in steps)
    text = module("bqc") + f"""
network cloud {{
  node client {{ qubits {rows * columns}; }}
  node server {{ qubits {rows * columns}; }}
  link client -> server {{ quantum fiber(length = 1 km); }}
  link client <-> server {{ classical fiber(length = 1 km); }}
}}
run bqc(rows = {rows}, columns = {columns}, phi = [{angles}]) on cloud
  with client = client, server = server;
"""
    path = tmp_path / "bqc.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    assert result.ok and result.ir is not None, [d.message for d in result.diagnostics]
    return result.ir.runs[0]


def sample(run: ir.Run, engine: str, shots: int, seed: int) -> dict[str, list[np.ndarray]]:
    """Each report's values, one array over the shots per time it is reported."""
    (batch,) = simulate_batch(run, engine, seed, 0, 0, shots, Bounds(math.inf, DEFAULT_MAX_STEPS,
                                                                   keep_values=True))
    return batch.reports


def assert_distribution(results: np.ndarray, expected: np.ndarray) -> None:
    """Each outcome's frequency within 4 standard errors of its probability."""
    shots = len(results)
    counts = np.bincount(results, minlength=len(expected))
    for outcome, p in enumerate(expected):
        tolerance = 4 * math.sqrt(p * (1 - p) / shots) + 1e-9
        assert abs(counts[outcome] / shots - p) <= tolerance, (outcome, counts, expected)


@pytest.mark.parametrize("engine", ["mbqc", "statevector"])
def test_the_client_gets_the_bell_computation(tmp_path: Path, engine: str) -> None:
    run = bqc_run(tmp_path, BELL_ANGLES, 2, 5)
    expected = target_distribution(BELL_ANGLES, 2, 5)
    assert np.allclose(expected, [0.5, 0, 0, 0.5])
    (results,) = sample(run, engine, 2000, 1)["result"]
    assert_distribution(results, expected)


@pytest.mark.parametrize("seed", range(3))
def test_random_computations_on_a_27_qubit_brickwork(tmp_path: Path, seed: int) -> None:
    """3 x 9: beyond what the state-vector engine holds for a batch (2^27 amplitudes per
    shot); the mbqc engine runs only each measurement's light cone."""
    steps = [int(s) for s in np.random.default_rng(seed).integers(0, 8, 27)]
    run = bqc_run(tmp_path, steps, 3, 9)
    (results,) = sample(run, "mbqc", 1500, seed)["result"]
    assert_distribution(results, target_distribution(steps, 3, 9))


def test_the_servers_view_is_uniform_and_independent_of_the_computation(
        tmp_path: Path) -> None:
    shots = 3000
    other = [int(s) for s in np.random.default_rng(7).integers(0, 8, 10)]
    reports = [sample(bqc_run(tmp_path, steps, 2, 5), "mbqc", shots, 2)
               for steps in (BELL_ANGLES, other)]
    views = [np.stack(report["delta"]) for report in reports]
    # Significance 1e-4 for each test: the chance that one of these 40 tests fails for
    # a correct protocol is below 0.5% (and the seeds are fixed).
    threshold = 1e-4
    for report in reports:  # the outcomes the server sees are uniform: the last column's
        outcomes = np.stack(report["outcome"])  # too, though the result is 00 or 11
        assert stats.chisquare(np.bincount(2 * outcomes[8] + outcomes[9])).pvalue > threshold
        for bits in outcomes:
            assert stats.binomtest(int(bits.sum()), shots).pvalue > threshold
    for view in views:
        assert view.shape == (10, shots) and set(np.unique(view)) <= set(range(8))
        for deltas in view:  # each vertex's delta is uniform over the eight angles
            assert stats.chisquare(np.bincount(deltas, minlength=8)).pvalue > threshold
        # and independent of the next vertex's, whose angle depends on its outcome
        for k in range(9):
            pairs = np.bincount(view[k] * 8 + view[k + 1], minlength=64)
            assert stats.chisquare(pairs).pvalue > threshold
    for k in range(10):  # the same distribution whichever computation it is
        table = np.stack([np.bincount(view[k], minlength=8) for view in views])
        assert stats.chi2_contingency(table).pvalue > threshold
