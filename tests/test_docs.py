"""The documentation keeps up with the language: codes, keywords, gates, units."""

from __future__ import annotations

import re

from qnetlang.codes import Code
from qnetlang.gates import GATES
from qnetlang.syntax.parser import RESERVED, keywords
from qnetlang.units import BASE_UNITS
from tests.conftest import ROOT

LANGUAGE = (ROOT / "docs" / "language.md").read_text()
DIAGNOSTICS = (ROOT / "docs" / "diagnostics.md").read_text()


def test_every_code_is_documented() -> None:
    documented = set(re.findall(r"^### ([EWN]\d{4})$", DIAGNOSTICS, re.MULTILINE))
    assert documented == {code.value for code in Code}


def test_every_keyword_gate_and_unit_is_in_the_reference() -> None:
    quoted = set(re.findall(r"`([^`\s]+)`", LANGUAGE))
    assert keywords() <= quoted
    assert RESERVED <= quoted
    assert set(GATES) <= quoted
    assert set(BASE_UNITS) <= quoted
