"""One Diagnostic type for every stage, and its human and JSON renderers."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO

from qnetlang.source import SourceFile, Span


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Note:
    """Extra context; with a span it is shown with its own source snippet."""

    message: str
    span: Span | None = None


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    span: Span | None
    label: str | None = None
    notes: tuple[Note, ...] = ()
    help: str | None = None

    @classmethod
    def error(cls, code: str, message: str, span: Span | None, *, label: str | None = None,
              notes: Iterable[Note] = (), help: str | None = None) -> Diagnostic:
        return cls(Severity.ERROR, code, message, span, label, tuple(notes), help)

    @classmethod
    def warning(cls, code: str, message: str, span: Span | None, *, label: str | None = None,
                notes: Iterable[Note] = (), help: str | None = None) -> Diagnostic:
        return cls(Severity.WARNING, code, message, span, label, tuple(notes), help)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int]:
        if self.span is None:
            return ("", 0, 0)
        return (self.span.file, self.span.line, self.span.column)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice; of equally close ones, one that starts the word."""
    matches = difflib.get_close_matches(word, list(dict.fromkeys(choices)), n=3, cutoff=0.6)
    if not matches:
        return None
    best = next((m for m in matches if word.startswith(m) or m.startswith(word)), matches[0])
    return f"did you mean `{best}`?"


class DiagnosticError(Exception):
    """Carries diagnostics out of a stage that cannot go on."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


# ---------------------------------------------------------------- rendering

_STYLES = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.NOTE: "\x1b[1;36m",
    "help": "\x1b[1;36m",
    "gutter": "\x1b[1;34m",
    "bold": "\x1b[1m",
}
_RESET = "\x1b[0m"
_TAB = "    "
_MAX_SHOWN = 120  # characters of a source line shown around the caret


def use_color(stream: IO[str], choice: str = "auto") -> bool:
    """Colour only on a terminal, never when NO_COLOR is set (https://no-color.org)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


# Control characters from a file (ESC, BEL, ...) would act on the terminal: each is shown
# as its Unicode control picture instead, one character for one, so carets stay aligned.
_CONTROL_PICTURES = {code: 0x2400 + code for code in range(0x20) if code != 0x09}
_CONTROL_PICTURES[0x7F] = 0x2421


def visible(text: str) -> str:
    return text.translate(_CONTROL_PICTURES)


class HumanRenderer:
    """Renders diagnostics in the style of rustc: header, location, source line, caret."""

    def __init__(self, sources: Mapping[str, SourceFile], color: bool = False) -> None:
        self.sources = sources
        self.color = color

    def _paint(self, style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.color else text

    def render(self, diagnostic: Diagnostic) -> str:
        severity = diagnostic.severity
        header = self._paint(severity, f"{severity.value}[{diagnostic.code}]")
        lines = [f"{header}{self._paint('bold', ': ' + visible(diagnostic.message))}"]
        width = self._gutter_width(diagnostic)
        if diagnostic.span is not None:
            lines += self._snippet(diagnostic.span, diagnostic.label, severity, "^", width)
        for note in diagnostic.notes:
            if note.span is None:
                lines.append(f"{' ' * width} {self._paint('gutter', '=')} "
                             f"{self._paint('bold', 'note')}: {visible(note.message)}")
            else:
                lines.append(f"{self._paint(Severity.NOTE, 'note')}: {visible(note.message)}")
                lines += self._snippet(note.span, None, Severity.NOTE, "-", width)
        if diagnostic.help:
            lines.append(f"{' ' * width} {self._paint('gutter', '=')} "
                         f"{self._paint('help', 'help')}: {visible(diagnostic.help)}")
        return "\n".join(lines) + "\n"

    def _gutter_width(self, diagnostic: Diagnostic) -> int:
        spans = [diagnostic.span] + [note.span for note in diagnostic.notes]
        return max([len(str(span.line)) for span in spans if span is not None] or [1])

    def _snippet(self, span: Span, label: str | None, style: str, mark: str,
                 width: int) -> list[str]:
        gutter = self._paint("gutter", f"{' ' * width} |")
        out = [f"{' ' * width}{self._paint('gutter', '-->')} {span.file}:{span.line}:{span.column}"]
        source = self.sources.get(span.file)
        if source is None:
            return out
        text = source.line(span.line)
        shown = visible(text.replace("\t", _TAB))
        # Columns count characters; a tab is shown four wide, so shift the caret with it.
        start = len(text[: span.column - 1].replace("\t", _TAB))
        last_column = span.end_column if span.end_line == span.line else len(text) + 1
        end = len(text[: max(last_column - 1, span.column)].replace("\t", _TAB))
        if len(shown) > _MAX_SHOWN:
            # Show a window of a very long line around the caret, marked with "...".
            left = max(0, start - _MAX_SHOWN // 3)
            window = shown[left:left + _MAX_SHOWN]
            prefix = "..." if left else ""
            shown = prefix + window + ("..." if left + _MAX_SHOWN < len(shown) else "")
            start = start - left + len(prefix)
            end = min(end, left + _MAX_SHOWN) - left + len(prefix)
        carets = mark * max(1, end - start)
        under = " " * start + self._paint(style, carets + (f" {visible(label)}" if label else ""))
        if self.color and shown == visible(text.replace("\t", _TAB)):  # a whole line
            from qnetlang.highlight import paint

            shown = paint(shown)
        out += [gutter,
                f"{self._paint('gutter', f'{span.line:>{width}} |')} {shown}".rstrip(),
                f"{gutter} {under}".rstrip(),
                gutter]
        return out


def to_json(diagnostic: Diagnostic) -> dict[str, object]:
    """The stable JSON form of a diagnostic (documented in docs/cli.md)."""

    def place(span: Span | None) -> dict[str, object] | None:
        if span is None:
            return None
        return {"file": span.file, "line": span.line, "column": span.column,
                "end_line": span.end_line, "end_column": span.end_column}

    return {
        "severity": diagnostic.severity.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "span": place(diagnostic.span),
        "label": diagnostic.label,
        "notes": [{"message": n.message, "span": place(n.span)} for n in diagnostic.notes],
        "help": diagnostic.help,
    }


def render_json(diagnostic: Diagnostic) -> str:
    return json.dumps(to_json(diagnostic), ensure_ascii=False)


@dataclass
class Summary:
    errors: int = 0
    warnings: int = 0
    lines: list[str] = field(default_factory=list)


def summarize(diagnostics: Iterable[Diagnostic]) -> Summary:
    summary = Summary()
    for diagnostic in diagnostics:
        if diagnostic.severity is Severity.ERROR:
            summary.errors += 1
        elif diagnostic.severity is Severity.WARNING:
            summary.warnings += 1
    parts = []
    if summary.errors:
        parts.append(f"{summary.errors} error{'s' * (summary.errors != 1)}")
    if summary.warnings:
        parts.append(f"{summary.warnings} warning{'s' * (summary.warnings != 1)}")
    if parts:
        summary.lines.append(" and ".join(parts) + " found")
    return summary
