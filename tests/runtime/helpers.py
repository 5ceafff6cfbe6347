"""Running small protocols in tests."""

from __future__ import annotations

from pathlib import Path

from qnetlang.pipeline import check
from qnetlang.results import RunResult
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile


def simulate(text: str, tmp_path: Path, **options: object) -> RunResult:
    path = tmp_path / "test.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    assert result.ok and result.ir is not None, [d.message for d in result.diagnostics]
    (run,) = result.ir.runs
    return run_shots(run, **options)  # type: ignore[arg-type]


def within(result: RunResult, report: str, expected: float, sigmas: float = 4.0,
           floor: float = 1e-9) -> None:
    """The report's mean is within `sigmas` standard errors of `expected`."""
    summary = result.reports[report]
    tolerance = sigmas * summary.stderr + floor
    assert abs(summary.mean - expected) <= tolerance, \
        f"{report}: {summary.mean:.5f} ± {summary.stderr:.5f}, expected {expected:.5f}"
