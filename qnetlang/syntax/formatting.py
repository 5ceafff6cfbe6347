"""The canonical layout of a parsed file, verified before anyone writes it.

`qnetc fmt` and the language server's formatting both take their text from
here: the printer's output must parse back to the same program with the same
comments, or nothing is changed.
"""

from __future__ import annotations

from qnetlang.source import SourceFile
from qnetlang.syntax.delimiters import scan
from qnetlang.syntax.parser import ParseResult, parse_source
from qnetlang.syntax.printer import format_program


class FormatterError(Exception):
    """The printer's output does not parse back to the same program: a bug."""


def formatted(parsed: ParseResult) -> str:
    """The canonical text of a parsed file, verified to mean the same program."""
    assert parsed.program is not None
    text = format_program(parsed.program)
    again = parse_source(SourceFile(parsed.source.name, text))
    if not again.ok or again.program != parsed.program or \
            _comments(text) != _comments(parsed.source.text):
        raise FormatterError(f"formatting `{parsed.source.name}` would change its meaning")
    return text


def _comments(text: str) -> list[str]:
    layout, _ = scan(SourceFile("", text))
    return [text[start:end].rstrip() for start, end in layout.comments]
