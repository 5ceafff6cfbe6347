"""Prints an AST as canonical .qnet text; `qnetc fmt` is this printer.

Layout: two spaces per level, one statement per line, spaces around binary
operators, single blank lines kept where the author put them. Short node, link,
memory and device bodies stay on one line. Parentheses are printed where the
author wrote them and wherever precedence needs them.

Comments stay where they were (trivia.py says where that is): on the lines
before an item, after it on its last line, or before a closing brace. A comment
inside a construct goes back between the same two tokens: a block comment
within the line, and a line comment, or one that stood on its own line, ending
its line. What follows such a line goes on the next, four spaces deeper, or at
the statement's own indentation when it is a `{` or an `else`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from qnetlang.syntax import ast
from qnetlang.syntax.trivia import token_ends
from qnetlang.syntax.visitor import Visitor

INDENT = "  "
LINE_WIDTH = 100

# Binding strength of each operator: higher binds tighter (see grammar/qnet.lark).
_BINARY_LEVEL = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
                 "|": 4, "^": 5, "&": 6, "+": 7, "-": 7, "*": 8, "/": 8, "%": 8, "**": 10}
_UNARY_LEVEL = 9
_POSTFIX_LEVEL = 11
_ATOM_LEVEL = 12
_COMPARISON_LEVEL = 3

_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r",
                                 "\0": "\\0"})
# A line that a comment breaks off and that starts with `else` is not indented deeper.
_ELSE = re.compile(r"else\b")


def format_program(program: ast.Program) -> str:
    return Printer().program(program)


def format_expr(expr: ast.Expr) -> str:
    return Printer().expr(expr)


def _level(expr: ast.Expr) -> int:
    if isinstance(expr, ast.Binary):
        return _BINARY_LEVEL[expr.op]
    if isinstance(expr, (ast.Unary, ast.Measure, ast.Recv)):
        return _UNARY_LEVEL
    if isinstance(expr, (ast.Index, ast.Field)):
        return _POSTFIX_LEVEL
    return _ATOM_LEVEL


class _Printed(NamedTuple):
    """The text of a child node: it parts two gaps of its parent's own tokens."""

    text: str


_Part = str | _Printed


class Printer(Visitor):
    """`visit_<Node>` returns the text of a node at the current indentation."""

    def __init__(self) -> None:
        self.depth = 0

    # ---------------------------------------------------------------- layout

    @property
    def pad(self) -> str:
        return INDENT * self.depth

    def program(self, program: ast.Program) -> str:
        lines = self._items(program)
        return "\n".join(lines).rstrip("\n") + "\n" if lines else ""

    def _items(self, container: ast.Container) -> list[str]:
        """The lines of a container's items with their comments, at the current depth."""
        lines: list[str] = []
        previous: ast.Item | None = None
        for item in getattr(container, container.ITEMS) or []:
            leading = item.trivia.leading or [""] * _blank_line_between(previous, item)
            lines += self._trivia_lines(leading, first=not lines)
            text = self.visit(item)
            if item.trivia.trailing:
                text += f" {item.trivia.trailing}"
            lines.append(self.pad + text)
            previous = item
        lines += self._trivia_lines(container.dangling, first=not lines)
        return lines

    def _trivia_lines(self, entries: list[str], first: bool) -> list[str]:
        lines: list[str] = []
        for entry in entries:
            if entry == "":
                if not first and (not lines or lines[-1] != ""):
                    lines.append("")
            else:
                lines.append(self.pad + entry)
            first = False
        return lines

    def _braced(self, opening: str, container: ast.Container) -> str:
        """`opening` (which ends with `{`), the items one level deeper, then `}`."""
        self.depth += 1
        inner = self._items(container)
        self.depth -= 1
        if not inner:
            return opening + "}"
        return "\n".join([opening, *inner, self.pad + "}"])

    def _compact(self, opening: str, container: ast.Container) -> str:
        """One line for a short body without comments on its lines; braced otherwise."""
        items = getattr(container, container.ITEMS) or []
        if not container.dangling and len(items) <= 3 and all(_plain(i) for i in items):
            parts = [self.visit(item) for item in items]
            line = f"{opening} {' '.join(parts)} }}" if parts else f"{opening}}}"
            if "\n" not in line and len(self.pad) + len(line) <= LINE_WIDTH:
                return line
        return self._braced(opening, container)

    def _join(self, node: ast.Node, *parts: _Part) -> str:
        """The parts of a node's text, with the node's comments put back between them."""
        if not node.comments:
            return _plain_text(parts)
        gaps = [""]
        children: list[str] = []
        for part in parts:
            if isinstance(part, str):
                gaps[-1] += part
            else:
                children.append(part.text)
                gaps.append("")
        last = len(gaps) - 1
        by_gap: dict[int, list[ast.Comment]] = {}
        for comment in node.comments:
            by_gap.setdefault(min(comment.gap, last), []).append(comment)
        weaver = _Weaver(self.pad)
        for index, literal in enumerate(gaps):
            following = children[index] if index < len(children) else ""
            at = 0
            if index in by_gap:
                ends = token_ends(literal)
                # Never after the node's last token: that would move the comment out of it.
                limit = max(len(ends) - (index == last), 0)
                for comment in by_gap[index]:
                    count = min(comment.tokens, limit)
                    cut = max(ends[count - 1] if count else 0, at)
                    weaver.text(literal[at:cut])
                    at = cut
                    weaver.comment(comment, literal[at:].lstrip() or following)
            weaver.text(literal[at:])
            weaver.text(following)
        return weaver.finish()

    def _child(self, node: ast.Node) -> _Printed:
        return _Printed(self.visit(node))

    def _listed(self, nodes: Sequence[ast.Node]) -> list[_Part]:
        """The nodes' texts with a comma between them."""
        parts: list[_Part] = []
        for node in nodes:
            if parts:
                parts.append(", ")
            parts.append(self._child(node))
        return parts

    def _params(self, params: list[ast.Param], optional: bool = False, lead: str = "",
                tail: str = "", owner: ast.Node | None = None) -> list[_Part]:
        """`(a: int, b: float = 1.0)`; a list too long for the line between `lead` and
        `tail` is filled line by line, the later lines indented twice. A list with a
        comment in it, or in its `owner`'s gaps, keeps one line: its comments go back
        between the tokens they were between."""
        if not params and optional:
            return []
        listed = self._listed(params)
        text = _plain_text(listed)
        if len(self.pad) + len(lead) + len(text) + len(tail) + 2 <= LINE_WIDTH or \
                "//" in text or "/*" in text or (owner is not None and owner.comments):
            return ["(", *listed, ")"]
        lines, line = [], self.pad + lead + "("
        for index, param in enumerate(params):
            text = _plain_text([self._child(param)]) + ("," if index < len(params) - 1 else ")")
            if line.endswith("("):
                line += text
            elif len(line) + 1 + len(text) + len(tail) <= LINE_WIDTH:
                line += " " + text
            else:
                lines.append(line)
                line = self.pad + INDENT * 2 + text
        return ["\n".join([*lines, line])[len(self.pad) + len(lead):]]

    def _kwargs(self, args: list[ast.KeywordArg]) -> list[_Part]:
        return ["(", *self._listed(args), ")"] if args else []

    # ---------------------------------------------------------------- top level

    def visit_Module(self, node: ast.Module) -> str:
        return self._join(node, f"module {node.path};")

    def visit_Import(self, node: ast.Import) -> str:
        return self._join(node, f"import {node.path};")

    def visit_Const(self, node: ast.Const) -> str:
        annotation: list[_Part] = [": ", self._child(node.type)] if node.type else []
        return self._join(node, f"const {node.name}", *annotation, " = ",
                          self._child(node.value), ";")

    def visit_Struct(self, node: ast.Struct) -> str:
        return self._compact(self._join(node, f"struct {node.name} {{"), node)

    def visit_StructField(self, node: ast.StructField) -> str:
        return self._join(node, f"{node.name}: ", self._child(node.type), ";")

    def visit_Network(self, node: ast.Network) -> str:
        opening = self._join(node, f"network {node.name}",
                             *self._params(node.params, optional=True), " {")
        return self._braced(opening, node)

    def visit_NodeDecl(self, node: ast.NodeDecl) -> str:
        return self._compact(self._join(node, f"node {node.name}", *self._family(node.family),
                                        " {"), node)

    def visit_Qubits(self, node: ast.Qubits) -> str:
        return self._join(node, "qubits ", self._child(node.count), ";")

    def visit_Memory(self, node: ast.Memory) -> str:
        return self._compact(self._join(node, "memory {"), node)

    def visit_Device(self, node: ast.Device) -> str:
        kind = f": {node.kind}" if node.kind else ""
        return self._compact(self._join(node, f"device {node.name}{kind} {{"), node)

    def visit_Setting(self, node: ast.Setting) -> str:
        return self._join(node, f"{node.name} = ", self._child(node.value), ";")

    def visit_Link(self, node: ast.Link) -> str:
        opening = self._join(node, "link ", self._child(node.a), f" {node.direction} ",
                             self._child(node.b), " {")
        return self._compact(opening, node)

    def visit_Channel(self, node: ast.Channel) -> str:
        return self._join(node, f"{node.kind} {node.model}", *self._kwargs(node.args), ";")

    def visit_TopologyImport(self, node: ast.TopologyImport) -> str:
        if not node.body and not node.dangling:
            return self._join(node, "import ", self._child(node.path), ";")
        return self._braced(self._join(node, "import ", self._child(node.path), " {"), node)

    def visit_NetworkFor(self, node: ast.NetworkFor) -> str:
        return self._braced(self._join(node, f"for {node.var} in ", self._child(node.range),
                                       " {"), node)

    def visit_Protocol(self, node: ast.Protocol) -> str:
        lead = f"protocol {node.name}"
        opening = self._join(node, lead, *self._params(node.params, optional=True, lead=lead,
                                                        tail=" {", owner=node), " {")
        return self._braced(opening, node)

    def visit_Role(self, node: ast.Role) -> str:
        return self._join(node, f"role {node.name}", *self._family(node.family), " ",
                          self._child(node.body))

    def visit_Def(self, node: ast.Def) -> str:
        returns: list[_Part] = [" -> ", self._child(node.returns)] if node.returns else []
        lead = f"def {node.name}"
        params = self._params(node.params, lead=lead, tail=_plain_text(returns) + " {",
                              owner=node)
        return self._join(node, lead, *params, *returns, " ", self._child(node.body))

    def visit_Run(self, node: ast.Run) -> str:
        label = f"{node.label}: " if node.label else ""
        header: list[_Part] = [f"run {label}{node.protocol}", *self._kwargs(node.args),
                              f" on {node.network}", *self._kwargs(node.network_args)]
        bindings = self._listed(node.bindings)
        if bindings:
            # Decided on the text without comments, so that a comment never moves `with`.
            one_line = _plain_text(header) + " with " + _plain_text(bindings)
            fits = len(self.pad) + len(one_line) + 2 <= LINE_WIDTH
            header += [" with " if fits else f"\n{self.pad}{INDENT * 2}with ", *bindings]
        if node.body is None:
            return self._join(node, *header, ";")
        return self._braced(self._join(node, *header, " {"), node)

    def visit_Param(self, node: ast.Param) -> str:
        default: list[_Part] = [" = ", self._child(node.default)] if node.default else []
        return self._join(node, f"{node.name}: ", self._child(node.type), *default)

    def _family(self, family: ast.Family | None) -> list[_Part]:
        return [self._child(family)] if family else []

    def visit_Family(self, node: ast.Family) -> str:
        return self._join(node, f"[{node.var} in ", self._child(node.range), "]")

    def visit_Range(self, node: ast.Range) -> str:
        return self._range(node, spaced=False)

    def _range(self, node: ast.Range, spaced: bool) -> str:
        """`0..n` in a loop; spaced in a sweep, where the ends have units: 1 km ..= 9 km."""
        op = "..=" if node.inclusive else ".."
        return self._join(node, self._child(node.start), f" {op} " if spaced else op,
                          self._child(node.stop))

    def visit_Sweep(self, node: ast.Sweep) -> str:
        parts: list[_Part] = ["sweep "]
        for index, axis in enumerate(node.axes):
            parts += [" with " if index else "", self._child(axis)]
        return self._join(node, *parts, ";")

    def visit_SweepAxis(self, node: ast.SweepAxis) -> str:
        step: list[_Part] = []
        if node.step is not None:
            step = [" step * " if node.geometric else " step ", self._child(node.step)]
        values = _Printed(self._range(node.values, spaced=True)) \
            if isinstance(node.values, ast.Range) else self._child(node.values)
        return self._join(node, f"{node.name} in ", values, *step)

    def visit_KeywordArg(self, node: ast.KeywordArg) -> str:
        return self._join(node, f"{node.name} = ", self._child(node.value))

    # ---------------------------------------------------------------- types

    def visit_ScalarType(self, node: ast.ScalarType) -> str:
        if node.size is None:
            return node.name
        return self._join(node, f"{node.name}[", self._child(node.size), "]")

    def visit_ListType(self, node: ast.ListType) -> str:
        return self._join(node, f"{node.name}[]")

    def visit_NamedType(self, node: ast.NamedType) -> str:
        return node.name

    def visit_TupleType(self, node: ast.TupleType) -> str:
        return self._join(node, "(", *self._listed(node.items), ")")

    # ---------------------------------------------------------------- statements

    def visit_Block(self, node: ast.Block) -> str:
        return self._braced("{", node)

    def visit_BlockStmt(self, node: ast.BlockStmt) -> str:
        return self.visit(node.block)

    def visit_Decl(self, node: ast.Decl) -> str:
        return self._join(node, self._child(node.type), " ", *self._listed(node.names), ";")

    def visit_Declarator(self, node: ast.Declarator) -> str:
        if node.init is None:
            return node.name
        return self._join(node, f"{node.name} = ", self._child(node.init))

    def visit_Let(self, node: ast.Let) -> str:
        annotation: list[_Part] = [": ", self._child(node.type)] if node.type else []
        return self._join(node, f"let {node.name}", *annotation, " = ", self._child(node.value),
                          ";")

    def visit_TupleAssign(self, node: ast.TupleAssign) -> str:
        return self._join(node, "let (" if node.let else "(", *self._listed(node.targets),
                          ") = ", self._child(node.value), ";")

    def visit_Pattern(self, node: ast.Pattern) -> str:
        if node.type is None:
            return node.name
        return self._join(node, self._child(node.type), f" {node.name}")

    def visit_Assign(self, node: ast.Assign) -> str:
        return self._join(node, self._child(node.target), f" {node.op} ",
                          self._child(node.value), ";")

    def visit_Gate(self, node: ast.Gate) -> str:
        params: list[_Part] = ["(", *self._listed(node.params), ")"] if node.params else []
        return self._join(node, node.name, *params, " ", *self._listed(node.operands), ";")

    def visit_ExprStmt(self, node: ast.ExprStmt) -> str:
        return self._join(node, self._child(node.expr), ";")

    def visit_Reset(self, node: ast.Reset) -> str:
        return self._join(node, "reset ", *self._listed(node.targets), ";")

    def visit_Send(self, node: ast.Send) -> str:
        declared: list[_Part] = [] if node.record is None else \
            [f"let {node.record} = "] if node.type is None else \
            [self._child(node.type), f" {node.record} = "]
        return self._join(node, *declared, "send ", self._child(node.value), " to ",
                          self._child(node.dest), ";")

    def visit_Wait(self, node: ast.Wait) -> str:
        return self._join(node, "wait ", self._child(node.duration), ";")

    def visit_Report(self, node: ast.Report) -> str:
        kind = "" if node.kind == "mean" else f"{node.kind} "
        return self._join(node, f"report {kind}{node.name} = ", self._child(node.value), ";")

    def visit_Assert(self, node: ast.Assert) -> str:
        message = f", {quote(node.message)}" if node.message is not None else ""
        return self._join(node, "assert ", self._child(node.condition), f"{message};")

    def visit_Return(self, node: ast.Return) -> str:
        if node.value is None:
            return self._join(node, "return;")
        return self._join(node, "return ", self._child(node.value), ";")

    def visit_Break(self, node: ast.Break) -> str:
        return self._join(node, "break;")

    def visit_Continue(self, node: ast.Continue) -> str:
        return self._join(node, "continue;")

    def visit_If(self, node: ast.If) -> str:
        orelse: list[_Part] = [" else ", self._child(node.orelse)] if node.orelse else []
        return self._join(node, "if (", self._child(node.condition), ") ",
                          self._child(node.then), *orelse)

    def visit_For(self, node: ast.For) -> str:
        return self._join(node, f"for {node.var} in ", self._child(node.range), " ",
                          self._child(node.body))

    def visit_While(self, node: ast.While) -> str:
        return self._join(node, "while (", self._child(node.condition), ") ",
                          self._child(node.body))

    def visit_Select(self, node: ast.Select) -> str:
        return self._braced(self._join(node, "select {"), node)

    def visit_SelectArm(self, node: ast.SelectArm) -> str:
        if node.head is None:
            assert node.after is not None
            return self._join(node, "after ", self._child(node.after), " => ",
                              self._child(node.body))
        head = self._child(node.head).text
        assert head.endswith(";")  # a statement's; an arm's head has no `;`
        return self._join(node, _Printed(head[:-1]), " => ", self._child(node.body))

    def visit_Ref(self, node: ast.Ref) -> str:
        if node.index is None:
            return node.name
        return self._join(node, f"{node.name}[", self._child(node.index), "]")

    # ---------------------------------------------------------------- expressions

    def expr(self, node: ast.Expr) -> str:
        return self.visit(node)

    def _operand(self, node: ast.Expr, minimum: int) -> _Printed:
        text = self.expr(node)
        return _Printed(f"({text})" if _level(node) < minimum else text)

    def visit_Binary(self, node: ast.Binary) -> str:
        level = _BINARY_LEVEL[node.op]
        if node.op == "**":
            left, right = _POSTFIX_LEVEL, _UNARY_LEVEL
        elif level == _COMPARISON_LEVEL:
            left = right = level + 1
        else:
            left, right = level, level + 1
        return self._join(node, self._operand(node.left, left), f" {node.op} ",
                          self._operand(node.right, right))

    def visit_Unary(self, node: ast.Unary) -> str:
        return self._join(node, node.op, self._operand(node.operand, _UNARY_LEVEL))

    def visit_Index(self, node: ast.Index) -> str:
        return self._join(node, self._operand(node.target, _POSTFIX_LEVEL), "[",
                          self._child(node.index), "]")

    def visit_Field(self, node: ast.Field) -> str:
        return self._join(node, self._operand(node.target, _POSTFIX_LEVEL), f".{node.name}")

    def visit_StructValue(self, node: ast.StructValue) -> str:
        return self._join(node, f"{node.name}(", *self._listed(node.fields), ")")

    def visit_FieldValue(self, node: ast.FieldValue) -> str:
        return self._join(node, f"{node.name} = ", self._child(node.value))

    def visit_Name(self, node: ast.Name) -> str:
        return node.id

    def visit_IntLit(self, node: ast.IntLit) -> str:
        return node.text or str(node.value)

    def visit_FloatLit(self, node: ast.FloatLit) -> str:
        return node.text or repr(node.value)

    def visit_Quantity(self, node: ast.Quantity) -> str:
        return self._join(node, self._child(node.number), f" {node.unit}")

    def visit_BoolLit(self, node: ast.BoolLit) -> str:
        return "true" if node.value else "false"

    def visit_StringLit(self, node: ast.StringLit) -> str:
        return quote(node.value)

    def visit_Ket(self, node: ast.Ket) -> str:
        return f"|{node.label}>"

    def visit_Paren(self, node: ast.Paren) -> str:
        return self._join(node, "(", self._child(node.expr), ")")

    def visit_TupleExpr(self, node: ast.TupleExpr) -> str:
        return self._join(node, "(", *self._listed(node.items), ")")

    def visit_ArrayExpr(self, node: ast.ArrayExpr) -> str:
        return self._join(node, "[", *self._listed(node.items), "]")

    def visit_Call(self, node: ast.Call) -> str:
        return self._join(node, f"{node.func}(", *self._listed(node.args), ")")

    def visit_Measure(self, node: ast.Measure) -> str:
        parts: list[_Part] = ["measure ", self._child(node.target)]
        if node.basis is not None:
            parts.append(f" in {node.basis}")
            if node.angle is not None:
                parts += ["(", self._child(node.angle), ")"]
        return self._join(node, *parts)

    def visit_Recv(self, node: ast.Recv) -> str:
        parts: list[_Part] = ["recv "]
        if node.type:
            parts += [self._child(node.type), " "]
        parts += ["from ", self._child(node.source) if node.source is not None else "any"]
        if node.timeout is not None and node.on_timeout is not None:
            parts += [" within ", self._child(node.timeout), " else ",
                      self._child(node.on_timeout)]
        return self._join(node, *parts)

    def generic_visit(self, node: ast.Node) -> str:
        raise TypeError(f"the printer has no rule for {type(node).__name__}")


class _Weaver:
    """Writes a node's text piece by piece, with its comments between the pieces."""

    def __init__(self, pad: str) -> None:
        self.pad = pad
        self.out: list[str] = []
        self.line_break = False  # the next text starts a new line
        self.space = False  # the next text is set off by a space

    def text(self, piece: str) -> None:
        """Writes some of the node's own text, or a child's."""
        if self.line_break:
            piece = piece.lstrip(" ")
            if piece:
                self._new_line(piece)
        elif self.space and piece:
            if piece[0] not in " ,;)]":
                self.out.append(" ")
            self.space = False
        if piece:
            self.out.append(piece)

    def comment(self, comment: ast.Comment, upcoming: str) -> None:
        """Writes a comment; `upcoming` is the text that will follow it."""
        starts_line = comment.own_line or self.line_break
        if starts_line:
            self._new_line(upcoming)
        elif self.out and self.out[-1][-1] not in " ([":
            self.out.append(" ")
        self.out.append(comment.text)
        # A comment written at the start of a line ends its line too, so that a second
        # run of `fmt` sees the same layout.
        self.line_break = starts_line or comment.text.startswith("//")
        self.space = not self.line_break

    def _new_line(self, upcoming: str) -> None:
        if self.out:
            self.out[-1] = self.out[-1].rstrip(" ")
        deeper = not (upcoming.startswith("{") or _ELSE.match(upcoming))
        self.out.append("\n" + self.pad + INDENT * 2 * deeper)
        self.line_break = self.space = False

    def finish(self) -> str:
        if self.line_break:  # only when a comment had nothing after it: keep the line ended
            self._new_line("")
        return "".join(self.out)


def _plain_text(parts: Sequence[_Part]) -> str:
    """The parts' text without comments."""
    return "".join(part if isinstance(part, str) else part.text for part in parts)


def _blank_line_between(previous: ast.Item | None, item: ast.Item) -> bool:
    """Whether the author left a blank line between two items with no comment between."""
    if previous is None or previous.span is None or item.span is None:
        return False
    trailing = previous.trivia.trailing
    last_line = previous.span.end_line + (trailing.count("\n") if trailing else 0)
    return item.span.line - last_line > 1


def _plain(item: ast.Item) -> bool:
    return not item.trivia.leading and not item.trivia.trailing


def quote(value: str) -> str:
    """A string as a .qnet string literal."""
    return '"' + value.translate(_STRING_ESCAPES) + '"'
