"""The documentation keeps up with the language: codes, keywords, gates, units."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qnetlang.cli.main import main
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


def test_the_readme_example_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```qnet\n(.*?)```", readme, re.DOTALL)
    assert example is not None
    path = tmp_path / "readme.qnet"
    path.write_text(example.group(1))
    assert main(["run", str(path), "--shots", "50"]) == 0



def test_the_python_examples_run(monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """docs/python.md's examples, in order, as one script run from the repository."""
    monkeypatch.chdir(ROOT)
    page = (ROOT / "docs" / "python.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.DOTALL)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/python.md", "exec"), namespace)  # noqa: S102
    printed = capsys.readouterr().out
    assert "['honest', 'intercepted']" in printed and "E0301" in printed
    assert "OPENQASM 3.0;" in printed
