"""Syntax highlighting of .qnet: a Pygments lexer, and source painted for a terminal.

Registered through the `pygments.lexers` entry point, so `pygmentize -l qnet`
works once qnetlang is installed. The keyword groups below are the grammar's
keywords (tests/test_highlight.py keeps them equal, and the TextMate and vim
grammars in editors/ too); gate, built-in and unit names come from the modules
that define them, so the highlighters never drift from the language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pygments.lexer import RegexLexer, bygroups
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from qnetlang.builtins import CONSTANTS, FUNCTIONS
from qnetlang.gates import GATES, PAULI_BASES, PLANE_BASES
from qnetlang.types import NAMED_TYPES
from qnetlang.units import BASE_UNITS, DENOMINATOR_UNITS

DECLARATION_KEYWORDS = ("module", "import", "const", "struct", "network", "node", "link",
                        "protocol", "role", "def", "run", "let", "device", "memory", "qubits")
TYPE_KEYWORDS = ("qubit", "bit", "bool", "int", "float", "angle", "train", "clicks")
CONSTANT_KEYWORDS = ("true", "false")
CONTROL_KEYWORDS = ("if", "else", "for", "in", "while", "break", "continue", "return",
                    "select", "after")
OTHER_KEYWORDS = ("measure", "reset", "send", "recv", "from", "any", "to", "within", "wait",
                  "report", "assert", "on", "with", "classical", "quantum", "sweep", "step")
KEYWORDS = frozenset(DECLARATION_KEYWORDS + TYPE_KEYWORDS + CONSTANT_KEYWORDS +
                     CONTROL_KEYWORDS + OTHER_KEYWORDS)

_NAME = r"[A-Za-z_]\w*"


def alternatives(names: Iterable[str]) -> str:
    """A regex group matching any of the names, the longest first."""
    return r"(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")"


def words(names: Iterable[str]) -> str:
    """A regex for any of the names as a whole word."""
    return alternatives(names) + r"\b"


# A unit directly after a number (10 km, 0.2 dB/km), as the grammar's UNIT token.
UNIT = alternatives(BASE_UNITS) + r"(?:/" + alternatives(DENOMINATOR_UNITS) + r")?(?![\wµ])"
NUMBER = r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
# A gate starts a statement: its name, then parameters or the first qubit; not a variable
# of the same name in an expression (x + 1) or an assignment (x = 1).
GATE_FOLLOWS = r"(?=\s*\(|\s+(?!(?:in|to|from|else|on|with)\b)[A-Za-z_])"
KET = r"\|(?:0|1|\+i|-i|\+|-)>"
OPERATOR = r"<->|->|\.\.=|\.\.|\*\*|[=!<>]=|&&|\|\||[-+*/^&|%]=|[-+*/%^&|!~<>=]"


class QnetLexer(RegexLexer):
    """The .qnet language of qnetlang: networks, protocols and runs."""

    name = "qnet"
    aliases = ["qnet", "qnetlang"]
    filenames = ["*.qnet"]
    mimetypes = ["text/x-qnet"]
    url = "https://github.com/qnetlang/qnetlang"

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"///[^\n]*", String.Doc),
            (r"//[^\n]*", Comment.Single),
            (r"/\*", Comment.Multiline, "block_comment"),
            (r'"', String.Double, "string"),
            (KET, String.Symbol),
            (r"(" + NUMBER + r")(\s*)(" + UNIT + r")",
             bygroups(Number.Float, Whitespace, Keyword.Pseudo)),
            (r"\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+", Number.Float),
            (r"\d+", Number.Integer),
            (r"(network|protocol|node|role|def)(\s+)(" + _NAME + r")",
             bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (r"(run)(\s+)(" + _NAME + r")(\s*)(:)(?!:)",
             bygroups(Keyword.Declaration, Whitespace, Name.Label, Whitespace, Punctuation)),
            (r"(measure)(\s+)(" + _NAME + r")(\s+)(in)(\s+)" +
             "(" + words(PLANE_BASES + PAULI_BASES) + ")",
             bygroups(Keyword, Whitespace, Name, Whitespace, Keyword, Whitespace,
                      Name.Builtin)),
            (r"(:|->)(\s*)" + "(" + words(NAMED_TYPES) + ")",
             bygroups(Punctuation, Whitespace, Keyword.Type)),
            (words(DECLARATION_KEYWORDS), Keyword.Declaration),
            (words(TYPE_KEYWORDS), Keyword.Type),
            (words(CONSTANT_KEYWORDS), Keyword.Constant),
            (words(CONTROL_KEYWORDS + OTHER_KEYWORDS), Keyword),
            (words(GATES) + GATE_FOLLOWS, Name.Builtin),
            (words(FUNCTIONS) + r"(?=\s*\()", Name.Builtin),
            (words(CONSTANTS), Name.Constant),
            (_NAME, Name),
            (OPERATOR, Operator),
            (r"[{}()\[\];,:.]", Punctuation),
        ],
        "block_comment": [
            (r"[^*]+", Comment.Multiline),
            (r"\*/", Comment.Multiline, "#pop"),
            (r"\*", Comment.Multiline),
        ],
        "string": [
            (r'\\.', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\n", Text, "#pop"),  # an unclosed string ends with its line, as in the grammar
        ],
    }


def paint(source: str) -> str:
    """The source with ANSI colours for a terminal, line for line."""
    from pygments import highlight
    from pygments.formatters import TerminalFormatter

    painted = highlight(source, QnetLexer(), TerminalFormatter())
    return painted if source.endswith("\n") else painted.rstrip("\n")
