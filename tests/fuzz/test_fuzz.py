"""The fuzzer in CI: generated and mutated programs keep every promise of `qnetc`.

The fast tests draw a fixed, derandomized sample (about forty seconds in all);
the slow one runs a longer seeded campaign. Every failure the fuzzer found is
kept in regressions/ and replayed here through every command. A fixture whose
first line starts `// open:` is a failure reported but not fixed yet: it is
expected to fail (in the slow suite, as some only fail by hanging), and once it
passes, its header becomes `// once:` and its entry in harness.KNOWN_ISSUES goes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.generate import mutants, programs
from tests.fuzz.harness import (FULL_PLAN, Call, Harness, Hang, Outcome, TooMuchMemory,
                                broken_promises, campaign, light_plan, watchdog)

FIXED, OPEN = "// once: ", "// open: "


def regression(path: Path) -> Any:
    """A fixture as a test case: an open failure is expected to fail, in the slow suite."""
    header = path.read_bytes().split(b"\n", 1)[0].decode()
    if not header.startswith(OPEN):
        return pytest.param(path, id=path.stem)
    return pytest.param(path, id=path.stem, marks=[
        pytest.mark.slow, pytest.mark.xfail(strict=True, reason=header.removeprefix(OPEN))])


REGRESSIONS = [regression(path)
               for path in sorted((Path(__file__).parent / "regressions").glob("*.qnet"))]
PLAN_TURNS = 4 * 5 * 6 * 7  # light_plan turns through engines, targets and extras with these

FAST = settings(derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    return Harness(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def quick_harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    """For the regressions: small programs, each command done in seconds once fixed."""
    return Harness(tmp_path_factory.mktemp("regressions"), timeout=5)


def assert_promises_kept(outcome: Outcome, text: str) -> None:
    assert not outcome.failures, "\n".join(map(str, outcome.failures)) + \
        f"\n--- the input ---\n{text}"


@settings(FAST, max_examples=70)
@given(text=programs(), turn=st.integers(0, PLAN_TURNS - 1))
def test_generated_programs_keep_the_promises(harness: Harness, text: str, turn: int) -> None:
    assert_promises_kept(harness.exercise(text, light_plan(turn)), text)


@settings(FAST, max_examples=90)
@given(text=mutants(), turn=st.integers(0, PLAN_TURNS - 1))
def test_mutated_project_files_keep_the_promises(harness: Harness, text: str,
                                                 turn: int) -> None:
    assert_promises_kept(harness.exercise(text, light_plan(turn)), text)


@pytest.mark.parametrize("path", REGRESSIONS)
def test_regressions_keep_the_promises(quick_harness: Harness, path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "surrogatepass")
    assert text.startswith((FIXED, OPEN)), f"{path.name}: the first line says what it did"
    assert_promises_kept(quick_harness.exercise(text, FULL_PLAN, set_apart_known=False), text)


@pytest.mark.slow
def test_a_longer_campaign(harness: Harness) -> None:
    tally = campaign(harness, seed=2026, inputs=500)
    assert not tally.failing, "\n".join(
        f"input {item.index} ({item.origin}):\n  " + "\n  ".join(map(str, failures))
        for item, failures in tally.failing) + "\n" + "\n".join(tally.lines())


# ---------------------------------------------------------------- the harness itself


def test_the_harness_sees_a_broken_promise() -> None:
    internal = Call(("check", "x.qnet"), 3, "", "error: internal compiler error: KeyError: 1", 0)
    unlocated = Call(("check", "x.qnet"), 1, '{"severity": "error", "code": "E0120", '
                     '"message": "m", "span": null}\n', "", 0)
    assert [f.kind for f in broken_promises(internal)] == ["internal"]
    assert [f.kind for f in broken_promises(unlocated)] == ["unlocated"]


def test_the_watchdog_stops_a_hang() -> None:
    started = time.perf_counter()
    with pytest.raises(Hang), watchdog(0.2, 1 << 30):
        while True:
            pass
    assert time.perf_counter() - started < 5


def test_the_watchdog_stops_a_growing_memory() -> None:
    grown = []
    with pytest.raises(TooMuchMemory), watchdog(30, 64 << 20):
        while True:
            grown.append(b"x" * (1 << 20))
    assert len(grown) < 1024
