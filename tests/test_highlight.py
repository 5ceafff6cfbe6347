"""The Pygments lexer: found by name and file name, no error tokens on any project file,
the right token types on each kind of construct, and colour for terminals."""

from __future__ import annotations

from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name, Number, String

from qnetlang.highlight import KEYWORDS, QnetLexer, paint
from qnetlang.syntax.parser import keywords


def test_the_lexer_is_found_by_name_and_by_file_name() -> None:
    assert isinstance(get_lexer_by_name("qnet"), QnetLexer)
    assert isinstance(get_lexer_for_filename("teleport.qnet"), QnetLexer)


def test_no_error_tokens_on_project_files(program_file: Path) -> None:
    tokens = list(QnetLexer().get_tokens(program_file.read_text()))
    errors = [value for kind, value in tokens if kind in Error]
    assert not errors
    assert "".join(value for _, value in tokens) == program_file.read_text()


def kinds(text: str) -> dict[str, object]:
    return {value: kind for kind, value in QnetLexer().get_tokens(text) if value.strip()}


@pytest.mark.parametrize(("text", "token", "expected"), [
    ("protocol teleport(theta: angle = pi) {", "teleport", Name.Class),
    ("protocol teleport(theta: angle = pi) {", "angle", Keyword.Type),
    ("protocol teleport(theta: angle = pi) {", "pi", Name.Constant),
    ("p(d: length = 10 km)", "length", Keyword.Type),
    ("p(d: length = 10 km)", "km", Keyword.Pseudo),
    ("wait 0.2 dB/km;", "dB/km", Keyword.Pseudo),
    ("wait 0.2 dB/km;", "0.2", Number.Float),
    ("cx a, b;", "cx", Name.Builtin),
    ("if (m) x q;", "x", Name.Builtin),
    ("int x = 1;", "x", Name),
    ("let y = x + 1;", "x", Name),
    ("bit m = measure q in xy(a);", "xy", Name.Builtin),
    ("bit m = measure q in xy(a);", "measure", Keyword),
    ("qubit q = |+i>;", "|+i>", String.Symbol),
    ("report f = fidelity(a, b, phi_plus);", "fidelity", Name.Builtin),
    ("report fidelity = 1;", "fidelity", Name),
    ("/// docs", "/// docs", String.Doc),
    ("// note", "// note", Comment.Single),
    ("run first: teleport on lab;", "first", Name.Label),
    ("network lab { node alice { qubits 2; } }", "alice", Name.Class),
])
def test_token_types(text: str, token: str, expected: object) -> None:
    assert kinds(text)[token] in expected  # type: ignore[operator]


def test_every_keyword_lexes_as_a_keyword() -> None:
    assert KEYWORDS == keywords()
    for word in KEYWORDS:
        (kind,) = [k for k, v in QnetLexer().get_tokens(word) if v == word]
        assert kind in Keyword, word


def test_block_comments_and_strings_span_their_text() -> None:
    tokens = list(QnetLexer().get_tokens('/* one\n two */ assert ok, "a \\"b\\"";'))
    comment = "".join(v for k, v in tokens if k in Comment.Multiline)
    assert comment == "/* one\n two */"
    string = "".join(v for k, v in tokens if k in String)
    assert string == '"a \\"b\\""'
    assert [v for k, v in tokens if k in String.Escape] == ['\\"', '\\"']


def test_paint_colours_and_keeps_the_text() -> None:
    source = "network lab { node a { qubits 1; } }\n"
    painted = paint(source)
    assert "\x1b[" in painted
    assert painted.count("\n") == source.count("\n")
