"""Ownership-transfer lowering: a run's roles, run together on the IR machine in the
order of simulated time, become one circuit.

Each role keeps a local register of units (its qubit slots), each holding a
global qubit index. A local operation on a unit acts on its global qubit; a
measurement records which classical bit holds its outcome; sending a qubit
moves its global index from the sender's unit (cleared) to the receiver's —
a change of owner, not of position. Classical values are symbolic: an
expression over the measurement bits, so that a receiver's `if` on a
received bit becomes a classically controlled gate. Time is the machine's, so
a `within` window, memory decoherence and every delay mean what they mean in
the simulator.

Where a branch depends on a measured value, both paths are compiled, each
under its condition (the conjunction of the branch conditions that lead to
it), and merge where they meet; a variable assigned differently on the two
paths becomes a selection, and a path that loops back (`continue`) waits for
the others at the loop's head. A path that only some outcomes take may not
send, receive, wait, allocate or end the role: such a protocol is outside the
compilable subset, and the error points at the construct.

`random()` becomes either a quantum coin (an ancilla put in |+> and measured)
or, with randomness="enumerate", one circuit per combination of choices,
each weighted by its probability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from qnetlang import types as t
from qnetlang.codes import Code
from qnetlang.compiler.circuit import Assertion, Circuit, Op, Report, bit, without_dead_ops
from qnetlang.compiler.logic import Logic, NotALogicFunction, is_boolean
from qnetlang.diagnostics import Diagnostic, Note
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import (EvaluationError, Operations, apply_binary, apply_builtin,
                                  apply_unary, evaluate)
from qnetlang.ir.machine import Effects, Machine, Message, Path, Process, StepLimit
from qnetlang.quantum import noise
from qnetlang.runtime.events import MAX_SECONDS, to_seconds, valid_duration
from qnetlang.source import Span

MAX_STEPS = 5_000_000
MAX_CHOICES = 12  # random bits enumerated at most (4,096 circuits)
RANDOMNESS = ("coin", "enumerate")
_PREPARE = {"0": [], "1": ["x"], "+": ["h"], "-": ["x", "h"], "+i": ["h", "s"],
            "-i": ["h", "sdg"]}
_BASIS = {"x": [("h", ())], "y": [("sdg", ()), ("h", ())], "z": []}

class CompileError(Exception):
    """A construct outside the compilable subset; carries its diagnostic."""

    def __init__(self, message: str, span: Span | None, help: str | None = None,
                 notes: list[Note] | None = None) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic.error(Code.NOT_COMPILABLE, message, span, help=help,
                                           notes=notes or [])


class _NeedChoice(Exception):
    """Enumeration met one more random choice than it was given."""


def _symbolic(value: Any) -> bool:
    if isinstance(value, ir.Expr):
        return True
    if isinstance(value, (tuple, list)):
        return any(_symbolic(v) for v in value)
    return False


def _lift(value: Any) -> ir.Expr:
    if isinstance(value, ir.Expr):
        return value
    if isinstance(value, (tuple, list)) and _symbolic(value):
        raise EvaluationError("a tuple or array of measured values cannot be combined")
    return ir.Const(value)


def _binary(op: str, left: Any, right: Any) -> Any:
    if _symbolic(left) or _symbolic(right):
        return _simplify(op, left, right)
    return apply_binary(op, left, right)


def _is_select(value: Any) -> bool:
    return isinstance(value, ir.Builtin) and value.name == "select"


def _simplify(op: str, left: Any, right: Any) -> Any:
    """A symbolic operation, without the constants that leave it unchanged (`0 ^ m` is m);
    a comparison of a selection with a constant moves into the selection's branches, so
    that `basis == 1` with basis = select(c, 0, 1) becomes a condition on bits."""
    if op in ("==", "!=", "<", "<=", ">", ">=") and not _symbolic(right) and \
            _is_select(left):
        condition, yes, no = left.args
        return _select(condition, _binary(op, _unlift(yes), right),
                       _binary(op, _unlift(no), right))
    if not _symbolic(left):
        left, right = right, left
        if op not in ("^", "&", "|", "&&", "||", "+", "*", "==", "!="):
            return ir.Binary(op, _lift(right), _lift(left))
    if not _symbolic(right) and isinstance(right, (bool, int)):
        constant = int(right)
        if op in ("^", "|", "+", "-") and constant == 0 or op == "*" and constant == 1:
            return left  # for every number
        if is_boolean(left):  # only for 0 and 1: `k & 1` is not `k` when k = 2
            if op == "||" and constant == 0 or op in ("&", "&&", "*") and constant == 1:
                return left
            if op in ("&", "&&", "*") and constant == 0:
                return 0
            if op in ("|", "||") and constant == 1:
                return 1
            if op == "^" and constant == 1:
                return ir.Unary("!", left)
    return ir.Binary(op, _lift(left), _lift(right))


def _unary(op: str, operand: Any) -> Any:
    return ir.Unary(op, _lift(operand)) if _symbolic(operand) else apply_unary(op, operand)


def _builtin(name: str, args: list[Any]) -> Any:
    if any(_symbolic(a) for a in args):
        return ir.Builtin(name, [_lift(a) for a in args])
    return apply_builtin(name, args)


def _element(container: Any, index: Any) -> Any:
    if _symbolic(index):
        raise EvaluationError("an index that depends on a measured value")
    if isinstance(container, ir.Expr):
        return ir.Index(container, ir.Const(index))
    return container[_position(index, len(container))]


def _position(index: Any, size: int) -> int:
    if not 0 <= int(index) < size:
        raise EvaluationError(f"index {int(index)} is out of range 0..{size}")
    return int(index)


SYMBOLIC = Operations(_binary, _unary, _builtin, _element, list)


def _conjunction(literals: tuple[tuple[ir.Expr, bool], ...]) -> Any:
    condition: Any = True
    for expr, holds in literals:
        term = expr if holds else ir.Unary("!", expr)
        condition = term if condition is True else ir.Binary("&&", condition, term)
    return condition


@dataclass
class _PathState:
    """The guard of a path: the outcomes that lead to it (a conjunction of branch
    conditions, empty on the path every shot takes) and the values as they are on it."""

    literals: tuple[tuple[ir.Expr, bool], ...] = ()
    values: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def condition(self) -> Any:
        """One expression for all the operations of the path (`literals` never change)."""
        return _conjunction(self.literals)


class _Lowering(Effects):
    """The circuit lowering's effects on the IR machine: qubits become wires owned by a
    role's units, measurements bits, classical values expressions over those bits, and
    a path taken by some outcomes a condition on the operations it emits."""

    def __init__(self, run: ir.Run, randomness: str, choices: tuple[int, ...]) -> None:
        self.run = run
        self.randomness = randomness
        self.choices = choices
        self.used = 0
        self.circuit = Circuit(choices=choices, weight=0.5 ** len(choices), span=run.span)
        self.stored: dict[int, tuple[int, ir.Node]] = {}  # qubit -> (since, in ps; its node)
        self.machine = Machine(run, self, max_steps=MAX_STEPS)

    def go(self) -> Circuit:
        try:
            stuck = self.machine.go()
        except StepLimit:
            raise CompileError(f"run `{self.run.name}` is too long to compile "
                               f"({MAX_STEPS:,} steps)", self.run.span) from None
        if stuck:
            raise CompileError(f"role `{stuck[0].name}` waits for a message that never "
                               "comes", stuck[0].instruction.span)
        return self.circuit

    @property
    def now(self) -> int:
        return self.machine.env.now

    def decohere(self, qubit: int, span: Span | None) -> None:
        """Adds the memory noise of the time the qubit waited on its node since last used."""
        since, node = self.stored.get(qubit, (self.now, None))
        if node is not None and self.now > since:
            channel = noise.memory(to_seconds(self.now - since), node.memory.t1,
                                   node.memory.t2, node.memory.depolarizing_time)
            if channel is not None:
                self.circuit.ops.append(Op("kraus", [qubit], span=span, kraus=channel))
        if node is not None:
            self.stored[qubit] = (self.now, node)

    def keep(self, process: Process, qubit: int, since: int) -> None:
        self.stored[qubit] = (since, self.run.network.nodes[process.role.node])

    # ---------------------------------------------------------------- paths

    def start(self, process: Process) -> None:
        process.data = {}  # the role's units: (slot, index) -> wire
        for instr in process.role.code:  # what has no circuit form, where it first appears
            if isinstance(instr, ir.Send) and instr.pulses is not None:
                raise CompileError("a pulse train has no circuit form: its photons are "
                                   "simulated at the cost of their detections", instr.span,
                                   help="run it in the simulator (`qnetc run`)")
            listed = [expr.name for expr in ir.expressions_of(instr) if isinstance(expr, ir.Var)
                      and isinstance(process.role.variables.get(expr.name), t.List)]
            if listed:
                raise CompileError(f"`{listed[0]}` is a list, whose length is known only as "
                                   "the protocol runs: a circuit's registers have a size",
                                   instr.span, help="use an array of a size known before the "
                                                    "run (`bit[n] x;`), or run it in the "
                                                    "simulator (`qnetc run`)")

    def full(self) -> Any:
        return _PathState()

    def partial(self, guard: Any) -> bool:
        return bool(guard.literals)

    def join(self, process: Process, guards: list[Any]) -> Any:
        """Paths meeting again, siblings first, so that their conditions fold back."""
        meeting = list(guards)
        while len(meeting) > 1:
            pair = next(((a, b) for a in meeting for b in meeting if a is not b and
                         _siblings(a, b)), (meeting[0], meeting[1]))
            meeting = [g for g in meeting if g is not pair[0] and g is not pair[1]]
            try:
                meeting.append(_merge(*pair))
            except EvaluationError as error:
                raise CompileError(f"cannot compile this: {error}",
                                   process.instruction.span) from None
        return meeting[0]

    def diverge(self, process: Process, path: Path, instr: ir.Instr, why: str) -> None:
        raise CompileError(f"{why} on a path that depends on a measured value cannot be "
                           "compiled", instr.span,
                           help="only gates, measurements and classical computation may "
                                "depend on measured values in a compiled protocol")

    def peer(self, process: Process, path: Path, instr: ir.Send) -> str | None:
        assert instr.dest_index is not None
        index = self.value(process, path.guard, instr.dest_index)
        if _symbolic(index):
            raise CompileError("a message whose destination depends on a measured value "
                               "cannot be compiled", instr.dest_index.span)
        try:
            return self.machine.family_member(instr.dest, index)
        except EvaluationError as error:
            raise CompileError(str(error), instr.dest_index.span) from None

    def no_route(self, process: Process, instr: ir.Send, dest: str) -> None:
        raise CompileError(f"no classical channel or route leads to `{dest}`", instr.span)

    def off_track(self, process: Process, instr: ir.Send, channel: ir.Channel,
                  why: str) -> None:
        raise CompileError(f"the message cannot leave on channel `{channel.id}` then: {why}",
                           instr.span, notes=[Note("the channel is declared here", channel.span)])

    def branch(self, process: Process, path: Path, instr: ir.Branch) -> list[tuple[int, Any]]:
        guard = path.guard
        condition = self.value(process, guard, instr.condition)
        if not _symbolic(condition):
            return [(path.pc + 1 if condition else instr.otherwise, guard)]
        if instr.loop:
            raise CompileError("a loop whose condition depends on a measured value cannot be "
                               "compiled", instr.span, help="loops need bounds known before "
                                                            "the protocol runs")
        other = _PathState(guard.literals + ((condition, False),), dict(guard.values))
        return [(path.pc + 1, _PathState(guard.literals + ((condition, True),), guard.values)),
                (instr.otherwise, other)]

    # ---------------------------------------------------------------- values

    def value(self, process: Process, guard: _PathState, expr: ir.Expr) -> Any:
        try:
            return evaluate(expr, lambda var: self.read(process, guard, var),
                            lambda builtin: self.call(process, guard, builtin), SYMBOLIC)
        except EvaluationError as error:
            raise CompileError(f"cannot compile this: {error}", expr.span) from None

    def read(self, process: Process, guard: _PathState, var: ir.Var) -> Any:
        value = guard.values[var.name]
        if var.index is None:
            return value
        return _element(value, self.value(process, guard, var.index))

    def call(self, process: Process, guard: _PathState, builtin: ir.Builtin) -> Any:
        if builtin.name == "latency":
            return self.machine.latency(process, builtin)
        if builtin.name in ("next_hop", "hop_count", "transmittance"):  # the network's
            index = self.value(process, guard, builtin.args[0])
            if not _symbolic(index) and builtin.name == "transmittance":
                return self.machine.transmittance(process, index)
            if not _symbolic(index):
                return self.machine.next_hop(process, index)[builtin.name == "hop_count"]
        raise EvaluationError(f"`{builtin.name}` is only known in the simulator")

    def store(self, process: Process, guard: _PathState, var: ir.Var, value: Any) -> None:
        if var.index is None:
            guard.values[var.name] = value
            return
        index = self.value(process, guard, var.index)
        if _symbolic(index):
            raise CompileError("an index that depends on a measured value cannot be compiled",
                               var.span)
        items = list(guard.values[var.name])
        try:
            items[_position(index, len(items))] = value
        except EvaluationError as error:
            raise CompileError(f"cannot compile this: {error}", var.span) from None
        guard.values[var.name] = items

    def seconds(self, process: Process, path: Path, expr: ir.Expr,
                instr: ir.Instr) -> float | None:
        length = self.value(process, path.guard, expr)
        if _symbolic(length):
            raise CompileError("a time that depends on a measured value cannot be compiled",
                               expr.span)
        if not valid_duration(length):
            raise CompileError(f"a time must be between 0 and {MAX_SECONDS:g} s, not "
                               f"{length} s", expr.span)
        return float(length)

    def unit(self, process: Process, guard: _PathState, unit: ir.Unit) -> tuple[str, int]:
        if unit.index is None:
            return (unit.name, -1)
        index = self.value(process, guard, unit.index)
        if _symbolic(index):
            raise CompileError("a qubit index that depends on a measured value cannot be "
                               "compiled", unit.span)
        return (unit.name, int(index))

    def qubit(self, process: Process, guard: _PathState, unit: ir.Unit) -> int:
        return process.data[self.unit(process, guard, unit)]  # type: ignore[no-any-return]

    def emit(self, name: str, qubits: list[int], guard: _PathState, span: Span | None,
             params: list[float] | None = None, bit_index: int | None = None) -> None:
        self.circuit.ops.append(Op(name, qubits, params or [], bit_index, guard.condition,
                                   span))

    def touch(self, qubits: list[int], span: Span | None) -> list[int]:
        for qubit in qubits:
            self.decohere(qubit, span)
        return qubits

    # ---------------------------------------------------------------- instructions

    def local(self, process: Process, path: Path, instr: ir.Instr) -> None:
        guard: _PathState = path.guard
        if isinstance(instr, ir.Alloc):
            slot = self.unit(process, guard, instr.unit)
            label = f"{process.name}.{slot[0].split('#')[0]}" + \
                (f"[{slot[1]}]" if slot[1] >= 0 else "")
            qubit = self.circuit.new_qubit(label)
            process.data[slot] = qubit
            self.keep(process, qubit, self.now)
            for gate in _PREPARE[instr.state]:
                self.emit(gate, [qubit], guard, instr.span)
        elif isinstance(instr, ir.Gate):
            params = [self.value(process, guard, p) for p in instr.params]
            if any(_symbolic(p) for p in params):
                raise CompileError(f"the angle of `{instr.name}` depends on a measured value "
                                   "and cannot be compiled", instr.span)
            if not all(math.isfinite(float(p)) for p in params):
                raise CompileError(f"the angle of `{instr.name}` is not a finite number",
                                   instr.span)
            qubits = [self.qubit(process, guard, u) for u in instr.units]
            if len(set(qubits)) < len(qubits):
                raise CompileError(f"`{instr.name}` acts on one qubit twice", instr.span,
                                   help="a gate's qubits are different qubits")
            self.emit(instr.name, self.touch(qubits, instr.span), guard, instr.span,
                      [float(p) for p in params])
            gate_error = self.node(process).gate_error
            if gate_error:  # as in the simulator: each qubit depolarises after the gate
                for qubit in qubits:
                    self.emit("depolarizing", [qubit], guard, instr.span, [gate_error])
        elif isinstance(instr, ir.Measure):
            self.measure(process, guard, instr)
        elif isinstance(instr, ir.Reset):
            qubit = self.qubit(process, guard, instr.unit)
            self.emit("reset", self.touch([qubit], instr.span), guard, instr.span)
        elif isinstance(instr, ir.Assign):
            self.store(process, guard, instr.target, self.value(process, guard, instr.value))
        elif isinstance(instr, ir.Random):
            self.store(process, guard, instr.target, self.random(process, instr))
        elif isinstance(instr, ir.Report):
            denominator = None if instr.denominator is None else \
                self.value(process, guard, instr.denominator)
            self.circuit.reports.append(Report(instr.name,
                                               self.value(process, guard, instr.value),
                                               guard.condition, instr.kind, denominator))
        elif isinstance(instr, ir.Assert):
            holds = self.value(process, guard, instr.condition)
            if not _symbolic(holds):
                if not holds:
                    raise CompileError(instr.message or "assertion failed", instr.span)
                return
            # A flag bit, set in the shots where it fails; a back end that runs the circuit
            # stops with the simulator's error (E0904) if any shot sets it.
            flag = self.circuit.new_bit(f"{process.name}.assertion")
            fails = _conjunction(guard.literals + ((holds, False),))
            self.circuit.ops.append(Op("flag", [], bit=flag, condition=fails,
                                       span=instr.span))
            self.circuit.assertions.append(Assertion(flag, instr.message or "assertion failed",
                                                     instr.span, process.name))

    def measure(self, process: Process, guard: _PathState, instr: ir.Measure) -> None:
        qubit = self.qubit(process, guard, instr.unit)
        self.decohere(qubit, instr.span)
        change = self.basis(process, guard, instr)
        for name, params in change:
            self.emit(name, [qubit], guard, instr.span, list(params))
        label = f"{process.name}.{instr.target.name.split('#')[0]}"
        index = self.circuit.new_bit(label)
        self.emit("measure", [qubit], guard, instr.span, bit_index=index)
        for name, params in reversed(change):
            inverse = {"h": "h", "s": "sdg", "sdg": "s"}.get(name)
            if inverse is not None:
                self.emit(inverse, [qubit], guard, instr.span)
            else:
                self.emit(name, [qubit], guard, instr.span, [-p for p in params])
        outcome: Any = bit(index)
        readout_error = self.node(process).readout_error
        if readout_error:  # the outcome read flips with that probability: a biased coin
            coin = self.circuit.new_qubit(f"{label}.readout")
            flip = self.circuit.new_bit(f"{label}.readout")
            self.emit("ry", [coin], guard, instr.span,
                      [2 * math.asin(math.sqrt(readout_error))])
            self.emit("measure", [coin], guard, instr.span, bit_index=flip)
            outcome = ir.Binary("^", outcome, bit(flip))
        self.store(process, guard, instr.target, outcome)

    def node(self, process: Process) -> ir.Node:
        return self.run.network.nodes[process.role.node]

    def basis(self, process: Process, guard: _PathState,
              instr: ir.Measure) -> list[tuple[str, tuple]]:
        """Gates that turn the basis into Z (measuring Z then means measuring the basis)."""
        if instr.basis in _BASIS:
            return _BASIS[instr.basis]
        angle = self.value(process, guard, instr.angle) if instr.angle is not None else 0.0
        if _symbolic(angle):
            raise CompileError("a measurement angle that depends on a measured value cannot "
                               "be compiled", instr.span)
        angle = float(angle)
        if not math.isfinite(angle):
            raise CompileError("the measurement angle is not a finite number", instr.span)
        if instr.basis == "xy":
            return [("rz", (-angle,)), ("h", ())]
        if instr.basis == "yz":
            return [("rx", (-angle,))]
        return [("ry", (-angle,))]

    def random(self, process: Process, instr: ir.Random) -> Any:
        if instr.kind != "bit":
            raise CompileError("`uniform()` has no circuit form", instr.span,
                               help="use random bits, e.g. compare several `random()` bits")
        if self.randomness == "enumerate":
            if self.used >= len(self.choices):
                raise _NeedChoice
            choice = self.choices[self.used]
            self.used += 1
            return choice
        coin = self.circuit.new_qubit(f"{process.name}.coin")
        index = self.circuit.new_bit(f"{process.name}.coin")
        self.circuit.ops.append(Op("h", [coin], span=instr.span))
        self.circuit.ops.append(Op("measure", [coin], bit=index, span=instr.span))
        return bit(index)

    def send(self, process: Process, path: Path, instr: ir.Send,
             channel: ir.Channel | None) -> Any:
        if instr.kind == "classical":
            return self.value(process, path.guard, instr.value)
        qubits = [process.data.pop(self.unit(process, path.guard, u)) for u in instr.units]
        for qubit in qubits:
            self.decohere(qubit, instr.span)
            self.stored.pop(qubit, None)  # in transit: the channel's noise, not a memory's
        if channel is not None:
            for name in ("depolarizing", "dephasing"):
                probability = getattr(channel, name)
                if probability:
                    for qubit in qubits:
                        self.circuit.ops.append(Op(name, [qubit], [float(probability)],
                                                   span=instr.span))
        return qubits, channel

    def arrive(self, process: Process, message: Message, channel: ir.Channel | None) -> None:
        """A qubit waits in the receiver's memory from its arrival, as in the simulator."""
        if message.send.kind == "quantum":
            for qubit in message.payload[0]:
                self.keep(process, qubit, self.now)

    def receive(self, process: Process, path: Path, instr: ir.Recv, message: Message) -> bool:
        if instr.kind == "quantum":
            qubits, channel = message.payload
            if channel is not None and channel.may_lose and instr.on_timeout is not None:
                raise CompileError(f"whether this qubit comes in time depends on the photon "
                                   f"loss of channel `{channel.id}`, which a circuit cannot "
                                   "represent", instr.span,
                                   help="run it in the simulator (`qnetc run`), or compile it "
                                        "on a lossless channel")
            detector = self.run.network.nodes[process.role.node].detector
            if channel is not None and detector is not None and detector.efficiency < 1 and \
                    instr.on_timeout is not None:  # dark counts alone make no qubit late
                raise CompileError(f"whether this qubit comes in time depends on detector "
                                   f"`{detector.name}` of node `{process.role.node}`, whose "
                                   "misses and dark counts a circuit cannot represent",
                                   instr.span, notes=[Note("the detector", detector.span)],
                                   help="run it in the simulator (`qnetc run`), or compile it "
                                        "with an ideal detector")
            for unit, qubit in zip(instr.targets, qubits, strict=True):
                assert isinstance(unit, ir.Unit)
                process.data[self.unit(process, path.guard, unit)] = qubit
            return True
        items = [message.payload] if len(instr.targets) == 1 else list(message.payload)
        for target, item in zip(instr.targets, items, strict=True):
            assert isinstance(target, ir.Var)
            self.store(process, path.guard, target, item)
        return True


def _siblings(a: _PathState, b: _PathState) -> bool:
    """The two sides of one branch: their conditions differ only in its last test."""
    if not a.literals or len(a.literals) != len(b.literals):
        return False
    return all(x[0] is y[0] and x[1] == y[1] for x, y in zip(a.literals[:-1], b.literals[:-1],
                                                             strict=True)) \
        and a.literals[-1][0] is b.literals[-1][0]


def _merge(a: _PathState, b: _PathState) -> _PathState:
    """Two paths meeting again: the values they disagree on become selections."""
    if _siblings(a, b):
        literals = a.literals[:-1]
        chooser, first_holds = a.literals[-1]
    else:
        literals = ((ir.Binary("||", _lift(a.condition), _lift(b.condition)), True),)
        chooser, first_holds = _lift(a.condition), True
    yes, no = (a, b) if first_holds else (b, a)
    values = {}
    for name in a.values.keys() | b.values.keys():
        left, right = yes.values.get(name), no.values.get(name)
        if left is right or (not _symbolic(left) and not _symbolic(right) and left == right):
            values[name] = left
        elif _sequence(left) or _sequence(right):
            # item by item; a path that never set it (None) leaves each item unset there
            shape = type(left if _sequence(left) else right)
            size = len(left) if _sequence(left) else len(right)
            lefts = left if _sequence(left) else [left] * size
            rights = right if _sequence(right) else [right] * size
            if len(lefts) != len(rights) or any(_sequence(v) for v in (*lefts, *rights)) \
                    or not all(v is None for v in (left, right) if not _sequence(v)):
                raise EvaluationError(f"`{name.split('#')[0]}` holds values of different "
                                      "shapes on the paths that meet here")
            values[name] = shape(_select(chooser, x, y) for x, y in zip(lefts, rights,
                                                                        strict=True))
        else:
            values[name] = _select(chooser, left, right)
    return _PathState(literals, values)


def _sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _unlift(value: ir.Expr) -> Any:
    return value.value if isinstance(value, ir.Const) else value


def _select(condition: ir.Expr, yes: Any, no: Any) -> Any:
    """`yes` where the condition holds, else `no`; a choice between two truth values is
    the condition itself (or its negation)."""
    if yes is no or (not _symbolic(yes) and not _symbolic(no) and yes == no and
                     type(yes) is type(no)):
        return yes
    if isinstance(yes, bool) and isinstance(no, bool):
        return condition if yes else ir.Unary("!", condition)
    return ir.Builtin("select", [condition, _lift(yes), _lift(no)])


def lower_run(run: ir.Run, randomness: str = "coin") -> list[Circuit]:
    """The circuits of a run: one, or one per combination of random choices."""
    if run.sweep:  # the IR is the sweep's first point: compiling it would pick one silently
        names = [name for axis in run.sweep for name in axis.names]
        raise CompileError(f"run `{run.name}` sweeps {', '.join(f'`{n}`' for n in names)}: "
                           "a circuit is one point of it", run.sweep[0].span,
                           help="give each swept parameter one value: " +
                                " ".join(f"--set {n}=VALUE" for n in names) +
                                " (in Python, `given(...)`)")
    pending: list[tuple[int, ...]] = [()]
    circuits = []
    while pending:
        choices = pending.pop()
        try:
            circuits.append(_Lowering(run, randomness, choices).go())
        except CompileError as refusal:
            if refusal.diagnostic.span is None:  # about the run as a whole: point at it
                refusal.diagnostic = replace(refusal.diagnostic, span=run.span)
            raise
        except _NeedChoice:
            if len(choices) >= MAX_CHOICES:
                raise CompileError(f"more than {MAX_CHOICES} random choices to enumerate",
                                   run.span, help="use --randomness coin") from None
            pending += [choices + (1,), choices + (0,)]
    circuits.sort(key=lambda c: c.choices)
    for circuit in circuits:
        circuit.ops = without_dead_ops(circuit.ops)
        worked_out: dict[int, Logic] = {}  # by condition: the ops of a path share one
        for op in circuit.ops:
            try:
                if id(op.condition) not in worked_out:
                    worked_out[id(op.condition)] = op.logic  # now: every back end refuses alike
                op.know(worked_out[id(op.condition)])
            except NotALogicFunction as refusal:
                name = "an assertion" if op.name == "flag" else f"`{op.name}`"
                raise CompileError(f"cannot compile {name} under this condition: {refusal}",
                                   op.span, help=refusal.help) from None
    return circuits
