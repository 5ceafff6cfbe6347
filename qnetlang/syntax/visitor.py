"""Walking the AST: child iteration and a visitor with per-class dispatch."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache
from typing import Any

from qnetlang.syntax import ast

_NOT_CHILDREN = frozenset({"span", "trivia", "dangling", "comments"})


@cache
def _child_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in _NOT_CHILDREN)


def iter_children(node: ast.Node) -> Iterator[ast.Node]:
    """The direct child nodes of `node`, in source order."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.Node):
                    yield item


def walk(node: ast.Node) -> Iterator[ast.Node]:
    """Every node of the tree below and including `node`, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(iter_children(current))))


class Visitor:
    """Calls `visit_<ClassName>` for each node, or `generic_visit` to go on to the children."""

    def visit(self, node: ast.Node) -> Any:
        method = getattr(self, f"visit_{type(node).__name__}", self.generic_visit)
        return method(node)

    def generic_visit(self, node: ast.Node) -> Any:
        for child in iter_children(node):
            self.visit(child)
        return None
