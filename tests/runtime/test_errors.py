"""Runtime errors: each fixture names the diagnostics of checking it and the runtime
error that stops it, with the role, node and simulated time."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.codes import Code
from qnetlang.runtime.batch import RuntimeFailure
from qnetlang.runtime.limits import Limits, parse_size
from qnetlang.runtime.runner import run_shots
from tests.fixture_files import diagnose, expectations, fixtures, found

FIXTURES = fixtures(Path(__file__).parent / "fixtures")


def limits(path: Path) -> Limits:
    """The limits a fixture's second line may set: `// limits: max_steps=10000`."""
    line = path.read_text(encoding="utf-8").split("\n")[1]
    if not line.startswith("// limits:"):
        return Limits()
    settings = dict(item.split("=") for item in line.removeprefix("// limits:").split())
    return Limits(**{name: int(value) if name == "max_steps" else parse_size(value)
                     for name, value in settings.items()})


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_runtime_error(path: Path) -> None:
    result = diagnose(path)
    assert result.ir is not None, [d.message for d in result.diagnostics]
    with pytest.raises(RuntimeFailure) as failure:
        for run in result.ir.runs:
            run_shots(run, shots=50, seed=0, limits=limits(path))
    result.diagnostics.append(failure.value.diagnostic)
    assert found(path, result) == expectations(path)
    assert "at simulated time" in failure.value.diagnostic.notes[0].message


def test_every_runtime_code_has_a_fixture() -> None:
    used = {item.split("@")[0] for path in FIXTURES for item in expectations(path)}
    assert {code.value for code in Code if code.value[1:3] == "09"} <= used


def test_a_runtime_error_in_a_worker_process_reaches_the_caller() -> None:
    """The failure crosses the process boundary intact (it used to hang `--jobs 2`)."""
    result = diagnose(Path(__file__).parent / "fixtures" / "assertion_failed.qnet")
    assert result.ir is not None
    (run,) = result.ir.runs
    with pytest.raises(RuntimeFailure) as failure:
        run_shots(run, shots=3000, seed=0, jobs=2)
    assert failure.value.diagnostic.code == Code.ASSERTION_FAILED

