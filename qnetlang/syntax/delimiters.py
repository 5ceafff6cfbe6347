"""A fast first look at a file: strings, comments and brackets.

Before the grammar runs, this pass finds unterminated strings and comments
and unbalanced or too deeply nested brackets, each with a precise diagnostic.
It also records where the statement boundaries `;`, `{` and `}` are and which
braces match, which lets the parser recover from an error by skipping one
statement instead of producing a cascade of follow-on errors.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic, Note
from qnetlang.source import SourceFile

MAX_NESTING = 64

# Comments and strings may be megabytes long: their patterns repeat character classes,
# possessively, so that the regex engine keeps nothing per character (see the grammar's
# STRING). A comment or string that is never closed matches to the end of its line or file.
_SCAN = re.compile(r'//[^\n]*|/\*[^*]*+(?:\*++[^*/][^*]*+)*+\**+/?'
                   r'|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"?|[{}()\[\];]')
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_OPENERS = {"(": ")", "[": "]", "{": "}"}


@dataclass
class Layout:
    """What the scan learnt: comment ranges, boundaries and matching braces."""

    comments: list[tuple[int, int]] = field(default_factory=list)
    boundaries: list[int] = field(default_factory=list)
    matching: dict[int, int] = field(default_factory=dict)

    def boundary_before(self, offset: int) -> int:
        """The offset just after the last `;`, `{` or `}` before `offset` (0 if none)."""
        index = bisect.bisect_left(self.boundaries, offset) - 1
        return self.boundaries[index] + 1 if index >= 0 else 0

    def boundary_from(self, offset: int) -> int | None:
        index = bisect.bisect_left(self.boundaries, offset)
        return self.boundaries[index] if index < len(self.boundaries) else None

    def token_end_before(self, text: str, offset: int) -> int:
        """Where the last token before `offset` ends, skipping space and comments."""
        starts = [start for start, _ in self.comments]
        while offset > 0:
            while offset > 0 and text[offset - 1].isspace():
                offset -= 1
            index = bisect.bisect_left(starts, offset) - 1
            if index >= 0 and self.comments[index][1] >= offset > starts[index]:
                offset = starts[index]
                continue
            return offset
        return 0


def scan(source: SourceFile) -> tuple[Layout, list[Diagnostic]]:
    text = source.text
    layout = Layout()
    diagnostics: list[Diagnostic] = []
    stack: list[tuple[str, int]] = []
    too_deep = False
    for match in _SCAN.finditer(text):
        lexeme = match.group()
        start = match.start()
        first = lexeme[0]
        if first == "/":
            layout.comments.append((start, match.end()))
            if lexeme.startswith("/*") and (not lexeme.endswith("*/") or lexeme == "/*/"):
                diagnostics.append(Diagnostic.error(
                    Code.UNTERMINATED_COMMENT, "unterminated block comment",
                    source.span(start, start + 2), label="this comment is never closed",
                    help="close it with `*/`"))
        elif first == '"':
            if len(lexeme) == 1 or not lexeme.endswith('"') or _escaped_quote(lexeme):
                diagnostics.append(Diagnostic.error(
                    Code.UNTERMINATED_STRING, "unterminated string",
                    source.span(start, match.end()), label="this string has no closing quote",
                    help='strings end with `"` on the same line'))
        elif first in _OPENERS:
            stack.append((first, start))
            if len(stack) > MAX_NESTING and not too_deep:
                too_deep = True
                diagnostics.append(Diagnostic.error(
                    Code.NESTING_TOO_DEEP,
                    f"brackets nested more than {MAX_NESTING} deep", source.span(start),
                    help="split the expression or block into smaller parts"))
            if first == "{":
                layout.boundaries.append(start)
        elif first in _CLOSERS:
            if first == "}":
                layout.boundaries.append(start)
            if not stack:
                diagnostics.append(Diagnostic.error(
                    Code.UNEXPECTED_CLOSING_DELIMITER, f"unexpected closing `{first}`",
                    source.span(start), label="nothing opened here is still open",
                    help="remove it, or add the opening bracket that it closes"))
                continue
            opener, at = stack[-1]
            if opener != _CLOSERS[first]:
                diagnostics.append(Diagnostic.error(
                    Code.MISMATCHED_DELIMITER,
                    f"mismatched closing `{first}`: `{opener}` is still open",
                    source.span(start), label=f"expected `{_OPENERS[opener]}`",
                    notes=[Note(f"the `{opener}` opened here", source.span(at))]))
                # The closer ends the group it matches, or else the innermost one,
                # so that one wrong bracket is reported once.
                if any(o == _CLOSERS[first] for o, _ in stack):
                    while stack[-1][0] != _CLOSERS[first]:
                        stack.pop()
                stack.pop()
                continue
            stack.pop()
            if first == "}":
                layout.matching[at] = start
        else:  # ;
            layout.boundaries.append(start)
    for opener, at in stack:
        diagnostics.append(_unclosed(source, opener, at))
    return layout, diagnostics


def _escaped_quote(lexeme: str) -> bool:
    """Whether a string's final quote is escaped (an odd run of backslashes before it)."""
    run = len(lexeme) - 1 - len(lexeme[:-1].rstrip("\\"))
    return run % 2 == 1


def _unclosed(source: SourceFile, opener: str, at: int) -> Diagnostic:
    notes = []
    guess = _likely_end(source, at) if opener == "{" else None
    if guess is not None:
        notes.append(Note(f"judging by the indentation, it should close before line {guess}",
                          source.span(*_line_bounds(source, guess))))
    return Diagnostic.error(
        Code.UNCLOSED_DELIMITER, f"unclosed `{opener}`", source.span(at),
        label="opened here and never closed", notes=notes,
        help=f"add the matching `{_OPENERS[opener]}`")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _likely_end(source: SourceFile, at: int) -> int | None:
    """The first later line indented no deeper than the opening line and not a `}`."""
    line_number, _ = source.position(at)
    depth = _indent(source.line(line_number))
    for number in range(line_number + 1, source.line_count + 1):
        line = source.line(number)
        if line.strip() and _indent(line) <= depth and not line.lstrip().startswith("}"):
            return number
    return None


def _line_bounds(source: SourceFile, number: int) -> tuple[int, int]:
    """The offsets of a line's first non-blank character and of its end."""
    start = source.line_start(number)
    line = source.line(number)
    return start + _indent(line), start + len(line)
