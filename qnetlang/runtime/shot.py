"""Simulating a batch of shots of a run: every role member runs as a process on its node.

A role's instruction stream runs until it must wait — for a message, a
`wait`, or a timeout — and resumes when that event comes. Messages arrive
after their channel's delay; a qubit in transit suffers the channel's noise
and may be lost; a stored qubit decoheres with its node's memory for as long
as it waits there.

All the shots of a batch share one discrete-event simulation: classical
values hold one entry per shot, and the quantum engine one state per shot.
Where shots disagree on a branch (`if (m) x q;`), the process runs both
paths under masks until they meet again. A disagreement that would change
what a role sends, receives or waits for raises Divergence; the runner then
simulates those shots one at a time, where no disagreement can arise.
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
from qnetlang.runtime.events import Environment, format_seconds, to_ps, to_seconds
from qnetlang.runtime.values import (Mask, batch_operations, first, merge, positions, put,
                                     uniform)
from qnetlang.source import Span


class RuntimeFailure(Exception):
    """A runtime error in a shot; carries its diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class Divergence(Exception):
    """The shots of a batch would communicate or wait differently."""


@dataclass
class BatchResult:
    size: int
    reports: dict[str, list[np.ndarray]] = field(default_factory=dict)
    sim_time: float = 0.0
    events: int = 0


@dataclass
class _Message:
    payload: Any  # per-shot values, or the ids of the qubits sent
    lost: np.ndarray | None = None  # the shots in which a qubit message was lost


class _Node:
    """A node's state during a batch: its memory's noise and how full it is."""

    def __init__(self, spec: ir.Node) -> None:
        self.spec = spec
        memory = spec.memory
        self.t1, self.t2 = memory.t1, memory.t2
        self.depolarizing_time = memory.params.get("depolarizing_time")
        self.noisy_memory = bool(self.t1 or self.t2 or self.depolarizing_time)
        self.gate_error = float(spec.params.get("gate_error", 0.0))
        self.readout_error = float(spec.params.get("readout_error", 0.0))
        self.held: np.ndarray = np.zeros(0, np.int64)  # qubits held, per shot


def noisy(run: ir.Run) -> bool:
    """Whether the network declares any noise that only a density matrix captures exactly."""
    for node in run.network.nodes.values():
        if node.memory.t1 or node.memory.t2 or node.memory.params.get("depolarizing_time"):
            return True
        if node.params.get("gate_error") or node.params.get("readout_error"):
            return True
    return any(c.params.get("depolarizing") or c.params.get("dephasing")
               for c in run.network.channels)


_EVERY_SHOT = batch_operations(None)


class Shot:
    """The simulation of a batch of shots of one run."""

    def __init__(self, run: ir.Run, engine: Engine, rng: np.random.Generator,
                 tracer: Any = None) -> None:
        self.run = run
        self.batch = engine.batch
        self.env = Environment(rng)
        self.engine = engine
        self.nodes = {name: _Node(spec) for name, spec in run.network.nodes.items()}
        for node in self.nodes.values():
            node.held = np.zeros(self.batch, np.int64)
        # qubit -> (time of its last update, its node, the shots in which it is there)
        self.stored: dict[int, tuple[int, _Node, np.ndarray]] = {}
        self.result = BatchResult(self.batch)
        self.tracer = tracer
        self.processes = {name: _Process(self, role) for name, role in run.roles.items()}

    def simulate(self) -> BatchResult:
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

    def trace(self, process: _Process, event: str, **details: Any) -> None:
        if self.tracer is not None:
            self.tracer({"t_ps": self.env.now, "role": process.role.name,
                         "node": process.role.node, "event": event, **details})

    def failure(self, process: _Process, code: str, message: str, span: Span | None,
                **extra: Any) -> RuntimeFailure:
        note = Note(f"in run `{self.run.name}`, role `{process.role.name}` on node "
                    f"`{process.role.node}`, at simulated time "
                    f"{format_seconds(to_seconds(self.env.now))}")
        notes = [note, *extra.pop("notes", [])]
        return RuntimeFailure(Diagnostic.error(code, message, span, notes=notes, **extra))

    # ---------------------------------------------------------------- qubits in memory
    # A qubit is in its node's memory in some shots of the batch (`present`): a qubit
    # lost on the way, or measured on a path only some shots take, is not in the others.

    def store(self, qubit: int, node: _Node, process: _Process, span: Span | None,
              present: np.ndarray | None = None, arriving: bool = False) -> None:
        present = np.ones(self.batch, bool) if present is None else present
        previous = self.stored.get(qubit)
        if previous is not None:
            self.decohere(qubit)
            present = present & ~previous[2]
        capacity = node.spec.qubits
        if capacity is not None and np.any(node.held + present > capacity):
            when = "when the qubit sent here arrives" if arriving else "here"
            raise self.failure(process, Code.NODE_FULL,
                               f"node `{node.spec.name}` already holds its {capacity} "
                               f"qubit{'s' * (capacity != 1)} {when}", span,
                               help="give the node more qubits, or free them sooner")
        node.held += present
        if previous is not None:
            present = present | previous[2]
        self.stored[qubit] = (self.env.now, node, present)

    def release(self, qubit: int, mask: np.ndarray | None = None) -> None:
        """The qubit leaves its node's memory (sent away, measured or discarded) in the
        shots of `mask` (all of them when None)."""
        self.decohere(qubit)
        since, node, present = self.stored[qubit]
        leaving = present if mask is None else present & mask
        node.held -= leaving
        remaining = present & ~leaving
        if remaining.any():
            self.stored[qubit] = (since, node, remaining)
        else:
            del self.stored[qubit]

    def decohere(self, qubit: int) -> None:
        """Applies the memory noise of the time the qubit has waited since it was last touched."""
        since, node, present = self.stored[qubit]
        if node.noisy_memory and self.env.now > since:
            channel = noise.memory(to_seconds(self.env.now - since), node.t1, node.t2,
                                   node.depolarizing_time)
            if channel is not None:
                self.engine.channel(qubit, channel)
        self.stored[qubit] = (self.env.now, node, present)

    # ---------------------------------------------------------------- messages

    def transmit(self, sender: _Process, send: ir.Send, message: _Message) -> None:
        dest = self.processes[send.dest]
        channel = self.run.network.channel(sender.role.node, dest.role.node, send.kind) \
            if sender.role.node != dest.role.node else None
        delay = to_ps(channel.delay) if channel is not None else 0
        if send.kind == "quantum":
            for qubit in message.payload:
                if qubit in self.stored:
                    self.release(qubit)
            if channel is not None and channel.transmittance < 1:
                message.lost = self.env.rng.random(self.batch) >= channel.transmittance
        self.trace(sender, "send", to=send.dest, kind=send.kind)
        self.env.schedule(delay, self.arrive, dest, sender.role.name, send, message, channel)

    def arrive(self, dest: _Process, source: str, send: ir.Send, message: _Message,
               channel: ir.Channel | None) -> None:
        """A message reaches its receiver's node (a qubit takes a place in its memory)."""
        if send.kind == "quantum" and not (message.lost is not None and message.lost.all()):
            node = self.nodes[dest.role.node]
            present = None if message.lost is None else ~message.lost
            for qubit in message.payload:
                if channel is not None:
                    self.channel_noise(qubit, channel)
                self.store(qubit, node, dest, send.span, present, arriving=True)
        dest.deliver(source, send.kind, message)

    def channel_noise(self, qubit: int, channel: ir.Channel) -> None:
        depolarizing = channel.params.get("depolarizing")
        if depolarizing:
            self.engine.channel(qubit, noise.depolarizing(float(depolarizing)))
        dephasing = channel.params.get("dephasing")
        if dephasing:
            self.engine.channel(qubit, noise.dephasing(float(dephasing)))


@dataclass
class _Thread:
    """A path through a role's code, taken by the shots of `mask` (None: all of them)."""

    pc: int
    mask: Mask
    parked: int | None = None  # where it loops back to, once it waits there for the others


class _Process:
    """One role member running on its node: an interpreter of its instruction stream."""

    def __init__(self, shot: Shot, role: ir.Role) -> None:
        self.shot = shot
        self.role = role
        self.batch = shot.batch
        self.node = shot.nodes[role.node]
        self.threads = [_Thread(0, None)]
        self.values: dict[str, Any] = {}
        # Variables whose array no other value shares: an element stored into one is
        # written in place rather than into a copy of the whole (B, n) array.
        self.private: set[str] = set()
        self.qubits: dict[tuple[str, int], int] = {}
        self.inbox: dict[tuple[str, str], deque[_Message]] = {}
        self.waiting: tuple[str, str] | None = None
        self.timeout: int | None = None
        self.done = False

    @property
    def pc(self) -> int:
        return self.threads[0].pc

    # ---------------------------------------------------------------- values

    def value(self, expr: ir.Expr, mask: Mask) -> Any:
        if isinstance(expr, ir.Const):
            return expr.value
        ops = _EVERY_SHOT if mask is None else batch_operations(mask)
        try:
            return evaluate(expr, lambda var: self.read(var, mask), lambda b: self.call(b, mask),
                            ops)
        except EvaluationError as error:
            raise self.fail(Code.RUNTIME_VALUE, f"cannot compute this: {error}",
                            expr.span) from None

    def read(self, var: ir.Var, mask: Mask) -> Any:
        value = self.values[var.name]
        if var.index is None:
            self.private.discard(var.name)  # the whole array may now be shared
            return value
        ops = _EVERY_SHOT if mask is None else batch_operations(mask)
        return ops.element(value, self.value(var.index, mask))

    def call(self, builtin: ir.Builtin, mask: Mask) -> Any:
        if builtin.name == "now":
            return to_seconds(self.shot.env.now)
        qubits = [self.qubit(arg, mask) for arg in builtin.args[:2]]  # type: ignore[arg-type]
        for qubit in qubits:
            if qubit in self.shot.stored:
                self.shot.decohere(qubit)
        target = self.value(builtin.args[2], mask) if len(builtin.args) > 2 else "phi_plus"
        return self.shot.engine.fidelity(qubits, BELL[target])

    def store(self, var: ir.Var, value: Any, mask: Mask) -> None:
        old = self.values.get(var.name)
        if var.index is None:
            self.values[var.name] = merge(mask, value, old, self.batch)
            self.private.discard(var.name)
            return
        index = self.value(var.index, mask)
        try:
            self.values[var.name] = put(old, index, value, mask, self.batch,
                                        in_place=var.name in self.private)
        except EvaluationError as error:
            raise self.fail(Code.RUNTIME_VALUE, str(error), var.span) from None
        self.private.add(var.name)

    def key(self, unit: ir.Unit, mask: Mask) -> tuple[str, int]:
        if unit.index is None:
            return (unit.name, -1)
        index = self.value(unit.index, mask)
        try:
            index = positions(index, self.role.units.get(unit.name) or 0, mask)
        except EvaluationError as error:
            raise self.fail(Code.RUNTIME_VALUE, str(error), unit.span) from None
        if not uniform(index):
            raise Divergence("qubit index differs between shots")
        return (unit.name, int(first(index)))

    def qubit(self, unit: ir.Unit, mask: Mask) -> int:
        return self.qubits[self.key(unit, mask)]

    def fail(self, code: str, message: str, span: Span | None, **extra: Any) -> RuntimeFailure:
        return self.shot.failure(self, code, message, span, **extra)

    # ---------------------------------------------------------------- running

    def resume(self) -> None:
        code = self.role.code
        while not self.done:
            thread = self.threads[0]
            instr = code[thread.pc]
            if thread.mask is None:
                if not _HANDLERS[type(instr)](self, instr, thread, None):
                    return
                continue
            if type(instr) not in _MASKABLE:
                raise Divergence(f"{type(instr).__name__} on a path only some shots take")
            if isinstance(instr, ir.Jump) and instr.target <= thread.pc:
                self.park(thread, instr.target)
                continue
            _HANDLERS[type(instr)](self, instr, thread, thread.mask)
            self.reunite()

    def park(self, thread: _Thread, target: int) -> None:
        """A path that loops back waits there for the others (the next turn of a loop);
        when every path waits at the same place, they go on together."""
        thread.parked = target
        moving = [t for t in self.threads if t.parked is None]
        if moving:
            self.threads = moving + [t for t in self.threads if t.parked is not None]
            return
        if len({t.parked for t in self.threads}) != 1:
            raise Divergence("shots loop back to different places")
        for waiting in self.threads:
            waiting.pc, waiting.parked = target, None
        self.reunite()

    def split(self, thread: _Thread, condition: np.ndarray, then: int, otherwise: int) -> None:
        """Sends the shots where `condition` holds to `then`, the others to `otherwise`."""
        active = np.ones(self.batch, bool) if thread.mask is None else thread.mask
        condition = np.broadcast_to(np.asarray(condition, dtype=bool), (self.batch,))
        yes, no = active & condition, active & ~condition
        if not no.any():
            thread.pc = then
        elif not yes.any():
            thread.pc = otherwise
        else:
            thread.pc, thread.mask = then, yes
            self.threads.append(_Thread(otherwise, no))
            self.threads.sort(key=lambda t: t.pc)

    def reunite(self) -> None:
        """Merges paths that have reached the same instruction; the earliest moving path
        runs next."""
        self.threads.sort(key=lambda t: (t.parked is not None, t.pc))
        merged: list[_Thread] = []
        for thread in self.threads:
            if merged and merged[-1].pc == thread.pc and merged[-1].parked == thread.parked:
                last = merged[-1]
                assert last.mask is not None and thread.mask is not None
                last.mask = last.mask | thread.mask
                if last.mask.all():
                    last.mask = None
            else:
                merged.append(thread)
        self.threads = merged

    def deliver(self, source: str, kind: str, message: _Message) -> None:
        self.inbox.setdefault((source, kind), deque()).append(message)
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
        self.threads[0].pc = recv.on_timeout
        self.shot.trace(self, "timeout", source=recv.source)
        self.resume()

    def hold(self, unit: ir.Unit, qubit: int, span: Span | None, arrived: bool) -> None:
        key = self.key(unit, None)
        old = self.qubits.get(key)
        if old is not None and old in self.shot.engine.groups:  # the slot's previous qubit
            if old in self.shot.stored:
                self.shot.release(old)
            self.shot.engine.discard(old)
        self.qubits[key] = qubit
        if not arrived:
            self.shot.store(qubit, self.node, self, span)

    def touch(self, qubit: int, span: Span | None, mask: Mask) -> None:
        """Brings a qubit up to date with its memory's noise; a measured qubit that is
        used again (re-prepared) takes a place in memory again."""
        stored = self.shot.stored.get(qubit)
        using = np.ones(self.batch, bool) if mask is None else mask
        if stored is not None and not (using & ~stored[2]).any():
            self.shot.decohere(qubit)
        else:
            self.shot.store(qubit, self.node, self, span, using)

    # ---------------------------------------------------------------- instructions
    # Each returns False when the process must wait; `mask` is None for every shot.

    def op_alloc(self, instr: ir.Alloc, thread: _Thread, mask: Mask) -> bool:
        self.hold(instr.unit, self.shot.engine.alloc(instr.state), instr.span, arrived=False)
        thread.pc += 1
        return True

    def op_gate(self, instr: ir.Gate, thread: _Thread, mask: Mask) -> bool:
        qubits = [self.qubit(u, mask) for u in instr.units]
        for qubit in qubits:
            self.touch(qubit, instr.span, mask)
        params = tuple(self.value(p, mask) for p in instr.params)
        engine = self.shot.engine
        engine.apply(instr.name, qubits, params, mask)
        if self.node.gate_error:
            for qubit in qubits:
                engine.channel(qubit, noise.depolarizing(self.node.gate_error), mask)
        thread.pc += 1
        return True

    def op_measure(self, instr: ir.Measure, thread: _Thread, mask: Mask) -> bool:
        qubit = self.qubit(instr.unit, mask)
        self.touch(qubit, instr.span, mask)
        angle = self.value(instr.angle, mask) if instr.angle is not None else 0.0
        outcomes = self.shot.engine.measure(qubit, instr.basis, np.asarray(angle, dtype=float),
                                            mask)
        if self.node.readout_error:
            flips = self.shot.env.rng.random(self.batch) < self.node.readout_error
            outcomes = outcomes ^ flips
        self.shot.release(qubit, mask)  # a measured qubit no longer takes a place in memory
        self.store(instr.target, outcomes, mask)
        thread.pc += 1
        return True

    def op_reset(self, instr: ir.Reset, thread: _Thread, mask: Mask) -> bool:
        qubit = self.qubit(instr.unit, mask)
        self.touch(qubit, instr.span, mask)
        self.shot.engine.reset(qubit, mask)
        thread.pc += 1
        return True

    def op_assign(self, instr: ir.Assign, thread: _Thread, mask: Mask) -> bool:
        self.store(instr.target, self.value(instr.value, mask), mask)
        thread.pc += 1
        return True

    def op_random(self, instr: ir.Random, thread: _Thread, mask: Mask) -> bool:
        rng = self.shot.env.rng
        draw = rng.integers(2, size=self.batch) if instr.kind == "bit" \
            else rng.random(self.batch)
        self.store(instr.target, draw, mask)
        thread.pc += 1
        return True

    def op_send(self, instr: ir.Send, thread: _Thread, mask: Mask) -> bool:
        if instr.kind == "quantum":
            message = _Message([self.qubits.pop(self.key(u, None)) for u in instr.units])
        else:
            value = self.value(instr.value, None)  # type: ignore[arg-type]
            message = _Message(np.array(value) if isinstance(value, np.ndarray) else value)
        self.shot.transmit(self, instr, message)
        thread.pc += 1
        return True

    def op_recv(self, instr: ir.Recv, thread: _Thread, mask: Mask) -> bool:
        queue = self.inbox.get((instr.source, instr.kind))
        if not queue:
            self.waiting = (instr.source, instr.kind)
            if instr.timeout is not None and self.timeout is None:
                delay = to_ps(float(first(self.value(instr.timeout, None))))
                self.timeout = self.shot.env.schedule(delay, self.timed_out, thread.pc)
            return False
        message = queue.popleft()
        lost = message.lost
        if lost is not None and lost.any():
            if instr.on_timeout is None:
                raise self.fail(Code.QUBIT_LOST, f"the qubit from `{instr.source}` was lost on "
                                "the way", instr.span,
                                notes=[Note(f"channel `{instr.channel}`")] if instr.channel
                                else [], help="handle the loss: `recv qubit from ... within T "
                                              "else { ... }`")
            if lost.all():
                thread.pc = instr.on_timeout
                return True
        self.shot.trace(self, "recv", source=instr.source, kind=instr.kind)
        if instr.kind == "quantum":
            for unit, qubit in zip(instr.targets, message.payload, strict=True):
                assert isinstance(unit, ir.Unit)
                self.hold(unit, qubit, instr.span, arrived=True)
        else:
            items = [message.payload] if len(instr.targets) == 1 else message.payload
            for target, item in zip(instr.targets, items, strict=True):
                assert isinstance(target, ir.Var)
                self.store(target, item, None)
        if lost is not None and lost.any():
            assert instr.on_timeout is not None
            self.split(thread, ~lost, thread.pc + 1, instr.on_timeout)
            self.reunite()
        else:
            thread.pc += 1
        return True

    def op_wait(self, instr: ir.Wait, thread: _Thread, mask: Mask) -> bool:
        thread.pc += 1
        delay = self.value(instr.duration, None)
        if not uniform(delay):
            raise Divergence("a wait that differs between shots")
        self.shot.env.schedule(to_ps(float(first(delay))), self.resume)
        return False

    def op_report(self, instr: ir.Report, thread: _Thread, mask: Mask) -> bool:
        value = np.broadcast_to(np.asarray(self.value(instr.value, mask)), (self.batch,))
        if value.dtype == bool:
            value = value.astype(np.int64)
        self.shot.result.reports.setdefault(instr.name, []).append(
            np.array(value if mask is None else value[mask]))
        thread.pc += 1
        return True

    def op_assert(self, instr: ir.Assert, thread: _Thread, mask: Mask) -> bool:
        holds = np.broadcast_to(np.asarray(self.value(instr.condition, mask), dtype=bool),
                                (self.batch,))
        if not (holds if mask is None else holds | ~mask).all():
            raise self.fail(Code.ASSERTION_FAILED, instr.message or "assertion failed",
                            instr.span)
        thread.pc += 1
        return True

    def op_jump(self, instr: ir.Jump, thread: _Thread, mask: Mask) -> bool:
        thread.pc = instr.target
        return True

    def op_branch(self, instr: ir.Branch, thread: _Thread, mask: Mask) -> bool:
        condition = self.value(instr.condition, mask)
        if np.ndim(condition) == 0:
            thread.pc = thread.pc + 1 if condition else instr.otherwise
        else:
            self.split(thread, condition, thread.pc + 1, instr.otherwise)
            self.reunite()
        return True

    def op_halt(self, instr: ir.Halt, thread: _Thread, mask: Mask) -> bool:
        self.done = True
        return False


_HANDLERS = {
    ir.Alloc: _Process.op_alloc, ir.Gate: _Process.op_gate, ir.Measure: _Process.op_measure,
    ir.Reset: _Process.op_reset, ir.Assign: _Process.op_assign, ir.Random: _Process.op_random,
    ir.Send: _Process.op_send, ir.Recv: _Process.op_recv, ir.Wait: _Process.op_wait,
    ir.Report: _Process.op_report, ir.Assert: _Process.op_assert, ir.Jump: _Process.op_jump,
    ir.Branch: _Process.op_branch, ir.Halt: _Process.op_halt,
}
# What a path taken by only some shots may do: nothing that communicates, waits or ends.
_MASKABLE = frozenset({ir.Gate, ir.Measure, ir.Reset, ir.Assign, ir.Random, ir.Report,
                       ir.Assert, ir.Jump, ir.Branch})
