"""Whatever is typed into the REPL, or is the text of a document the language server
analyses, ends in diagnostics or a result, never an exception: every truncation of
project files, and token soup."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qnetlang.lsp.analysis import analyze
from qnetlang.repl import Session, Shell, feed, unfinished
from tests.conftest import ROOT
from tests.syntax.test_robustness import WORDS

FILES = [ROOT / "examples" / "teleport.qnet", ROOT / "stdlib" / "bqc.qnet"]


def exercise(text: str, tmp_path: Path) -> None:
    unfinished(text)
    shell = Shell(Session(), out=io.StringIO(), err=io.StringIO())
    feed(shell, io.StringIO(text + "\n:check\n:list\n:ir\n"))
    assert "internal error" not in shell.err.getvalue()  # type: ignore[attr-defined]
    analysis = analyze(text, str(tmp_path / "doc.qnet"))
    analysis.diagnostics()
    lines = text.splitlines() or [""]
    for line in (0, len(lines) // 2, len(lines) - 1):
        for character in (0, len(lines[line]) // 2, len(lines[line])):
            analysis.hover(line, character)
            analysis.definition(line, character)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_truncations_of_project_files(path: Path, tmp_path: Path) -> None:
    text = path.read_text()
    for end in range(0, len(text), max(1, len(text) // 40)):
        exercise(text[:end], tmp_path)


@settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), max_size=50).map(" ".join))
def test_token_soup(tmp_path: Path, text: str) -> None:
    exercise(text, tmp_path)
