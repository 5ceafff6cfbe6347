"""Malformed programs: each fixture names the diagnostics it must produce, in order.

The first line of a fixture is `// expect: CODE@LINE:COL, ...`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.codes import Code
from tests.fixture_files import diagnose, expectations, fixtures, found

FIXTURES = fixtures(Path(__file__).parent / "fixtures")


def test_there_are_enough_fixtures() -> None:
    assert len(FIXTURES) >= 40


def test_every_syntax_code_has_a_fixture() -> None:
    used = {item.split("@")[0] for path in FIXTURES for item in expectations(path)}
    assert {code.value for code in Code if code.value.startswith("E01")} <= used


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture(path: Path) -> None:
    result = diagnose(path)
    assert found(path, result) == expectations(path)
    assert not result.ok
    assert all(d.message for d in result.diagnostics)
