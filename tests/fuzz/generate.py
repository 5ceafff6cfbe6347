"""Inputs for the fuzzer: programs built at the AST level, and mutants of the project's files.

Every decision goes through a `Choices`, so that one generator serves both
hypothesis (whose draws shrink a failure to a small program) and a seeded
`random.Random` (for long campaigns outside pytest, reproducible from the seed).

Generated programs stay cheap to run on purpose: loop bounds of at most
`MAX_LOOP`, a handful of qubits per role and few shots. Resource blow-ups
(huge loops, huge registers) are the business of the mutants, whose numbers
are replaced by extreme values.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from qnetlang.quantum import ENGINE_NAMES
from qnetlang.syntax import ast
from qnetlang.syntax.parser import parser
from qnetlang.syntax.printer import format_program
from qnetlang.units import BASE_UNITS
from tests.conftest import HEAVY_EXAMPLES, PROGRAM_FILES

# The files mutants start from: every program but the examples whose runs take minutes
# with the shots the harness asks for (their stdlib modules, which have no runs, stay).
SEED_FILES = [path for path in PROGRAM_FILES if path.name not in HEAVY_EXAMPLES or
              path.parent.name != "examples"]

T = TypeVar("T")

MAX_LOOP = 3
MAX_SHOTS = 32
MAX_QUBITS_PER_ROLE = 4
ROLE_NAMES = ("alice", "bob", "carol")
NODE_NAMES = ("lab_a", "lab_b", "lab_c")
KETS = ("0", "1", "+", "-", "+i", "-i")
ONE_QUBIT_GATES = ("i", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg")
ROTATIONS = ("rx", "ry", "rz", "p")
TWO_QUBIT_GATES = ("cx", "cy", "cz", "ch", "swap")
CONTROLLED_ROTATIONS = ("crx", "cry", "crz", "cp")
THREE_QUBIT_GATES = ("ccx", "cswap")
BASES = (None, "x", "y", "z", "xy", "yz", "xz")
WILD_PERCENT = 20  # programs whose expressions and statements are sometimes of any kind
BINARY_OPERATORS = ("||", "&&", "==", "!=", "<", "<=", ">", ">=", "|", "^", "&", "+", "-",
                    "*", "/", "%", "**")
ASSIGN_OPERATORS = ("=", "+=", "-=", "*=", "/=", "^=", "&=", "|=")
BUILTINS = ("random", "uniform", "now", "sqrt", "exp", "log", "log2", "sin", "tan", "abs",
            "min", "max", "floor", "round", "len", "sum", "latency", "fidelity", "parity")
WILD_UNITS = ("km", "ns", "dB", "dB/km", "GHz", "deg", "rad", "km/s")


class Choices(Protocol):
    """Where a generator's decisions come from."""

    def integer(self, low: int, high: int) -> int: ...

    def pick(self, options: Sequence[T]) -> T: ...

    def chance(self, percent: int) -> bool: ...


class RandomChoices:
    """Decisions from a seeded generator: one seed, one sequence of inputs."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def chance(self, percent: int) -> bool:
        return self.rng.randrange(100) < percent


class DrawnChoices:
    """Decisions drawn from hypothesis; each shrinks to the low end, the first option and no."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def pick(self, options: Sequence[T]) -> T:
        return options[self.draw(st.integers(0, len(options) - 1))]

    def chance(self, percent: int) -> bool:
        return self.draw(st.integers(0, 99)) >= 100 - percent


# ---------------------------------------------------------------- programs from the AST


def name(text: str) -> ast.Name:
    return ast.Name(text)


def integer(value: int) -> ast.Expr:
    return ast.IntLit(value) if value >= 0 else ast.Unary("-", ast.IntLit(-value))


def quantity(value: int | float, unit: str) -> ast.Quantity:
    number = ast.IntLit(value) if isinstance(value, int) else ast.FloatLit(value)
    return ast.Quantity(number, unit)


def ref(text: str, index: ast.Expr | None = None) -> ast.Ref:
    return ast.Ref(text, index)


def call(func: str, *args: ast.Expr) -> ast.Call:
    return ast.Call(func, list(args))


@dataclass
class Scope:
    """The values a role may use at one point: what it owns and what it has computed."""

    qubits: list[str] = field(default_factory=list)
    bits: list[str] = field(default_factory=list)
    ints: list[str] = field(default_factory=list)
    counters: list[str] = field(default_factory=list)  # loop variables: read, never assigned

    def inner(self) -> Scope:
        """The scope of a nested block: it sees the outer names; its own die with it."""
        return Scope(list(self.qubits), list(self.bits), list(self.ints), list(self.counters))


@dataclass
class RoleDraft:
    """A role being written: its statements so far and what it holds at their end."""

    name: str
    body: list[ast.Stmt] = field(default_factory=list)
    scope: Scope = field(default_factory=Scope)
    names_made: int = 0

    def fresh(self, prefix: str) -> str:
        self.names_made += 1
        return f"{prefix}{self.names_made}"


class ProgramBuilder:
    """One protocol with two or three roles, the network they run on and runs of it.

    Messages follow one global order: a role's sends and receives appear in its
    body in the order of a plan shared by all roles, so a generated protocol
    does not deadlock unless a timeout makes a role leave early.
    """

    def __init__(self, choices: Choices) -> None:
        self.c = choices
        self.helpers: set[str] = set()
        self.prelude = False
        self.limit = False
        self.wild = False
        self.roles: list[RoleDraft] = []

    def program(self) -> ast.Program:
        self.wild = self.c.chance(WILD_PERCENT)
        if self.c.chance(20):
            return self.chain()
        items: list[ast.Item] = []
        self.prelude = self.c.chance(40)
        if self.prelude:
            items.append(ast.Import("std.prelude"))
        self.limit = self.c.chance(30)
        if self.limit:
            items.append(ast.Const("LIMIT", ast.ScalarType("int"),
                                   integer(self.c.integer(0, MAX_LOOP))))
        self.helpers = {helper for helper in ("flip", "parity", "scaled") if self.c.chance(35)}
        count = self.c.integer(2, 3)
        self.roles = [RoleDraft(role) for role in ROLE_NAMES[:count]]
        for _ in range(self.c.integer(0, 8)):
            self.step()
        for role in self.roles:
            self.finish(role)
        items.append(self.network(count))
        items.append(self.protocol())
        labels = ("first", "second")
        runs = self.c.integer(0, 2)
        for index in range(runs):
            items.append(self.run(count, labels[index] if runs > 1 else None))
        return ast.Program(items)

    def chain(self) -> ast.Program:
        """A role family on a node family: each hop hears from the one before and tells
        the one after, over links declared in a network loop."""
        hops = self.c.integer(1, 4)
        member = ast.Family("i", ast.Range(integer(0), name("n"), inclusive=True))
        previous = ref("hop", ast.Binary("-", name("i"), integer(1)))
        following = ref("hop", ast.Binary("+", name("i"), integer(1)))
        network = ast.Network("line", [ast.Param("n", ast.ScalarType("int")), self.spacing()], [
            ast.NodeDecl("hop", member, [ast.Qubits(integer(self.c.pick((1, 2, 4))))]),
            ast.NetworkFor("i", ast.Range(integer(0), name("n")), [
                self.link_between(ref("hop", name("i")), following)])])
        hop = RoleDraft("hop")
        hop.scope.ints.append("parity")
        heard: list[ast.Stmt] = [ast.Decl(ast.ScalarType("qubit"), [ast.Declarator(
            "e", self.recv(ast.ScalarType("qubit"), previous, in_loop=False))])]
        hop.scope.qubits.append("e")
        heard += self.statements(hop, hop.scope, depth=1, count=self.c.integer(0, 2))
        heard.append(ast.Assign(ref("parity"), "+=", ast.Binary(
            "+", ast.Measure(ref("e")), self.recv(ast.ScalarType("int"), previous, False))))
        told: list[ast.Stmt] = [self.qubit_decl("q"), ast.Send(name("q"), following),
                                ast.Send(ast.Binary("%", name("parity"), integer(2)), following)]
        body: list[ast.Stmt] = [
            ast.Decl(ast.ScalarType("int"), [ast.Declarator("parity", integer(0))]),
            ast.If(ast.Binary(">", name("i"), integer(0)), ast.BlockStmt(ast.Block(heard))),
            ast.If(ast.Binary("<", name("i"), name("n")), ast.BlockStmt(ast.Block(told))),
            ast.Report("parity", name("parity"))]
        protocol = ast.Protocol("chain", [ast.Param("n", ast.ScalarType("int"), integer(hops)),
                                          *self.parameters()],
                                [ast.Role("hop", member, ast.Block(body))])
        size = [ast.KeywordArg("n", integer(hops))]
        run = ast.Run("chain", "line", None, size if self.c.chance(70) else [], size,
                      [ast.KeywordArg("hop", name("hop"))],
                      [ast.Setting("shots", integer(self.c.integer(1, MAX_SHOTS)))]
                      if self.c.chance(50) else None)
        return ast.Program([network, protocol, run])

    # ---------------------------------------------------------------- network

    def network(self, count: int) -> ast.Network:
        body: list[ast.Item] = [self.node(NODE_NAMES[index]) for index in range(count)]
        for a in range(count):
            for b in range(a + 1, count):
                body.append(self.link(NODE_NAMES[a], NODE_NAMES[b]))
        if self.c.chance(20):
            spare = ast.NodeDecl("spare", ast.Family("i", ast.Range(integer(0), integer(2))),
                                 [ast.Qubits(integer(1))])
            link = ast.Link(ref("spare", name("i")), "<->",
                            ref("spare", ast.Binary("+", name("i"), integer(1))),
                            [ast.Channel("classical", "fiber")])
            body += [spare, ast.NetworkFor("i", ast.Range(integer(0), integer(1)), [link])]
        return ast.Network("net", [self.spacing()], body)

    def spacing(self) -> ast.Param:
        """The network parameter that links may take their length from."""
        return ast.Param("spacing", ast.NamedType("length"), quantity(self.c.integer(0, 20), "km"))

    def node(self, node_name: str) -> ast.NodeDecl:
        body: list[ast.Item] = [ast.Qubits(integer(self.c.pick((2, 6, 8, 8, 12))))]
        if self.c.chance(30):
            t1 = self.c.integer(1, 50)
            settings = [ast.Setting("t1", quantity(t1, "ms")),
                        ast.Setting("t2", quantity(self.c.integer(1, 2 * t1), "ms"))]
            if self.c.chance(30):
                settings.append(ast.Setting("depolarizing_time", quantity(1, "s")))
            body.append(ast.Memory(settings))
        for setting in ("gate_error", "readout_error"):
            if self.c.chance(15):
                body.append(ast.Setting(setting, ast.FloatLit(self.c.pick((0.0, 0.001, 0.05)))))
        return ast.NodeDecl(node_name, None, body)

    def link(self, a: str, b: str) -> ast.Link:
        return self.link_between(ref(a), ref(b))

    def link_between(self, a: ast.Ref, b: ast.Ref) -> ast.Link:
        body: list[ast.Item] = []
        if self.c.chance(50):
            body.append(ast.Setting("length", name("spacing")))
        for kind in ("classical", "quantum"):
            if self.c.chance(5):
                continue  # a missing channel: the checker must say so (E0601)
            args = []
            if self.c.chance(40):
                args.append(ast.KeywordArg("length", quantity(self.c.integer(0, 30), "km")))
            if kind == "quantum" and self.c.chance(15):
                args.append(ast.KeywordArg("attenuation", quantity(0.2, "dB/km")))
            if kind == "quantum" and self.c.chance(15):
                args.append(ast.KeywordArg(self.c.pick(("depolarizing", "dephasing")),
                                           ast.FloatLit(0.02)))
            if self.c.chance(10):
                args.append(ast.KeywordArg("refractive_index", ast.FloatLit(1.5)))
            body.append(ast.Channel(kind, self.c.pick(("fiber", "free_space")), args))
        return ast.Link(a, "<->", b, body)

    # ---------------------------------------------------------------- protocol

    def protocol(self) -> ast.Protocol:
        body: list[ast.Item] = [self.helper(helper) for helper in sorted(self.helpers)]
        body += [ast.Role(role.name, None, ast.Block(role.body)) for role in self.roles]
        return ast.Protocol("fuzzed", self.parameters(), body)

    def parameters(self) -> list[ast.Param]:
        """The parameters every generated protocol has, which its statements may use."""
        return [ast.Param("rounds", ast.ScalarType("int"), integer(self.c.integer(0, MAX_LOOP))),
                ast.Param("theta", ast.ScalarType("angle"), self.angle(Scope(), 1, False)),
                ast.Param("patience", ast.NamedType("time"), quantity(1, "ms"))]

    def helper(self, helper: str) -> ast.Def:
        if helper == "flip":
            return ast.Def("flip", [ast.Param("q", ast.ScalarType("qubit"))], None,
                           ast.Block([ast.Gate("x", [], [ref("q")])]))
        if helper == "parity":
            params = [ast.Param(p, ast.ScalarType("bit")) for p in ("a", "b")]
            return ast.Def("parity", params, ast.ScalarType("bit"), ast.Block(
                [ast.Return(ast.Binary("^", name("a"), name("b")))]))
        return ast.Def("scaled", [ast.Param("k", ast.ScalarType("int"))], ast.ScalarType("int"),
                       ast.Block([ast.Return(ast.Binary("+", ast.Binary("*", name("k"),
                                                                        integer(2)),
                                                        integer(1)))]))

    def run(self, count: int, label: str | None) -> ast.Run:
        args = [ast.KeywordArg("rounds", integer(self.c.integer(0, MAX_LOOP)))] \
            if self.c.chance(40) else []
        network_args = [ast.KeywordArg("spacing", quantity(self.c.integer(1, 9), "km"))] \
            if self.c.chance(30) else []
        bindings = [ast.KeywordArg(ROLE_NAMES[i], name(NODE_NAMES[i])) for i in range(count)]
        settings: list[ast.Setting] | None = None
        if self.c.chance(70):
            settings = [ast.Setting("shots", integer(self.c.integer(1, MAX_SHOTS))),
                        ast.Setting("seed", integer(self.c.integer(0, 99)))]
            if self.c.chance(25):
                settings.append(ast.Setting("engine", ast.StringLit(self.c.pick(ENGINE_NAMES))))
        return ast.Run("fuzzed", "net", label, args, network_args, bindings, settings)

    # ---------------------------------------------------------------- the plan

    def step(self) -> None:
        """One entry of the global plan: local work in one role, or a message."""
        sender = self.c.pick(self.roles)
        kind = self.c.pick(("local", "local", "qubit", "classical", "tuple", "loop"))
        if kind == "local":
            sender.body += self.statements(sender, sender.scope, 0, self.c.integer(1, 3))
            return
        receiver = self.c.pick([role for role in self.roles if role is not sender])
        if kind == "qubit":
            self.send_qubit(sender, receiver)
        elif kind == "classical":
            self.send_value(sender, receiver)
        elif kind == "tuple":
            self.send_tuple(sender, receiver)
        else:
            self.send_in_loop(sender, receiver)

    def send_qubit(self, sender: RoleDraft, receiver: RoleDraft) -> None:
        if not sender.scope.qubits or self.c.chance(30):
            fresh = sender.fresh("q")
            sender.body.append(self.qubit_decl(fresh))
            sender.scope.qubits.append(fresh)
        sent = self.c.pick(sender.scope.qubits)
        sender.scope.qubits.remove(sent)
        sender.body.append(ast.Send(name(sent), ref(receiver.name)))
        got = receiver.fresh("e")
        value = self.recv(ast.ScalarType("qubit"), ref(sender.name), in_loop=False)
        receiver.body.append(ast.Decl(ast.ScalarType("qubit"), [ast.Declarator(got, value)]))
        receiver.scope.qubits.append(got)

    def send_value(self, sender: RoleDraft, receiver: RoleDraft) -> None:
        if self.c.chance(50):
            kind, value = "bit", self.bit(sender.scope, 1)
        else:
            kind, value = "int", self.int(sender.scope, 1)
        sender.body.append(ast.Send(value, ref(receiver.name)))
        got = receiver.fresh("v")
        received = self.recv(ast.ScalarType(kind), ref(sender.name), in_loop=False)
        if self.c.chance(20):
            receiver.body.append(ast.Let(got, None, received))
        else:
            receiver.body.append(ast.Decl(ast.ScalarType(kind), [ast.Declarator(got, received)]))
        (receiver.scope.bits if kind == "bit" else receiver.scope.ints).append(got)

    def send_tuple(self, sender: RoleDraft, receiver: RoleDraft) -> None:
        sender.body.append(ast.Send(ast.TupleExpr([self.bit(sender.scope, 1),
                                                   self.int(sender.scope, 1)]),
                                    ref(receiver.name)))
        first, second = receiver.fresh("t"), receiver.fresh("t")
        patterns = [ast.Pattern(ast.ScalarType("bit"), first),
                    ast.Pattern(ast.ScalarType("int"), second)]
        receiver.body.append(ast.TupleAssign(patterns, self.recv(None, ref(sender.name), False)))
        receiver.scope.bits.append(first)
        receiver.scope.ints.append(second)

    def send_in_loop(self, sender: RoleDraft, receiver: RoleDraft) -> None:
        bound = self.loop_bound()
        var = sender.fresh("k")
        sender.body.append(ast.For(var, ast.Range(integer(0), bound), ast.Block(
            [ast.Send(name(var), ref(receiver.name))])))
        var = receiver.fresh("k")
        got = receiver.fresh("v")
        received = self.recv(ast.ScalarType("int"), ref(sender.name), in_loop=True)
        receiver.body.append(ast.For(var, ast.Range(integer(0), bound), ast.Block([
            ast.Decl(ast.ScalarType("int"), [ast.Declarator(got, received)]),
            ast.Report(f"{receiver.name}_{got}", name(got))])))

    def recv(self, type_: ast.TypeExpr | None, source: ast.Ref, in_loop: bool) -> ast.Recv:
        if not self.c.chance(25):
            return ast.Recv(type_, source)
        peer = ast.Index(name(source.name), source.index) if source.index else name(source.name)
        timeout = self.c.pick((quantity(1, "s"), quantity(self.c.integer(0, 50), "us"),
                               ast.Binary("*", integer(2), call("latency", peer)),
                               ast.Binary("+", call("latency", peer), quantity(1, "us"))))
        leave: ast.Stmt = self.c.pick((ast.Break(), ast.Continue())) if in_loop else ast.Return()
        return ast.Recv(type_, source, timeout, ast.Block([
            ast.Report("lost", integer(1)), leave]))

    def finish(self, role: RoleDraft) -> None:
        """Every role reports something, so that a run always has output to compare."""
        scope = role.scope
        value: ast.Expr
        if scope.qubits and self.c.chance(60):
            value = ast.Measure(ref(self.c.pick(scope.qubits)))
        elif scope.bits or scope.ints:
            value = name(self.c.pick(scope.bits + scope.ints))
        else:
            value = self.bool(scope, 1)
        role.body.append(ast.Report(f"{role.name}_result", value))

    # ---------------------------------------------------------------- statements

    def statements(self, role: RoleDraft, scope: Scope, depth: int,
                   count: int) -> list[ast.Stmt]:
        out: list[ast.Stmt] = []
        for _ in range(count):
            out += self.statement(role, scope, depth)
        return out

    def statement(self, role: RoleDraft, scope: Scope, depth: int) -> list[ast.Stmt]:
        kinds = ["qubit", "gate", "gate", "measure", "int", "assign", "report", "wait",
                 "reset", "assert", "tuple", "register"]
        if depth < 2:
            kinds += ["if", "for", "while", "block"]
        if self.helpers or self.prelude:
            kinds.append("call")
        if self.wild:
            kinds.append("odd")
        kind = self.c.pick(kinds)
        if kind == "odd":
            return [self.odd_statement(role, scope)]
        if kind == "qubit" or (kind in ("gate", "measure", "reset") and not scope.qubits):
            if len(scope.qubits) >= MAX_QUBITS_PER_ROLE:
                return [self.gate(scope)]
            fresh = role.fresh("q")
            scope.qubits.append(fresh)
            return [self.qubit_decl(fresh)]
        if kind == "gate":
            return [self.gate(scope)]
        if kind == "measure":
            fresh = role.fresh("m")
            measured = self.measure(scope)
            scope.bits.append(fresh)
            return [ast.Decl(ast.ScalarType("bit"), [ast.Declarator(fresh, measured)])]
        if kind == "reset":
            return [ast.Reset([ref(self.c.pick(scope.qubits))])]
        if kind == "int":
            fresh = role.fresh("n")
            value = self.int(scope, 2)
            scope.ints.append(fresh)
            if self.c.chance(30):
                return [ast.Let(fresh, None, value)]
            return [ast.Decl(ast.ScalarType("int"), [ast.Declarator(fresh, value)])]
        if kind == "assign" and scope.ints:
            return [ast.Assign(ref(self.c.pick(scope.ints)), self.c.pick(("=", "+=", "-=", "*=")),
                               self.int(scope, 1))]
        if kind == "wait":
            return [ast.Wait(self.duration(role))]
        if kind == "assert":
            return [ast.Assert(self.bool(scope, 1) if self.c.chance(20) else ast.BoolLit(True),
                               self.c.pick((None, "checked")))]
        if kind == "tuple":
            values = ast.TupleExpr([self.int(scope, 1), self.int(scope, 1)])
            first, second = role.fresh("u"), role.fresh("u")
            scope.ints += [first, second]
            return [ast.TupleAssign([ast.Pattern(None, first), ast.Pattern(None, second)],
                                    values, let=True)]
        if kind == "register":
            return self.register(role)
        if kind == "if":
            return [self.if_stmt(role, scope, depth)]
        if kind == "for":
            var = role.fresh("i")
            inner = scope.inner()
            inner.counters.append(var)
            body = self.statements(role, inner, depth + 1, self.c.integer(1, 3))
            return [ast.For(var, ast.Range(integer(0), self.loop_bound(), self.c.chance(20)),
                            ast.Block(body))]
        if kind == "while":
            counter = role.fresh("w")
            inner = scope.inner()
            body: list[ast.Stmt] = [ast.Assign(ref(counter), "+=", integer(1))]
            body += self.statements(role, inner, depth + 1, self.c.integer(0, 2))
            if self.c.chance(30):
                body.append(ast.If(self.bool(inner, 1), self.c.pick((ast.Break(),
                                                                     ast.Continue()))))
            limit = ast.Binary("<", name(counter), integer(self.c.integer(0, MAX_LOOP)))
            return [ast.Decl(ast.ScalarType("int"), [ast.Declarator(counter, integer(0))]),
                    ast.While(limit, ast.Block(body))]
        if kind == "block":
            return [ast.BlockStmt(ast.Block(self.statements(role, scope.inner(), depth + 1,
                                                            self.c.integer(0, 2))))]
        if kind == "call":
            return self.helper_call(role, scope)
        return [ast.Report(f"{role.name}_{role.fresh('r')}", self.reported(scope))]

    def if_stmt(self, role: RoleDraft, scope: Scope, depth: int) -> ast.If:
        condition = self.condition(scope)
        if scope.qubits and self.c.chance(40):
            then: ast.Stmt = ast.Gate(self.c.pick(("x", "z")), [], [ref(self.c.pick(scope.qubits))])
        else:
            then = ast.BlockStmt(ast.Block(self.statements(role, scope.inner(), depth + 1,
                                                           self.c.integer(1, 2))))
        orelse: ast.Stmt | None = None
        if self.c.chance(40):
            orelse = ast.BlockStmt(ast.Block(self.statements(role, scope.inner(), depth + 1,
                                                             self.c.integer(0, 2))))
        elif self.c.chance(15):
            orelse = ast.If(self.condition(scope), ast.BlockStmt(ast.Block(
                [ast.Report(f"{role.name}_{role.fresh('r')}", integer(1))])))
        return ast.If(condition, then, orelse)

    def register(self, role: RoleDraft) -> list[ast.Stmt]:
        """A self-contained use of arrays: a qubit register entangled and measured into bits."""
        size = self.c.integer(1, 3)
        qubits, bits = role.fresh("reg"), role.fresh("out")
        out: list[ast.Stmt] = [
            ast.Decl(ast.ScalarType("qubit", integer(size)), [ast.Declarator(qubits)]),
            ast.Decl(ast.ScalarType("bit", integer(size)), [ast.Declarator(bits)]),
            ast.Gate("h", [], [ref(qubits, integer(0))])]
        for index in range(1, size):
            out.append(ast.Gate("cx", [], [ref(qubits, integer(index - 1)),
                                           ref(qubits, integer(index))]))
        for index in range(size):
            out.append(ast.Assign(ref(bits, integer(index)), "=",
                                  ast.Measure(ref(qubits, integer(index)))))
        out.append(ast.Report(f"{role.name}_{role.fresh('r')}",
                              ast.Index(name(bits), integer(self.c.integer(0, size - 1)))))
        return out

    def helper_call(self, role: RoleDraft, scope: Scope) -> list[ast.Stmt]:
        options = sorted(self.helpers) + (["bell_pair", "bell_measure"] if self.prelude else [])
        helper = self.c.pick(options)
        if helper == "flip" and scope.qubits:
            return [ast.ExprStmt(call("flip", name(self.c.pick(scope.qubits))))]
        if helper == "parity":
            value = call("parity", self.bit(scope, 1), self.bit(scope, 1))
            fresh = role.fresh("m")
            scope.bits.append(fresh)
            return [ast.Decl(ast.ScalarType("bit"), [ast.Declarator(fresh, value)])]
        if helper == "scaled":
            value = call("scaled", self.int(scope, 1))
            fresh = role.fresh("n")
            scope.ints.append(fresh)
            return [ast.Let(fresh, None, value)]
        if helper.startswith("bell") and len(scope.qubits) >= 2:
            a, b = scope.qubits[-2:]
            if helper == "bell_pair":
                return [ast.ExprStmt(call("bell_pair", name(a), name(b)))]
            first, second = role.fresh("m"), role.fresh("m")
            scope.bits += [first, second]
            return [ast.TupleAssign([ast.Pattern(ast.ScalarType("bit"), first),
                                     ast.Pattern(ast.ScalarType("bit"), second)],
                                    call("bell_measure", name(a), name(b)))]
        return [ast.Wait(quantity(self.c.integer(1, 5), "us"))]

    def qubit_decl(self, fresh: str) -> ast.Decl:
        init = ast.Ket(self.c.pick(KETS)) if self.c.chance(60) else None
        return ast.Decl(ast.ScalarType("qubit"), [ast.Declarator(fresh, init)])

    def gate(self, scope: Scope) -> ast.Stmt:
        qubits = scope.qubits
        if not qubits:
            return ast.Wait(quantity(1, "ns"))
        arity = self.c.integer(1, min(3, len(qubits)))
        operands = list(qubits)
        chosen = [ref(operands.pop(self.c.integer(0, len(operands) - 1))) for _ in range(arity)]
        if arity == 1:
            if self.c.chance(30):
                return ast.Gate(self.c.pick(ROTATIONS), [self.angle(scope, 2)], chosen)
            if self.c.chance(10):
                return ast.Gate("u", [self.angle(scope, 1) for _ in range(3)], chosen)
            return ast.Gate(self.c.pick(ONE_QUBIT_GATES), [], chosen)
        if arity == 2:
            if self.c.chance(25):
                return ast.Gate(self.c.pick(CONTROLLED_ROTATIONS), [self.angle(scope, 1)], chosen)
            return ast.Gate(self.c.pick(TWO_QUBIT_GATES), [], chosen)
        return ast.Gate(self.c.pick(THREE_QUBIT_GATES), [], chosen)

    def measure(self, scope: Scope) -> ast.Measure:
        basis = self.c.pick(BASES)
        angle = self.angle(scope, 1) if basis in ("xy", "yz", "xz") else None
        return ast.Measure(ref(self.c.pick(scope.qubits)), basis, angle)

    def loop_bound(self) -> ast.Expr:
        options: list[ast.Expr] = [integer(self.c.integer(0, MAX_LOOP)), name("rounds")]
        return self.c.pick(options + [name("LIMIT")] * self.limit)

    def duration(self, role: RoleDraft) -> ast.Expr:
        options: list[ast.Expr] = [quantity(self.c.integer(0, 20), self.c.pick(("ns", "us", "ms"))),
                                   ast.Binary("/", name("patience"), integer(4))]
        peers = [r.name for r in self.roles if r is not role]
        if peers:
            options.append(call("latency", name(self.c.pick(peers))))
        return self.c.pick(options)

    # ---------------------------------------------------------------- expressions

    def int(self, scope: Scope, depth: int) -> ast.Expr:
        if self.wild and self.c.chance(15):
            return self.anything(scope, depth)
        options = ["literal", "literal"] + ["var"] * bool(scope.ints + scope.counters) + ["rounds"]
        if depth > 0:
            options += ["binary", "binary", "modulo", "minmax", "paren", "negate", "power"]
            if "scaled" in self.helpers:
                options.append("scaled")
            if scope.bits:
                options.append("bit")
        kind = self.c.pick(options)
        if kind == "literal":
            return integer(self.c.pick((0, 1, 2, 3, 5, 7, 100)))
        if kind == "var":
            return name(self.c.pick(scope.ints + scope.counters))
        if kind == "rounds":
            return name("rounds")
        if kind == "binary":
            return ast.Binary(self.c.pick(("+", "-", "*")), self.int(scope, depth - 1),
                              self.int(scope, depth - 1))
        if kind == "modulo":
            return ast.Binary("%", self.int(scope, depth - 1), integer(self.c.integer(1, 3)))
        if kind == "minmax":
            return call(self.c.pick(("min", "max")), self.int(scope, depth - 1),
                        self.int(scope, depth - 1))
        if kind == "paren":
            return ast.Paren(self.int(scope, depth - 1))
        if kind == "negate":
            return ast.Unary("-", self.int(scope, depth - 1))
        if kind == "power":
            return ast.Binary("**", integer(2), integer(self.c.integer(0, 5)))
        if kind == "scaled":
            return call("scaled", self.int(scope, depth - 1))
        return ast.Binary("+", name(self.c.pick(scope.bits)), integer(0))

    def bit(self, scope: Scope, depth: int) -> ast.Expr:
        if self.wild and self.c.chance(15):
            return self.anything(scope, depth)
        options = ["random"] + ["var", "var"] * bool(scope.bits)
        if depth > 0 and scope.bits:
            options += ["xor", "and"] + ["parity"] * ("parity" in self.helpers)
        kind = self.c.pick(options)
        if kind == "random":
            return call("random")
        if kind == "var":
            return name(self.c.pick(scope.bits))
        if kind == "parity":
            return call("parity", self.bit(scope, depth - 1), self.bit(scope, depth - 1))
        return ast.Binary("^" if kind == "xor" else "&", self.bit(scope, depth - 1),
                          self.bit(scope, depth - 1))

    def bool(self, scope: Scope, depth: int) -> ast.Expr:
        if self.wild and self.c.chance(15):
            return self.anything(scope, depth)
        kind = self.c.pick(("literal", "compare", "compare", "logic", "not") if depth > 0
                           else ("literal", "compare"))
        if kind == "literal":
            return ast.BoolLit(self.c.chance(50))
        if kind == "compare":
            return ast.Binary(self.c.pick(("==", "!=", "<", "<=", ">", ">=")),
                              self.int(scope, 0), self.int(scope, 0))
        if kind == "logic":
            return ast.Binary(self.c.pick(("&&", "||")), self.bool(scope, depth - 1),
                              self.bool(scope, depth - 1))
        return ast.Unary("!", ast.Paren(self.bool(scope, depth - 1)))

    def condition(self, scope: Scope) -> ast.Expr:
        if scope.bits and self.c.chance(50):
            return name(self.c.pick(scope.bits))
        return self.bool(scope, 1)

    def angle(self, scope: Scope, depth: int, in_role: bool = True) -> ast.Expr:
        """An angle; `theta` only inside a role (a parameter's default cannot use another)."""
        if self.wild and in_role and self.c.chance(15):
            return self.anything(scope, depth)
        kinds = ("pi", "degrees", "float") + ("theta",) * in_role
        kind = self.c.pick(kinds + (("scaled", "negate") if depth > 0 else ()))
        if kind == "pi":
            return ast.Binary("/", name("pi"), integer(self.c.integer(1, 8)))
        if kind == "degrees":
            return quantity(self.c.pick((0, 30, 45, 90, 180)), "deg")
        if kind == "float":
            return ast.FloatLit(self.c.pick((0.0, 0.5, 1.25, 3.0)))
        if kind == "theta":
            return name("theta")
        if kind == "scaled":
            return ast.Binary("*", self.angle(scope, depth - 1, in_role), ast.FloatLit(0.5))
        return ast.Unary("-", self.angle(scope, depth - 1, in_role))

    def anything(self, scope: Scope, depth: int) -> ast.Expr:
        """An expression of any type at all, rarely the one wanted: the checker must say so,
        or the run must stop with a located error."""
        names = scope.qubits + scope.bits + scope.ints + scope.counters + \
            [role.name for role in self.roles] + ["pi", "theta", "rounds", "nowhere"]
        kinds = ["literal", "literal", "name"] + ["binary", "unary", "call", "index", "tuple",
                                                 "array"] * (depth > 0)
        kind = self.c.pick(kinds)
        if kind == "name":
            return name(self.c.pick(names))
        if kind == "binary":
            return ast.Binary(self.c.pick(BINARY_OPERATORS), self.anything(scope, depth - 1),
                              self.anything(scope, depth - 1))
        if kind == "unary":
            return ast.Unary(self.c.pick(("-", "!", "~")), self.anything(scope, depth - 1))
        if kind == "call":
            arguments = [self.anything(scope, depth - 1) for _ in range(self.c.integer(0, 2))]
            return call(self.c.pick(BUILTINS), *arguments)
        if kind == "index":
            return ast.Index(self.anything(scope, depth - 1), self.anything(scope, depth - 1))
        if kind in ("tuple", "array"):
            items = [self.anything(scope, depth - 1) for _ in range(self.c.integer(0, 3))]
            if kind == "tuple" and len(items) >= 2:
                return ast.TupleExpr(items)
            return ast.ArrayExpr(items)
        return self.c.pick((
            integer(self.c.pick((0, -1, 2 ** 63, 2 ** 70))), ast.FloatLit(1e308),
            ast.FloatLit(0.0), ast.StringLit(self.c.pick(("", "s", "é\n"))),
            ast.Ket(self.c.pick(KETS)), ast.BoolLit(self.c.chance(50)),
            quantity(self.c.pick((0, 1, 10 ** 12)), self.c.pick(WILD_UNITS)),
            ast.Binary("**", integer(2), integer(self.c.pick((-1, 64, 2000))))))

    def odd_statement(self, role: RoleDraft, scope: Scope) -> ast.Stmt:
        """A statement that is out of place, or about something of the wrong kind."""
        anything = self.anything(scope, 2)
        every = scope.qubits + scope.bits + scope.ints + [role.name, "nowhere"]
        kind = self.c.pick(("leave", "gate", "send", "recv", "wait", "assert", "report",
                            "assign", "register", "reset"))
        if kind == "leave":
            return self.c.pick((ast.Break(), ast.Continue(), ast.Return(),
                                ast.Return(anything)))
        if kind == "gate":
            operands = [ref(self.c.pick(every)) for _ in range(self.c.integer(1, 3))]
            return ast.Gate(self.c.pick(ONE_QUBIT_GATES + TWO_QUBIT_GATES + ROTATIONS),
                            [anything] * self.c.integer(0, 1), operands)
        if kind == "send":
            return ast.Send(anything, ref(self.c.pick([r.name for r in self.roles] +
                                                      ["nowhere"])))
        if kind == "recv":
            fresh = role.fresh("x")
            source = ref(self.c.pick([r.name for r in self.roles] + ["nowhere"]))
            return ast.Let(fresh, None, ast.Recv(self.c.pick((None, ast.ScalarType("bit"))),
                                                 source, anything, ast.Block([ast.Return()])))
        if kind == "wait":
            return ast.Wait(anything)
        if kind == "assert":
            return ast.Assert(anything, "wild")
        if kind == "report":
            return ast.Report(f"{role.name}_{role.fresh('w')}", anything)
        if kind == "assign":
            return ast.Assign(ref(self.c.pick(every)), self.c.pick(ASSIGN_OPERATORS), anything)
        if kind == "register":
            return ast.Decl(ast.ScalarType(self.c.pick(("qubit", "bit", "int")), anything),
                            [ast.Declarator(role.fresh("a"))])
        return ast.Reset([ref(self.c.pick(every), anything if self.c.chance(30) else None)])

    def reported(self, scope: Scope) -> ast.Expr:
        kind = self.c.pick(("int", "bit", "bool", "float"))
        if kind == "int":
            return self.int(scope, 2)
        if kind == "bit":
            return self.bit(scope, 1)
        if kind == "bool":
            return self.bool(scope, 2)
        return self.c.pick((call("uniform"), call("sqrt", ast.FloatLit(2.0)),
                            ast.Binary("*", ast.FloatLit(0.5), self.int(scope, 1))))


def generated_program(choices: Choices) -> str:
    """A program from the AST generator, printed by the project's printer and maybe relaid."""
    text = format_program(ProgramBuilder(choices).program())
    if choices.chance(30):
        text = relayout(text, choices)
    return text


# ---------------------------------------------------------------- tokens and mutations


@dataclass(frozen=True)
class Lexeme:
    """A piece of a file as the project's lexer cuts it: a token, a comment or layout."""

    kind: str
    text: str

    @property
    def significant(self) -> bool:
        return self.kind not in ("LAYOUT", "LINE_COMMENT", "BLOCK_COMMENT")


def lexemes(text: str) -> list[Lexeme]:
    """Cuts a file with the grammar's own terminals; the pieces join back to the text."""
    pieces = []
    for token in parser().lark.lex(text, dont_ignore=True):
        kind = "LAYOUT" if token.type.startswith("__IGNORE") else token.type
        pieces.append(Lexeme(kind, str(token)))
    return pieces


EXTREME_NUMBERS = ("0", "1", "-1", "0.0", "1e300", "1e-300", "1e-320", "1e309", "2 ** 70",
                   "2 ** 64", "99999999999999999999", "9223372036854775807", "4294967297",
                   "0.5", "1000000000", "65", "3")
STRINGS = ('""', '"statevector"', '"density"', '"mbqc"', '"GPU"', '"\\n\\t\\0"', '"é µ"')
UNIT_TEXTS = tuple(BASE_UNITS) + ("dB/km", "km/s", "us/km", "kg", "")
CONTROL_CHARACTERS = ("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u200b",
                      "\ufeff", "\u2028", "\t", "\r", "µ", "\U0001f600", "\ud800")
COMMENTS = ("// c\n", "/* c */", "/// doc\n", "/**/", "/* two\nlines */", "//\n", "/* // */")
INSERTED_TOKENS = (";", "{", "}", "(", ")", "[", "]", ",", "=", "..", "..=", "->", "<->", "else",
                   "recv", "send", "measure", "within", "return;", "break;", "qubit", "bit",
                   "int", "role", "run", "|+>", '"s"', "\"\\q\"", "pi", "-", "**", "!", "~")
UNIT_PATTERN = re.compile(r"(?:dB|km|cm|mm|um|µm|nm|m|ps|ns|us|µs|ms|s|min|h|THz|GHz|MHz|kHz|Hz|"
                          r"rad|deg)(?:/\w+)?")


@dataclass
class Mutant:
    """A project file changed in a few places; `changes` says how, for the report."""

    origin: str
    text: str
    changes: list[str]


_SEED_LEXEMES: dict[Path, list[Lexeme]] = {}


def seed_lexemes(path: Path) -> list[Lexeme]:
    if path not in _SEED_LEXEMES:
        _SEED_LEXEMES[path] = lexemes(path.read_bytes().decode("utf-8"))
    return _SEED_LEXEMES[path]


def mutant(choices: Choices) -> Mutant:
    """One of the stdlib or example files with one to three token-level changes."""
    path = choices.pick(SEED_FILES)
    pieces = list(seed_lexemes(path))
    changes: list[str] = []
    for _ in range(choices.integer(1, 3)):
        changes.append(mutate(pieces, choices))
    text = "".join(piece.text for piece in pieces)
    if choices.chance(8):
        ending = choices.pick(("\r\n", "\r"))
        text = text.replace("\n", ending)
        changes.append(f"line endings {ending!r}")
    return Mutant(f"{path.parent.name}/{path.name}", text, changes)


def _replace_one(pieces: list[Lexeme], candidates: list[int], values: Sequence[str],
                 kind: str, choices: Choices) -> tuple[str, str] | None:
    """Replaces one of the pieces at `candidates` by one of `values`: (old, new)."""
    if not candidates:
        return None
    at = choices.pick(candidates)
    value = choices.pick(values)
    old, pieces[at] = pieces[at].text, Lexeme(kind, value)
    return old, value


def mutate(pieces: list[Lexeme], choices: Choices) -> str:
    """Changes the list of pieces in place; returns what it did."""
    where = [i for i, piece in enumerate(pieces) if piece.significant]
    at = choices.pick(where)
    kind = choices.pick(("delete", "duplicate", "swap", "number", "number", "number", "unit",
                         "name", "string", "comment", "insert", "control"))
    piece = pieces[at]
    if kind == "number":
        numbers = [i for i in where if pieces[i].kind == "NUMBER"]
        if replaced := _replace_one(pieces, numbers, EXTREME_NUMBERS, "NUMBER", choices):
            return f"number -> {replaced[1]}"
    if kind == "unit":
        units = [i for i in where if pieces[i].kind in ("NAME", "UNIT") and
                 UNIT_PATTERN.fullmatch(pieces[i].text) and _after_number(pieces, i)]
        if replaced := _replace_one(pieces, units, UNIT_TEXTS, "NAME", choices):
            return f"unit {replaced[0]!r} -> {replaced[1]!r}"
    if kind == "string":
        strings = [i for i in where if pieces[i].kind == "STRING"]
        if replaced := _replace_one(pieces, strings, STRINGS, "STRING", choices):
            return f"string {replaced[0]} -> {replaced[1]}"
    if kind == "name":
        names = [pieces[i].text for i in where if pieces[i].kind == "NAME"]
        value = choices.pick(names + ["network", "protocol", "fn", "qubits", "x", "pi"])
        pieces[at] = Lexeme("NAME", value)
        return f"{piece.text!r} -> {value!r}"
    if kind == "comment":
        value = choices.pick(COMMENTS)
        pieces.insert(at, Lexeme("LAYOUT", f" {value} "))
        return f"comment {value!r} before {piece.text!r}"
    if kind == "insert":
        value = choices.pick(INSERTED_TOKENS)
        pieces.insert(at, Lexeme("INSERTED", f"{value} "))
        return f"insert {value!r} before {piece.text!r}"
    if kind == "control":
        value = choices.pick(CONTROL_CHARACTERS)
        pieces.insert(at + choices.integer(0, 1), Lexeme("INSERTED", value))
        return f"control {value!r} near {piece.text!r}"
    if kind == "duplicate":
        pieces.insert(at, Lexeme(piece.kind, piece.text + " "))
        return f"duplicate {piece.text!r}"
    if kind == "swap":
        later = [i for i in where if i > at]
        if later:
            other = later[0]
            pieces[at], pieces[other] = pieces[other], pieces[at]
            return f"swap {piece.text!r} and {pieces[at].text!r}"
    pieces[at] = Lexeme("LAYOUT", " ")
    return f"delete {piece.text!r}"


def _after_number(pieces: list[Lexeme], index: int) -> bool:
    before = index - 1
    while before >= 0 and pieces[before].kind == "LAYOUT":
        before -= 1
    return before >= 0 and pieces[before].kind == "NUMBER"


def relayout(text: str, choices: Choices) -> str:
    """The same program with other spaces, line breaks and comments between its tokens:
    work for `fmt`, which must give back the canonical text."""
    out = []
    for piece in lexemes(text):
        if piece.kind != "LAYOUT":
            out.append(piece.text)
            continue
        layout = choices.pick((" ", " ", "\n", "  ", "\t", "\n\n\n", " \n "))
        if choices.chance(5):
            layout = f" {choices.pick(COMMENTS)} " if "\n" in layout else f" {COMMENTS[1]} "
        out.append(layout)
    return "".join(out)


# ---------------------------------------------------------------- hypothesis strategies


@st.composite
def programs(draw: Callable[[st.SearchStrategy[Any]], Any]) -> str:
    """Programs built from the AST: networks, protocols and runs, mostly well typed."""
    return generated_program(DrawnChoices(draw))


@st.composite
def mutants(draw: Callable[[st.SearchStrategy[Any]], Any]) -> str:
    """The stdlib and example files, each changed in one to three places."""
    return mutant(DrawnChoices(draw)).text
