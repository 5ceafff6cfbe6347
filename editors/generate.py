"""Writes the editors' grammars from the language's own lists.

Usage: python editors/generate.py [--check]

The TextMate grammar (VS Code) and the vim syntax file take their keywords
from qnetlang.highlight (which a test keeps equal to the grammar's keyword
set) and their gates, built-ins, constants, types and units from the modules
that define them. Run this after changing the language; `--check` exits 1
when a file is out of date (the tests run it too).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qnetlang.builtins import CONSTANTS, FUNCTIONS  # noqa: E402
from qnetlang.gates import GATES, PAULI_BASES, PLANE_BASES  # noqa: E402
from qnetlang.highlight import (  # noqa: E402
    CONSTANT_KEYWORDS,
    CONTROL_KEYWORDS,
    DECLARATION_KEYWORDS,
    GATE_FOLLOWS,
    KET,
    NUMBER,
    OPERATOR,
    OTHER_KEYWORDS,
    TYPE_KEYWORDS,
    UNIT,
    alternatives,
)
from qnetlang.types import NAMED_TYPES  # noqa: E402
from qnetlang.units import BASE_UNITS, DENOMINATOR_UNITS  # noqa: E402

TEXTMATE = ROOT / "editors" / "vscode" / "syntaxes" / "qnet.tmLanguage.json"
VIM = ROOT / "editors" / "vim" / "syntax" / "qnet.vim"
NAME = r"[A-Za-z_]\w*"


def _keywords(names: tuple[str, ...], scope: str) -> dict[str, str]:
    return {"match": r"\b(?:" + "|".join(names) + r")\b", "name": f"{scope}.qnet"}


def textmate() -> dict:
    """The TextMate grammar: scopes follow the common conventions, so any theme colours it."""
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/"
                   "tmlanguage.json",
        "name": "qnet",
        "scopeName": "source.qnet",
        "fileTypes": ["qnet"],
        "patterns": [{"include": f"#{name}"} for name in (
            "comments", "strings", "kets", "numbers", "declarations", "measure-bases",
            "named-types", "keywords", "gates", "builtins", "operators", "punctuation")],
        "repository": {
            "comments": {"patterns": [
                {"match": r"///.*$", "name": "comment.line.documentation.qnet"},
                {"match": r"//.*$", "name": "comment.line.double-slash.qnet"},
                {"begin": r"/\*", "end": r"\*/", "name": "comment.block.qnet"},
            ]},
            "strings": {"begin": '"', "end": '"|$', "name": "string.quoted.double.qnet",
                        "patterns": [{"match": r"\\.", "name": "constant.character.escape.qnet"}]},
            "kets": {"match": KET, "name": "constant.other.ket.qnet"},
            "numbers": {"patterns": [
                {"match": rf"\b({NUMBER})\s*({UNIT})",
                 "captures": {"1": {"name": "constant.numeric.qnet"},
                              "2": {"name": "keyword.other.unit.qnet"}}},
                {"match": rf"\b{NUMBER}\b", "name": "constant.numeric.qnet"},
            ]},
            "declarations": {"patterns": [
                {"match": rf"\b(network|node)\s+({NAME})",
                 "captures": {"1": {"name": "keyword.declaration.qnet"},
                              "2": {"name": "entity.name.type.qnet"}}},
                {"match": rf"\b(protocol|role|def)\s+({NAME})",
                 "captures": {"1": {"name": "keyword.declaration.qnet"},
                              "2": {"name": "entity.name.function.qnet"}}},
                {"match": rf"\b(run)\s+({NAME})\s*(:)(?!:)",
                 "captures": {"1": {"name": "keyword.declaration.qnet"},
                              "2": {"name": "entity.name.label.qnet"},
                              "3": {"name": "punctuation.separator.qnet"}}},
            ]},
            "measure-bases": {
                "match": rf"\b(measure)\s+({NAME})\s+(in)\s+"
                         rf"({alternatives(PLANE_BASES + PAULI_BASES)})\b",
                "captures": {"1": {"name": "keyword.other.qnet"},
                             "2": {"name": "variable.other.qnet"},
                             "3": {"name": "keyword.other.qnet"},
                             "4": {"name": "support.constant.basis.qnet"}}},
            "named-types": {
                "match": rf"(:|->)\s*({alternatives(NAMED_TYPES)})\b",
                "captures": {"1": {"name": "punctuation.separator.qnet"},
                             "2": {"name": "storage.type.qnet"}}},
            "keywords": {"patterns": [
                _keywords(DECLARATION_KEYWORDS, "keyword.declaration"),
                _keywords(TYPE_KEYWORDS, "storage.type"),
                _keywords(CONSTANT_KEYWORDS, "constant.language"),
                _keywords(CONTROL_KEYWORDS, "keyword.control"),
                _keywords(OTHER_KEYWORDS, "keyword.other"),
            ]},
            "gates": {"match": rf"\b{alternatives(GATES)}\b{GATE_FOLLOWS}",
                      "name": "support.function.gate.qnet"},
            "builtins": {"patterns": [
                {"match": rf"\b{alternatives(FUNCTIONS)}\b(?=\s*\()",
                 "name": "support.function.builtin.qnet"},
                {"match": rf"\b{alternatives(CONSTANTS)}\b", "name": "support.constant.qnet"},
            ]},
            "operators": {"match": OPERATOR, "name": "keyword.operator.qnet"},
            "punctuation": {"patterns": [
                {"match": ";", "name": "punctuation.terminator.qnet"},
                {"match": ",", "name": "punctuation.separator.qnet"},
                {"match": r"[{}()\[\]]", "name": "punctuation.section.qnet"},
            ]},
        },
    }


def _vim_alternatives(names: object) -> str:
    """Vim's regex for a whole word among the names, the longest first."""
    ordered = sorted(names, key=len, reverse=True)  # type: ignore[call-overload]
    return r"\<\%(" + r"\|".join(ordered) + r"\)\>"


def vim() -> str:
    """The vim syntax file: the same groups, linked to vim's standard highlight groups."""
    units = r"\%(" + r"\|".join(sorted(BASE_UNITS, key=len, reverse=True)) + r"\)" + \
        r"\%(/\%(" + r"\|".join(sorted(DENOMINATOR_UNITS, key=len, reverse=True)) + r"\)\)\="
    lines = [
        '" Vim syntax file',
        '" Language: qnet (qnetlang quantum network protocols)',
        '" Generated by editors/generate.py from the language itself; do not edit.',
        "",
        'if exists("b:current_syntax")',
        "  finish",
        "endif",
        "",
        "syn keyword qnetDeclaration " + " ".join(DECLARATION_KEYWORDS),
        "syn keyword qnetType " + " ".join(TYPE_KEYWORDS),
        "syn keyword qnetBoolean " + " ".join(CONSTANT_KEYWORDS),
        "syn keyword qnetConditional if else",
        "syn keyword qnetRepeat " + " ".join(k for k in CONTROL_KEYWORDS
                                             if k not in ("if", "else")),
        "syn keyword qnetKeyword " + " ".join(OTHER_KEYWORDS),
        "syn keyword qnetConstant " + " ".join(CONSTANTS),
        f'syn match qnetNamedType "\\%(\\%(:\\|->\\)\\s*\\)\\@<={_vim_alternatives(NAMED_TYPES)}"',
        f'syn match qnetGate "{_vim_alternatives(GATES)}'
        r'\%(\s*(\|\s\+\%(\%(in\|to\|from\|else\|on\|with\)\>\)\@![A-Za-z_]\)\@="',
        f'syn match qnetBuiltin "{_vim_alternatives(FUNCTIONS)}\\%(\\s*(\\)\\@="',
        'syn match qnetBasis "\\%(\\<in\\s\\+\\)\\@<='
        + _vim_alternatives(PLANE_BASES + PAULI_BASES) +
        r'\%(\s*[(;)]\)\@="',
        r'syn match qnetNumber "\<\d\+\%(\.\d\+\)\=\%([eE][+-]\=\d\+\)\="',
        f'syn match qnetUnit "\\%(\\d\\s*\\)\\@<={units}\\%([[:alnum:]_µ]\\)\\@!"',
        r'syn match qnetKet "|\%(0\|1\|+i\|-i\|+\|-\)>"',
        r'syn match qnetEscape "\\." contained',
        r'syn region qnetString start=+"+ skip=+\\.+ end=+"\|$+ contains=qnetEscape',
        r'syn keyword qnetTodo TODO FIXME XXX NOTE contained',
        r'syn match qnetComment "//.*$" contains=qnetTodo',
        r'syn match qnetDocComment "///.*$" contains=qnetTodo',
        r'syn region qnetBlockComment start="/\*" end="\*/" contains=qnetTodo',
        r'syn match qnetDeclared "\%(\<\%(network\|node\|protocol\|role\|def\)\s\+\)\@<=\h\w*"',
        "",
        "hi def link qnetDeclaration Structure",
        "hi def link qnetType Type",
        "hi def link qnetNamedType Type",
        "hi def link qnetBoolean Boolean",
        "hi def link qnetConditional Conditional",
        "hi def link qnetRepeat Repeat",
        "hi def link qnetKeyword Keyword",
        "hi def link qnetConstant Constant",
        "hi def link qnetGate Function",
        "hi def link qnetBuiltin Function",
        "hi def link qnetBasis Constant",
        "hi def link qnetNumber Number",
        "hi def link qnetUnit Special",
        "hi def link qnetKet Character",
        "hi def link qnetEscape SpecialChar",
        "hi def link qnetString String",
        "hi def link qnetTodo Todo",
        "hi def link qnetComment Comment",
        "hi def link qnetDocComment SpecialComment",
        "hi def link qnetBlockComment Comment",
        "hi def link qnetDeclared Identifier",
        "",
        'let b:current_syntax = "qnet"',
    ]
    return "\n".join(lines) + "\n"


def outputs() -> dict[Path, str]:
    return {TEXTMATE: json.dumps(textmate(), indent=2, ensure_ascii=False) + "\n", VIM: vim()}


def main() -> int:
    stale = [path for path, text in outputs().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if "--check" in sys.argv[1:]:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python editors/generate.py")
        return 1 if stale else 0
    for path, text in outputs().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
