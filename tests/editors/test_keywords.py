"""One source of truth: the Pygments, TextMate and vim keyword lists are the grammar's
keyword set, and the generated editor grammars are up to date with the language."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from qnetlang.highlight import KEYWORDS
from qnetlang.syntax.parser import keywords
from tests.conftest import ROOT

EDITORS = ROOT / "editors"
VIM_KEYWORD_GROUPS = {"qnetDeclaration", "qnetType", "qnetBoolean", "qnetConditional",
                      "qnetRepeat", "qnetKeyword"}


def textmate_keywords() -> set[str]:
    grammar = json.loads((EDITORS / "vscode/syntaxes/qnet.tmLanguage.json").read_text())
    found: set[str] = set()
    for pattern in grammar["repository"]["keywords"]["patterns"]:
        inner = re.fullmatch(r"\\b\(\?:(.*)\)\\b", pattern["match"])
        assert inner, pattern["match"]
        found |= set(inner.group(1).split("|"))
    return found


def vim_keywords() -> set[str]:
    found: set[str] = set()
    for line in (EDITORS / "vim/syntax/qnet.vim").read_text().splitlines():
        parts = line.split()
        if parts[:2] == ["syn", "keyword"] and parts[2] in VIM_KEYWORD_GROUPS:
            found |= set(parts[3:])
    return found


def test_pygments_keywords_are_the_grammars() -> None:
    assert KEYWORDS == keywords()


def test_textmate_keywords_are_the_grammars() -> None:
    assert textmate_keywords() == keywords()


def test_vim_keywords_are_the_grammars() -> None:
    assert vim_keywords() == keywords()


def test_generated_editor_grammars_are_up_to_date() -> None:
    done = subprocess.run([sys.executable, str(EDITORS / "generate.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
