"""Attaches comments and blank lines to the AST, so that `fmt` keeps them in place.

One sweep through the tree and the comments, both in source order, so the cost
is linear in the size of the file. A comment among the line items of a
container (statements, settings, declarations) leads the item after it, trails
the item on whose last line it starts, or is kept by the container before its
closing brace (`dangling`). Any other comment stands between two tokens of the
innermost construct around it and is kept there (`Node.comments`), by the gap
between the construct's child nodes and the count of the construct's own
tokens before it in that gap: the printer counts the same tokens in what it
writes for the gap and puts the comment back after as many.
"""

from __future__ import annotations

import re

from lark import Token

from qnetlang.syntax import ast
from qnetlang.syntax.visitor import iter_children

# The tokens a gap between child nodes may hold: the same pattern splits the source
# and the printer's text, so only a consistent split matters, not Lark's exact one.
_TOKEN = re.compile(r'"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"?|\w+|\.\.=?|<->|->|\*\*|&&|\|\|'
                    r'|[-+*/%^&|~!=<>]=?|\S')
_CLOSERS = frozenset({")", "]"})
# The constructs whose empty parentheses the printer leaves out (`protocol p() {`).
_OPTIONAL_PARENS = (ast.Network, ast.Protocol, ast.Run, ast.Channel, ast.Gate)


def token_ends(text: str) -> list[int]:
    """Where each token of a stretch of printed text ends."""
    return [match.end() for match in _TOKEN.finditer(text)]


def attach_comments(program: ast.Program, comments: list[Token], text: str) -> None:
    _Sweep(comments, text).container(program, 0, len(text))


class _Sweep:
    """Walks the tree in source order, handing each comment to the node around it."""

    def __init__(self, comments: list[Token], text: str) -> None:
        self.comments = comments
        self.text = text
        self.next = 0  # the first comment not handed out yet

    def _ahead(self, offset: int) -> bool:
        """Whether a comment not handed out yet starts before `offset`."""
        return self.next < len(self.comments) and self.comments[self.next].start_pos < offset

    def _before(self, offset: int) -> list[Token]:
        """The comments not handed out yet that start before `offset`."""
        first = self.next
        while self.next < len(self.comments) and self.comments[self.next].start_pos < offset:
            self.next += 1
        return self.comments[first:self.next]

    def node(self, node: ast.Node) -> None:
        """Hands out the comments within a node, skipping a node that has none."""
        assert node.span is not None
        if not self._ahead(node.span.end):
            return
        if isinstance(node, ast.Container):
            self.container(node, node.span.start, node.span.end)
            return
        found: list[ast.Comment] = []
        start = node.span.start
        # in the order they are written (a `send` keeps its declared type after its value)
        children = sorted(iter_children(node), key=lambda child: child.span.start)  # type: ignore
        for gap, child in enumerate(children):
            assert child.span is not None
            found += self._inline(node, gap, start, child.span.start)
            self.node(child)
            start = child.span.end
        found += self._inline(node, len(children), start, node.span.end)
        if found:
            node.comments = tuple(found)

    def container(self, node: ast.Container, start: int, end: int) -> None:
        """A container's header (before its `{`) as a construct, then its lines."""
        if not self._ahead(end):
            return
        items: list[ast.Item] = getattr(node, node.ITEMS) or []
        children = list(iter_children(node))
        header = children[:len(children) - len(items)]
        found: list[ast.Comment] = []
        for gap, child in enumerate(header):
            assert child.span is not None
            found += self._inline(node, gap, start, child.span.start)
            self.node(child)
            start = child.span.end
        body = items[0].span.start if items else end  # type: ignore[union-attr]
        waiting = self._before(body)
        if waiting and not isinstance(node, ast.Program):
            placed, counted = self._place(node, len(header), start, body, waiting)
            opened = counted.index("{") + 1 if "{" in counted else len(counted) + 1
            inside = [index for index, comment in enumerate(placed) if comment.tokens >= opened]
            first_inside = inside[0] if inside else len(waiting)
            found += placed[:first_inside]
            waiting = waiting[first_inside:]
        if found:
            node.comments = tuple(found)
        self._lines(node, items, waiting, end)

    def _lines(self, node: ast.Container, items: list[ast.Item], waiting: list[Token],
               end: int) -> None:
        """Leading, trailing and dangling comments, with the blank lines next to them (the
        printer sees those between two items from their spans)."""
        last_line: int | None = None
        for index, item in enumerate(items):
            assert item.span is not None
            if waiting:
                leading, last_line = _spaced(waiting, last_line)
                assert last_line is not None
                if item.span.line - last_line > 1:
                    leading.append("")
                item.trivia.leading = leading
            self.node(item)
            last_line = item.span.end_line
            following = items[index + 1].span if index + 1 < len(items) else None
            waiting = self._before(following.start if following is not None else end)
            trailing = 0
            while trailing < len(waiting) and waiting[trailing].line == item.span.end_line:
                trailing += 1
            if trailing:
                item.trivia.trailing = " ".join(_text(c) for c in waiting[:trailing])
                last_line = waiting[trailing - 1].end_line
                waiting = waiting[trailing:]
        node.dangling, _ = _spaced(waiting, last_line)

    def _inline(self, node: ast.Node, gap: int, start: int, end: int) -> list[ast.Comment]:
        comments = self._before(end)
        return self._place(node, gap, start, end, comments)[0] if comments else []

    def _place(self, node: ast.Node, gap: int, start: int, end: int,
               comments: list[Token]) -> tuple[list[ast.Comment], list[str]]:
        """The comments of one gap of `node`, each with the count of the gap's tokens before
        it, and the tokens counted. What the printer leaves out is not counted: a trailing
        comma, and optional empty parentheses."""
        text = self.text
        pieces: list[list[str]] = []
        own_lines: list[bool] = []
        at = start
        for comment in comments:
            piece = text[at:comment.start_pos]
            pieces.append(_TOKEN.findall(piece))
            own_lines.append("\n" in piece[len(piece.rstrip()):])
            at = comment.end_pos
        pieces.append(_TOKEN.findall(text[at:end]))
        tokens = [(index, token) for index, piece in enumerate(pieces) for token in piece]
        optional_parens = isinstance(node, _OPTIONAL_PARENS)
        counted: list[str] = []
        per_piece = [0] * len(pieces)
        for position, (index, token) in enumerate(tokens):
            following = tokens[position + 1][1] if position + 1 < len(tokens) else None
            preceding = tokens[position - 1][1] if position > 0 else None
            if token == "," and following in _CLOSERS or optional_parens and (
                    token == "(" and following == ")" or token == ")" and preceding == "("):
                continue
            counted.append(token)
            per_piece[index] += 1
        placed = []
        before = 0
        for index, comment in enumerate(comments):
            before += per_piece[index]
            placed.append(ast.Comment(_text(comment), gap, before, own_lines[index]))
        return placed, counted


def _text(comment: Token) -> str:
    return comment.value.rstrip()


def _spaced(comments: list[Token], last_line: int | None) -> tuple[list[str], int | None]:
    """The comments' texts, with "" for a blank line before one; and the last line."""
    texts: list[str] = []
    for comment in comments:
        if last_line is not None and comment.line - last_line > 1:
            texts.append("")
        texts.append(_text(comment))
        last_line = comment.end_line
    return texts, last_line
