"""Wrong programs, one folder of fixtures per semantic pass; each names its diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.codes import Code
from tests.fixture_files import diagnose, expectations, fixtures, found

FOLDER = Path(__file__).parent / "fixtures"
FIXTURES = fixtures(FOLDER)


def test_there_are_enough_fixtures() -> None:
    assert len(FIXTURES) >= 40


def test_every_semantic_code_has_a_fixture() -> None:
    used = {item.split("@")[0] for path in FIXTURES for item in expectations(path)}
    semantic = {code.value for code in Code if "02" <= code.value[1:3] <= "08"}
    assert semantic <= used


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(FOLDER)))
def test_fixture(path: Path) -> None:
    result = diagnose(path)
    assert found(path, result) == expectations(path)
    assert all(d.message for d in result.diagnostics)


def test_several_errors_are_reported_at_once() -> None:
    result = diagnose(FOLDER / "several_errors.qnet")
    assert len({d.code for d in result.diagnostics}) >= 3
