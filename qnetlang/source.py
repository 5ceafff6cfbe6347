"""Source files and spans: where a piece of a program came from."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Span:
    """A region of one source file; lines and columns count from 1, offsets from 0."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int
    end: int

    def to(self, other: Span) -> Span:
        """The span from the start of this one to the end of `other`."""
        return Span(self.file, self.line, self.column, other.end_line, other.end_column,
                    self.start, other.end)

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end


class SourceDecodeError(ValueError):
    """A file's bytes are not UTF-8; `offset` is the first bad byte."""

    def __init__(self, path: str, offset: int) -> None:
        super().__init__(f"{path}: not valid UTF-8 at byte {offset}")
        self.path = path
        self.offset = offset


_LONE_CR = re.compile(r"\r(?!\n)")


@dataclass
class SourceFile:
    """The text of one file, with a line index for turning offsets into positions."""

    name: str
    text: str
    _line_starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # A lone CR (old Mac line endings) ends a line as LF does; replacing it, one
        # character for one, keeps every offset. CRLF stays: its CR ends the line's text.
        if "\r" in self.text:
            self.text = _LONE_CR.sub("\n", self.text)
        starts = [0]
        find = self.text.find
        at = find("\n")
        while at != -1:
            starts.append(at + 1)
            at = find("\n", at + 1)
        self._line_starts = starts

    @classmethod
    def read(cls, path: str | Path, name: str | None = None) -> SourceFile:
        """Reads a file; raises OSError, or SourceDecodeError when it is not UTF-8."""
        data = Path(path).read_bytes()
        return cls.decode(data, str(path) if name is None else name)

    @classmethod
    def decode(cls, data: bytes, name: str) -> SourceFile:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise SourceDecodeError(name, error.start) from None
        if text.startswith("\ufeff"):
            text = text[1:]
        return cls(name, text)

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def position(self, offset: int) -> tuple[int, int]:
        """The (line, column) of a character offset, both from 1."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int | None = None) -> Span:
        """The span of the characters start..end (end defaults to one character)."""
        if end is None:
            end = min(start + 1, len(self.text)) if start < len(self.text) else start
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(self.name, line, column, end_line, end_column, start, end)

    def line_start(self, number: int) -> int:
        """The offset of the first character of line `number` (from 1)."""
        return self._line_starts[number - 1]

    def line(self, number: int) -> str:
        """The text of line `number` (from 1), without its line break."""
        if not 1 <= number <= len(self._line_starts):
            return ""
        start = self._line_starts[number - 1]
        end = self.text.find("\n", start)
        text = self.text[start:] if end == -1 else self.text[start:end]
        return text.rstrip("\r")
