"""Lowering a role (or a constant) from the AST to the IR's flat instruction stream.

Constants fold as they are lowered; a `for` loop with bounds known before the
run stays a loop where that means the same as its turns written out (see
`Lowerer.stmt_For`), and is unrolled otherwise, so that what its counter
decides is fixed in each turn. Functions are
inlined, their qubit parameters standing for the caller's qubits; measurement,
reception and randomness inside expressions become instructions writing to
temporary variables.

A protocol checked on its own is lowered `symbolic`: its parameters are
variables, not constants, so an array size, a constant or the member of a
role family that depends on them is not known either.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from qnetlang.codes import Code
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import (INT_MAX, INT_MIN, UNKNOWN, EvaluationError, apply_binary,
                                  apply_builtin, apply_unary, checked_int, element, is_whole)
from qnetlang import builtins
from qnetlang import types as t
from qnetlang.semantics.context import Context, Kind, Symbol, role_argument
from qnetlang.syntax import ast
from qnetlang.syntax.visitor import walk
from qnetlang.units import parse_unit

UNROLL_ITERATIONS = 4096  # a `for` loop longer than this is never unrolled
UNROLL_CODE = 200_000  # nor is any loop once a role's code is this long
_KET_STATES = {"0", "1", "+", "-", "+i", "-i"}


MAX_ARRAY_SIZE = 10_000_000  # elements of one array: 80 MB a row of a batch already
MAX_ELABORATED = 1_000_000  # members of a family, and nodes, links and loop turns of a
# network: a million nodes take about 15 s and 600 MB to check
_SLOW: Any = object()  # Lowerer.quick cannot tell the value: lower the expression in full


class LoweringError(Exception):
    """Lowering cannot go on; the diagnostic is already reported."""


class _Unroll(Exception):
    """A loop lowered as a loop met a use of its counter that must be a constant."""

    def __init__(self, counter: str) -> None:
        super().__init__(counter)
        self.counter = counter


@dataclass
class Label:
    index: int | None = None


@dataclass
class _Loop:
    next: Label  # where `continue` goes
    exit: Label  # where `break` goes


@dataclass
class _Mark:
    """Where lowering stood, to go back to."""

    code: int
    env: dict[Symbol, ir.Expr]
    loops: int
    inlines: int
    variables: int
    units: int
    slots: int


@dataclass
class _Inline:
    function: ast.Def
    result: ir.Var | None
    end: Label
    prefix: str  # of the names declared in it: `outer.inner.`


@dataclass
class Lowerer:
    """Lowers expressions (and, with `code`, statements) in an environment of symbols."""

    ctx: Context
    env: dict[Symbol, ir.Expr] = field(default_factory=dict)
    code: list[ir.Instr] | None = None
    # The role a message goes to or comes from: (role, member index or None) -> its name.
    # With symbolic parameters the index of a family member may be unknown: None.
    peers: Callable[[Symbol, int | None, ast.Node], str] | None = None
    units: dict[str, int | None] = field(default_factory=dict)
    variables: dict[str, t.Type] = field(default_factory=dict)
    loops: list[_Loop] = field(default_factory=list)
    inlines: list[_Inline] = field(default_factory=list)
    slots: dict[Symbol, str] = field(default_factory=dict)
    # id(send or receive) -> it and the reference naming its peer (see families.py)
    named: dict[int, tuple[ir.Instr, ast.Ref]] = field(default_factory=dict)
    symbolic: bool = False  # parameters unknown: see the module's docstring
    _names: set[str] = field(default_factory=set)
    _next: dict[str, int] = field(default_factory=dict)  # base -> the count to try next
    _counters: list[str] = field(default_factory=list)  # of the loops lowered as loops, outer first
    _long: set[str] = field(default_factory=set)  # counters of loops too long to unroll
    _uncertain: int = 0  # depth of code some shots may take and others not (see stmt_For)

    # ---------------------------------------------------------------- helpers

    def fail(self, code: str, message: str, node: ast.Node | None, **extra: Any) -> LoweringError:
        self.ctx.error(code, message, node.span if node is not None else None, **extra)
        return LoweringError(message)

    def emit(self, instr: ir.Instr, node: ast.Node | None) -> None:
        if self.code is None:
            raise self.fail(Code.NOT_CONSTANT, "this must be known before the protocol runs",
                            node, help="a constant cannot measure, receive or draw random bits")
        instr.span = node.span if node is not None else None
        self.code.append(instr)

    def place(self, label: Label) -> None:
        assert self.code is not None
        label.index = len(self.code)

    def fresh(self, base: str) -> str:
        """A name not used yet: `base`, else `base#2`, `base#3`... counting on from the
        last one given, so that n temporaries of one base cost n steps, not n^2."""
        count = self._next.get(base, 1)
        name = base if count == 1 else f"{base}#{count}"
        while name in self._names:
            count += 1
            name = f"{base}#{count}"
        self._names.add(name)
        self._next[base] = count + 1
        return name

    def prefix(self) -> str:
        return self.inlines[-1].prefix if self.inlines else ""

    def temp(self, type_: t.Type, base: str = "tmp") -> ir.Var:
        name = self.fresh(f"{self.prefix()}{base}")
        self.variables[name] = type_
        return ir.Var(name, type=type_)

    def constant(self, expr: ast.Expr, what: str) -> Any:
        value = self.quick(expr)
        return value if value is not _SLOW else self.known(self.expr(expr), expr, what)

    def quick(self, expr: ast.Expr) -> Any:
        """The value of the commonest constant expressions, which a network builds
        thousands of times (`hop[i + 1]`): names of known values, whole numbers and the
        operators between them, folded as lowering folds them; _SLOW for anything else,
        and for an error (lowering them in full reports it)."""
        kind = type(expr)
        if kind is ast.Name:
            found = self.env.get(self.ctx.symbols.get(id(expr)))  # type: ignore[arg-type]
            return found.value if type(found) is ir.Const else _SLOW
        if kind is ast.IntLit:
            return expr.value if INT_MIN <= expr.value <= INT_MAX else _SLOW  # type: ignore
        if kind is ast.Paren:
            return self.quick(expr.expr)  # type: ignore[attr-defined]
        if kind is ast.Binary:
            left, right = self.quick(expr.left), self.quick(expr.right)  # type: ignore
            if left is _SLOW or right is _SLOW or left is UNKNOWN or right is UNKNOWN:
                return _SLOW
            try:
                return apply_binary(expr.op, left, right)  # type: ignore[attr-defined]
            except (EvaluationError, ArithmeticError, ValueError):
                return _SLOW
        return _SLOW

    def known(self, lowered: ir.Expr, expr: ast.Expr, what: str) -> Any:
        self.fixed(lowered)
        if not isinstance(lowered, ir.Const):
            raise self.fail(Code.NOT_CONSTANT, f"{what} must be known before the protocol runs",
                            expr, help="use constants and parameters here")
        return lowered.value

    def integer(self, expr: ast.Expr, what: str) -> int:
        return self.whole(self.constant(expr, what), expr, what)

    def indices(self, bounds: ast.Range, kind: Literal["family", "loop"]) -> range:
        """The indices a family (or a network's `for`) runs over, refused past
        MAX_ELABORATED: each is built one by one."""
        start = self.integer(bounds.start, f"a {kind} bound")
        stop = self.integer(bounds.stop, f"a {kind} bound")
        indices = range(start, stop + 1 if bounds.inclusive else stop)
        size = max(0, indices.stop - indices.start)  # len() overflows past 2**63
        if size > MAX_ELABORATED:
            count = f"{size:,} {'members' if kind == 'family' else 'turns'}"
            raise self.fail(Code.CONSTANT_ERROR, f"a {kind} of {count} is more than qnetc "
                            f"builds ({MAX_ELABORATED:,})", bounds,
                            help="each one is built and checked in turn: give the range "
                                 "a smaller bound")
        return indices

    def array_size(self, expr: ast.Expr) -> int | None:
        """An array's size; None (unknown) when it depends on symbolic parameters."""
        lowered = self.expr(expr)
        self.fixed(lowered)
        if self.symbolic and not isinstance(lowered, ir.Const):
            return None
        return self.whole(self.known(lowered, expr, "an array size"), expr, "an array size")

    def fixed(self, lowered: ir.Expr) -> None:
        """`lowered` must be a constant here: an expression of loop counters and constants
        alone would be one in unrolled loops, so the outermost such loop is unrolled (and
        the inner ones, lowered again in each of its turns, when they still must be)."""
        if not self._counters or isinstance(lowered, ir.Const):
            return
        counters: list[str] = []
        for node in ir.subexpressions(lowered):
            if isinstance(node, ir.Var):
                if node.name not in self._counters or node.index is not None:
                    return
                counters.append(node.name)
            elif isinstance(node, ir.Builtin) and builtins.FUNCTIONS[node.name].fold is None:
                return
            elif not isinstance(node, (ir.Const, ir.Unary, ir.Binary, ir.Builtin, ir.Index,
                                       ir.TupleOf, ir.ArrayOf)):
                return
        if counters:
            raise _Unroll(min(counters, key=self._counters.index))

    def whole(self, value: Any, expr: ast.Expr, what: str) -> int:
        if not is_whole(value):
            raise self.fail(Code.CONSTANT_ERROR, f"{what} must be a whole number, not {value}",
                            expr)
        return int(value)

    def fold(self, node: ast.Node, compute: Callable[[], Any]) -> ir.Const:
        try:
            return ir.Const(compute())
        except EvaluationError as error:
            raise self.fail(Code.CONSTANT_ERROR, f"cannot compute this: {error}", node) from None

    # ---------------------------------------------------------------- symbols

    def symbol_value(self, symbol: Symbol, use: ast.Node) -> ir.Expr:
        found = self.env.get(symbol)
        if found is not None:
            return found
        if symbol.kind is Kind.BUILTIN_CONST:
            return ir.Const(builtins.CONSTANTS[symbol.name][1])
        if symbol.kind is Kind.CONST and isinstance(symbol.decl, ast.Const):
            value = Lowerer(self.ctx, self.env, symbolic=self.symbolic).expr(symbol.decl.value)
            if not isinstance(value, ir.Const) and not self.symbolic:
                raise self.fail(Code.NOT_CONSTANT, f"constant `{symbol.name}` must be known "
                                "before the protocol runs", symbol.decl.value)
            self.env[symbol] = value
            return value
        raise self.fail(Code.NOT_CONSTANT, f"`{symbol.name}` is not known here", use)

    def symbol(self, node: ast.Node) -> Symbol:
        symbol = self.ctx.symbol(node)
        if symbol is None:  # the names pass resolves every name it lets through
            raise LookupError(f"no symbol for {type(node).__name__} at {node.span}")
        return symbol

    # ---------------------------------------------------------------- expressions

    def expr(self, expr: ast.Expr) -> ir.Expr:
        lowered = self._expr(expr)
        if lowered.span is None:
            lowered.span = expr.span
        if lowered.type is None:
            lowered.type = self.ctx.types.get(id(expr))
        return lowered

    def _expr(self, expr: ast.Expr) -> ir.Expr:
        lower = _EXPRESSIONS.get(type(expr))
        if lower is None:
            raise LoweringError(f"no lowering for {type(expr).__name__}")
        return lower(self, expr)

    def expr_IntLit(self, expr: ast.IntLit) -> ir.Expr:
        return self.fold(expr, lambda: checked_int(expr.value))

    def expr_literal(self, expr: ast.FloatLit | ast.BoolLit | ast.StringLit) -> ir.Expr:
        return ir.Const(expr.value)

    def expr_Quantity(self, expr: ast.Quantity) -> ir.Expr:
        return ir.Const(expr.number.value * parse_unit(expr.unit).scale)

    def expr_Paren(self, expr: ast.Paren) -> ir.Expr:
        return self.expr(expr.expr)

    def expr_Name(self, expr: ast.Name) -> ir.Expr:
        return self.symbol_value(self.symbol(expr), expr)

    def expr_sequence(self, expr: ast.TupleExpr | ast.ArrayExpr) -> ir.Expr:
        items = [self.expr(item) for item in expr.items]
        tuple_ = isinstance(expr, ast.TupleExpr)
        if all(isinstance(item, ir.Const) for item in items):
            values = [item.value for item in items]  # type: ignore[attr-defined]
            return ir.Const(tuple(values) if tuple_ else values)
        return ir.TupleOf(items) if tuple_ else ir.ArrayOf(items)

    def expr_StructValue(self, expr: ast.StructValue) -> ir.Expr:
        """A struct is a tuple of its fields' values, in the order the struct declares."""
        struct = self.ctx.type_of(expr)
        assert isinstance(struct, t.Struct)
        given = {field.name: field.value for field in expr.fields}
        items = [self.expr(given[name]) for name in struct.fields]
        if all(isinstance(item, ir.Const) for item in items):
            return ir.Const(tuple(item.value for item in items))  # type: ignore[attr-defined]
        return ir.TupleOf(items)

    def expr_Field(self, expr: ast.Field) -> ir.Expr:
        struct = self.ctx.type_of(expr.target)
        position = struct.field(expr.name) if isinstance(struct, t.Struct) else None
        if position is None:  # the type check said why
            raise self.fail(Code.BAD_FIELD, f"no field `{expr.name}` here", expr)
        target = self.expr(expr.target)
        if isinstance(target, ir.Const):
            return ir.Const(target.value[position])
        return ir.Index(target, ir.Const(position))

    def expr_Unary(self, expr: ast.Unary) -> ir.Expr:
        operand = self.expr(expr.operand)
        if isinstance(operand, ir.Const):
            return self.fold(expr, lambda: apply_unary(expr.op, operand.value))
        return ir.Unary(expr.op, operand)

    def expr_Binary(self, expr: ast.Binary) -> ir.Expr:
        left, right = self.expr(expr.left), self.expr(expr.right)
        if isinstance(left, ir.Const) and isinstance(right, ir.Const):
            return self.fold(expr, lambda: apply_binary(expr.op, left.value, right.value))
        return ir.Binary(expr.op, left, right)

    def expr_Index(self, expr: ast.Index) -> ir.Expr:
        return self.index(self.expr(expr.target), self.expr(expr.index), expr)

    def expr_Measure(self, expr: ast.Measure) -> ir.Expr:
        target = self.temp(t.BIT, "m")
        self.measure(expr, target)
        return target

    def expr_Recv(self, expr: ast.Recv) -> ir.Expr:
        type_ = self.ctx.type_of(expr)
        if t.contains_qubit(type_):
            raise self.fail(Code.QUBIT_INIT, "a received qubit must be declared",
                            expr, help="write `qubit q = recv qubit from ...;`")
        target = self.temp(type_, "msg")
        self.recv(expr, [target])
        return target

    def expr_Ket(self, expr: ast.Ket) -> ir.Expr:
        raise self.fail(Code.QUBIT_INIT, "a ket prepares a qubit where one is declared",
                        expr, help="write `qubit q = |+>;`")

    def index(self, target: ir.Expr, index: ir.Expr, node: ast.Node) -> ir.Expr:
        if isinstance(target, ir.Const) and isinstance(index, ir.Const):
            return self.fold(node, lambda: element(target.value, index.value))
        if isinstance(target, ir.Var) and target.index is None:
            self.check_array_index(target.name, index, node)
            return ir.Var(target.name, index)
        if isinstance(target, ir.Unit) and target.index is None:
            self.fixed(index)
            self.check_unit_index(target.name, index, node)
            return ir.Unit(target.name, index)
        return ir.Index(target, index)

    def check_array_index(self, name: str, index: ir.Expr, node: ast.Node) -> None:
        """A constant index into an array of known size, checked as a qubit's is."""
        type_ = self.variables.get(name)
        size = type_.size if isinstance(type_, t.Array) else None
        if size is not None and isinstance(index, ir.Const) and \
                not (is_whole(index.value) and 0 <= index.value < size):
            raise self.fail(Code.INDEX_OUT_OF_RANGE,
                            f"index {index.value} is out of range for `{name.split('#')[0]}` "
                            f"of {size} elements", node)

    def check_unit_index(self, name: str, index: ir.Expr, node: ast.Node) -> None:
        size = self.units.get(name)
        if size is not None and isinstance(index, ir.Const) and \
                not (is_whole(index.value) and 0 <= index.value < size):
            raise self.fail(Code.INDEX_OUT_OF_RANGE,
                            f"index {index.value} is out of range for `{name}` of {size} qubits",
                            node)

    def call(self, call: ast.Call) -> ir.Expr:
        symbol = self.symbol(call)
        if symbol.kind is Kind.FUNCTION and isinstance(symbol.decl, ast.Def):
            return self.inline(symbol.decl, call)
        if call.func in ("random", "uniform"):
            target = self.temp(t.BIT if call.func == "random" else t.FLOAT, call.func)
            self.emit(ir.Random(target, "bit" if call.func == "random" else "uniform"), call)
            return target
        if call.func in builtins.ROLE_ARGUMENTS:
            return self.role_call(call)
        args = [self.expr(arg) for arg in call.args]
        if builtins.FUNCTIONS[call.func].fold is not None and \
                all(isinstance(arg, ir.Const) for arg in args):
            return self.fold(call, lambda: apply_builtin(call.func, [a.value for a in args]))
        if call.func in ("now", "fidelity") and self.code is None:
            raise self.fail(Code.NOT_CONSTANT, f"`{call.func}` is only known while the "
                            "protocol runs", call)
        return ir.Builtin(call.func, args)

    def role_call(self, call: ast.Call) -> ir.Expr:
        """`latency(a, b)` as a built-in on the role members' names (the second, when
        left out, is the role itself: a null name)."""
        if self.code is None or self.peers is None:
            raise self.fail(Code.NOT_CONSTANT, f"`{call.func}` is only known in a run",
                            call)
        members: list[ir.Expr] = []
        for arg in call.args:
            named = role_argument(arg)
            assert named is not None
            members.append(ir.Const(self.peer(ast.Ref(named[0].id, named[1], span=arg.span),
                                              named[0])))
        if len(members) == 1:
            members.append(ir.Const(None))
        return ir.Builtin(call.func, members)

    def inline(self, function: ast.Def, call: ast.Call) -> ir.Expr:
        if any(frame.function is function for frame in self.inlines):
            raise self.fail(Code.RECURSIVE_FUNCTION, f"`{function.name}` calls itself",
                            call, help="functions are inlined: write the repetition as a loop")
        if self.code is None:
            raise self.fail(Code.NOT_CONSTANT, f"`{function.name}` cannot run before the protocol",
                            call)
        args = [self.expr(arg) for arg in call.args]
        saved = dict(self.env)
        frame = _Inline(function, None, Label(), f"{self.prefix()}{function.name}.")
        self.inlines.append(frame)
        for param, arg in zip(function.params, args, strict=True):
            symbol = self.symbol(param)
            if symbol.type is not None and t.contains_qubit(symbol.type):
                if not isinstance(arg, ir.Unit):
                    raise self.fail(Code.TYPE_MISMATCH, f"`{param.name}` must be given a qubit",
                                    call)
                self.env[symbol] = arg  # qubits are borrowed, not copied
            else:
                copy = self.temp(symbol.type or t.ERROR, param.name)
                self.emit(ir.Assign(copy, arg), call)
                self.env[symbol] = copy
        if function.returns is not None:
            frame.result = self.temp(self.ctx.type_of(call), "result")
        self.block(function.body)
        self.place(frame.end)
        self.inlines.pop()
        self.env = saved
        return frame.result if frame.result is not None else ir.Const(())

    # ---------------------------------------------------------------- quantum operands

    def unit(self, ref: ast.Ref) -> ir.Unit:
        value = self.symbol_value(self.symbol(ref), ref)
        if not isinstance(value, ir.Unit):
            raise self.fail(Code.TYPE_MISMATCH, f"`{ref.name}` is not a qubit", ref)
        if ref.index is None:
            return value
        if value.index is not None:
            raise self.fail(Code.TYPE_MISMATCH, f"`{ref.name}` is a single qubit", ref)
        index = self.expr(ref.index)
        self.fixed(index)  # an unrolled loop names each qubit: ownership follows each
        self.check_unit_index(value.name, index, ref)
        return ir.Unit(value.name, index, span=ref.span)

    def units_of(self, ref: ast.Ref) -> list[ir.Unit]:
        """One unit, or every element of a qubit array named without an index."""
        unit = self.unit(ref)
        size = self.units.get(unit.name)
        if unit.index is None and size is not None:
            return [ir.Unit(unit.name, ir.Const(k), span=ref.span) for k in range(size)]
        return [unit]

    def measure(self, expr: ast.Measure, target: ir.Var) -> None:
        angle = self.expr(expr.angle) if expr.angle is not None else None
        if angle is not None:
            self.fixed(angle)
        self.emit(ir.Measure(self.unit(expr.target), target, expr.basis or "z", angle), expr)

    def recv(self, expr: ast.Recv, targets: list[ir.Var | ir.Unit]) -> None:
        assert self.peers is not None
        source = self.peer(expr.source) if expr.source is not None else ir.ANY
        type_ = self.ctx.type_of(expr)
        # qubits, and a train's clicks, come over the quantum channel
        quantum = (bool(targets) and isinstance(targets[0], ir.Unit)) or type_ == t.CLICKS
        timeout = self.expr(expr.timeout) if expr.timeout is not None else None
        instr = ir.Recv(source, "quantum" if quantum else "classical", type_, targets,
                        timeout=timeout)
        if expr.source is not None:
            self.named[id(instr)] = (instr, expr.source)
        if expr.on_timeout is None:
            self.emit(instr, expr)
            return
        lost, after = Label(), Label()
        instr.on_timeout = lost  # type: ignore[assignment]
        self.emit(instr, expr)
        self.emit(ir.Jump(after), expr)  # type: ignore[arg-type]
        self.place(lost)
        self._uncertain += 1
        self.block(expr.on_timeout)
        self._uncertain -= 1
        self.place(after)

    def peer(self, ref: ast.Ref, named: ast.Node | None = None,
             computed: list[ir.Expr] | None = None) -> str:
        """The role member a reference names (`named`: the node its name was resolved
        on, when that is not the reference itself). With `computed`, a family member whose
        index is known only as the run goes is the family's name, and its index is put
        in `computed`."""
        assert self.peers is not None
        symbol = self.symbol(named or ref)
        index = None
        if ref.index is not None:
            lowered = self.expr(ref.index)
            self.fixed(lowered)
            if self.symbolic and not isinstance(lowered, ir.Const):
                return self.peers(symbol, None, ref)  # some member, which one is not known
            if computed is not None and not isinstance(lowered, ir.Const):
                computed.append(lowered)
                return symbol.name
            if not isinstance(lowered, ir.Const) or not is_whole(lowered.value):
                long = any(isinstance(node, ir.Var) and node.name in self._long
                           for node in ir.subexpressions(lowered))
                raise self.fail(Code.PEER_NOT_STATIC, "which member of a role family a message "
                                "goes to must be known before the protocol runs", ref.index,
                                help=f"a loop of more than {UNROLL_ITERATIONS:,} turns is not "
                                     "unrolled, so its counter is not known before the run: "
                                     "split the loop into shorter ones" if long else
                                     "compute the index from parameters and `for` counters, "
                                     "not from measured or received values")
            index = int(lowered.value)
        return self.peers(symbol, index, ref)

    # ---------------------------------------------------------------- statements

    def block(self, block: ast.Block) -> None:
        for stmt in block.body:
            self.stmt(stmt)

    def stmt(self, stmt: ast.Stmt) -> None:
        getattr(self, f"stmt_{type(stmt).__name__}")(stmt)

    def declare(self, node: ast.Node, type_: t.Type, size_expr: ast.Expr | None) -> ir.Expr:
        symbol = self.symbol(node)
        size = self.array_size(size_expr) if size_expr is not None else None
        if size is not None and size < 0:
            raise self.fail(Code.CONSTANT_ERROR, f"an array size cannot be negative ({size})",
                            size_expr)
        if size is not None and size > MAX_ARRAY_SIZE:
            raise self.fail(Code.CONSTANT_ERROR, f"an array of {size:,} elements is larger "
                            f"than qnetc holds ({MAX_ARRAY_SIZE:,})", size_expr)
        if size is not None and isinstance(type_, t.Array):
            type_ = t.Array(type_.element, size)
        # A declaration met again (the next turn of an unrolled loop, a second call of a
        # function) reuses its slot: the new qubit or value replaces the old one.
        name = self.slots.get(symbol) or self.fresh(self.prefix() + symbol.name)
        self.slots[symbol] = name
        slot: ir.Expr
        if t.contains_qubit(type_):
            self.units[name] = size
            slot = ir.Unit(name, type=type_)
        else:
            self.variables[name] = type_
            slot = ir.Var(name, type=type_)
        self.env[symbol] = slot
        return slot

    def stmt_Decl(self, stmt: ast.Decl) -> None:
        for declarator in stmt.names:
            symbol = self.symbol(declarator)
            type_ = symbol.type or t.ERROR
            size = stmt.type.size if isinstance(stmt.type, ast.ScalarType) else None
            slot = self.declare(declarator, type_, size)
            self.initialise(slot, declarator.init, declarator)

    def initialise(self, slot: ir.Expr, init: ast.Expr | None, node: ast.Node) -> None:
        if isinstance(slot, ir.Unit):
            elements = self.elements(slot)
            if isinstance(init, ast.Recv):
                self.recv(init, list(elements))
            else:
                state = init.label if isinstance(init, ast.Ket) else "0"
                for unit in elements:
                    self.emit(ir.Alloc(unit, state), node)
            return
        assert isinstance(slot, ir.Var)
        if isinstance(init, ast.Recv):
            self.recv(init, [slot])
        elif init is not None:
            self.emit(ir.Assign(slot, self.expr(init)), node)
        else:
            self.emit(ir.Assign(slot, ir.Const(_zero(slot.type))), node)

    def elements(self, unit: ir.Unit) -> list[ir.Unit]:
        size = self.units.get(unit.name)
        if size is None:
            return [unit]
        return [ir.Unit(unit.name, ir.Const(k)) for k in range(size)]

    def stmt_Let(self, stmt: ast.Let) -> None:
        symbol = self.symbol(stmt)
        slot = self.declare(stmt, symbol.type or t.ERROR, None)
        self.initialise(slot, stmt.value, stmt)

    def stmt_TupleAssign(self, stmt: ast.TupleAssign) -> None:
        targets: list[ir.Var] = []
        for pattern in stmt.targets:
            symbol = self.symbol(pattern)
            if pattern.type is not None or stmt.let:
                slot = self.declare(pattern, symbol.type or t.ERROR, None)
            else:
                slot = self.symbol_value(symbol, pattern)
            if not isinstance(slot, ir.Var):
                raise self.fail(Code.MIXED_MESSAGE, "qubits travel alone, not in tuples", pattern)
            targets.append(slot)
        if isinstance(stmt.value, ast.Recv):
            self.recv(stmt.value, list(targets))
            return
        value = self.expr(stmt.value)
        if isinstance(value, ir.TupleOf):
            staged = [self.stage(item, stmt) for item in value.items]
            for target, item in zip(targets, staged, strict=True):
                self.emit(ir.Assign(target, item), stmt)
            return
        for k, target in enumerate(targets):
            item = self.fold(stmt, lambda k=k: value.value[k]) if isinstance(value, ir.Const) \
                else ir.Index(value, ir.Const(k))
            self.emit(ir.Assign(target, item), stmt)

    def stage(self, item: ir.Expr, node: ast.Node) -> ir.Expr:
        """A tuple element copied to a temporary first, so `(a, b) = (b, a)` swaps."""
        if isinstance(item, ir.Const):
            return item
        temp = self.temp(item.type or t.ERROR)
        self.emit(ir.Assign(temp, item), node)
        return temp

    def stmt_Assign(self, stmt: ast.Assign) -> None:
        slot = self.symbol_value(self.symbol(stmt.target), stmt.target)
        assert isinstance(slot, ir.Var)
        target = slot
        if stmt.target.index is not None:
            target = ir.Var(slot.name, self.expr(stmt.target.index))
            self.check_array_index(slot.name, target.index, stmt.target.index)  # type: ignore[arg-type]
        value = self.expr(stmt.value)
        if stmt.op != "=":
            value = ir.Binary(stmt.op[:-1], ir.Var(target.name, target.index), value,
                              type=self.ctx.types.get(id(stmt.value)), span=stmt.span)
        self.emit(ir.Assign(target, value), stmt)

    def stmt_Gate(self, stmt: ast.Gate) -> None:
        params = [self.expr(p) for p in stmt.params]
        for param in params:
            self.fixed(param)  # an angle known before the run, as when it was unrolled
        self.emit(ir.Gate(stmt.name, [self.unit(r) for r in stmt.operands], params), stmt)

    def stmt_Reset(self, stmt: ast.Reset) -> None:
        for ref in stmt.targets:
            for unit in self.units_of(ref):
                self.emit(ir.Reset(unit), stmt)

    def stmt_ExprStmt(self, stmt: ast.ExprStmt) -> None:
        self.expr(stmt.expr)

    def stmt_Send(self, stmt: ast.Send) -> None:
        type_ = self.ctx.type_of(stmt.value)
        computed: list[ir.Expr] = []  # a classical message may go to a member known later
        dest = self.peer(stmt.dest, computed=None if t.contains_qubit(type_) or
                         type_ in builtins.TRAINS else computed)
        if t.contains_qubit(type_):
            value = stmt.value
            while isinstance(value, ast.Paren):
                value = value.expr
            if isinstance(value, ast.Name):
                ref = ast.Ref(value.id, span=value.span)
                self.ctx.symbols[id(ref)] = self.symbol(value)
                units = self.units_of(ref)
            elif isinstance(value, ast.Index) and isinstance(value.target, ast.Name):
                ref = ast.Ref(value.target.id, value.index, span=value.span)
                self.ctx.symbols[id(ref)] = self.symbol(value.target)
                units = [self.unit(ref)]
            else:
                raise self.fail(Code.TYPE_MISMATCH, "send a qubit by its name", stmt.value)
            send = ir.Send(dest, "quantum", type_, units=units)
        elif type_ in builtins.TRAINS:
            value = stmt.value
            while isinstance(value, ast.Paren):
                value = value.expr
            assert isinstance(value, ast.Call)
            pairs = type_ == builtins.PAIRS
            record = self.declare(stmt, t.CLICKS if pairs else t.TRAIN, None) \
                if stmt.record is not None else None
            assert record is None or isinstance(record, ir.Var)
            send = ir.Send(dest, "quantum", t.CLICKS, pulses=self.expr(value.args[0]),
                           record=record, pairs=pairs)
        else:
            send = ir.Send(dest, "classical", type_, value=self.expr(stmt.value),
                           dest_index=computed[0] if computed else None)
        if not computed:
            self.named[id(send)] = (send, stmt.dest)
        self.emit(send, stmt)

    def stmt_Wait(self, stmt: ast.Wait) -> None:
        self.emit(ir.Wait(self.expr(stmt.duration)), stmt)

    def stmt_Report(self, stmt: ast.Report) -> None:
        if stmt.kind == "ratio" and isinstance(stmt.value, ast.Binary) and stmt.value.op == "/":
            self.emit(ir.Report(stmt.name, self.expr(stmt.value.left), "ratio",
                                self.expr(stmt.value.right)), stmt)
        else:
            self.emit(ir.Report(stmt.name, self.expr(stmt.value), stmt.kind), stmt)

    def stmt_Assert(self, stmt: ast.Assert) -> None:
        self.emit(ir.Assert(self.expr(stmt.condition), stmt.message), stmt)

    def stmt_Return(self, stmt: ast.Return) -> None:
        if not self.inlines:
            self.emit(ir.Halt(), stmt)
            return
        frame = self.inlines[-1]
        if stmt.value is not None and frame.result is not None:
            self.emit(ir.Assign(frame.result, self.expr(stmt.value)), stmt)
        self.emit(ir.Jump(frame.end), stmt)  # type: ignore[arg-type]

    def stmt_Break(self, stmt: ast.Break) -> None:
        self.emit(ir.Jump(self.loops[-1].exit), stmt)  # type: ignore[arg-type]

    def stmt_Continue(self, stmt: ast.Continue) -> None:
        self.emit(ir.Jump(self.loops[-1].next), stmt)  # type: ignore[arg-type]

    def stmt_BlockStmt(self, stmt: ast.BlockStmt) -> None:
        self.block(stmt.block)

    def stmt_Select(self, stmt: ast.Select) -> None:
        """The `select`, then each arm: its `recv` (which takes the message the `select`
        chose), its block and a jump past the others."""
        receiving = [arm for arm in stmt.arms if arm.head is not None]
        timer = next((arm for arm in stmt.arms if arm.after is not None), None)
        labels = [Label() for _ in receiving]
        lost, end = Label(), Label()
        timeout = self.expr(timer.after) if timer is not None and timer.after is not None \
            else None
        self.emit(ir.Select(labels, timeout,  # type: ignore[arg-type]
                            lost if timer is not None else None), stmt)  # type: ignore[arg-type]
        self._uncertain += 1  # which arm runs is known only as the run goes
        for arm, label in zip(receiving, labels, strict=True):
            self.place(label)
            assert arm.head is not None
            self.stmt(arm.head)
            self.block(arm.body)
            self.emit(ir.Jump(end), arm)  # type: ignore[arg-type]
        if timer is not None:
            self.place(lost)
            self.block(timer.body)
        self._uncertain -= 1
        self.place(end)

    def stmt_If(self, stmt: ast.If) -> None:
        condition = self.expr(stmt.condition)
        self.fixed(condition)  # a branch on the counter alone is taken or not in each turn
        if isinstance(condition, ir.Const):
            taken = stmt.then if condition.value else stmt.orelse
            if taken is not None:
                self.stmt(taken)
            return
        otherwise, end = Label(), Label()
        self.emit(ir.Branch(condition, otherwise, end), stmt)  # type: ignore[arg-type]
        self._uncertain += 1
        self.stmt(stmt.then)
        if stmt.orelse is not None:
            self.emit(ir.Jump(end), stmt)  # type: ignore[arg-type]
            self.place(otherwise)
            self.stmt(stmt.orelse)
        else:
            self.place(otherwise)
        self._uncertain -= 1
        self.place(end)

    def stmt_For(self, stmt: ast.For) -> None:
        """A loop over bounds known before the run stays a loop, so that code, and the time
        to check it, grow with its body rather than its turns, where that means exactly
        what its turns written out mean: every shot runs it (it is not inside a branch on a
        value of the run, nor a `while`, nor a `within`'s `else`), it has no `break` or
        `return` (every shot takes every turn), its qubits are its own (declared in it, so
        that the checks of ownership see the same qubits in every turn) and its counter
        need not be a constant anywhere in it (`fixed`: a peer, a qubit's index, an array's
        size, a branch on the counter alone). Otherwise it is unrolled."""
        symbol = self.symbol(stmt)
        start, stop = self.expr(stmt.range.start), self.expr(stmt.range.stop)
        if stmt.range.inclusive:
            stop = self.fold(stmt, lambda: stop.value + 1) if isinstance(stop, ir.Const) \
                else ir.Binary("+", stop, ir.Const(1))
        assert self.code is not None
        if not (isinstance(start, ir.Const) and isinstance(stop, ir.Const)):
            self.fixed(start)
            self.fixed(stop)
            self.loop(stmt, symbol, start, stop, self.temp(t.INT, stmt.var))
            return
        if not self._uncertain and not _leaves(stmt.body):
            mark = self.mark()
            counter = self.temp(t.INT, stmt.var)
            self._counters.append(counter.name)
            try:
                self.loop(stmt, symbol, start, stop, counter)
                if self.confined(mark):
                    return
                raise _Unroll(counter.name)
            except _Unroll as unroll:
                if unroll.counter != counter.name:
                    raise
                self.restore(mark)
            finally:
                self._counters.remove(counter.name)
        if stop.value - start.value > UNROLL_ITERATIONS or len(self.code) >= UNROLL_CODE:
            counter = self.temp(t.INT, stmt.var)  # too long to unroll: what must be fixed
            self._long.add(counter.name)  # is refused where it is (a peer), or followed
            self.loop(stmt, symbol, start, stop, counter)  # less closely (a qubit)
            return
        exit_ = Label()
        for value in range(int(start.value), int(stop.value)):
            self.env[symbol] = ir.Const(value)
            following = Label()
            self.loops.append(_Loop(following, exit_))
            self.block(stmt.body)
            self.loops.pop()
            self.place(following)
        self.place(exit_)

    def loop(self, stmt: ast.For, symbol: Symbol, start: ir.Expr, stop: ir.Expr,
             counter: ir.Var) -> None:
        self.env[symbol] = counter
        limit = self.stage(stop, stmt)
        self.emit(ir.Assign(counter, start), stmt)
        head, step, exit_ = Label(), Label(), Label()
        self.place(head)
        self.emit(ir.Branch(ir.Binary("<", counter, limit), exit_, exit_, loop=True),  # type: ignore[arg-type]
                  stmt)
        self.loops.append(_Loop(step, exit_))
        self.block(stmt.body)
        self.loops.pop()
        self.place(step)
        self.emit(ir.Assign(counter, ir.Binary("+", counter, ir.Const(1))), stmt)
        self.emit(ir.Jump(head), stmt)  # type: ignore[arg-type]
        self.place(exit_)

    def mark(self) -> _Mark:
        assert self.code is not None
        return _Mark(len(self.code), dict(self.env), len(self.loops), len(self.inlines),
                     len(self.variables), len(self.units), len(self.slots))

    def restore(self, mark: _Mark) -> None:
        """Forgets what lowering since `mark` emitted (a loop about to be unrolled)."""
        assert self.code is not None
        del self.code[mark.code:]
        self.env = mark.env
        del self.loops[mark.loops:]
        del self.inlines[mark.inlines:]
        for table, size in ((self.variables, mark.variables), (self.units, mark.units),
                            (self.slots, mark.slots)):
            for key in list(itertools.islice(reversed(table), len(table) - size)):
                del table[key]  # type: ignore[attr-defined]

    def confined(self, mark: _Mark) -> bool:
        """Whether the code since `mark` uses only qubit slots declared since then."""
        assert self.code is not None
        own = set(itertools.islice(reversed(self.units), len(self.units) - mark.units))
        return all(unit.name in own for instr in self.code[mark.code:]
                   for unit in ir.expressions_of(instr) if isinstance(unit, ir.Unit))

    def stmt_While(self, stmt: ast.While) -> None:
        head, exit_ = Label(), Label()
        self.place(head)
        condition = self.expr(stmt.condition)
        self.fixed(condition)
        if isinstance(condition, ir.Const) and not condition.value:
            return
        self.emit(ir.Branch(condition, exit_, exit_, loop=True), stmt)  # type: ignore[arg-type]
        self.loops.append(_Loop(head, exit_))
        self._uncertain += 1
        self.block(stmt.body)
        self._uncertain -= 1
        self.loops.pop()
        self.emit(ir.Jump(head), stmt)  # type: ignore[arg-type]
        self.place(exit_)


def _leaves(body: ast.Block) -> bool:
    """Whether a loop's body may leave it before its last turn (`break`, `return`)."""
    return any(isinstance(node, (ast.Break, ast.Return)) for node in walk(body))


_EXPRESSIONS: dict[type, Callable[[Lowerer, Any], ir.Expr]] = {
    ast.IntLit: Lowerer.expr_IntLit, ast.FloatLit: Lowerer.expr_literal,
    ast.BoolLit: Lowerer.expr_literal, ast.StringLit: Lowerer.expr_literal,
    ast.Quantity: Lowerer.expr_Quantity, ast.Paren: Lowerer.expr_Paren,
    ast.Name: Lowerer.expr_Name, ast.TupleExpr: Lowerer.expr_sequence,
    ast.ArrayExpr: Lowerer.expr_sequence, ast.Unary: Lowerer.expr_Unary,
    ast.Binary: Lowerer.expr_Binary, ast.Index: Lowerer.expr_Index, ast.Call: Lowerer.call,
    ast.StructValue: Lowerer.expr_StructValue, ast.Field: Lowerer.expr_Field,
    ast.Measure: Lowerer.expr_Measure, ast.Recv: Lowerer.expr_Recv, ast.Ket: Lowerer.expr_Ket,
}


def lower_role(ctx: Context, role: ast.Role, member: str, node: str,
               env: dict[Symbol, ir.Expr],
               peers: Callable[[Symbol, int | None, ast.Node], str]) -> tuple[ir.Role, Lowerer]:
    """One role member's code (a family member's index bound in `env`), and the lowerer
    that made it; a lowering that failed (and reported why) leaves only a halt."""
    code: list[ir.Instr] = []
    lowerer = Lowerer(ctx, dict(env), code, peers)
    try:
        lowerer.block(role.body)
    except LoweringError:
        code.clear()  # what was lowered so far may jump to labels never placed
    code.append(ir.Halt(span=role.body.span))
    resolve_labels(code)
    return ir.Role(member, node, code, lowerer.units, lowerer.variables, span=role.span), lowerer


def resolve_labels(code: list[ir.Instr]) -> None:
    """Replaces the Label placeholders of jumps by instruction indices."""
    for instr in code:
        for attribute in ("target", "otherwise", "join", "on_timeout"):
            value = getattr(instr, attribute, None)
            if isinstance(value, Label):
                assert value.index is not None
                setattr(instr, attribute, value.index)
        if isinstance(instr, ir.Select):
            instr.arms = [label.index if isinstance(label, Label) else label  # type: ignore
                          for label in instr.arms]


def _zero(type_: t.Type | None) -> Any:
    if isinstance(type_, t.List):
        return []  # empty, in every shot
    if isinstance(type_, t.Array):
        return [_zero(type_.element)] * (type_.size or 0)
    if isinstance(type_, t.Tuple):
        return tuple(_zero(item) for item in type_.items)
    if type_ == t.BOOL:
        return False
    if type_ == t.STRING:
        return ""
    if isinstance(type_, t.Quantity):
        return 0.0
    return 0
