"""One shot of a run: every role member runs as a process on its node.

A role's instruction stream runs until it must wait — for a message, a
`wait`, or a timeout — and resumes when that event comes. Messages arrive
after their channel's delay; a qubit in transit suffers the channel's noise
and may be lost (photon loss from attenuation and fixed losses); a stored
qubit decoheres with its node's memory for as long as it waits there.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic, Note
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import EvaluationError, evaluate
from qnetlang.quantum import noise
from qnetlang.quantum.engine import Engine
from qnetlang.quantum.gates import BELL
from qnetlang.runtime.events import Environment, to_ps, to_seconds
from qnetlang.source import Span

LOST = object()  # the payload of a qubit message that did not arrive


class RuntimeFailure(Exception):
    """A runtime error in a shot; carries its diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass
class ShotResult:
    reports: list[tuple[str, Any]] = field(default_factory=list)
    sim_time: float = 0.0
    events: int = 0


class _Node:
    """A node's state during a shot: its memory's noise and how full it is."""

    def __init__(self, spec: ir.Node) -> None:
        self.spec = spec
        memory = spec.memory
        self.t1, self.t2 = memory.t1, memory.t2
        self.depolarizing_time = memory.params.get("depolarizing_time")
        self.noisy_memory = bool(self.t1 or self.t2 or self.depolarizing_time)
        self.gate_error = float(spec.params.get("gate_error", 0.0))
        self.readout_error = float(spec.params.get("readout_error", 0.0))
        self.held = 0


def noisy(run: ir.Run) -> bool:
    """Whether the network declares any noise that only a density matrix captures exactly."""
    for node in run.network.nodes.values():
        if node.memory.t1 or node.memory.t2 or node.memory.params.get("depolarizing_time"):
            return True
        if node.params.get("gate_error") or node.params.get("readout_error"):
            return True
    return any(c.params.get("depolarizing") or c.params.get("dephasing")
               for c in run.network.channels)


class Shot:
    """The simulation of one shot of one run."""

    def __init__(self, run: ir.Run, engine: Engine, rng: np.random.Generator,
                 tracer: Any = None) -> None:
        self.run = run
        self.env = Environment(rng)
        self.engine = engine
        self.nodes = {name: _Node(spec) for name, spec in run.network.nodes.items()}
        self.stored: dict[int, tuple[int, _Node]] = {}  # qubit -> (since, node)
        self.result = ShotResult()
        self.tracer = tracer
        self.processes = {name: _Process(self, role) for name, role in run.roles.items()}

    def simulate(self) -> ShotResult:
        for process in self.processes.values():
            self.env.schedule(0, process.resume)
        self.env.run()
        for process in self.processes.values():
            if process.waiting is not None:
                recv = process.role.code[process.pc]
                raise self.failure(process, Code.STILL_WAITING,
                                   f"role `{process.role.name}` still waits for a message from "
                                   f"`{process.waiting[0]}` when nothing else can happen",
                                   recv.span, help="the peer ended, or its message was "
                                   "decided by a measured value; handle it with `within`")
        self.result.sim_time = to_seconds(self.env.now)
        self.result.events = self.env.processed
        return self.result

    def failure(self, process: _Process, code: str, message: str, span: Span | None,
                **extra: Any) -> RuntimeFailure:
        note = Note(f"in run `{self.run.name}`, role `{process.role.name}` on node "
                    f"`{process.role.node}`, at simulated time {_time(self.env.now)}")
        notes = [note, *extra.pop("notes", [])]
        return RuntimeFailure(Diagnostic.error(code, message, span, notes=notes, **extra))

    # ---------------------------------------------------------------- qubits in memory

    def store(self, qubit: int, node: _Node, process: _Process, span: Span | None,
              arriving: bool = False) -> None:
        capacity = node.spec.qubits
        if capacity is not None and node.held >= capacity:
            when = "when the qubit sent here arrives" if arriving else "here"
            raise self.failure(process, Code.NODE_FULL,
                               f"node `{node.spec.name}` already holds its {capacity} "
                               f"qubit{'s' * (capacity != 1)} {when}", span,
                               help="give the node more qubits, or free them sooner")
        node.held += 1
        self.stored[qubit] = (self.env.now, node)

    def release(self, qubit: int) -> None:
        """The qubit leaves its node's memory (sent away or discarded)."""
        self.decohere(qubit)
        _, node = self.stored.pop(qubit)
        node.held -= 1

    def decohere(self, qubit: int) -> None:
        """Applies the memory noise of the time the qubit has waited since it was last touched."""
        since, node = self.stored[qubit]
        if node.noisy_memory and self.env.now > since:
            channel = noise.memory(to_seconds(self.env.now - since), node.t1, node.t2,
                                   node.depolarizing_time)
            if channel is not None:
                self.engine.channel(qubit, channel)
        self.stored[qubit] = (self.env.now, node)

    # ---------------------------------------------------------------- messages

    def transmit(self, sender: _Process, send: ir.Send, payload: Any) -> None:
        dest = self.processes[send.dest]
        channel = self.run.network.channel(sender.role.node, dest.role.node, send.kind) \
            if sender.role.node != dest.role.node else None
        delay = to_ps(channel.delay) if channel is not None else 0
        if send.kind == "quantum":
            for qubit in payload:
                if qubit in self.stored:
                    self.release(qubit)
            if channel is not None and self.env.rng.random() >= channel.transmittance:
                for qubit in payload:
                    self.engine.discard(qubit)
                payload = LOST
        self.env.schedule(delay, self.arrive, dest, sender.role.name, send, payload, channel)

    def arrive(self, dest: _Process, source: str, send: ir.Send, payload: Any,
               channel: ir.Channel | None) -> None:
        """A message reaches its receiver's node (a qubit takes a place in its memory)."""
        if send.kind == "quantum" and payload is not LOST:
            node = self.nodes[dest.role.node]
            for qubit in payload:
                if channel is not None:
                    self.channel_noise(qubit, channel)
                self.store(qubit, node, dest, send.span, arriving=True)
        dest.deliver(source, send.kind, payload)

    def channel_noise(self, qubit: int, channel: ir.Channel) -> None:
        depolarizing = channel.params.get("depolarizing")
        if depolarizing:
            self.engine.channel(qubit, noise.depolarizing(float(depolarizing)))
        dephasing = channel.params.get("dephasing")
        if dephasing:
            self.engine.channel(qubit, noise.dephasing(float(dephasing)))


def _time(picoseconds: int) -> str:
    seconds = to_seconds(picoseconds)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.6g} {unit}"
    return f"{picoseconds} ps"


class _Process:
    """One role member running on its node: an interpreter of its instruction stream."""

    def __init__(self, shot: Shot, role: ir.Role) -> None:
        self.shot = shot
        self.role = role
        self.node = shot.nodes[role.node]
        self.pc = 0
        self.values: dict[str, Any] = {}
        self.qubits: dict[tuple[str, Any], int] = {}
        self.inbox: dict[tuple[str, str], deque[Any]] = {}
        self.waiting: tuple[str, str] | None = None
        self.timeout: int | None = None
        self.done = False

    # ---------------------------------------------------------------- values

    def read(self, var: ir.Var) -> Any:
        value = self.values[var.name]
        if var.index is None:
            return value
        return value[self.index(var.index, len(value), var)]

    def index(self, expr: ir.Expr, size: int, at: ir.IRNode) -> int:
        value = self.value(expr)
        if not isinstance(value, (int, bool)) and not (isinstance(value, float) and
                                                       value.is_integer()):
            raise self.fail(Code.RUNTIME_VALUE, f"index {value} is not a whole number", at.span)
        position = int(value)
        if not 0 <= position < size:
            raise self.fail(Code.RUNTIME_VALUE, f"index {position} is out of range 0..{size}",
                            at.span)
        return position

    def value(self, expr: ir.Expr) -> Any:
        try:
            return evaluate(expr, self.read, self.call)
        except EvaluationError as error:
            raise self.fail(Code.RUNTIME_VALUE, f"cannot compute this: {error}",
                            expr.span) from None

    def call(self, builtin: ir.Builtin) -> Any:
        if builtin.name == "now":
            return to_seconds(self.shot.env.now)
        qubits = [self.qubit(arg) for arg in builtin.args[:2]]  # type: ignore[arg-type]
        for qubit in qubits:
            if qubit in self.shot.stored:
                self.shot.decohere(qubit)
        target = self.value(builtin.args[2]) if len(builtin.args) > 2 else "phi_plus"
        return self.shot.engine.fidelity(qubits, BELL[target])

    def store(self, var: ir.Var, value: Any) -> None:
        if var.index is None:
            self.values[var.name] = value
            return
        current = list(self.values[var.name])
        current[self.index(var.index, len(current), var)] = value
        self.values[var.name] = current

    def key(self, unit: ir.Unit) -> tuple[str, Any]:
        if unit.index is None:
            return (unit.name, None)
        size = self.role.units.get(unit.name) or 0
        return (unit.name, self.index(unit.index, size, unit))

    def qubit(self, unit: ir.Unit) -> int:
        return self.qubits[self.key(unit)]

    def fail(self, code: str, message: str, span: Span | None, **extra: Any) -> RuntimeFailure:
        return self.shot.failure(self, code, message, span, **extra)

    # ---------------------------------------------------------------- running

    def resume(self) -> None:
        code = self.role.code
        while not self.done:
            instr = code[self.pc]
            if not _HANDLERS[type(instr)](self, instr):
                return

    def deliver(self, source: str, kind: str, payload: Any) -> None:
        self.inbox.setdefault((source, kind), deque()).append(payload)
        if self.waiting == (source, kind):
            self.waiting = None
            if self.timeout is not None:
                self.shot.env.cancel(self.timeout)
                self.timeout = None
            self.resume()

    def timed_out(self, pc: int) -> None:
        if self.waiting is None or self.pc != pc:
            return
        recv = self.role.code[pc]
        assert isinstance(recv, ir.Recv) and recv.on_timeout is not None
        self.waiting = None
        self.timeout = None
        self.pc = recv.on_timeout
        self.resume()

    def hold(self, unit: ir.Unit, qubit: int, span: Span | None, arrived: bool) -> None:
        key = self.key(unit)
        old = self.qubits.get(key)
        if old is not None and old in self.shot.stored:  # the slot's previous qubit
            self.shot.release(old)
            self.shot.engine.discard(old)
        self.qubits[key] = qubit
        if not arrived:
            self.shot.store(qubit, self.node, self, span)

    # ---------------------------------------------------------------- instructions

    def op_alloc(self, instr: ir.Alloc) -> bool:
        self.hold(instr.unit, self.shot.engine.alloc(instr.state), instr.span, arrived=False)
        self.pc += 1
        return True

    def touch(self, qubit: int, span: Span | None) -> None:
        """Brings a qubit up to date with its memory's noise; a measured qubit that is
        used again (re-prepared) takes a place in memory again."""
        if qubit in self.shot.stored:
            self.shot.decohere(qubit)
        else:
            self.shot.store(qubit, self.node, self, span)

    def op_gate(self, instr: ir.Gate) -> bool:
        qubits = [self.qubit(u) for u in instr.units]
        for qubit in qubits:
            self.touch(qubit, instr.span)
        params = tuple(float(self.value(p)) for p in instr.params)
        engine = self.shot.engine
        engine.apply(instr.name, qubits, params)
        if self.node.gate_error:
            for qubit in qubits:
                engine.channel(qubit, noise.depolarizing(self.node.gate_error))
        self.pc += 1
        return True

    def op_measure(self, instr: ir.Measure) -> bool:
        qubit = self.qubit(instr.unit)
        self.touch(qubit, instr.span)
        angle = float(self.value(instr.angle)) if instr.angle is not None else 0.0
        outcome = self.shot.engine.measure(qubit, instr.basis, angle)
        self.shot.release(qubit)  # a measured qubit no longer takes a place in memory
        if self.node.readout_error and self.shot.env.rng.random() < self.node.readout_error:
            outcome ^= 1
        self.store(instr.target, outcome)
        self.pc += 1
        return True

    def op_reset(self, instr: ir.Reset) -> bool:
        qubit = self.qubit(instr.unit)
        self.touch(qubit, instr.span)
        self.shot.engine.reset(qubit)
        self.pc += 1
        return True

    def op_assign(self, instr: ir.Assign) -> bool:
        self.store(instr.target, self.value(instr.value))
        self.pc += 1
        return True

    def op_random(self, instr: ir.Random) -> bool:
        rng = self.shot.env.rng
        self.store(instr.target, int(rng.integers(2)) if instr.kind == "bit"
                   else float(rng.random()))
        self.pc += 1
        return True

    def op_send(self, instr: ir.Send) -> bool:
        if instr.kind == "quantum":
            payload: Any = [self.qubits.pop(self.key(u)) for u in instr.units]
        else:
            payload = self.value(instr.value)  # type: ignore[arg-type]
            if isinstance(payload, list):
                payload = list(payload)  # the receiver gets a copy, not the sender's array
        self.shot.transmit(self, instr, payload)
        self.pc += 1
        return True

    def op_recv(self, instr: ir.Recv) -> bool:
        queue = self.inbox.get((instr.source, instr.kind))
        if not queue:
            self.waiting = (instr.source, instr.kind)
            if instr.timeout is not None and self.timeout is None:
                delay = to_ps(float(self.value(instr.timeout)))
                self.timeout = self.shot.env.schedule(delay, self.timed_out, self.pc)
            return False
        payload = queue.popleft()
        if payload is LOST:
            if instr.on_timeout is not None:
                self.pc = instr.on_timeout
                return True
            raise self.fail(Code.QUBIT_LOST, f"the qubit from `{instr.source}` was lost on the "
                            "way", instr.span,
                            notes=[Note(f"channel `{instr.channel}`")] if instr.channel else [],
                            help="handle the loss: `recv qubit from ... within T else { ... }`")
        if instr.kind == "quantum":
            for unit, qubit in zip(instr.targets, payload, strict=True):
                assert isinstance(unit, ir.Unit)
                self.hold(unit, qubit, instr.span, arrived=True)
        elif len(instr.targets) == 1:
            self.store(instr.targets[0], payload)  # type: ignore[arg-type]
        else:
            for target, item in zip(instr.targets, payload, strict=True):
                self.store(target, item)  # type: ignore[arg-type]
        self.pc += 1
        return True

    def op_wait(self, instr: ir.Wait) -> bool:
        self.pc += 1
        self.shot.env.schedule(to_ps(float(self.value(instr.duration))), self.resume)
        return False

    def op_report(self, instr: ir.Report) -> bool:
        value = self.value(instr.value)
        self.shot.result.reports.append((instr.name, int(value) if isinstance(value, bool)
                                         else value))
        self.pc += 1
        return True

    def op_assert(self, instr: ir.Assert) -> bool:
        if not self.value(instr.condition):
            raise self.fail(Code.ASSERTION_FAILED, instr.message or "assertion failed",
                            instr.span)
        self.pc += 1
        return True

    def op_jump(self, instr: ir.Jump) -> bool:
        self.pc = instr.target
        return True

    def op_branch(self, instr: ir.Branch) -> bool:
        self.pc = self.pc + 1 if self.value(instr.condition) else instr.otherwise
        return True

    def op_halt(self, instr: ir.Halt) -> bool:
        self.done = True
        return False


_HANDLERS = {
    ir.Alloc: _Process.op_alloc, ir.Gate: _Process.op_gate, ir.Measure: _Process.op_measure,
    ir.Reset: _Process.op_reset, ir.Assign: _Process.op_assign, ir.Random: _Process.op_random,
    ir.Send: _Process.op_send, ir.Recv: _Process.op_recv, ir.Wait: _Process.op_wait,
    ir.Report: _Process.op_report, ir.Assert: _Process.op_assert, ir.Jump: _Process.op_jump,
    ir.Branch: _Process.op_branch, ir.Halt: _Process.op_halt,
}
