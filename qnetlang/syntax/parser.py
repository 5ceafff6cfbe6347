"""Parsing .qnet text into an AST, with diagnostics and error recovery.

The grammar (grammar/qnet.lark) is compiled once per process by Lark's LALR
generator and cached on disk in the user's private cache folder (never the
shared temporary folder: Lark unpickles its cache); the AST is built during
the parse. A syntax
error becomes a diagnostic, the offending statement is blanked out (keeping
every offset, so later positions stay exact) and the file is parsed again, so
that one run reports all of a file's independent errors.
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field

import lark
from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic, did_you_mean
from qnetlang.resources import grammar_cache, grammar_file
from qnetlang.source import SourceFile
from qnetlang.syntax import ast
from qnetlang.syntax.build import AstBuilder
from qnetlang.syntax.delimiters import Layout, scan
from qnetlang.syntax.trivia import attach_comments
from qnetlang.units import BASE_UNITS

MAX_SYNTAX_ERRORS = 20

# Words kept free for the reactive roles planned in the language design.
RESERVED = frozenset({"loop", "on_recv", "match", "gate", "fn"})
# Keywords only where no name can stand (a run's `sweep`, and `step` after its range):
# names everywhere else.
SOFT_KEYWORDS = frozenset({"sweep", "step"})

_TERMINAL_DESCRIPTIONS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "UNIT": "a unit",
    "STRING": "a string",
    "KET": "a ket such as `|0>`",
    "CMP_OP": "a comparison",
    "SUM_OP": "`+` or `-`",
    "PRODUCT_OP": "`*`, `/` or `%`",
    "UNARY_OP": "`-`, `!` or `~`",
    "ASSIGN_OP": "`=`",
    "LINK_DIRECTION": "`->` or `<->`",
    "RANGE_OP": "`..` or `..=`",
    "$END": "the end of the file",
}


@dataclass
class ParseResult:
    source: SourceFile
    program: ast.Program | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.program is not None and not any(d.is_error for d in self.diagnostics)


def keywords() -> frozenset[str]:
    """Every keyword of the grammar: its identifier-like literal terminals."""
    return parser().keywords


class _Collector:
    """Receives comments, and names that are not allowed, from the lexer during one parse."""

    def __init__(self) -> None:
        self.forbidden: frozenset[str] = frozenset()
        self.clear()

    def clear(self) -> None:
        self.comments: list[Token] = []
        self.names: list[Token] = []

    def comment(self, token: Token) -> Token:
        self.comments.append(token)
        return token

    def name(self, token: Token) -> Token:
        if token.value in self.forbidden:
            self.names.append(token)
        return token


_local = threading.local()


class Parser:
    """One LALR parser and its AST builder; not shared between threads."""

    def __init__(self) -> None:
        self.builder = AstBuilder()
        self.collector = _Collector()
        cached = grammar_cache(lark.__version__)
        self.lark = Lark.open(
            str(grammar_file()), parser="lalr", lexer="contextual", keep_all_tokens=True,
            maybe_placeholders=False, cache=cached if cached is not None else False,
            transformer=self.builder,
            lexer_callbacks={"LINE_COMMENT": self.collector.comment,
                             "BLOCK_COMMENT": self.collector.comment,
                             "NAME": self.collector.name})
        self.keywords = frozenset(
            terminal.pattern.value for terminal in self.lark.terminals
            if terminal.pattern.type == "str" and terminal.pattern.value.isidentifier())
        self.collector.forbidden = (self.keywords - SOFT_KEYWORDS) | RESERVED

    def parse(self, source: SourceFile) -> ParseResult:
        # A parse allocates many objects and no reference cycles: the cycle collector
        # would only slow it down (by about a fifth on large files).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._parse(source)
        finally:
            if collecting:
                gc.enable()

    def _parse(self, source: SourceFile) -> ParseResult:
        layout, diagnostics = scan(source)
        if diagnostics:
            return ParseResult(source, None, diagnostics)
        text = source.text
        errors: list[Diagnostic] = []
        while True:
            self.builder.reset(source.name)
            self.collector.clear()
            try:
                program = self.lark.parse(text)
            except UnexpectedInput as error:
                diagnostic = _describe(error, source, layout)
                errors.append(diagnostic)
                if len(errors) >= MAX_SYNTAX_ERRORS:
                    return ParseResult(source, None, errors)
                if diagnostic.code == Code.MISSING_SEMICOLON:
                    # Skip only the unfinished statement; what follows it may be fine.
                    assert diagnostic.span is not None
                    text = _blank(text, layout.boundary_before(diagnostic.span.end),
                                  diagnostic.span.end)
                else:
                    text = _blank_statement(text, _error_offset(error, text), layout)
                if text is None:
                    return ParseResult(source, None, errors)
                continue
            break
        assert isinstance(program, ast.Program)
        if not program.items:
            program.span = source.span(0, 0)
        attach_comments(program, self.collector.comments, text)
        diagnostics = errors + self.builder.diagnostics + self._name_diagnostics(source)
        return ParseResult(source, program, diagnostics)

    def _name_diagnostics(self, source: SourceFile) -> list[Diagnostic]:
        out = []
        for token in self.collector.names:
            span = source.span(token.start_pos, token.end_pos)
            if token.value in RESERVED:
                out.append(Diagnostic.error(
                    Code.RESERVED_WORD, f"`{token.value}` is reserved for a future version",
                    span, help="choose another name"))
            else:
                out.append(Diagnostic.error(
                    Code.RESERVED_WORD, f"`{token.value}` is a keyword and cannot be a name",
                    span, help=f"choose another name, e.g. `{token.value}_`"))
        return out


def parser() -> Parser:
    if not hasattr(_local, "parser"):
        _local.parser = Parser()
    return _local.parser


def parse_source(source: SourceFile) -> ParseResult:
    return parser().parse(source)


def parse_text(text: str, name: str = "<input>") -> ParseResult:
    return parse_source(SourceFile(name, text))


def parse_argument(name: str, text: str) -> tuple[SourceFile, ast.Expr | None, list[Diagnostic]]:
    """A value given to a parameter (`--set NAME=TEXT`, `--sweep`, or from Python): an
    expression, parsed where it is written as a constant's value, so that a diagnostic
    shows it as `const NAME = TEXT;` in a source named `given NAME`."""
    source = SourceFile(f"given {name}", f"const {name} = {text};\n")
    parsed = parse_source(source)
    items = parsed.program.items if parsed.ok and parsed.program is not None else []
    if len(items) == 1 and isinstance(items[0], ast.Const):
        return source, items[0].value, parsed.diagnostics
    problems = parsed.diagnostics or [Diagnostic.error(
        Code.UNEXPECTED_TOKEN, f"`{text}` is not one value", source.span(0, len(source.text)),
        help="give one value, e.g. `length=10 km`; several values are several `--sweep`s")]
    return source, None, problems


# ---------------------------------------------------------------- errors


def _error_offset(error: UnexpectedInput, text: str) -> int:
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        return len(text)
    pos = getattr(error, "pos_in_stream", None)
    if isinstance(error, UnexpectedToken):
        pos = error.token.start_pos
    return len(text) if pos is None else pos


def _blank_statement(text: str, offset: int, layout: Layout) -> str | None:
    """The text with the statement around `offset` blanked out, or None if nothing changes."""
    start = layout.boundary_before(offset)
    boundary = layout.boundary_from(offset)
    if boundary is None:
        end = len(text)
    elif text[boundary] == ";":
        end = boundary + 1
    elif text[boundary] == "{":
        end = layout.matching.get(boundary, boundary) + 1
    else:
        end = boundary
    return _blank(text, start, end)


def _blank(text: str, start: int, end: int) -> str | None:
    """The text with start..end turned into spaces (line breaks kept), or None if no change."""
    region = text[start:end]
    if not region.strip():
        return None
    blank = "\n".join(" " * len(line) for line in region.split("\n"))
    return text[:start] + blank + text[end:]


def _describe(error: UnexpectedInput, source: SourceFile, layout: Layout) -> Diagnostic:
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(error, source)
    assert isinstance(error, UnexpectedToken)
    token = error.token
    expected = set(error.accepts or error.expected or ())
    text = source.text
    at = len(text) if token.type == "$END" else token.start_pos
    previous_end = layout.token_end_before(text, at)
    if "SEMICOLON" in expected and (
            token.type in ("$END", "RBRACE")
            or source.position(previous_end)[0] < source.position(at)[0]):
        return Diagnostic.error(
            Code.MISSING_SEMICOLON, f"expected `;`, found {_found(token)}",
            source.span(max(previous_end - 1, 0), previous_end), label="add `;` here",
            help="every statement and declaration ends with `;`")
    if token.type == "$END":
        return Diagnostic.error(
            Code.UNEXPECTED_END, f"the file ends early; expected {_expected(expected)}",
            source.span(max(previous_end - 1, 0), previous_end), label="the text stops here")
    span = source.span(token.start_pos, max(token.end_pos, token.start_pos + 1))
    if token.type == "NAME" and previous_end > 0 and text[previous_end - 1].isdigit() \
            and "UNIT" in expected:
        return Diagnostic.error(
            Code.UNKNOWN_UNIT, f"unknown unit `{token}`", span,
            help=did_you_mean(str(token), BASE_UNITS) or
            "the units are listed in docs/language.md (e.g. km, us, MHz, dB/km)")
    if token.type == "NAME":
        expected_words = [_literal(name) for name in expected]
        words = [word for word in expected_words if word and word.isidentifier()]
        hint = did_you_mean(str(token), words)
        if hint:
            return Diagnostic.error(Code.UNKNOWN_KEYWORD, f"unknown keyword `{token}`", span,
                                    label="not a keyword here", help=hint)
    if token.type == "CMP_OP" and "CMP_OP" not in expected:
        return Diagnostic.error(
            Code.CHAINED_COMPARISON, "comparisons cannot be chained", span,
            help="join two comparisons with `&&`, e.g. `a < b && b < c`")
    return Diagnostic.error(
        Code.UNEXPECTED_TOKEN, f"unexpected {_found(token)}; expected {_expected(expected)}",
        span, label="unexpected here")


def _unexpected_character(error: UnexpectedCharacters, source: SourceFile) -> Diagnostic:
    char = source.text[error.pos_in_stream]
    shown = char if char.isprintable() else repr(char)[1:-1]
    return Diagnostic.error(
        Code.UNEXPECTED_CHARACTER, f"unexpected character `{shown}`",
        source.span(error.pos_in_stream), label="not part of the language here",
        help="comments start with `//`; names use letters, digits and `_`")


def _found(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    return f"`{token}`"


def _literal(terminal: str) -> str | None:
    try:
        pattern = parser().lark.get_terminal(terminal).pattern
    except KeyError:
        return None
    return pattern.value if pattern.type == "str" else None


_STATEMENT_STARTS = frozenset({"SEND", "WAIT", "REPORT", "ASSERT"})
_EXPRESSION_STARTS = frozenset({"NAME", "NUMBER", "STRING", "KET", "UNARY_OP", "LPAR", "LSQB",
                                "TRUE", "FALSE", "MEASURE", "RECV"})
_OPERATORS = frozenset({"CMP_OP", "SUM_OP", "PRODUCT_OP", "||", "&&", "|", "^", "&", "**"})


def _expected(expected: set[str]) -> str:
    """A short description of what the parser would have accepted."""
    names = set(expected)
    described: list[str] = []
    if _STATEMENT_STARTS <= names:
        return "a statement" + (" or `}`" if "RBRACE" in names else "")
    if {"NAME", "NUMBER"} <= names:
        described.append("an expression")
        names -= _EXPRESSION_STARTS
    operators = {n for n in names if n in _OPERATORS or _literal(n) in _OPERATORS}
    if len(operators) > 2:
        names -= operators | {"LSQB", "LPAR"}
    for name in sorted(names):
        literal = _literal(name)
        described.append(f"`{literal}`" if literal is not None
                         else _TERMINAL_DESCRIPTIONS.get(name, name.lower()))
    described = sorted(set(described), key=lambda d: (not d.startswith("`"), d))
    if len(operators) > 2:
        described.append("an operator")
    if len(described) > 6:
        return ", ".join(described[:6]) + " or another token"
    if len(described) == 1:
        return described[0]
    return ", ".join(described[:-1]) + " or " + described[-1]
