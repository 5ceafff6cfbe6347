"""Every name a program declares, with the node that declares it: one walk that the
REPL (names to complete) and the language server (hover, definition) both use."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from qnetlang.syntax import ast

# The kind of each declaring node, as the language server names it (the names of a
# `qubit a, b;` statement are found through the statement).
KINDS: dict[type, str] = {
    ast.Network: "network", ast.NodeDecl: "node", ast.Device: "device",
    ast.Protocol: "protocol", ast.Role: "role", ast.Def: "function", ast.Const: "constant",
    ast.Param: "parameter", ast.Let: "variable",
    ast.Pattern: "variable", ast.For: "variable", ast.Family: "index", ast.Run: "run",
    ast.Struct: "struct"}


@dataclass(frozen=True)
class Declaration:
    name: str
    kind: str
    node: ast.Node  # the node whose text holds the name
    statement: ast.Node  # the node whose first line declares it (`qubit a, b;` for `b`)
    item: ast.Item | None  # the top-level item it is declared in; None for top-level items

    @property
    def doc(self) -> str:
        """Its `///` documentation comment, if the statement carries one."""
        trivia = getattr(self.statement, "trivia", None)
        leading = trivia.leading if trivia is not None else []
        return "\n".join(line.removeprefix("///").strip() for line in leading
                         if line.startswith("///"))


def declarations(items: Iterable[ast.Item]) -> Iterator[Declaration]:
    for item in items:
        yield from _walk(item, None)


def _name(node: ast.Node) -> str | None:
    if isinstance(node, (ast.For, ast.Family)):
        return node.var
    if isinstance(node, ast.Run):
        return node.label
    return getattr(node, "name", None) if type(node) in KINDS else None


def _walk(node: object, item: ast.Item | None) -> Iterator[Declaration]:
    if isinstance(node, list):
        for element in node:
            yield from _walk(element, item)
        return
    if not isinstance(node, ast.Node):
        return
    if isinstance(node, ast.Decl):  # `qubit a, b;`: each name, declared by the statement
        for declarator in node.names:
            yield Declaration(declarator.name, "variable", declarator, node, item)
    elif (name := _name(node)) is not None:
        yield Declaration(name, KINDS[type(node)], node, node, item)
    inner = item if item is not None else node if isinstance(node, ast.Item) else None
    for field in getattr(node, "__dataclass_fields__", {}):
        if field not in ("span", "trivia"):
            yield from _walk(getattr(node, field), inner)
