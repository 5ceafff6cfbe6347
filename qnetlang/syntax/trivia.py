"""Attaches comments and blank lines to the AST, so that `fmt` keeps them.

A comment belongs to the line item (statement, setting, declaration...) it
precedes, or trails the item on whose last line it stands; one before a
closing brace with nothing after it is kept by the container. A comment inside
an item but outside any nested block moves up to stand before the item.
"""

from __future__ import annotations

import bisect

from lark import Token

from qnetlang.syntax import ast
from qnetlang.syntax.visitor import iter_children

# Comments waiting to be settled, keyed by (id of a node, "leading" or "dangling").
_Pending = dict[tuple[int, str], list[Token]]


def _items(container: ast.Container) -> list[ast.Item]:
    return getattr(container, container.ITEMS) or []


def _container_around(node: ast.Node, offset: int) -> ast.Container | None:
    """The outermost container at or below `node` whose span holds `offset`."""
    if isinstance(node, ast.Container):
        return node if node.span is not None and node.span.contains(offset) else None
    for child in iter_children(node):
        if child.span is not None and child.span.contains(offset):
            found = _container_around(child, offset)
            if found is not None:
                return found
    return None


def attach_comments(program: ast.Program, comments: list[Token]) -> None:
    pending: _Pending = {}
    for comment in comments:
        _place(program, comment, pending)
    _settle(program, pending)


def _place(container: ast.Container, comment: Token, pending: _Pending) -> None:
    offset = comment.start_pos
    while True:
        items = _items(container)
        starts = [item.span.start for item in items]  # type: ignore[union-attr]
        index = bisect.bisect_right(starts, offset) - 1
        if index >= 0 and items[index].span.contains(offset):  # type: ignore[union-attr]
            inner = _container_around(items[index], offset)
            if inner is not None and inner is not container:
                container = inner
                continue
            pending.setdefault((id(items[index]), "leading"), []).append(comment)
            return
        previous = items[index] if index >= 0 else None
        if previous is not None and previous.span.end_line == comment.line:  # type: ignore
            trailing = previous.trivia.trailing
            previous.trivia.trailing = _text(comment) if trailing is None \
                else f"{trailing} {_text(comment)}"
            return
        following = items[index + 1] if index + 1 < len(items) else None
        key = (id(following), "leading") if following is not None else (id(container), "dangling")
        pending.setdefault(key, []).append(comment)
        return


def _settle(container: ast.Container, pending: _Pending) -> None:
    """Turns pending comments into trivia, recording blank lines between things."""
    last_line: int | None = None
    for item in _items(container):
        assert item.span is not None
        leading: list[str] = []
        for comment in pending.get((id(item), "leading"), ()):
            if last_line is not None and comment.line - last_line > 1:
                leading.append("")
            leading.append(_text(comment))
            last_line = comment.end_line
        if last_line is not None and item.span.line - last_line > 1:
            leading.append("")
        item.trivia.leading = leading
        last_line = item.span.end_line
        if isinstance(item, ast.Container):
            _settle(item, pending)
        else:
            _settle_within(item, pending)
    dangling: list[str] = []
    for comment in pending.get((id(container), "dangling"), ()):
        if last_line is not None and comment.line - last_line > 1:
            dangling.append("")
        dangling.append(_text(comment))
        last_line = comment.end_line
    container.dangling = dangling


def _settle_within(node: ast.Node, pending: _Pending) -> None:
    for child in iter_children(node):
        if isinstance(child, ast.Container):
            _settle(child, pending)
        else:
            _settle_within(child, pending)


def _text(comment: Token) -> str:
    return comment.value.rstrip()
