"""The state the semantic passes share: modules, symbols, types, diagnostics, the IR;
and the read-only Model of it that the checker hands to its users."""

from __future__ import annotations

import bisect
import enum
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from qnetlang.diagnostics import Diagnostic, Note, Severity
from qnetlang.ir import nodes as ir
from qnetlang.network.curves import Curve
from qnetlang.network.files import Topology
from qnetlang import types as t
from qnetlang.source import SourceFile, Span
from qnetlang.syntax import ast


class Kind(enum.Enum):
    CONST = "constant"
    PARAM = "parameter"
    NETWORK = "network"
    PROTOCOL = "protocol"
    FUNCTION = "function"
    STRUCT = "struct"
    ROLE = "role"
    NODE = "node"
    VARIABLE = "variable"
    LOOP_VARIABLE = "loop variable"
    FAMILY_INDEX = "family index"
    BUILTIN_CONST = "built-in constant"
    BUILTIN_FUNCTION = "built-in function"

    def __str__(self) -> str:
        return self.value


@dataclass(eq=False)
class Symbol:
    """A declared name. Compared by identity: two declarations are two symbols."""

    kind: Kind
    name: str
    decl: ast.Node | None = None
    type: t.Type | None = None
    family: bool = False  # a role or node family
    module: Module | None = None

    @property
    def span(self) -> Span | None:
        return self.decl.span if self.decl is not None else None


@dataclass
class Scope:
    """Names visible at a point; `barrier` marks the outermost scope of one body."""

    parent: Scope | None = None
    names: dict[str, Symbol] = field(default_factory=dict)
    barrier: bool = False

    def lookup(self, name: str) -> Symbol | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def lookup_in_body(self, name: str) -> Symbol | None:
        """A name declared in this body (up to the barrier), for the shadowing rule."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            if scope.barrier:
                return None
            scope = scope.parent
        return None

    def visible(self) -> Iterator[str]:
        scope: Scope | None = self
        while scope is not None:
            yield from scope.names
            scope = scope.parent


@dataclass(eq=False)
class Module:
    """One parsed file: the file checked, or a module it imports."""

    name: str
    path: Path | None
    source: SourceFile
    program: ast.Program
    imports: list[Module] = field(default_factory=list)
    scope: Scope = field(default_factory=Scope)


@dataclass
class Options:
    search_path: list[Path] = field(default_factory=list)
    # `--set NAME=VALUE`: the value, as source text, of a parameter of the checked
    # file's runs (its protocol's or its network's), in place of the one written there
    arguments: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    root: Module
    options: Options = field(default_factory=Options)
    modules: list[Module] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    symbols: dict[int, Symbol] = field(default_factory=dict)  # id(AST node) -> symbol
    networks: dict[int, Symbol] = field(default_factory=dict)  # id(Run) -> its network
    # id(TopologyImport) -> the topology read, and its nodes' symbols
    topologies: dict[int, tuple[Topology, list[Symbol]]] = field(default_factory=dict)
    types: dict[int, t.Type] = field(default_factory=dict)  # id(AST expression) -> type
    program: ir.Program = field(default_factory=ir.Program)
    halted: bool = False
    given: list[SourceFile] = field(default_factory=list)  # the `--set` values' sources
    shapes: Iterator[int] = field(default_factory=itertools.count)  # numbers for ir.Role.shape
    # (setting, file) -> the track or loss table read there, or why it could not be
    curves: dict[tuple[str, Path], Curve | str] = field(default_factory=dict)

    @property
    def sources(self) -> dict[str, SourceFile]:
        return {source.name: source for source in
                [module.source for module in self.modules] + self.given}

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def report(self, severity: Severity, code: str, message: str, span: Span | None, *,
               label: str | None = None, notes: Iterable[Note] = (),
               help: str | None = None) -> None:
        self.diagnostics.append(
            Diagnostic(severity, code, message, span, label, tuple(notes), help))

    def error(self, code: str, message: str, span: Span | None, **extra: Any) -> None:
        self.report(Severity.ERROR, code, message, span, **extra)

    def warning(self, code: str, message: str, span: Span | None, **extra: Any) -> None:
        self.report(Severity.WARNING, code, message, span, **extra)

    def note(self, code: str, message: str, span: Span | None, **extra: Any) -> None:
        self.report(Severity.NOTE, code, message, span, **extra)

    def symbol(self, node: ast.Node) -> Symbol | None:
        return self.symbols.get(id(node))

    def type_of(self, node: ast.Node) -> t.Type:
        return self.types.get(id(node), t.ERROR)


@dataclass(frozen=True)
class Occurrence:
    """A name as written in a source, and the symbol the checker found it stands for."""

    span: Span  # the name itself
    symbol: Symbol
    declares: bool  # the symbol's own declaration, not a use of it


@dataclass
class _Index:
    occurrences: dict[str, list[Occurrence]] = field(default_factory=dict)  # by file, in order
    resolved: dict[int, Symbol] = field(default_factory=dict)  # id(node) -> its symbol
    declared: dict[Symbol, Span] = field(default_factory=dict)  # where each name is declared


class Model:
    """What the checker learnt of a file and the modules it imports, read-only: which
    symbol each name stands for, where each symbol is declared, the type of each
    expression. The language server and the REPL ask it rather than resolving names
    again, so that they agree with the checker. Offsets count from 0 in a source."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    @property
    def file(self) -> str:
        """The name of the checked file's source."""
        return self._ctx.root.source.name

    @property
    def programs(self) -> dict[str, ast.Program]:
        """The tree of the checked file and of each module it imports, by source name."""
        return {module.source.name: module.program for module in self._ctx.modules}

    def definition_of(self, node: ast.Node) -> Symbol | None:
        """The symbol a node of those trees stands for: a name, a call, a declaration,
        the protocol, network, arguments and bindings of a run."""
        return self._index.resolved.get(id(node))

    def type_of(self, expr: ast.Node) -> t.Type | None:
        return self._ctx.types.get(id(expr))

    def occurrence_at(self, offset: int, file: str | None = None) -> Occurrence | None:
        """The name written at an offset of a source (the checked file by default)."""
        found = self._index.occurrences.get(file or self.file, [])
        at = bisect.bisect_right(found, offset, key=lambda o: o.span.start) - 1
        return found[at] if at >= 0 and found[at].span.contains(offset) else None

    def symbol_at(self, offset: int, file: str | None = None) -> Symbol | None:
        occurrence = self.occurrence_at(offset, file)
        return occurrence.symbol if occurrence is not None else None

    def declared_at(self, symbol: Symbol) -> Span | None:
        """Where the symbol's name is written in its declaration."""
        return self._index.declared.get(symbol)

    def names(self) -> set[str]:
        """Every name the checked file declares, at any depth, and every top-level name
        of the modules it imports."""
        declared = {symbol.name for symbol in self._ctx.symbols.values()
                    if symbol.span is not None and symbol.span.file == self.file}
        for module in self._ctx.root.imports:
            declared |= module.scope.names.keys()
        return declared

    @cached_property
    def _index(self) -> _Index:
        """Built on the first question (`qnetc check` never asks one)."""
        index = _Index(resolved=dict(self._ctx.symbols))
        for module in self._ctx.modules:
            for item in module.program.items:
                if isinstance(item, ast.Run):
                    index.resolved.update(self._run_arguments(item, index.resolved))
        for module in self._ctx.modules:
            found = sorted(self._occurrences(module.source, module.program, index.resolved),
                           key=lambda o: o.span.start)
            index.occurrences[module.source.name] = found
            index.declared.update((o.symbol, o.span) for o in found if o.declares)
        return index

    def _occurrences(self, source: SourceFile, node: object,
                     resolved: dict[int, Symbol]) -> Iterator[Occurrence]:
        if isinstance(node, list):
            for element in node:
                yield from self._occurrences(source, element, resolved)
            return
        if not isinstance(node, ast.Node) or node.span is None:
            return
        symbol = resolved.get(id(node))
        if isinstance(node, ast.Run):
            yield from self._run(source, node, resolved)
        elif symbol is not None:
            span = _name_span(source, symbol.name, node.span.start, node.span.end)
            if span is not None:
                yield Occurrence(span, symbol, symbol.decl is node)
        for name in getattr(node, "__dataclass_fields__", {}):
            if name not in ("span", "trivia"):
                yield from self._occurrences(source, getattr(node, name), resolved)

    def _run(self, source: SourceFile, run: ast.Run,
             resolved: dict[int, Symbol]) -> Iterator[Occurrence]:
        """The names of a run's protocol and network."""
        assert run.span is not None
        start, end = run.span.start, run.span.end
        if run.label is not None:
            start = source.text.index(":", start) + 1
        protocol, network = resolved.get(id(run)), self._ctx.networks.get(id(run))
        span = _name_span(source, protocol.name, start, end) if protocol is not None else None
        if protocol is not None and span is not None:
            yield Occurrence(span, protocol, False)
            start = span.end
        if run.args and run.args[-1].span is not None:  # the network's name follows them
            start = run.args[-1].span.end
        span = _name_span(source, network.name, start, end) if network is not None else None
        if network is not None and span is not None:
            yield Occurrence(span, network, False)

    def _run_arguments(self, run: ast.Run,
                       resolved: dict[int, Symbol]) -> Iterator[tuple[int, Symbol]]:
        """The parameter or role each argument and binding of a run names: the checker
        matches them by name."""
        protocol, network = resolved.get(id(run)), self._ctx.networks.get(id(run))
        for args, owner, kind in ((run.args, protocol, ast.Param),
                                  (run.network_args, network, ast.Param),
                                  (run.bindings, protocol, ast.Role)):
            declared = _declared_in(owner, kind, resolved)
            for arg in args:
                if arg.name in declared:
                    yield id(arg), declared[arg.name]


def _declared_in(owner: Symbol | None, kind: type, resolved: dict[int, Symbol]
                 ) -> dict[str, Symbol]:
    """The parameters (or roles) of a protocol or network, by name."""
    if owner is None or owner.decl is None:
        return {}
    parts = getattr(owner.decl, "params", []) + getattr(owner.decl, "body", [])
    return {part.name: resolved[id(part)] for part in parts
            if isinstance(part, kind) and id(part) in resolved}


def _name_span(source: SourceFile, name: str, start: int, end: int) -> Span | None:
    """The first place `name` is written as a whole word between two offsets."""
    match = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)").search(source.text, start, end)
    return source.span(match.start(), match.end()) if match is not None else None


def role_argument(expr: ast.Expr) -> tuple[ast.Name, ast.Expr | None] | None:
    """A role named as an argument (`latency(eve)`, `latency(hop[i + 1])`): its name and
    member index; None when the expression cannot name a role."""
    if isinstance(expr, ast.Name):
        return expr, None
    if isinstance(expr, ast.Index) and isinstance(expr.target, ast.Name):
        return expr.target, expr.index
    return None


def kind_binding(expr: ast.Expr) -> ast.StringLit | None:
    """The kind in a run's binding `nodes("Kind")` (every node of a topology file of that
    kind), or None for any other binding."""
    if isinstance(expr, ast.Call) and expr.func == "nodes" and len(expr.args) == 1 and \
            isinstance(expr.args[0], ast.StringLit):
        return expr.args[0]
    return None
