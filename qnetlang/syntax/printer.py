"""Prints an AST as canonical .qnet text; `qnetc fmt` is this printer.

Layout: two spaces per level, one statement per line, spaces around binary
operators, comments and single blank lines kept where the author put them.
Short node, link, memory and device bodies stay on one line. Parentheses are
printed where the author wrote them and wherever precedence needs them.
"""

from __future__ import annotations

from qnetlang.syntax import ast
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

_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def format_program(program: ast.Program) -> str:
    return Printer().program(program)


def format_expr(expr: ast.Expr) -> str:
    return Printer().expr(expr)


def _level(expr: ast.Expr) -> int:
    if isinstance(expr, ast.Binary):
        return _BINARY_LEVEL[expr.op]
    if isinstance(expr, (ast.Unary, ast.Measure, ast.Recv)):
        return _UNARY_LEVEL
    if isinstance(expr, ast.Index):
        return _POSTFIX_LEVEL
    return _ATOM_LEVEL


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
        for item in getattr(container, container.ITEMS) or []:
            lines += self._trivia_lines(item.trivia.leading, first=not lines)
            text = self.visit(item)
            if item.trivia.trailing:
                text += f" {item.trivia.trailing}"
            lines.append(self.pad + text)
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

    def _braced(self, header: str, container: ast.Container) -> str:
        """`header {`, the items one level deeper, then `}` at this level."""
        self.depth += 1
        inner = self._items(container)
        self.depth -= 1
        if not inner:
            return f"{header} {{}}"
        return "\n".join([f"{header} {{", *inner, self.pad + "}"])

    def _compact(self, header: str, container: ast.Container) -> str:
        """One line for a short body without comments; the braced form otherwise."""
        items = getattr(container, container.ITEMS) or []
        if not container.dangling and len(items) <= 3 and all(_plain(i) for i in items):
            parts = [self.visit(item) for item in items]
            line = f"{header} {{ {' '.join(parts)} }}" if parts else f"{header} {{}}"
            if "\n" not in line and len(self.pad) + len(line) <= LINE_WIDTH:
                return line
        return self._braced(header, container)

    # ---------------------------------------------------------------- top level

    def visit_Module(self, node: ast.Module) -> str:
        return f"module {node.path};"

    def visit_Import(self, node: ast.Import) -> str:
        return f"import {node.path};"

    def visit_Const(self, node: ast.Const) -> str:
        annotation = f": {self.visit(node.type)}" if node.type else ""
        return f"const {node.name}{annotation} = {self.expr(node.value)};"

    def visit_Network(self, node: ast.Network) -> str:
        return self._braced(f"network {node.name}{self._params(node.params, optional=True)}",
                            node)

    def visit_NodeDecl(self, node: ast.NodeDecl) -> str:
        return self._compact(f"node {node.name}{self._family(node.family)}", node)

    def visit_Qubits(self, node: ast.Qubits) -> str:
        return f"qubits {self.expr(node.count)};"

    def visit_Memory(self, node: ast.Memory) -> str:
        return self._compact("memory", node)

    def visit_Device(self, node: ast.Device) -> str:
        kind = f": {node.kind}" if node.kind else ""
        return self._compact(f"device {node.name}{kind}", node)

    def visit_Setting(self, node: ast.Setting) -> str:
        return f"{node.name} = {self.expr(node.value)};"

    def visit_Link(self, node: ast.Link) -> str:
        header = f"link {self._ref(node.a)} {node.direction} {self._ref(node.b)}"
        return self._compact(header, node)

    def visit_Channel(self, node: ast.Channel) -> str:
        args = self._kwargs(node.args) if node.args else ""
        return f"{node.kind} {node.model}{args};"

    def visit_NetworkFor(self, node: ast.NetworkFor) -> str:
        return self._braced(f"for {node.var} in {self._range(node.range)}", node)

    def visit_Protocol(self, node: ast.Protocol) -> str:
        return self._braced(f"protocol {node.name}{self._params(node.params, optional=True)}",
                            node)

    def visit_Role(self, node: ast.Role) -> str:
        return self._braced(f"role {node.name}{self._family(node.family)}", node.body)

    def visit_Def(self, node: ast.Def) -> str:
        returns = f" -> {self.visit(node.returns)}" if node.returns else ""
        return self._braced(f"def {node.name}{self._params(node.params)}{returns}", node.body)

    def visit_Run(self, node: ast.Run) -> str:
        label = f"{node.label}: " if node.label else ""
        args = self._kwargs(node.args) if node.args else ""
        network_args = self._kwargs(node.network_args) if node.network_args else ""
        header = f"run {label}{node.protocol}{args} on {node.network}{network_args}"
        if node.bindings:
            bindings = "with " + ", ".join(self._kwarg(b) for b in node.bindings)
            one_line = f"{header} {bindings}"
            if len(self.pad) + len(one_line) + 2 <= LINE_WIDTH:
                header = one_line
            else:
                header = f"{header}\n{self.pad}{INDENT * 2}{bindings}"
        if node.settings is None:
            return header + ";"
        return self._braced(header, node)

    def _params(self, params: list[ast.Param], optional: bool = False) -> str:
        if not params and optional:
            return ""
        return "(" + ", ".join(self.visit(p) for p in params) + ")"

    def visit_Param(self, node: ast.Param) -> str:
        default = f" = {self.expr(node.default)}" if node.default else ""
        return f"{node.name}: {self.visit(node.type)}{default}"

    def _family(self, family: ast.Family | None) -> str:
        return f"[{family.var} in {self._range(family.range)}]" if family else ""

    def _range(self, node: ast.Range) -> str:
        return f"{self.expr(node.start)}{'..=' if node.inclusive else '..'}{self.expr(node.stop)}"

    def _kwargs(self, args: list[ast.KeywordArg]) -> str:
        return "(" + ", ".join(self._kwarg(a) for a in args) + ")"

    def _kwarg(self, arg: ast.KeywordArg) -> str:
        return f"{arg.name} = {self.expr(arg.value)}"

    # ---------------------------------------------------------------- types

    def visit_ScalarType(self, node: ast.ScalarType) -> str:
        return node.name + (f"[{self.expr(node.size)}]" if node.size else "")

    def visit_NamedType(self, node: ast.NamedType) -> str:
        return node.name

    def visit_TupleType(self, node: ast.TupleType) -> str:
        return "(" + ", ".join(self.visit(t) for t in node.items) + ")"

    # ---------------------------------------------------------------- statements

    def visit_Block(self, node: ast.Block) -> str:
        return self._braced("", node).lstrip()

    def visit_BlockStmt(self, node: ast.BlockStmt) -> str:
        return self.visit(node.block)

    def visit_Decl(self, node: ast.Decl) -> str:
        names = ", ".join(
            d.name + (f" = {self.expr(d.init)}" if d.init else "") for d in node.names)
        return f"{self.visit(node.type)} {names};"

    def visit_Let(self, node: ast.Let) -> str:
        annotation = f": {self.visit(node.type)}" if node.type else ""
        return f"let {node.name}{annotation} = {self.expr(node.value)};"

    def visit_TupleAssign(self, node: ast.TupleAssign) -> str:
        targets = ", ".join(f"{self.visit(p.type)} {p.name}" if p.type else p.name
                            for p in node.targets)
        return f"{'let ' if node.let else ''}({targets}) = {self.expr(node.value)};"

    def visit_Assign(self, node: ast.Assign) -> str:
        return f"{self._ref(node.target)} {node.op} {self.expr(node.value)};"

    def visit_Gate(self, node: ast.Gate) -> str:
        params = "(" + ", ".join(self.expr(p) for p in node.params) + ")" if node.params else ""
        return f"{node.name}{params} {', '.join(self._ref(r) for r in node.operands)};"

    def visit_ExprStmt(self, node: ast.ExprStmt) -> str:
        return f"{self.expr(node.expr)};"

    def visit_Reset(self, node: ast.Reset) -> str:
        return f"reset {', '.join(self._ref(r) for r in node.targets)};"

    def visit_Send(self, node: ast.Send) -> str:
        return f"send {self.expr(node.value)} to {self._ref(node.dest)};"

    def visit_Wait(self, node: ast.Wait) -> str:
        return f"wait {self.expr(node.duration)};"

    def visit_Report(self, node: ast.Report) -> str:
        return f"report {node.name} = {self.expr(node.value)};"

    def visit_Assert(self, node: ast.Assert) -> str:
        message = f", {_quote(node.message)}" if node.message is not None else ""
        return f"assert {self.expr(node.condition)}{message};"

    def visit_Return(self, node: ast.Return) -> str:
        return f"return {self.expr(node.value)};" if node.value else "return;"

    def visit_Break(self, node: ast.Break) -> str:
        return "break;"

    def visit_Continue(self, node: ast.Continue) -> str:
        return "continue;"

    def visit_If(self, node: ast.If) -> str:
        text = f"if ({self.expr(node.condition)}) {self.visit(node.then)}"
        if node.orelse is not None:
            text += f" else {self.visit(node.orelse)}"
        return text

    def visit_For(self, node: ast.For) -> str:
        return f"for {node.var} in {self._range(node.range)} {self.visit(node.body)}"

    def visit_While(self, node: ast.While) -> str:
        return f"while ({self.expr(node.condition)}) {self.visit(node.body)}"

    def _ref(self, ref: ast.Ref) -> str:
        return ref.name + (f"[{self.expr(ref.index)}]" if ref.index is not None else "")

    # ---------------------------------------------------------------- expressions

    def expr(self, node: ast.Expr) -> str:
        return self.visit(node)

    def _operand(self, node: ast.Expr, minimum: int) -> str:
        text = self.expr(node)
        return f"({text})" if _level(node) < minimum else text

    def visit_Binary(self, node: ast.Binary) -> str:
        level = _BINARY_LEVEL[node.op]
        if node.op == "**":
            left, right = _POSTFIX_LEVEL, _UNARY_LEVEL
        elif level == _COMPARISON_LEVEL:
            left = right = level + 1
        else:
            left, right = level, level + 1
        return f"{self._operand(node.left, left)} {node.op} {self._operand(node.right, right)}"

    def visit_Unary(self, node: ast.Unary) -> str:
        return node.op + self._operand(node.operand, _UNARY_LEVEL)

    def visit_Index(self, node: ast.Index) -> str:
        return f"{self._operand(node.target, _POSTFIX_LEVEL)}[{self.expr(node.index)}]"

    def visit_Name(self, node: ast.Name) -> str:
        return node.id

    def visit_IntLit(self, node: ast.IntLit) -> str:
        return node.text or str(node.value)

    def visit_FloatLit(self, node: ast.FloatLit) -> str:
        return node.text or repr(node.value)

    def visit_Quantity(self, node: ast.Quantity) -> str:
        return f"{self.expr(node.number)} {node.unit}"

    def visit_BoolLit(self, node: ast.BoolLit) -> str:
        return "true" if node.value else "false"

    def visit_StringLit(self, node: ast.StringLit) -> str:
        return _quote(node.value)

    def visit_Ket(self, node: ast.Ket) -> str:
        return f"|{node.label}>"

    def visit_Paren(self, node: ast.Paren) -> str:
        return f"({self.expr(node.expr)})"

    def visit_TupleExpr(self, node: ast.TupleExpr) -> str:
        return "(" + ", ".join(self.expr(e) for e in node.items) + ")"

    def visit_ArrayExpr(self, node: ast.ArrayExpr) -> str:
        return "[" + ", ".join(self.expr(e) for e in node.items) + "]"

    def visit_Call(self, node: ast.Call) -> str:
        return f"{node.func}(" + ", ".join(self.expr(a) for a in node.args) + ")"

    def visit_Measure(self, node: ast.Measure) -> str:
        text = f"measure {self._ref(node.target)}"
        if node.basis is not None:
            text += f" in {node.basis}"
            if node.angle is not None:
                text += f"({self.expr(node.angle)})"
        return text

    def visit_Recv(self, node: ast.Recv) -> str:
        type_ = f" {self.visit(node.type)}" if node.type else ""
        text = f"recv{type_} from {self._ref(node.source)}"
        if node.timeout is not None and node.on_timeout is not None:
            text += f" within {self.expr(node.timeout)} else {self.visit(node.on_timeout)}"
        return text

    def generic_visit(self, node: ast.Node) -> str:
        raise TypeError(f"the printer has no rule for {type(node).__name__}")


def _plain(item: ast.Item) -> bool:
    return not item.trivia.leading and not item.trivia.trailing


def _quote(value: str) -> str:
    return '"' + "".join(_STRING_ESCAPES.get(char, char) for char in value) + '"'
