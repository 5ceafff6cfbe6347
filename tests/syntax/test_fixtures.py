"""Malformed programs: each fixture names the diagnostics it must produce, in order.

The first line of a fixture is `// expect: CODE@LINE:COL, ...`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.codes import Code
from qnetlang.pipeline import CheckResult, check, decode

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.qnet"))


def expectations(path: Path) -> list[str]:
    header = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert header.startswith("// expect: "), f"{path.name} has no expect header"
    return [item.strip() for item in header.removeprefix("// expect: ").split(",")]


def diagnose(path: Path) -> CheckResult:
    loaded = decode(path.read_bytes(), path.name)
    return loaded if isinstance(loaded, CheckResult) else check(loaded)


def test_there_are_enough_fixtures() -> None:
    assert len(FIXTURES) >= 40


def test_every_syntax_code_has_a_fixture() -> None:
    used = {item.split("@")[0] for path in FIXTURES for item in expectations(path)}
    assert {code.value for code in Code if code.value.startswith("E01")} <= used


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    result = diagnose(path)
    found = [f"{d.code}@{d.span.line}:{d.span.column}" for d in result.diagnostics
             if d.span is not None]
    assert found == expectations(path)
    assert not result.ok
    assert all(d.message and d.span.file == path.name for d in result.diagnostics)
