"""A REPL session: declarations that accumulate, checked as one program.

Each input is parsed on its own and cut into its top-level items (a network,
a protocol, a run ...). The session is those items in order; an item with the
name of one already there replaces it, so a network can be edited and
entered again. An input is kept only if the whole session still checks
without errors. Diagnostics point into the input they came from (`<in:3>`,
or a loaded file's path), never into the assembled program.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from dataclasses import dataclass, field

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic
from qnetlang.pipeline import CheckResult, check
from qnetlang.semantics.context import Options
from qnetlang.source import SourceFile, Span
from qnetlang.syntax import ast
from qnetlang.syntax.parser import parse_source

SESSION = "<session>"
# Parse errors that mean the input stops in the middle of something: read more.
_UNFINISHED = {Code.UNCLOSED_DELIMITER, Code.UNTERMINATED_COMMENT}


@dataclass
class Entry:
    """One top-level item of the session, with where its text came from."""

    key: tuple[str, str]
    text: str
    origin: str  # the name of the input it came from
    origin_offset: int  # where `text` starts in that input


@dataclass
class Outcome:
    accepted: bool
    diagnostics: list[Diagnostic]
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)


def unfinished(text: str) -> bool:
    """Whether the input stops inside a block, a comment or a statement, as the parser
    sees it: an unclosed bracket, or a parse error at the very end of the text."""
    result = parse_source(SourceFile("<in>", text))
    end = len(text.rstrip())
    return any(d.code in _UNFINISHED or (d.span is not None and d.span.end >= end and
                                         "end of the file" in d.message)
               for d in result.diagnostics)


def key_of(item: ast.Item) -> tuple[str, str] | None:
    if isinstance(item, ast.Run):
        return "run", item.label or item.protocol
    if isinstance(item, (ast.Module, ast.Import)):
        return type(item).__name__.lower(), item.path
    name = getattr(item, "name", None)
    return (type(item).__name__.lower(), name) if isinstance(name, str) else None


class Session:
    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.entries: list[Entry] = []
        self.inputs: dict[str, SourceFile] = {}
        self.count = 0
        self.result: CheckResult | None = None  # the last check of the accepted session

    # ---------------------------------------------------------------- declaring

    def declare(self, text: str, origin: str | None = None) -> Outcome:
        """Adds an input's items to the session if the session still checks clean."""
        self.count += 1
        name = origin or f"<in:{self.count}>"
        source = SourceFile(name, text)
        self.inputs[name] = source
        parsed = parse_source(source)
        if not parsed.ok or parsed.program is None:
            return Outcome(False, parsed.diagnostics)
        new: list[Entry] = []
        start = 0
        for item in parsed.program.items:
            key = key_of(item)
            if key is None:
                continue
            new.append(Entry(key, text[start:item.span.end], name, start))
            start = item.span.end
        if not new:
            return Outcome(True, [])
        entries, added, replaced = list(self.entries), [], []
        for entry in new:
            label = f"{entry.key[0]} {entry.key[1]}"
            index = next((i for i, old in enumerate(entries) if old.key == entry.key), None)
            if index is None:
                entries.append(entry)
                added.append(label)
            else:
                entries[index] = entry
                replaced.append(label)
        result = self._check(entries)
        if any(d.is_error for d in result.diagnostics):
            return Outcome(False, result.diagnostics)
        self.entries, self.result = entries, result
        return Outcome(True, result.diagnostics, added, replaced)

    def reset(self) -> None:
        self.entries, self.result = [], None

    # ---------------------------------------------------------------- checking

    def check(self) -> CheckResult:
        self.result = self._check(self.entries)
        return self.result

    def text(self) -> str:
        return "\n".join(entry.text.strip("\n") for entry in self.entries) + "\n"

    def names(self) -> set[str]:
        """What the session declares and imports, as the checker knows it, and its runs."""
        if self.result is None or self.result.model is None:
            return set()
        program = self.result.program
        runs = [item for item in program.items if isinstance(item, ast.Run)] if program else []
        return self.result.model.names() | {run.label or run.protocol for run in runs}

    def sources(self) -> dict[str, SourceFile]:
        found = dict(self.result.sources) if self.result is not None else {}
        found.update(self.inputs)
        return found

    def _check(self, entries: list[Entry]) -> CheckResult:
        combined = "\n".join(entry.text for entry in entries)
        result = check(SourceFile(SESSION, combined), None, self.options)
        result.diagnostics = [self._placed(d, entries) for d in result.diagnostics]
        return result

    def placed(self, diagnostic: Diagnostic) -> Diagnostic:
        """A diagnostic of the accepted session (a run's, a compilation's) moved from the
        assembled program into the input its place came from."""
        return self._placed(diagnostic, self.entries)

    def _placed(self, diagnostic: Diagnostic, entries: list[Entry]) -> Diagnostic:
        starts = list(itertools.accumulate((len(entry.text) + 1 for entry in entries),
                                           initial=0))

        def place(span: Span | None) -> Span | None:
            if span is None or span.file != SESSION:
                return span
            index = bisect.bisect_right(starts, span.start) - 1
            entry = entries[index]
            origin = self.inputs[entry.origin]
            start = entry.origin_offset + span.start - starts[index]
            end = min(entry.origin_offset + span.end - starts[index],
                      entry.origin_offset + len(entry.text))
            return origin.span(start, max(end, start))

        return dataclasses.replace(diagnostic, span=place(diagnostic.span), notes=tuple(
            dataclasses.replace(n, span=place(n.span)) for n in diagnostic.notes))

