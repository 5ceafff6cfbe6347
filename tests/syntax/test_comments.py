"""`fmt` and comments: every position the grammar allows keeps its comments in place.

Each case in tests/syntax/formatting/ is a pair: NAME.in.qnet, and NAME.out.qnet,
what `fmt` must make of it. Beyond the fixtures, a comment is put at every token
boundary of every project file. Always, `fmt` must keep each comment exactly once
and in order, between the same two tokens, keep the program's meaning, and leave
its own output unchanged.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark

from qnetlang.resources import grammar_file
from qnetlang.source import SourceFile
from qnetlang.syntax import ast
from qnetlang.syntax.delimiters import scan
from qnetlang.syntax.parser import parse_text
from qnetlang.syntax.printer import format_program
from qnetlang.syntax.trivia import token_ends
from tests.conftest import PROGRAM_FILES, file_id

FOLDER = Path(__file__).parent / "formatting"
CASES = sorted(path.name.removesuffix(".in.qnet") for path in FOLDER.glob("*.in.qnet"))
POSITIONS = {"statements", "else", "conditions", "arguments", "gates", "network", "runs",
             "within", "end_of_file", "inline", "only_comments", "declarations"}
INSERTED = (" /* inserted */ ", " // inserted\n")


def comments(text: str) -> list[tuple[str, int]]:
    """Each comment's text, with the number of tokens before it."""
    layout, _ = scan(SourceFile("t.qnet", text))
    found, tokens, at = [], 0, 0
    for start, end in layout.comments:
        tokens += len(token_ends(text[at:start]))
        found.append((text[start:end].rstrip(), tokens))
        at = end
    return found


def parsed(text: str) -> ast.Program:
    result = parse_text(text, "t.qnet")
    assert result.ok, [d.message for d in result.diagnostics]
    assert result.program is not None
    return result.program


def assert_formats_faithfully(text: str, exact_places: bool = True) -> str:
    """`fmt`'s text for `text`, checked for the four promises; with `exact_places`,
    that every comment has as many tokens before it as it had (which a file holding
    what `fmt` leaves out, such as a trailing comma, cannot promise)."""
    program = parsed(text)
    out = format_program(program)
    again = parsed(out)
    assert again == program  # the same meaning
    before, after = comments(text), comments(out)
    if exact_places:
        assert after == before  # each once, in order, between the same tokens
    else:
        assert [c for c, _ in after] == [c for c, _ in before]
    assert format_program(again) == out  # idempotent
    return out


def test_there_is_a_case_for_every_position() -> None:
    assert POSITIONS <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_case(case: str) -> None:
    text = (FOLDER / f"{case}.in.qnet").read_text()
    expected = (FOLDER / f"{case}.out.qnet").read_text()
    assert assert_formats_faithfully(text, exact_places=False) == expected
    assert assert_formats_faithfully(expected) == expected


def test_a_comment_is_recorded_between_its_tokens() -> None:
    """By the innermost construct around it: after how many of its children, then after
    how many of its own tokens."""
    const = parsed("const c = a + /* one */ (/* two */ b);").items[0]
    assert isinstance(const, ast.Const) and isinstance(const.value, ast.Binary)
    assert const.comments == ()
    assert const.value.comments == (ast.Comment("/* one */", 1, 1, False),)  # after `a`, `+`
    assert const.value.right.comments == (ast.Comment("/* two */", 0, 1, False),)  # after `(`


@cache
def boundaries(path: Path) -> list[int]:
    """Where a comment may go in a file: before and after each of its tokens."""
    text = path.read_text()
    grammar = _tokenizer()
    return sorted({0, len(text)} | {token.end_pos for token in
                                    grammar.parse_interactive(text).iter_parse()})


@cache
def _tokenizer() -> Lark:
    """The grammar without the AST builder: its interactive parser yields the tokens as
    the contextual lexer cuts them (a unit such as `dB/km` is one)."""
    return Lark.open(str(grammar_file()), parser="lalr", lexer="contextual")


def insert(path: Path, at: int, comment: str) -> str:
    text = path.read_text()
    return text[:at] + comment + text[at:]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PROGRAM_FILES), st.sampled_from(INSERTED), st.data())
def test_a_comment_at_a_sampled_token_boundary(path: Path, comment: str,
                                               data: st.DataObject) -> None:
    at = data.draw(st.sampled_from(boundaries(path)), label="offset")
    assert_formats_faithfully(insert(path, at, comment))


@pytest.mark.slow
@pytest.mark.parametrize("path", PROGRAM_FILES, ids=file_id)
def test_a_comment_at_every_token_boundary(path: Path) -> None:
    """Every boundary of a file, up to 600 of them (a longer file's are taken evenly:
    each costs a parse and a print of the whole file)."""
    found = boundaries(path)
    for at in found[::max(1, -(-len(found) // 600))]:
        for comment in INSERTED:
            assert_formats_faithfully(insert(path, at, comment))
