"""The state the semantic passes share: modules, symbols, types, diagnostics, the IR."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qnetlang.diagnostics import Diagnostic, Note, Severity
from qnetlang.ir import nodes as ir
from qnetlang import types as t
from qnetlang.source import SourceFile, Span
from qnetlang.syntax import ast


class Kind(enum.Enum):
    CONST = "constant"
    PARAM = "parameter"
    NETWORK = "network"
    PROTOCOL = "protocol"
    FUNCTION = "function"
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


@dataclass
class Context:
    root: Module
    options: Options = field(default_factory=Options)
    modules: list[Module] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    symbols: dict[int, Symbol] = field(default_factory=dict)  # id(AST node) -> symbol
    networks: dict[int, Symbol] = field(default_factory=dict)  # id(Run) -> its network
    types: dict[int, t.Type] = field(default_factory=dict)  # id(AST expression) -> type
    program: ir.Program = field(default_factory=ir.Program)
    halted: bool = False

    @property
    def sources(self) -> dict[str, SourceFile]:
        return {module.source.name: module.source for module in self.modules}

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


def role_argument(expr: ast.Expr) -> tuple[ast.Name, ast.Expr | None] | None:
    """A role named as an argument (`latency(eve)`, `latency(hop[i + 1])`): its name and
    member index; None when the expression cannot name a role."""
    if isinstance(expr, ast.Name):
        return expr, None
    if isinstance(expr, ast.Index) and isinstance(expr.target, ast.Name):
        return expr.target, expr.index
    return None
