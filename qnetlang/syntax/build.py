"""Builds the AST while Lark parses (no parse tree in between).

The parser runs with keep_all_tokens, so each callback receives the keywords
and punctuation of its rule: the first and last child give the node's span.
Checks that need only one construct at a time (a gate's name and arity, a
measurement basis, a quantity's unit) are made here, as diagnostics.
"""

from __future__ import annotations

import math
from typing import Any

from lark import Token, Transformer

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic, did_you_mean
from qnetlang.gates import GATES, PAULI_BASES, PLANE_BASES
from qnetlang.source import Span
from qnetlang.ir.parameters import unit_dimension
from qnetlang.syntax import ast
from qnetlang.units import (ATTENUATION, FREQUENCY, LENGTH, LOSS, TIME,
                            Dimension, parse_unit)

MAX_DIGITS = 4300  # Python's own limit for reading a whole number from text

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_UNIT_EXAMPLES = {LENGTH: "10 km", TIME: "1 ms", FREQUENCY: "1 MHz", LOSS: "3 dB",
                  ATTENUATION: "0.2 dB/km"}


class Group(list[Any]):
    """The result of a helper rule (arguments, parameters): a list with a span."""

    span: Span


class Args(Group):
    """`(name = value, ...)` after a channel model, a protocol or a network."""


class Body(Group):
    """The `{ name = value; sweep ...; }` body of a run."""


def _is_token(child: Any, type_: str | None = None) -> bool:
    return isinstance(child, Token) and (type_ is None or child.type == type_)


def _bare_number(value: ast.Expr) -> bool:
    """A number without a unit, other than zero (zero needs none)."""
    if isinstance(value, ast.Unary) and value.op == "-":
        value = value.operand
    return isinstance(value, (ast.IntLit, ast.FloatLit)) and value.value != 0


class AstBuilder(Transformer[Token, ast.Program]):
    """Lark callbacks, one per rule or alias of grammar/qnet.lark."""

    def __init__(self) -> None:
        super().__init__()
        self.file = "<input>"
        self.diagnostics: list[Diagnostic] = []

    def reset(self, file: str) -> None:
        self.file = file
        self.diagnostics = []

    # ---------------------------------------------------------------- helpers

    def _span(self, first: Any, last: Any) -> Span:
        if isinstance(first, Token):
            line, column, start = first.line, first.column, first.start_pos
        else:
            line, column, start = first.span.line, first.span.column, first.span.start
        if isinstance(last, Token):
            end_line, end_column, end = last.end_line, last.end_column, last.end_pos
        else:
            end_line, end_column, end = last.span.end_line, last.span.end_column, last.span.end
        return Span(self.file, line, column, end_line, end_column, start, end)

    def _token_span(self, token: Token) -> Span:
        return self._span(token, token)

    def _group(self, children: list[Any], items: list[Any], kind: type = Group) -> Group:
        group = kind(items)
        group.span = self._span(children[0], children[-1])
        return group

    def _error(self, code: str, message: str, span: Span, **extra: Any) -> None:
        self.diagnostics.append(Diagnostic.error(code, message, span, **extra))

    def _nodes(self, children: list[Any], kind: type) -> list[Any]:
        return [child for child in children if isinstance(child, kind)]

    def _check_unit(self, name: str, value: ast.Expr) -> None:
        dimension = unit_dimension(name)
        if dimension is not None and _bare_number(value):
            assert value.span is not None
            self._error(Code.MISSING_UNIT, f"`{name}` needs a unit: it is a {dimension}",
                        value.span, label="a bare number",
                        help=f"write the {dimension} with its unit, e.g. `{_example(dimension)}`")

    def _check_duration(self, what: str, value: ast.Expr) -> None:
        if _bare_number(value):
            assert value.span is not None
            self._error(Code.MISSING_UNIT, f"{what} needs a time with a unit", value.span,
                        label="a bare number", help="write the time with its unit, e.g. `10 us`")

    # ---------------------------------------------------------------- top level

    def start(self, items: list[Any]) -> ast.Program:
        program = ast.Program(list(items))
        if items:
            program.span = self._span(items[0], items[-1])
        return program

    def module_decl(self, children: list[Any]) -> ast.Module:
        keyword, path, semi = children
        return ast.Module(".".join(path), span=self._span(keyword, semi))

    def import_decl(self, children: list[Any]) -> ast.Import:
        keyword, path, semi = children
        return ast.Import(".".join(path), span=self._span(keyword, semi))

    def dotted_name(self, children: list[Any]) -> Group:
        return self._group(children, [str(c) for c in children if c.type == "NAME"])

    def const_decl(self, c: list[Any]) -> ast.Const:
        type_ = c[3] if isinstance(c[3], ast.TypeExpr) else None
        return ast.Const(str(c[1]), type_, c[-2], span=self._span(c[0], c[-1]))

    def struct_decl(self, c: list[Any]) -> ast.Struct:
        return ast.Struct(str(c[1]), self._nodes(c, ast.StructField),
                          span=self._span(c[0], c[-1]))

    def struct_field(self, c: list[Any]) -> ast.StructField:
        name, _colon, type_, semi = c
        return ast.StructField(str(name), type_, span=self._span(name, semi))

    # ---------------------------------------------------------------- networks

    def network_decl(self, c: list[Any]) -> ast.Network:
        params = c[2] if isinstance(c[2], Group) else []
        body = self._nodes(c, ast.Item)
        return ast.Network(str(c[1]), list(params), body, span=self._span(c[0], c[-1]))

    def network_for(self, c: list[Any]) -> ast.NetworkFor:
        return ast.NetworkFor(str(c[1]), c[3], self._nodes(c[4:], ast.Item),
                              span=self._span(c[0], c[-1]))

    def topology_import(self, c: list[Any]) -> ast.TopologyImport:
        keyword, path = c[0], c[1]
        return ast.TopologyImport(ast.StringLit(self._unquote(path), span=self._token_span(path)),
                                  self._nodes(c, ast.Item), span=self._span(keyword, c[-1]))

    def node_decl(self, c: list[Any]) -> ast.NodeDecl:
        family = c[2] if isinstance(c[2], ast.Family) else None
        return ast.NodeDecl(str(c[1]), family, self._nodes(c, ast.Item),
                            span=self._span(c[0], c[-1]))

    def family(self, children: list[Any]) -> ast.Family:
        lsqb, var, _in, range_, rsqb = children
        return ast.Family(str(var), range_, span=self._span(lsqb, rsqb))

    def qubits_item(self, children: list[Any]) -> ast.Qubits:
        keyword, count, semi = children
        return ast.Qubits(count, span=self._span(keyword, semi))

    def memory_item(self, c: list[Any]) -> ast.Memory:
        return ast.Memory(self._nodes(c, ast.Setting), span=self._span(c[0], c[-1]))

    def device_item(self, c: list[Any]) -> ast.Device:
        kind = str(c[3]) if _is_token(c[2], "COLON") else None
        return ast.Device(str(c[1]), kind, self._nodes(c, ast.Setting),
                          span=self._span(c[0], c[-1]))

    def setting(self, children: list[Any]) -> ast.Setting:
        name, _eq, value, semi = children
        self._check_unit(str(name), value)
        return ast.Setting(str(name), value, span=self._span(name, semi))

    def link_decl(self, c: list[Any]) -> ast.Link:
        return ast.Link(c[1], str(c[2]), c[3], self._nodes(c[4:], ast.Item),
                        span=self._span(c[0], c[-1]))

    def channel(self, children: list[Any]) -> ast.Channel:
        kind, model, *rest = children
        args = list(rest[0]) if isinstance(rest[0], Args) else []
        return ast.Channel(str(kind), str(model), args, span=self._span(kind, rest[-1]))

    def channel_kind(self, children: list[Any]) -> Token:
        [token] = children
        return token

    def kwargs(self, c: list[Any]) -> Group:
        return self._group(c, self._nodes(c, ast.KeywordArg), Args)

    def kwarg(self, children: list[Any]) -> ast.KeywordArg:
        name, _eq, value = children
        self._check_unit(str(name), value)
        return ast.KeywordArg(str(name), value, span=self._span(name, value))

    # ---------------------------------------------------------------- protocols

    def protocol_decl(self, c: list[Any]) -> ast.Protocol:
        params = c[2] if isinstance(c[2], Group) else []
        return ast.Protocol(str(c[1]), list(params), self._nodes(c, ast.Item),
                            span=self._span(c[0], c[-1]))

    def role_decl(self, c: list[Any]) -> ast.Role:
        family = c[2] if isinstance(c[2], ast.Family) else None
        return ast.Role(str(c[1]), family, c[-1], span=self._span(c[0], c[-1]))

    def def_decl(self, c: list[Any]) -> ast.Def:
        returns = c[4] if len(c) == 6 else None
        return ast.Def(str(c[1]), list(c[2]), returns, c[-1], span=self._span(c[0], c[-1]))

    def params(self, c: list[Any]) -> Group:
        return self._group(c, self._nodes(c, ast.Param))

    def param(self, children: list[Any]) -> ast.Param:
        name, _colon, type_, *rest = children
        default = rest[1] if rest else None
        last = rest[-1] if rest else type_
        return ast.Param(str(name), type_, default, span=self._span(name, last))

    def scalar_type(self, children: list[Any]) -> ast.ScalarType:
        base, *rest = children
        size = rest[1] if rest else None
        return ast.ScalarType(str(base), size, span=self._span(base, rest[-1] if rest else base))

    def list_type(self, children: list[Any]) -> ast.ListType:
        base, _open, close = children
        return ast.ListType(str(base), span=self._span(base, close))

    def named_type(self, children: list[Any]) -> ast.NamedType:
        [name] = children
        return ast.NamedType(str(name), span=self._token_span(name))

    def tuple_type(self, c: list[Any]) -> ast.TupleType:
        return ast.TupleType(self._nodes(c, ast.TypeExpr), span=self._span(c[0], c[-1]))

    def base_type(self, children: list[Any]) -> Token:
        [token] = children
        return token

    # ---------------------------------------------------------------- statements

    def block(self, c: list[Any]) -> ast.Block:
        body = [_as_stmt(child) for child in c[1:-1]]
        return ast.Block(body, span=self._span(c[0], c[-1]))

    def decl_stmt(self, children: list[Any]) -> ast.Decl:
        base, *c = children
        size = c[1] if _is_token(c[0], "LSQB") else None
        type_end = c[2] if size is not None else base
        type_ = ast.ScalarType(str(base), size, span=self._span(base, type_end))
        return ast.Decl(type_, self._nodes(c, ast.Declarator), span=self._span(base, c[-1]))

    def named_decl_stmt(self, children: list[Any]) -> ast.Decl:
        """`KeyRequest r = ...;`: a variable of a struct (or a named type), with a value."""
        type_name, name, _equals, value, semi = children
        type_ = ast.NamedType(str(type_name), span=self._token_span(type_name))
        declarator = ast.Declarator(str(name), value, span=self._span(name, value))
        return ast.Decl(type_, [declarator], span=self._span(type_name, semi))

    def list_decl_stmt(self, children: list[Any]) -> ast.Decl:
        base, _open, close, *c = children
        type_ = ast.ListType(str(base), span=self._span(base, close))
        return ast.Decl(type_, self._nodes(c, ast.Declarator), span=self._span(base, c[-1]))

    def declarator(self, children: list[Any]) -> ast.Declarator:
        name, *rest = children
        init = rest[1] if rest else None
        return ast.Declarator(str(name), init, span=self._span(name, init or name))

    def let_stmt(self, c: list[Any]) -> ast.Let:
        type_ = c[3] if isinstance(c[3], ast.TypeExpr) else None
        return ast.Let(str(c[1]), type_, c[-2], span=self._span(c[0], c[-1]))

    def tuple_stmt(self, c: list[Any]) -> ast.TupleAssign:
        return ast.TupleAssign(self._nodes(c, ast.Pattern), c[-2], span=self._span(c[0], c[-1]))

    def let_tuple_stmt(self, c: list[Any]) -> ast.TupleAssign:
        names = [ast.Pattern(None, str(t), span=self._token_span(t))
                 for t in c[2:-4] if _is_token(t, "NAME")]
        return ast.TupleAssign(names, c[-2], let=True, span=self._span(c[0], c[-1]))

    def pattern(self, c: list[Any]) -> ast.Pattern:
        type_ = c[0] if len(c) == 2 else None
        return ast.Pattern(type_, str(c[-1]), span=self._span(c[0], c[-1]))

    def assign_stmt(self, children: list[Any]) -> ast.Assign:
        target, op, value, semi = children
        return ast.Assign(target, str(op), value, span=self._span(target, semi))

    def gate_stmt(self, children: list[Any]) -> ast.Gate:
        name, *c = children
        params = list(c[0]) if isinstance(c[0], Group) else []
        operands = self._nodes(c, ast.Ref)
        gate = ast.Gate(str(name), params, operands, span=self._span(name, c[-1]))
        self._check_gate(name, gate)
        return gate

    def _check_gate(self, name: Token, gate: ast.Gate) -> None:
        spec = GATES.get(gate.name)
        span = self._token_span(name)
        if spec is None:
            hint = did_you_mean(gate.name, GATES)
            self._error(Code.UNKNOWN_GATE, f"unknown gate `{gate.name}`", span,
                        label="not a gate of the language",
                        help=hint or "a function is called with parentheses: "
                                     f"`{gate.name}(...);`; the gates are listed in "
                                     "docs/language.md")
            return
        if len(gate.params) != spec.params:
            self._error(Code.GATE_ARITY,
                        f"gate `{spec.name}` takes {_count(spec.params, 'angle')}, "
                        f"given {len(gate.params)}", span,
                        help=f"write `{_gate_example(spec.name)}`")
        if len(gate.operands) != spec.qubits:
            self._error(Code.GATE_ARITY,
                        f"gate `{spec.name}` acts on {_count(spec.qubits, 'qubit')}, "
                        f"given {len(gate.operands)}", span,
                        help=f"write `{_gate_example(spec.name)}`")

    def call_stmt(self, children: list[Any]) -> ast.ExprStmt:
        name, args, semi = children
        call = ast.Call(str(name), list(args), span=self._span(name, args))
        return ast.ExprStmt(call, span=self._span(name, semi))

    def measure_stmt(self, children: list[Any]) -> ast.ExprStmt:
        measure, semi = children
        return ast.ExprStmt(measure, span=self._span(measure, semi))

    def reset_stmt(self, children: list[Any]) -> ast.Reset:
        keyword, *c = children
        return ast.Reset(self._nodes(c, ast.Ref), span=self._span(keyword, c[-1]))

    def send_stmt(self, children: list[Any]) -> ast.Send:
        keyword, value, _to, dest, semi = children
        return ast.Send(value, dest, span=self._span(keyword, semi))

    def decl_send_stmt(self, children: list[Any]) -> ast.Send:
        base, name, _equals, _send, value, _to, dest, semi = children
        type_ = ast.ScalarType(str(base), span=self._token_span(base))
        return ast.Send(value, dest, str(name), type_, span=self._span(base, semi))

    def let_send_stmt(self, children: list[Any]) -> ast.Send:
        let, name, _equals, _send, value, _to, dest, semi = children
        return ast.Send(value, dest, str(name), span=self._span(let, semi))

    def wait_stmt(self, children: list[Any]) -> ast.Wait:
        keyword, duration, semi = children
        self._check_duration("`wait`", duration)
        return ast.Wait(duration, span=self._span(keyword, semi))

    def report_stmt(self, children: list[Any]) -> ast.Report:
        keyword, *names, _eq, value, semi = children
        kind, name = (str(names[0]), names[1]) if len(names) == 2 else ("mean", names[0])
        return ast.Report(str(name), value, kind, span=self._span(keyword, semi))

    def assert_stmt(self, children: list[Any]) -> ast.Assert:
        keyword, condition, *rest = children
        message = self._unquote(rest[1]) if len(rest) == 3 else None
        return ast.Assert(condition, message, span=self._span(keyword, rest[-1]))

    def return_stmt(self, children: list[Any]) -> ast.Return:
        keyword, *rest = children
        value = rest[0] if len(rest) == 2 else None
        return ast.Return(value, span=self._span(keyword, rest[-1]))

    def break_stmt(self, children: list[Any]) -> ast.Break:
        keyword, semi = children
        return ast.Break(span=self._span(keyword, semi))

    def continue_stmt(self, children: list[Any]) -> ast.Continue:
        keyword, semi = children
        return ast.Continue(span=self._span(keyword, semi))

    def if_stmt(self, children: list[Any]) -> ast.If:
        keyword, _lpar, condition, _rpar, then, *rest = children
        orelse = _as_stmt(rest[1]) if rest else None
        last = rest[-1] if rest else then
        return ast.If(condition, _as_stmt(then), orelse, span=self._span(keyword, last))

    def for_stmt(self, children: list[Any]) -> ast.For:
        keyword, var, _in, range_, body = children
        return ast.For(str(var), range_, body, span=self._span(keyword, body))

    def while_stmt(self, children: list[Any]) -> ast.While:
        keyword, _lpar, condition, _rpar, body = children
        return ast.While(condition, body, span=self._span(keyword, body))

    def select_stmt(self, children: list[Any]) -> ast.Select:
        return ast.Select(self._nodes(children, ast.SelectArm),
                          span=self._span(children[0], children[-1]))

    def select_arm(self, children: list[Any]) -> ast.SelectArm:
        head, _arrow, body = children
        if isinstance(head, tuple):  # `after T`
            keyword, duration = head
            return ast.SelectArm(None, duration, body, span=self._span(keyword, body))
        return ast.SelectArm(head, None, body, span=self._span(head, body))

    def select_decl(self, children: list[Any]) -> ast.Decl:
        base, *c = children
        size = c[1] if _is_token(c[0], "LSQB") else None
        type_end = c[2] if size is not None else base
        type_ = ast.ScalarType(str(base), size, span=self._span(base, type_end))
        name, _equals, value = c[-3:]
        declarator = ast.Declarator(str(name), value, span=self._span(name, value))
        return ast.Decl(type_, [declarator], span=self._span(base, value))

    def select_named_decl(self, children: list[Any]) -> ast.Decl:
        type_name, name, _equals, value = children
        type_ = ast.NamedType(str(type_name), span=self._token_span(type_name))
        declarator = ast.Declarator(str(name), value, span=self._span(name, value))
        return ast.Decl(type_, [declarator], span=self._span(type_name, value))

    def select_list_decl(self, children: list[Any]) -> ast.Decl:
        base, _open, close, name, _equals, value = children
        type_ = ast.ListType(str(base), span=self._span(base, close))
        declarator = ast.Declarator(str(name), value, span=self._span(name, value))
        return ast.Decl(type_, [declarator], span=self._span(base, value))

    def select_let(self, c: list[Any]) -> ast.Let:
        type_ = c[3] if isinstance(c[3], ast.TypeExpr) else None
        return ast.Let(str(c[1]), type_, c[-1], span=self._span(c[0], c[-1]))

    def select_tuple(self, c: list[Any]) -> ast.TupleAssign:
        return ast.TupleAssign(self._nodes(c, ast.Pattern), c[-1], span=self._span(c[0], c[-1]))

    def select_recv(self, children: list[Any]) -> ast.ExprStmt:
        [value] = children
        return ast.ExprStmt(value, span=value.span)

    def select_after(self, children: list[Any]) -> tuple[Token, ast.Expr]:
        keyword, duration = children
        return keyword, duration

    def range(self, children: list[Any]) -> ast.Range:
        start, op, stop = children
        return ast.Range(start, stop, op == "..=", span=self._span(start, stop))

    def ref(self, children: list[Any]) -> ast.Ref:
        name, *rest = children
        index = rest[1] if rest else None
        return ast.Ref(str(name), index, span=self._span(name, rest[-1] if rest else name))

    # ---------------------------------------------------------------- expressions

    def binary(self, children: list[Any]) -> ast.Binary:
        left, op, right = children
        return ast.Binary(str(op), left, right, span=self._span(left, right))

    def unary(self, children: list[Any]) -> ast.Unary:
        op, operand = children
        return ast.Unary(str(op), operand, span=self._span(op, operand))

    def index(self, children: list[Any]) -> ast.Index:
        target, _lsqb, index, rsqb = children
        return ast.Index(target, index, span=self._span(target, rsqb))

    def number(self, children: list[Any]) -> ast.IntLit | ast.FloatLit:
        [token] = children
        text = str(token)
        span = self._token_span(token)
        if text.isdigit():
            if len(text) > MAX_DIGITS:
                self._error(Code.NUMBER_TOO_LONG, f"a whole number of {len(text):,} digits",
                            span, label="too long",
                            help=f"write at most {MAX_DIGITS:,} digits, or a power such as "
                                 "`10 ** 100`")
                return ast.IntLit(0, text, span=span)
            return ast.IntLit(int(text), text, span=span)
        value = float(text)
        if math.isinf(value):
            self._error(Code.NUMBER_TOO_LONG, f"`{text}` is too large for a float", span,
                        label="beyond about 1.8e308",
                        help="a float is at most about 1.8e308; write a smaller number")
            return ast.FloatLit(0.0, text, span=span)
        return ast.FloatLit(value, text, span=span)

    def quantity(self, children: list[Any]) -> ast.Quantity:
        number, unit = children
        parse_unit(str(unit))  # the UNIT token admits only known units
        return ast.Quantity(self.number([number]), str(unit), span=self._span(number, unit))

    def string(self, children: list[Any]) -> ast.StringLit:
        [token] = children
        return ast.StringLit(self._unquote(token), span=self._token_span(token))

    def _unquote(self, token: Token) -> str:
        raw = str(token)[1:-1]
        if "\\" not in raw:
            return raw
        out, i = [], 0
        while i < len(raw):
            char = raw[i]
            if char == "\\":
                escaped = raw[i + 1]
                if escaped not in _ESCAPES:
                    start = token.start_pos + 1 + i
                    span = Span(self.file, token.line, token.column + 1 + i, token.line,
                                token.column + 3 + i, start, start + 2)
                    self._error(Code.INVALID_ESCAPE, f"unknown escape `\\{escaped}` in a string",
                                span, help='the escapes are \\" \\\\ \\n \\t \\r \\0')
                out.append(_ESCAPES.get(escaped, escaped))
                i += 2
            else:
                out.append(char)
                i += 1
        return "".join(out)

    def true(self, children: list[Any]) -> ast.BoolLit:
        [token] = children
        return ast.BoolLit(True, span=self._token_span(token))

    def false(self, children: list[Any]) -> ast.BoolLit:
        [token] = children
        return ast.BoolLit(False, span=self._token_span(token))

    def ket(self, children: list[Any]) -> ast.Ket:
        [token] = children
        return ast.Ket(str(token)[1:-1], span=self._token_span(token))

    def name(self, children: list[Any]) -> ast.Name:
        [token] = children
        return ast.Name(str(token), span=self._token_span(token))

    def call(self, children: list[Any]) -> ast.Call:
        name, args = children
        return ast.Call(str(name), list(args), span=self._span(name, args))

    def struct_value(self, c: list[Any]) -> ast.StructValue:
        return ast.StructValue(str(c[0]), self._nodes(c, ast.FieldValue),
                               span=self._span(c[0], c[-1]))

    def field_value(self, children: list[Any]) -> ast.FieldValue:
        name, _equals, value = children
        return ast.FieldValue(str(name), value, span=self._span(name, value))

    def field(self, children: list[Any]) -> ast.Field:
        target, _dot, name = children
        return ast.Field(target, str(name), span=self._span(target, name))

    def call_args(self, c: list[Any]) -> Group:
        return self._group(c, self._nodes(c, ast.Expr))

    def paren(self, children: list[Any]) -> ast.Paren:
        lpar, expr, rpar = children
        return ast.Paren(expr, span=self._span(lpar, rpar))

    def tuple(self, c: list[Any]) -> ast.TupleExpr:
        return ast.TupleExpr(self._nodes(c, ast.Expr), span=self._span(c[0], c[-1]))

    def array(self, c: list[Any]) -> ast.ArrayExpr:
        return ast.ArrayExpr(self._nodes(c, ast.Expr), span=self._span(c[0], c[-1]))

    def measure_expr(self, children: list[Any]) -> ast.Measure:
        keyword, target, *rest = children
        if not rest:
            return ast.Measure(target, span=self._span(keyword, target))
        basis_token = rest[1]
        basis = str(basis_token)
        angle = rest[3] if len(rest) > 2 else None
        measure = ast.Measure(target, basis, angle, span=self._span(keyword, rest[-1]))
        span = self._token_span(basis_token)
        if basis not in PAULI_BASES + PLANE_BASES:
            hint = did_you_mean(basis, PAULI_BASES + PLANE_BASES)
            self._error(Code.UNKNOWN_BASIS, f"unknown measurement basis `{basis}`", span,
                        help=hint or "measure in z, x or y, or in a plane with an angle: "
                                     "xy(a), yz(a), xz(a)")
        elif basis in PLANE_BASES and angle is None:
            self._error(Code.BASIS_ANGLE, f"measuring in the `{basis}` plane needs an angle",
                        span, help=f"write `measure {target.name} in {basis}(angle)`")
        elif basis in PAULI_BASES and angle is not None:
            self._error(Code.BASIS_ANGLE, f"the `{basis}` basis takes no angle", span,
                        help="for a rotated basis measure in a plane: xy(a), yz(a), xz(a)")
        return measure

    def recv_expr(self, children: list[Any]) -> ast.Recv:
        keyword, *c = children
        type_ = c[0] if isinstance(c[0], ast.TypeExpr) else None
        rest = c[1:] if type_ is not None else c
        source = rest[1] if isinstance(rest[1], ast.Ref) else None  # `from any`
        timeout = rest[3] if len(rest) > 2 else None
        on_timeout = rest[5] if len(rest) > 2 else None
        if timeout is not None:
            self._check_duration("`within`", timeout)
        return ast.Recv(type_, source, timeout, on_timeout, span=self._span(keyword, rest[-1]))

    # ---------------------------------------------------------------- runs

    def run_decl(self, children: list[Any]) -> ast.Run:
        keyword, *c = children
        rest = list(c)
        label = None
        if len(rest) > 1 and _is_token(rest[1], "COLON"):
            label = str(rest[0])
            rest = rest[2:]
        protocol = str(rest.pop(0))
        args = list(rest.pop(0)) if isinstance(rest[0], Args) else []
        rest.pop(0)  # on
        network = str(rest.pop(0))
        network_args = list(rest.pop(0)) if isinstance(rest[0], Args) else []
        bindings = [child for child in rest if isinstance(child, ast.KeywordArg)]
        body = rest[-1]
        items = list(body) if isinstance(body, Body) else None
        return ast.Run(protocol, network, label, args, network_args, bindings, items,
                       span=self._span(keyword, body))

    def run_body(self, c: list[Any]) -> Group:
        return self._group(c, self._nodes(c, (ast.Setting, ast.Sweep)), Body)

    def sweep_stmt(self, children: list[Any]) -> ast.Sweep:
        keyword, *rest = children
        return ast.Sweep(self._nodes(rest, ast.SweepAxis), span=self._span(keyword, rest[-1]))

    def sweep_axis(self, children: list[Any]) -> ast.SweepAxis:
        name, _in, values, *step = children
        axis = ast.SweepAxis(str(name), values, span=self._span(name, children[-1]))
        if step:
            axis.step = step[-1]
            if len(step) == 3:  # `step * ratio`
                op = step[1]
                axis.geometric = op == "*"
                if op != "*":
                    self._error(Code.UNEXPECTED_TOKEN, f"a range steps by adding (`step 2`) or by "
                                f"multiplying (`step * 10`), not by `{op}`",
                                self._token_span(op), help="for falling values, sweep "
                                "from the high end: `100 ..= 1 step * 0.1`" if op == "/"
                                else None)
        return axis


def _as_stmt(node: Any) -> ast.Stmt:
    """A block used where a statement stands becomes a block statement."""
    if isinstance(node, ast.Block):
        return ast.BlockStmt(node, span=node.span)
    return node


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}" if n else f"no {noun}s"


def _gate_example(name: str) -> str:
    spec = GATES[name]
    angles = f"({', '.join(['theta', 'phi', 'lam'][: spec.params])})" if spec.params else ""
    qubits = ", ".join("abc"[: spec.qubits])
    return f"{name}{angles} {qubits};"


def _example(dimension: Dimension) -> str:
    return _UNIT_EXAMPLES.get(dimension, "1 s")
