"""What the language server knows of a document, without the protocol around it.

`Analysis` checks a document with the real checker and indexes every name it
and its imports declare: top-level items, nodes, roles, parameters and
variables, each with where its name is, the line that declares it and its
`///` documentation. Which declaration a name stands for is the checker's
answer (its model); only a document that does not parse falls back on the
nearest declaration of that name. Hover, go to definition and completion are
lookups in that index, with the gates, built-ins and units of the language
beside it. Positions here are 0-based (line, character), as in the protocol.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from qnetlang.builtins import CONSTANTS, FUNCTIONS
from qnetlang.diagnostics import Diagnostic
from qnetlang.gates import GATES
from qnetlang.highlight import KEYWORDS
from qnetlang.pipeline import CheckResult, check
from qnetlang.resources import stdlib_dir
from qnetlang.semantics.context import Symbol as CheckedSymbol
from qnetlang.source import SourceFile, Span
from qnetlang.syntax import ast
from qnetlang.syntax.declarations import declarations
from qnetlang import types as t
from qnetlang.units import BASE_UNITS

_WORD = re.compile(r"[A-Za-zµ_]\w*")


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str
    file: str
    name_span: Span  # where the name itself is
    scope: Span | None  # the top-level item it is declared in; None for top-level items
    header: str  # the line that declares it
    doc: str = ""


@dataclass
class Analysis:
    source: SourceFile
    result: CheckResult
    symbols: list[Symbol] = field(default_factory=list)
    by_declaration: dict[int, Symbol] = field(default_factory=dict)  # id(declaring node)

    # ---------------------------------------------------------------- diagnostics

    def diagnostics(self) -> list[Diagnostic]:
        """The document's own diagnostics; one found in an imported module is shown at
        the start of the document, naming the module's file."""
        own = []
        for diagnostic in self.result.diagnostics:
            if diagnostic.span is None or diagnostic.span.file != self.source.name:
                where = diagnostic.span.file if diagnostic.span else "the program"
                diagnostic = dataclasses.replace(diagnostic, span=self.source.span(0, 0),
                                                 message=f"in {where}: {diagnostic.message}")
            own.append(diagnostic)
        return own

    # ---------------------------------------------------------------- lookups

    def word_at(self, line: int, character: int) -> tuple[str, int] | None:
        """The word under the position, and its offset in the document."""
        if line >= self.source.line_count:
            return None
        text = self.source.line(line + 1)
        for match in _WORD.finditer(text):
            if match.start() <= character <= match.end():
                return match.group(), self.source.line_start(line + 1) + match.start()
        return None

    def definition(self, line: int, character: int) -> Symbol | None:
        found = self.word_at(line, character)
        if found is None:
            return None
        return self.resolve(*found)

    def resolve(self, name: str, offset: int) -> Symbol | None:
        """The declaration a name at an offset refers to, as the checker resolved it; a
        name the checker has no symbol for (a device, a run's label) only where it is
        declared. Without the checker's model (the document does not parse): a guess."""
        if self.result.model is None:
            return self.guess(name, offset)
        checked = self.checked(offset)
        if checked is not None:
            return self.by_declaration.get(id(checked.decl)) if checked.decl else None
        return next((s for s in self.symbols if s.file == self.source.name
                     and s.name_span.contains(offset)), None)

    def guess(self, name: str, offset: int) -> Symbol | None:
        """The nearest declaration of the name before the offset in its own top-level
        item, else a top-level one here, else one anywhere (a role or node named in a
        run, a declaration in an imported module)."""
        candidates = [s for s in self.symbols if s.name == name]
        local = [s for s in candidates if s.file == self.source.name and s.scope is not None
                 and s.scope.contains(offset) and s.name_span.start <= offset]
        if local:
            return max(local, key=lambda s: s.name_span.start)
        for group in ([s for s in candidates if s.file == self.source.name and s.scope is None],
                      [s for s in candidates if s.scope is None], candidates):
            if group:
                return group[0]
        return None

    def hover(self, line: int, character: int) -> str | None:
        """Markdown for the word under the position."""
        found = self.word_at(line, character)
        if found is None:
            return None
        name, offset = found
        symbol = self.resolve(name, offset)
        if symbol is not None:
            typed = self.type_at(offset) if symbol.kind != "struct" else ""  # it is the type
            text = f"```qnet\n{symbol.header}\n```\n\n{symbol.kind}{typed}"
            if symbol.file != self.source.name:
                text += f" in `{Path(symbol.file).name}`"
            return text + (f"\n\n{symbol.doc}" if symbol.doc else "")
        if name in GATES:
            spec = GATES[name]
            angles = f", {spec.params} angle{'s' * (spec.params > 1)}" if spec.params else ""
            return f"gate `{name}`: {spec.doc} ({spec.qubits} qubit{'s' * (spec.qubits > 1)}" \
                   f"{angles})"
        if name in FUNCTIONS:
            return f"```qnet\n{FUNCTIONS[name].signature}\n```\n\nbuilt-in function"
        if name in CONSTANTS:
            return f"built-in constant `{name}`"
        if name in BASE_UNITS:
            unit = BASE_UNITS[name]
            return f"unit `{name}`: {unit.dimension} ({unit.scale:g} in SI units)"
        if name in KEYWORDS:
            return f"keyword `{name}`"
        return None

    def checked(self, offset: int) -> CheckedSymbol | None:
        """The checker's symbol for the name written at the offset."""
        model = self.result.model
        return model.symbol_at(offset, self.source.name) if model is not None else None

    def type_at(self, offset: int) -> str:
        """` of type TYPE` for a name the checker gave a type, else nothing."""
        checked = self.checked(offset)
        if checked is None or checked.type is None or t.is_error(checked.type):
            return ""
        return f" of type `{checked.type}`"

    def completions(self) -> list[tuple[str, str, str]]:
        """(label, kind, detail) for every name that can be written here."""
        items = {s.name: (s.name, s.kind, s.header) for s in reversed(self.symbols)}
        items.update({k: (k, "keyword", "keyword") for k in KEYWORDS})
        items.update({g: (g, "gate", spec.doc) for g, spec in GATES.items()})
        items.update({f: (f, "function", b.signature) for f, b in FUNCTIONS.items()})
        items.update({c: (c, "constant", "built-in constant") for c in CONSTANTS})
        items.update({u: (u, "unit", str(unit.dimension)) for u, unit in BASE_UNITS.items()})
        return sorted(items.values())


def file_path(name: str) -> Path:
    """Where a source named in a diagnostic or symbol lives: std modules are named
    `std/NAME.qnet` and live in the installed standard library."""
    if name.startswith("std/"):
        return stdlib_dir() / name.removeprefix("std/")
    return Path(name)


def analyze(text: str, path: str) -> Analysis:
    """Checks the document and indexes the names of it and of the modules it imports,
    in the very trees the checker resolved."""
    source = SourceFile(path, text)
    result = check(source, Path(path))
    analysis = Analysis(source, result)
    programs = result.model.programs if result.model is not None else {path: result.program}
    for name, program in programs.items():
        if program is not None:
            for node, symbol in _index(result.sources.get(name, source), program):
                analysis.symbols.append(symbol)
                analysis.by_declaration[id(node)] = symbol
    return analysis


def _index(source: SourceFile, program: ast.Program) -> list[tuple[ast.Node, Symbol]]:
    """Each declaration, with the node that declares it (the checker's symbols point to
    those nodes)."""
    found: list[tuple[ast.Node, Symbol]] = []
    for declaration in declarations(program.items):
        span, whole = declaration.node.span, declaration.statement.span
        if span is None or whole is None:
            continue
        text = source.text[span.start:span.end]
        match = re.search(rf"(?<!\w){re.escape(declaration.name)}(?!\w)", text)
        if match is None:
            continue
        start = span.start + match.start()
        header = source.text[whole.start:whole.end].split("\n")[0].rstrip(" {").strip()
        scope = declaration.item.span if declaration.item is not None else None
        found.append((declaration.node, Symbol(
            declaration.name, declaration.kind, source.name,
            source.span(start, start + len(declaration.name)), scope, header, declaration.doc)))
    return found
