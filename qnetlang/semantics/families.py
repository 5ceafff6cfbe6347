"""Lowering the members of a role family once per shape, not once per member.

A member's code depends on its index only through the constant expressions that
mention the index (`i == 0`, `i < n`, `hop[i + 1]`): lowering folds each of them
to its value and is otherwise the same for every member. So the members whose
such values agree lower to the same code, up to the peers their messages name.
`Family` finds those expressions once, works out their values for each member
(a few small folds), and lowers in full only a member whose values are new; the
others take its instructions (shared: nothing changes an instruction after
lowering but a message's channel, and messages are copied) with their own peers.
The members of a shape share a number (`ir.Role.shape`), so that the checks
whose findings do not depend on peers (ownership) make them once per shape.

A chain of 10,000 repeaters is three shapes: the first hop, the inner hops and
the last. Whatever cannot be shared this way is lowered member by member, as
before: a family whose lowering reported anything, or a member for which one of
the expressions is not a constant (its own lowering then reports why).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qnetlang import builtins
from qnetlang import types as t
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import UNKNOWN, EvaluationError, evaluate, is_whole
from qnetlang.semantics.context import Context, Kind, Symbol
from qnetlang.semantics.lower import Lowerer, LoweringError, lower_role
from qnetlang.syntax import ast
from qnetlang.syntax.visitor import iter_children

# The symbols whose values are constants in a run: a constant expression names only these.
_CONSTANT_SYMBOLS = (Kind.CONST, Kind.BUILTIN_CONST, Kind.PARAM, Kind.FAMILY_INDEX)
_CONSTANT_NODES = (ast.IntLit, ast.FloatLit, ast.BoolLit, ast.StringLit, ast.Quantity,
                   ast.Paren, ast.TupleExpr, ast.ArrayExpr, ast.Unary, ast.Binary, ast.Index)

Peers = Callable[[Symbol, int | None, ast.Node], str]


@dataclass
class _Shape:
    """A member's lowered code, and what the other members of its shape change in it."""

    code: list[ir.Instr]
    units: dict[str, int | None]
    variables: dict[str, object]
    messages: list[int]  # positions of its sends and receives
    peers: dict[int, ast.Ref]  # of those, the ones whose peer depends on the index
    number: int  # its members' ir.Role.shape


class Family:
    """The members of one role family in one run, lowered shape by shape."""

    def __init__(self, ctx: Context, role: ast.Role, env: dict[Symbol, ir.Expr],
                 peers: Peers) -> None:
        assert role.family is not None
        self.ctx = ctx
        self.role = role
        self.env = env
        self.peers = peers
        self.index = ctx.symbol(role.family)
        self.expressions: list[ast.Expr] = []  # the constant expressions of the index
        self.peer_indices: set[int] = set()  # ids of those that index a message's peer
        self.formulas: dict[int, ir.Expr] = {}  # by id of each: it, of the index
        self.shapes: dict[tuple[str, ...], _Shape] = {}
        self.shared = self.index is not None  # cleared when a lowering reports anything
        if self.index is not None:
            self._find(role.body, set())
            self.shared = self._formulas()

    def lower(self, member: str, index: int, node: str) -> ir.Role:
        env = dict(self.env)
        if self.index is not None:
            env[self.index] = ir.Const(index)
        key = self._key(index) if self.shared else None
        shape = self.shapes.get(key) if key is not None else None
        if shape is not None:
            role = self._instance(shape, member, node, index)
            if role is not None:
                return role
        reported = len(self.ctx.diagnostics)
        role, lowerer = lower_role(self.ctx, self.role, member, node, env, self.peers)
        if len(self.ctx.diagnostics) > reported:
            self.shared = False  # each member reports its own problems, as it has them
        elif key is not None and self.shared:
            role.shape = next(self.ctx.shapes)
            self.shapes[key] = _Shape(list(role.code), dict(role.units), dict(role.variables),
                                      [k for k, instr in enumerate(role.code)
                                       if isinstance(instr, (ir.Send, ir.Recv))],
                                      self._peer_positions(role.code, lowerer), role.shape)
        return role

    # ------------------------------------------------------------ the expressions of the index

    def _find(self, node: ast.Node, peer_refs: set[int]) -> tuple[bool, bool]:
        """Whether `node` is a constant expression, and whether it mentions the index;
        records the largest constant expressions that do."""
        if isinstance(node, ast.Send):
            peer_refs.add(id(node.dest))
        elif isinstance(node, ast.Recv) and node.source is not None:
            peer_refs.add(id(node.source))
        children = list(iter_children(node))
        found = [self._find(child, peer_refs) for child in children]
        constant = self._constant_node(node) and all(c for c, _ in found)
        mentions = any(m for _, m in found) or \
            (isinstance(node, ast.Name) and self.ctx.symbol(node) is self.index)
        if not constant:
            for child, (child_constant, child_mentions) in zip(children, found):
                if child_constant and child_mentions:
                    self.expressions.append(child)  # type: ignore[arg-type]
                    if isinstance(node, ast.Ref) and id(node) in peer_refs:
                        self.peer_indices.add(id(child))
        return constant, mentions

    def _constant_node(self, node: ast.Node) -> bool:
        if isinstance(node, ast.Name):
            symbol = self.ctx.symbol(node)
            return symbol is not None and symbol.kind in _CONSTANT_SYMBOLS
        if isinstance(node, ast.Call):
            symbol = self.ctx.symbol(node)
            return symbol is not None and symbol.kind is Kind.BUILTIN_FUNCTION and \
                node.func in builtins.FUNCTIONS and builtins.FUNCTIONS[node.func].fold is not None
        return isinstance(node, _CONSTANT_NODES)

    def _formulas(self) -> bool:
        """Lowers each expression of the index once, the index a variable, to evaluate
        it per member as folding it would; False where one does not lower."""
        assert self.index is not None
        env = dict(self.env)
        env[self.index] = _INDEX
        lowerer = Lowerer(self.ctx, env)
        reported = len(self.ctx.diagnostics)
        try:
            for expr in self.expressions:
                self.formulas[id(expr)] = lowerer.expr(expr)
        except LoweringError:
            del self.ctx.diagnostics[reported:]  # each member's lowering reports its own
            return False
        return True

    def _value(self, formula: ir.Expr, index: int) -> Any:
        """The formula's value for one member, or UNKNOWN where evaluating fails."""
        try:
            return evaluate(formula, lambda _: index)
        except EvaluationError:
            return UNKNOWN

    def _key(self, index: int) -> tuple[str, ...] | None:
        """The values of the index's expressions for one member, or None where one
        cannot be computed (that member is lowered in full, and reports it)."""
        values: list[str] = []
        for expr in self.expressions:
            if id(expr) in self.peer_indices:
                continue
            value = self._value(self.formulas[id(expr)], index)
            if value is UNKNOWN:
                return None
            values.append(repr(value))
        return tuple(values)

    # ------------------------------------------------------------ the members of a shape

    def _peer_positions(self, code: list[ir.Instr], lowerer: Lowerer) -> dict[int, ast.Ref]:
        positions: dict[int, ast.Ref] = {}
        for k, instr in enumerate(code):
            named = lowerer.named.get(id(instr))
            if named is not None and named[0] is instr and \
                    named[1].index is not None and id(named[1].index) in self.peer_indices:
                positions[k] = named[1]
        return positions

    def _instance(self, shape: _Shape, member: str, node: str, index: int) -> ir.Role | None:
        """The member as its shape, with its own peers and message instructions; None
        where a peer is not one (its own lowering reports it)."""
        code = list(shape.code)
        for position in shape.messages:
            instr = code[position]
            ref = shape.peers.get(position)
            copied = object.__new__(type(instr))  # a shallow copy; `replace` costs more
            copied.__dict__.update(instr.__dict__)
            code[position] = copied
            if ref is not None:
                assert ref.index is not None
                peer = self._peer(ref, self._value(self.formulas[id(ref.index)], index))
                if peer is None:
                    return None
                setattr(copied, "dest" if isinstance(copied, ir.Send) else "source", peer)
        return ir.Role(member, node, code, dict(shape.units), dict(shape.variables),
                       shape=shape.number, span=self.role.span)

    def _peer(self, ref: ast.Ref, value: Any) -> str | None:
        symbol = self.ctx.symbol(ref)
        if symbol is None or value is UNKNOWN or not is_whole(value):
            return None
        reported = len(self.ctx.diagnostics)
        try:
            return self.peers(symbol, int(value), ref)
        except LoweringError:
            del self.ctx.diagnostics[reported:]  # its own lowering reports it
            return None


_INDEX = ir.Var("#index", type=t.INT)  # the member's index, in the formulas
