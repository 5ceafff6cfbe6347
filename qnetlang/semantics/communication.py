"""Pass 7: messages match, nobody waits forever, nodes have room for their qubits.

An abstract execution of all the roles of a run together. Values known
before the run (parameters, loop counters, constants) are computed; values
only known while it runs (measurement outcomes, random bits) are UNKNOWN.
Sends never block; a receive blocks until a message from its peer arrives.
When nothing can move any more, a role still waiting is either part of a
cycle of roles waiting for each other (a deadlock) or waits for a role that
has ended; a message still queued was never received.

A branch or loop on an UNKNOWN value is skipped when it neither sends nor
receives; otherwise the analysis cannot decide what the role does next, says
so in a note, and stops following that role (never a false error).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from qnetlang.codes import Code
from qnetlang.diagnostics import Note
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import UNKNOWN, EvaluationError, evaluate
from qnetlang import types as t
from qnetlang.semantics.context import Context
from qnetlang.semantics.ownership import Key, key_of
from qnetlang.semantics.typecheck import describe

MAX_STEPS = 2_000_000  # instructions executed over all roles of one run

RUNNING, BLOCKED, DONE, UNDECIDED = "running", "blocked", "done", "undecided"


@dataclass
class _Message:
    type: t.Type
    value: Any
    send: ir.Send


@dataclass
class _Process:
    role: ir.Role
    pc: int = 0
    status: str = RUNNING
    values: dict[str, Any] = field(default_factory=dict)
    live: set[object] = field(default_factory=set)


class _Stop(Exception):
    """The step budget is spent."""


def check_communication(ctx: Context) -> None:
    for run in ctx.program.runs:
        _Execution(ctx, run).go()


class _Execution:
    def __init__(self, ctx: Context, run: ir.Run) -> None:
        self.ctx = ctx
        self.run = run
        self.processes = {name: _Process(role) for name, role in run.roles.items()}
        self.queues: dict[tuple[str, str, str], deque[_Message]] = {}
        self.steps = 0
        self.full_nodes: set[str] = set()
        self.held: dict[str, int] = {}  # qubits held on each node now
        self.reported: set[tuple[str, int]] = set()

    def report(self, code: str, message: str, span: Any, **extra: Any) -> None:
        key = (code, span.start if span is not None else -1)
        if key in self.reported:
            return
        self.reported.add(key)
        if code.startswith("N"):
            self.ctx.note(code, message, span, **extra)
        else:
            self.ctx.error(code, message, span, **extra)

    # ---------------------------------------------------------------- scheduling

    def go(self) -> None:
        try:
            while True:
                moved = False
                for process in self.processes.values():
                    if process.status in (RUNNING, BLOCKED):
                        moved |= self.advance(process)
                if not moved and not self.time_out():
                    break
        except _Stop:
            self.report(Code.ANALYSIS_LIMIT, f"run `{self.run.name}` is too long to follow to its "
                        f"end ({MAX_STEPS:,} steps); communication is checked up to there",
                        self.run.span)
            return
        self.conclude()

    def time_out(self) -> bool:
        """With nothing else moving, waits that have a timeout give up."""
        for process in self.processes.values():
            if process.status != BLOCKED:
                continue
            instr = process.role.code[process.pc]
            if isinstance(instr, ir.Recv) and instr.on_timeout is not None:
                process.pc = instr.on_timeout
                process.status = RUNNING
                return True
        return False

    def advance(self, process: _Process) -> bool:
        moved = False
        while process.status in (RUNNING, BLOCKED):
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise _Stop
            instr = process.role.code[process.pc]
            if not self.step(process, instr):
                process.status = BLOCKED
                return moved
            process.status = RUNNING if process.status == BLOCKED else process.status
            moved = True
        return moved

    # ---------------------------------------------------------------- instructions

    def read(self, process: _Process, var: ir.Var) -> Any:
        value = process.values.get(var.name, UNKNOWN)
        if var.index is None:
            return value
        index = self.value(process, var.index)
        if value is UNKNOWN or index is UNKNOWN or not isinstance(value, (list, tuple)):
            return UNKNOWN
        try:
            return value[int(index)]
        except (IndexError, ValueError, TypeError):
            return UNKNOWN

    def value(self, process: _Process, expr: ir.Expr) -> Any:
        try:
            return evaluate(expr, lambda var: self.read(process, var))
        except EvaluationError:
            return UNKNOWN

    def store(self, process: _Process, var: ir.Var, value: Any) -> None:
        if var.index is None:
            process.values[var.name] = value
            return
        index = self.value(process, var.index)
        current = process.values.get(var.name, UNKNOWN)
        if index is UNKNOWN or not isinstance(current, list):
            process.values[var.name] = UNKNOWN
            return
        updated = list(current)
        if 0 <= int(index) < len(updated):
            updated[int(index)] = value
        process.values[var.name] = updated

    def step(self, process: _Process, instr: ir.Instr) -> bool:
        """Executes one instruction; False if the process must wait."""
        if isinstance(instr, ir.Recv):
            return self.receive(process, instr)
        process.pc += 1
        if isinstance(instr, ir.Assign):
            self.store(process, instr.target, self.value(process, instr.value))
        elif isinstance(instr, ir.Measure):
            self.store(process, instr.target, UNKNOWN)
            self.free(process, [instr.unit])  # a measured qubit gives its place back
        elif isinstance(instr, ir.Random):
            self.store(process, instr.target, UNKNOWN)
        elif isinstance(instr, ir.Alloc):
            self.hold(process, [instr.unit], instr)
        elif isinstance(instr, (ir.Gate, ir.Reset)):
            units = instr.units if isinstance(instr, ir.Gate) else [instr.unit]
            self.hold(process, units, instr)  # a measured qubit used again takes one again
        elif isinstance(instr, ir.Send):
            self.send(process, instr)
        elif isinstance(instr, ir.Jump):
            process.pc = instr.target
        elif isinstance(instr, ir.Branch):
            self.branch(process, instr)
        elif isinstance(instr, ir.Halt):
            process.status = DONE
        return True

    def slot(self, process: _Process, unit: ir.Unit) -> Key | None:
        """The slot a unit names, its index worked out where the values are known; None
        when they are not (such a slot is not counted, so that no error is false)."""
        key = key_of(unit)
        if key[1] != "*":
            return key
        index = self.value(process, unit.index) if unit.index is not None else UNKNOWN
        if index is UNKNOWN or isinstance(index, (list, tuple)):
            return None
        return (unit.name, int(index))

    def hold(self, process: _Process, units: list[ir.Unit], instr: ir.Instr) -> None:
        for unit in units:
            key = self.slot(process, unit)
            if key is not None and key not in process.live:
                process.live.add(key)
                self.held[process.role.node] = self.held.get(process.role.node, 0) + 1
        node = self.run.network.nodes.get(process.role.node)
        if node is None or node.qubits is None or node.name in self.full_nodes:
            return
        held = self.held[node.name]
        if held > node.qubits:
            self.full_nodes.add(node.name)
            self.report(Code.CAPACITY, f"node `{node.name}` would hold {held} qubits at once, "
                        f"but it has `qubits {node.qubits}`", instr.span,
                        notes=[Note(f"in run `{self.run.name}`; the node is declared here",
                                    node.span)],
                        help="give the node more qubits, or send or measure qubits sooner")

    def send(self, process: _Process, instr: ir.Send) -> None:
        value = self.value(process, instr.value) if instr.value is not None else None
        key = (process.role.name, instr.dest, instr.kind)
        self.queues.setdefault(key, deque()).append(_Message(instr.message_type, value, instr))
        self.free(process, instr.units)

    def free(self, process: _Process, units: list[ir.Unit]) -> None:
        for unit in units:
            key = self.slot(process, unit)
            if key in process.live:
                process.live.remove(key)
                self.held[process.role.node] -= 1

    def receive(self, process: _Process, instr: ir.Recv) -> bool:
        queue = self.queues.get((instr.source, process.role.name, instr.kind))
        if not queue:
            return False
        message = queue.popleft()
        process.pc += 1
        if not t.assignable(instr.message_type, message.type):
            self.report(Code.MESSAGE_TYPE,
                        f"`{process.role.name}` expects {describe(instr.message_type)} here, but "
                        f"`{instr.source}` sends {describe(message.type)}", instr.span,
                        notes=[Note("the message is sent here", message.send.span)])
        if instr.kind == "quantum":
            self.hold(process, [u for u in instr.targets if isinstance(u, ir.Unit)], instr)
            return True
        targets = [v for v in instr.targets if isinstance(v, ir.Var)]
        if len(targets) == 1:
            self.store(process, targets[0], message.value)
        else:
            items = message.value if isinstance(message.value, tuple) and \
                len(message.value) == len(targets) else [UNKNOWN] * len(targets)
            for target, item in zip(targets, items, strict=True):
                self.store(process, target, item)
        return True

    def branch(self, process: _Process, instr: ir.Branch) -> None:
        condition = self.value(process, instr.condition)
        if condition is not UNKNOWN:
            if not condition:
                process.pc = instr.otherwise
            return
        start = process.pc
        end = self.quiet_region(process.role.code, start, instr.join)
        if end is not None:
            for written in process.role.code[start:end]:
                target = getattr(written, "target", None)
                if isinstance(target, ir.Var):
                    process.values[target.name] = UNKNOWN
            process.pc = end
            return
        process.status = UNDECIDED
        self.report(Code.UNDECIDED, f"what role `{process.role.name}` sends and receives after "
                    "this depends on a value known only while the protocol runs; it is not "
                    "checked further", instr.span)

    @staticmethod
    def quiet_region(code: list[ir.Instr], start: int, join: int) -> int | None:
        """Where the paths of an undecidable branch meet again, if no path from `start`
        to there communicates or ends the role; None if one may.

        Jumps forward (a `return` from an inlined function, a `break`) widen the
        region to their target; a jump back to before `start` leaves it.
        """
        end, position = join, start
        while position < end:
            instr = code[position]
            if isinstance(instr, (ir.Send, ir.Recv, ir.Halt)):
                return None
            for target in (getattr(instr, "target", None), getattr(instr, "otherwise", None),
                           getattr(instr, "join", None)):
                if isinstance(target, int):
                    if target < start:
                        return None
                    end = max(end, target)
            position += 1
        return end

    # ---------------------------------------------------------------- verdicts

    def conclude(self) -> None:
        blocked = {name: p for name, p in self.processes.items() if p.status == BLOCKED}
        reported_cycles: set[frozenset[str]] = set()
        for name, process in blocked.items():
            recv = process.role.code[process.pc]
            assert isinstance(recv, ir.Recv)
            source = self.processes.get(recv.source)
            if source is None or source.status == UNDECIDED:
                continue
            other = "classical" if recv.kind == "quantum" else "quantum"
            wrong_kind = self.queues.get((recv.source, name, other))
            if wrong_kind:
                sent = wrong_kind[0]
                self.report(Code.MESSAGE_TYPE,
                            f"`{name}` waits for a {recv.kind} message from `{recv.source}`, "
                            f"which sends {describe(sent.type)} here", recv.span,
                            notes=[Note("the message is sent here", sent.send.span)])
                continue
            if source.status == DONE:
                self.report(Code.NEVER_SENT,
                            f"`{name}` waits for {describe(recv.message_type)} from "
                            f"`{recv.source}`, which never sends it", recv.span,
                            label="waits here forever",
                            notes=[Note(f"`{recv.source}` ends here", _end_span(source))],
                            help=f"add the matching `send ... to {_base(name)}` to "
                                 f"`{_base(recv.source)}`, or remove this `recv`")
                continue
            cycle = self.cycle(name, blocked)
            if cycle and frozenset(cycle) not in reported_cycles:
                reported_cycles.add(frozenset(cycle))
                notes = []
                for member in cycle:
                    waiting = self.processes[member].role.code[self.processes[member].pc]
                    assert isinstance(waiting, ir.Recv)
                    notes.append(Note(f"`{member}` waits here for `{waiting.source}`",
                                      waiting.span))
                names = ", ".join(f"`{m}`" for m in cycle[:-1]) + f" and `{cycle[-1]}`" \
                    if len(cycle) > 1 else f"`{cycle[0]}`"
                self.report(Code.DEADLOCK, f"deadlock in run `{self.run.name}`: {names} wait for "
                            "each other forever", recv.span, notes=notes,
                            help="reorder the sends and receives so that one role sends first")
        for (source, dest, _kind), queue in self.queues.items():
            receiver = self.processes.get(dest)
            if receiver is None or receiver.status != DONE:
                continue
            for message in queue:
                self.report(Code.NEVER_RECEIVED,
                            f"{describe(message.type)} sent to `{dest}` is never received",
                            message.send.span, label="nobody receives it",
                            notes=[Note(f"`{dest}` ends here", _end_span(receiver))],
                            help=f"add `recv ... from {_base(source)}` to `{_base(dest)}`, or "
                                 "remove this `send`")

    def cycle(self, start: str, blocked: dict[str, _Process]) -> list[str]:
        path: list[str] = []
        current = start
        while current in blocked and current not in path:
            path.append(current)
            recv = blocked[current].role.code[blocked[current].pc]
            assert isinstance(recv, ir.Recv)
            current = recv.source
        return path[path.index(current):] if current in path else []


def _base(name: str) -> str:
    return name.split("[")[0]


def _end_span(process: _Process) -> Any:
    instr = process.role.code[process.pc - 1] if process.pc > 0 else process.role.code[0]
    return instr.span
