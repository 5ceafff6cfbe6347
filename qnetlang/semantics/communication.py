"""Pass 7: messages match, nobody waits forever, nodes have room for their qubits.

An abstract execution of all the roles of a run together on the one IR
machine (qnetlang/ir/machine.py), with the run's real channel delays and
`within` windows. Values known before the run (parameters, loop counters,
constants) are computed; values only known while it runs (measurement
outcomes, random bits) are UNKNOWN. When nothing can happen any more, a role
still waiting is either part of a cycle of roles waiting for each other (a
deadlock) or waits for a role that has ended; a message still queued was
never received (unless it came too late for a `within` window that closed:
giving up on a late message is what a window is for).

Independent loops (ir/loops.py) are followed turn by turn until the whole
run's state one period on is its state now, shifted in time; then the turns
up to the shortest loop's last are skipped (`_Repeats`), so checking a long
BB84 costs a few hundred turns, not n.

A branch or loop on an UNKNOWN value is skipped when it neither sends,
receives nor waits; otherwise the analysis cannot decide what the role does
next (or when), says so in a note, and stops following that role (never a
false error). So does a wait of a length only known while the protocol runs. Messages
are never lost here: a qubit lost on the way is the simulator's business.

On the way it measures the run's footprint (ir.Footprint): the largest group
of qubits entangled at once, as the state-vector engine groups them (a gate
on several qubits joins their groups, a measurement takes its qubit out; a
gate in a branch it skips is counted as if taken), and the values a shot
reports. The simulator refuses a run whose footprint will not fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qnetlang.codes import Code
from qnetlang.diagnostics import Note
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import UNKNOWN, EvaluationError, evaluate
from qnetlang.ir.loops import Group, independent_loops
from qnetlang.ir.machine import (Effects, Machine, Message, NoRoute, OffTrack, Path, Process,
                                 StepLimit, receives)
from qnetlang.runtime.events import MAX_SECONDS, to_seconds, valid_duration
from qnetlang import types as t
from qnetlang.semantics.context import Context
from qnetlang.semantics.ownership import Key, key_of, slot_label
from qnetlang.types import describe

MAX_STEPS = 500_000  # instructions executed over all roles of one run (about a second)

RUNNING, DONE, UNDECIDED = "running", "done", "undecided"


@dataclass
class _State:
    """What the analysis knows of one process."""

    values: dict[str, Any] = field(default_factory=dict)
    live: set[object] = field(default_factory=set)
    qubits: dict[Key, int] = field(default_factory=dict)  # slot -> the qubit it holds
    # the messages a closed window missed, by id; kept here so that an id is never reused
    # by a later message (the late ones may be received and dropped meanwhile)
    late: dict[int, Message] = field(default_factory=dict)
    status: str = RUNNING
    ended_at: ir.Instr | None = None


def check_communication(ctx: Context) -> None:
    for run in ctx.program.runs:
        check_run(ctx, run)


def check_run(ctx: Context, run: ir.Run) -> None:
    """Checks the communication of one run (a `run` block, or a protocol on its own)."""
    _Execution(ctx, run).go()


def _seconds(machine: Machine) -> str:
    return f"{to_seconds(machine.env.now):g} s"


def _data(process: Process) -> _State:
    return process.data  # type: ignore[no-any-return]


class _Entanglement:
    """Which qubits share one state: a union-find over qubits numbered as they are made,
    with the qubits still in each group."""

    def __init__(self, largest: ir.Footprint) -> None:
        self.parent: list[int] = []
        self.labels: list[tuple[str, Key]] = []  # (role member, slot), named when shown
        self.members: dict[int, set[int]] = {}  # group (its root) -> its qubits
        self.largest = largest  # the footprint it keeps up to date

    def new(self, label: tuple[str, Key]) -> int:
        qubit = len(self.parent)
        self.parent.append(qubit)
        self.labels.append(label)
        self.members[qubit] = {qubit}
        self.largest.entangled = max(self.largest.entangled, 1)
        return qubit

    def find(self, qubit: int) -> int:
        root = qubit
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[qubit] != root:
            self.parent[qubit], qubit = root, self.parent[qubit]
        return root

    def join(self, qubits: list[int], span: Any) -> None:
        roots = {self.find(q) for q in qubits}
        if len(roots) < 2:
            return
        root, *others = sorted(roots, key=lambda r: len(self.members[r]), reverse=True)
        for other in others:
            self.parent[other] = root
            self.members[root] |= self.members.pop(other)
        group = self.members[root]
        if len(group) > self.largest.entangled:
            self.largest.entangled = len(group)
            self.largest.qubits = [f"{name}: {slot_label(key)}"
                                   for name, key in (self.labels[q] for q in sorted(group))]
            self.largest.span = span

    def leave(self, qubit: int) -> None:
        """A measured qubit leaves its group (it goes on alone, in its basis state)."""
        self.members[self.find(qubit)].discard(qubit)


class _Execution(Effects):
    def __init__(self, ctx: Context, run: ir.Run) -> None:
        self.ctx = ctx
        self.run = run
        self.full_nodes: set[str] = set()
        self.held: dict[str, int] = {}  # qubits held on each node now
        self.reported: set[tuple[str, int]] = set()
        self.footprint = ir.Footprint()
        self.entanglement = _Entanglement(self.footprint)
        self.machine = Machine(run, self, max_steps=MAX_STEPS)
        self.repeats = _Repeats(self)

    def report(self, code: str, message: str, span: Any, **extra: Any) -> None:
        key = (code, span.start if span is not None else -1)
        if key in self.reported:
            return
        self.reported.add(key)
        if code.startswith("N"):
            self.ctx.note(code, message, span, **extra)
        else:
            self.ctx.error(code, message, span, **extra)

    def go(self) -> None:
        self.run.footprint = self.footprint
        try:
            self.machine.go()
        except StepLimit:
            self.report(Code.ANALYSIS_LIMIT, f"run `{self.run.name}` is too long to follow to its "
                        f"end ({MAX_STEPS:,} steps); communication is checked up to there",
                        self.run.span)
            return
        self.conclude()

    # ---------------------------------------------------------------- effects

    def start(self, process: Process) -> None:
        process.data = _State()

    def read(self, process: Process, var: ir.Var) -> Any:
        value = _data(process).values.get(var.name, UNKNOWN)
        if var.index is None:  # a copy: the variable's own array changes in place (store)
            return list(value) if isinstance(value, list) else value
        index = self.value(process, var.index)
        if value is UNKNOWN or index is UNKNOWN or not isinstance(value, (list, tuple)):
            return UNKNOWN
        try:
            return value[int(index)]
        except (IndexError, ValueError, TypeError):
            return UNKNOWN

    def value(self, process: Process, expr: ir.Expr) -> Any:
        if type(expr) is ir.Const:
            return expr.value
        try:
            return evaluate(expr, lambda var: self.read(process, var),
                            lambda builtin: self.call(process, builtin))
        except EvaluationError:
            return UNKNOWN

    def call(self, process: Process, builtin: ir.Builtin) -> Any:
        if builtin.name == "now":  # the analysis keeps time as the run does
            return to_seconds(self.machine.env.now)
        if builtin.name == "neighbours":  # the network's, known before the run
            try:
                return self.machine.neighbours(process)
            except EvaluationError:
                return UNKNOWN
        if builtin.name in ("next_hop", "hop_count", "transmittance"):  # where the member
            index = self.value(process, builtin.args[0])  # is known here
            if index is UNKNOWN or isinstance(index, (list, tuple, str)):
                return UNKNOWN
            try:
                if builtin.name == "transmittance":
                    return self.machine.transmittance(process, index)
                return self.machine.next_hop(process, index)[builtin.name == "hop_count"]
            except NoRoute as error:
                what = "a quantum channel" if builtin.name == "transmittance" else \
                    "a link on the way"
                self.report(Code.NO_CHANNEL, str(error), builtin.span,
                            help=f"add {what} to network `{self.run.network.name}`")
                return UNKNOWN
            except EvaluationError:
                return UNKNOWN  # the run says why
        if builtin.name != "latency":
            return UNKNOWN
        try:
            return self.machine.latency(process, builtin)
        except OffTrack as error:
            self.report(Code.OFF_TRACK, f"`latency` at {_seconds(self.machine)}: {error}",
                        builtin.span, notes=[Note("the channel is declared here",
                                                  error.channel.span)],
                        help="ask while the track covers the time, or give a track that "
                             "covers the whole run")
            return UNKNOWN

    def store(self, process: Process, var: ir.Var, value: Any) -> None:
        """An element is stored in place, so that a loop filling an array stays linear:
        each variable owns its array (a whole array is copied as it is stored, and as it
        is read, since a constant's or a message's array is shared)."""
        values = _data(process).values
        if var.index is None:
            values[var.name] = list(value) if isinstance(value, list) else value
            return
        index = self.value(process, var.index)
        current = values.get(var.name, UNKNOWN)
        if index is UNKNOWN or not isinstance(current, list):
            values[var.name] = UNKNOWN
            return
        if 0 <= int(index) < len(current):
            current[int(index)] = value
            self.repeats.wrote(process, var.name, int(index))

    def local(self, process: Process, path: Path, instr: ir.Instr) -> None:
        if isinstance(instr, ir.Assign):
            self.store(process, instr.target, self.value(process, instr.value))
        elif isinstance(instr, ir.Measure):
            self.store(process, instr.target, UNKNOWN)
            self.free(process, [instr.unit])  # a measured qubit gives its place back
            self.renew(process, instr.unit)
        elif isinstance(instr, ir.Random):
            self.store(process, instr.target, UNKNOWN)
        elif isinstance(instr, ir.Alloc):
            self.hold(process, [instr.unit], instr)
            self.renew(process, instr.unit)
        elif isinstance(instr, (ir.Gate, ir.Reset)):
            units = instr.units if isinstance(instr, ir.Gate) else [instr.unit]
            self.hold(process, units, instr)  # a measured qubit used again takes one again
            if isinstance(instr, ir.Gate):
                self.entangle(process, instr)
        elif isinstance(instr, ir.Report):
            self.footprint.reports += 1

    def renew(self, process: Process, unit: ir.Unit) -> None:
        """The slot holds a qubit of its own, in no group with any other: a new one, or
        one just measured."""
        key = self.slot(process, unit)
        if key is None:
            return
        qubits = _data(process).qubits
        if key in qubits:
            self.entanglement.leave(qubits[key])
        qubits[key] = self.entanglement.new((process.name, key))

    def entangle(self, process: Process, gate: ir.Gate) -> None:
        qubits = _data(process).qubits
        keys = [self.slot(process, unit) for unit in gate.units]
        known = [qubits[key] for key in keys if key in qubits]
        if len(known) > 1:
            self.entanglement.join(known, gate.span)

    def seconds(self, process: Process, path: Path, expr: ir.Expr,
                instr: ir.Instr) -> float | None:
        """A length known before the run; an unknown window closes when nothing else can
        happen, and after a wait of unknown length the role's timing is not followed."""
        length = self.value(process, expr)
        if isinstance(length, (int, float)) and not isinstance(length, bool):
            if valid_duration(length):
                return float(length)
            if isinstance(instr, ir.Send):  # a train: its number of pulses over the rate
                assert instr.pulses is not None
                self.report(Code.BAD_TIME, f"a train of {self.value(process, instr.pulses)} "
                            f"pulses would last {length:g} s: it has 0 pulses or more, and "
                            f"lasts at most {MAX_SECONDS:g} s", instr.pulses.span,
                            help="send a whole number of pulses, 0 or more (several trains "
                                 "for a longer run)")
                process.done = True
                _data(process).status = UNDECIDED
                return None
            self.report(Code.BAD_TIME, f"a time of {length} s: it must be between 0 and "
                        f"{MAX_SECONDS:g} s", expr.span,
                        help="leave out `within` to wait for the message with no limit"
                        if isinstance(instr, ir.Recv) else "leave out the `after` arm to wait "
                        "with no limit" if isinstance(instr, ir.Select) else "a `wait` lets "
                        "time pass: it cannot go back, nor last for ever")
            process.done = True  # what it does next is not followed
            _data(process).status = UNDECIDED
        elif isinstance(instr, ir.Wait):
            self.undecided(process, instr)
        return None

    def slot(self, process: Process, unit: ir.Unit) -> Key | None:
        """The slot a unit names, its index worked out where the values are known; None
        when they are not (such a slot is not counted, so that no error is false)."""
        index = unit.index
        if index is None or type(index) is ir.Const:
            return key_of(unit)
        index = self.value(process, index)
        if index is UNKNOWN or isinstance(index, (list, tuple)):
            return None
        return (unit.name, int(index))

    def hold(self, process: Process, units: list[ir.Unit], instr: ir.Instr) -> None:
        live, before = _data(process).live, len(_data(process).live)
        for unit in units:
            key = self.slot(process, unit)
            if key is not None and key not in live:
                live.add(key)
                self.held[process.role.node] = self.held.get(process.role.node, 0) + 1
        if len(live) == before:
            return  # none taken: no more held than before
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

    def send(self, process: Process, path: Path, instr: ir.Send,
             channel: ir.Channel | None) -> Any:
        if instr.kind == "quantum":  # the qubits travel in the message
            qubits = _data(process).qubits
            keys = [self.slot(process, unit) for unit in instr.units]
            self.free(process, instr.units)
            return [qubits.pop(key) if key in qubits else None for key in keys]
        return self.value(process, instr.value) if instr.value is not None else None

    def free(self, process: Process, units: list[ir.Unit]) -> None:
        live = _data(process).live
        for unit in units:
            key = self.slot(process, unit)
            if key in live:
                live.remove(key)
                self.held[process.role.node] -= 1

    def receive(self, process: Process, path: Path, instr: ir.Recv, message: Message) -> bool:
        sent = message.send.message_type
        fits = t.assignable(instr.message_type, sent)
        if not fits:
            self.report(Code.MESSAGE_TYPE,
                        f"`{process.name}` expects {describe(instr.message_type)} here, but "
                        f"`{instr.source}` sends {describe(sent)}", instr.span,
                        notes=[Note("the message is sent here", message.send.span)])
        if instr.kind == "quantum":
            units = [u for u in instr.targets if isinstance(u, ir.Unit)]
            self.hold(process, units, instr)
            payload = message.payload if isinstance(message.payload, list) else []
            for unit, qubit in zip(units, payload, strict=False):
                key = self.slot(process, unit)
                if key is not None and qubit is not None:
                    _data(process).qubits[key] = qubit
            return True
        targets = [v for v in instr.targets if isinstance(v, ir.Var)]
        if len(targets) == 1:
            self.store(process, targets[0], message.payload if fits else UNKNOWN)
        else:  # a message of the wrong type (reported) is not followed further
            items = message.payload if fits and isinstance(message.payload, tuple) and \
                len(message.payload) == len(targets) else [UNKNOWN] * len(targets)
            for target, item in zip(targets, items, strict=True):
                self.store(process, target, item)
        return True

    def branch(self, process: Process, path: Path, instr: ir.Branch) -> list[tuple[int, Any]]:
        if instr.loop:
            self.repeats.arrive(process, path.pc)
        condition = self.value(process, instr.condition)
        if condition is not UNKNOWN:
            return [(path.pc + 1 if condition else instr.otherwise, None)]
        start = path.pc + 1
        end = self.quiet_region(process.role.code, start, instr.join)
        if end is not None:
            for written in process.role.code[start:end]:
                target = getattr(written, "target", None)
                if isinstance(target, ir.Var):
                    _data(process).values[target.name] = UNKNOWN
                if isinstance(written, ir.Gate):  # it may be taken
                    self.entangle(process, written)
            return [(end, None)]
        self.undecided(process, instr)
        return []

    def join(self, process: Process, guards: list[Any]) -> Any:
        return None  # every path of the analysis is taken by every execution

    def diverge(self, process: Process, path: Path, instr: ir.Instr, why: str) -> None:
        self.undecided(process, instr)

    def undecided(self, process: Process, instr: ir.Instr) -> None:
        _data(process).status = UNDECIDED
        process.done = True
        self.report(Code.UNDECIDED, f"what role `{process.name}` sends and receives after "
                    "this depends on a value known only while the protocol runs; it is not "
                    "checked further", instr.span)

    def peer(self, process: Process, path: Path, instr: ir.Send) -> str | None:
        """The member, where the index is known here; else the role is not followed."""
        assert instr.dest_index is not None
        index = self.value(process, instr.dest_index)
        if index is UNKNOWN or isinstance(index, (list, tuple, str)):
            self.undecided(process, instr)
            return None
        try:
            return self.machine.family_member(instr.dest, index)
        except EvaluationError as error:
            self.report(Code.INDEX_OUT_OF_RANGE, str(error), instr.dest_index.span)
            process.done = True  # what it does next is not followed
            _data(process).status = UNDECIDED
            return None

    def no_route(self, process: Process, instr: ir.Send, dest: str) -> None:
        a, b = process.role.node, self.run.roles[dest].node
        self.report(Code.NO_CHANNEL, f"no classical channel or route from `{a}` to `{b}` for "
                    f"this message to `{dest}`", instr.span,
                    help=f"add a link from `{a}` to `{b}` to network `{self.run.network.name}`")
        process.done = True
        _data(process).status = UNDECIDED

    def off_track(self, process: Process, instr: ir.Send, channel: ir.Channel,
                  why: str) -> None:
        process.done = True  # what it does next is not followed
        _data(process).status = UNDECIDED
        what = "train would start" if instr.pulses is not None else "message would leave"
        self.report(Code.OFF_TRACK, f"this {what} at {_seconds(self.machine)} "
                    f"on channel `{channel.id}`, but {why}", instr.span,
                    notes=[Note("the channel is declared here", channel.span)],
                    help="send while the track covers the time, or give a track that covers "
                         "the whole run")

    def timed_out(self, process: Process, instr: ir.Recv) -> None:
        """The messages from that source still on their way came too late for the window."""
        for _, callback, args in self.machine.env.pending_events():
            if getattr(callback, "__func__", None) is Machine.deliver and args[0] is process \
                    and instr.source in (args[1].source, ir.ANY) and \
                    args[1].send.kind == instr.kind:
                _data(process).late[id(args[1])] = args[1]

    def halt(self, process: Process) -> None:
        state = _data(process)
        state.status = DONE
        state.ended_at = process.instruction

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
            if isinstance(instr, (ir.Send, ir.Recv, ir.Halt, ir.Wait)):
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
        processes = self.machine.processes
        # A role that waits in a `select` in a loop serves: waiting for requests that may
        # never come is its end, not a deadlock. A run cut short by its `duration` stops
        # roles where they are: one that a message on its way, or a timer, would have
        # woken is not stuck.
        cut = self.machine.cut_short()
        blocked = {name: p for name, p in processes.items()
                   if not p.done and p.waiting is not None and not (cut and self.expecting(p))}
        serving = {name for name, p in blocked.items()
                   if isinstance(p.waiting, ir.Select) and _in_loop(p.role.code, p.waiting)}
        reported_cycles: set[frozenset[str]] = set()
        for name, process in blocked.items():
            if name in serving:
                continue
            recv = process.waiting
            if isinstance(recv, ir.Select) or recv.source == ir.ANY:  # type: ignore[union-attr]
                self.never_comes(name, process, blocked)
                continue
            assert isinstance(recv, ir.Recv)
            source = processes.get(recv.source)
            if source is None or _data(source).status == UNDECIDED:
                continue
            other = "classical" if recv.kind == "quantum" else "quantum"
            wrong_kind = process.inbox.get((recv.source, other))
            if wrong_kind:
                sent = wrong_kind[0].send
                self.report(Code.MESSAGE_TYPE,
                            f"`{name}` waits for a {recv.kind} message from `{recv.source}`, "
                            f"which sends {describe(sent.message_type)} here", recv.span,
                            notes=[Note("the message is sent here", sent.span)])
                continue
            if _data(source).status == DONE or recv.source in serving:
                where = Note(f"`{recv.source}` ends here", _end_span(source)) \
                    if recv.source not in serving else \
                    Note(f"`{recv.source}` waits here for other messages", source.waiting.span)
                self.report(Code.NEVER_SENT,
                            f"`{name}` waits for {describe(recv.message_type)} from "
                            f"`{recv.source}`, which never sends it", recv.span,
                            label="waits here forever", notes=[where],
                            help=f"add the matching `send ... to {_base(name)}` to "
                                 f"`{_base(recv.source)}`, or remove this `recv`")
                continue
            cycle = self.cycle(name, blocked)
            if cycle and frozenset(cycle) not in reported_cycles:
                reported_cycles.add(frozenset(cycle))
                notes = []
                for member in cycle:
                    waiting = blocked[member].waiting
                    assert isinstance(waiting, ir.Recv)
                    notes.append(Note(f"`{member}` waits here for `{waiting.source}`",
                                      waiting.span))
                names = ", ".join(f"`{m}`" for m in cycle[:-1]) + f" and `{cycle[-1]}`" \
                    if len(cycle) > 1 else f"`{cycle[0]}`"
                self.report(Code.DEADLOCK, f"deadlock in run `{self.run.name}`: {names} wait for "
                            "each other forever", recv.span, notes=notes,
                            help="reorder the sends and receives so that one role sends first")
        for dest, receiver in processes.items():
            if dest in serving:
                self.unhandled(dest, receiver)
            if _data(receiver).status != DONE:
                continue
            for (source, _kind), queue in receiver.inbox.items():
                for message in queue:
                    if id(message) in _data(receiver).late:
                        continue  # the receiver's window for it had closed
                    self.report(Code.NEVER_RECEIVED,
                                f"{describe(message.send.message_type)} sent to `{dest}` is "
                                "never received", message.send.span, label="nobody receives it",
                                notes=[Note(f"`{dest}` ends here", _end_span(receiver))],
                                help=f"add `recv ... from {_base(source)}` to `{_base(dest)}`, "
                                     "or remove this `send`")

    def expecting(self, process: Process) -> bool:
        """Whether an event still to come is the process's: a message on its way to it,
        its timer, its turn to go on."""
        return any(args and args[0] is process
                   for _, _, args in self.machine.env.pending_events())

    def never_comes(self, name: str, process: Process, blocked: dict[str, Process]) -> None:
        """A `select` met once, or a `recv` from any role, waits for messages from roles
        that have all ended or wait themselves: none will come."""
        waiting = process.waiting
        assert waiting is not None
        sources = {other for recv in receives(process, waiting)
                   for other in self.machine.processes
                   if other != name and recv.source in (other, ir.ANY)}
        processes = self.machine.processes
        if any(_data(processes[other]).status == UNDECIDED or
               not processes[other].done and other not in blocked for other in sources):
            return  # one may still send, or what it does is not followed
        what = "messages from " + ", ".join(f"`{other}`" for other in sorted(sources)) \
            if sources else "a message"
        self.report(Code.NEVER_SENT, f"`{name}` waits for {what}, which never come",
                    waiting.span, label="waits here forever",
                    help="send what it waits for, or give it an `after` arm (`within` for a "
                         "`recv`) to go on without")

    def unhandled(self, name: str, server: Process) -> None:
        """Messages to a role that serves in a `select` that no arm of it takes (one that
        could would have been taken)."""
        select = server.waiting
        assert isinstance(select, ir.Select)
        for key, queue in server.inbox.items():
            if not queue:
                continue
            message = queue[0]
            self.report(Code.NEVER_RECEIVED,
                        f"{describe(message.send.message_type)} sent to `{name}` is never "
                        "received", message.send.span, label="nobody receives it",
                        notes=[Note(f"`{name}` waits here, for other messages",
                                    select.span)],
                        help=f"add an arm `let m = recv {message.send.message_type} from "
                             f"{_base(key[0])} => {{ ... }}` to the `select`, or remove this "
                             "`send`")

    @staticmethod
    def cycle(start: str, blocked: dict[str, Process]) -> list[str]:
        path: list[str] = []
        current = start
        while current in blocked and current not in path and \
                isinstance(blocked[current].waiting, ir.Recv):
            path.append(current)
            recv = blocked[current].waiting
            assert isinstance(recv, ir.Recv)
            current = recv.source
        return path[path.index(current):] if current in path else []


def _in_loop(code: list[ir.Instr], select: ir.Select) -> bool:
    """Whether a jump back over the `select` makes it run again (a server's loop)."""
    at = next(pc for pc, instr in enumerate(code) if instr is select)
    return any(isinstance(instr, ir.Jump) and instr.target <= at < pc
               for pc, instr in enumerate(code))


def _base(name: str) -> str:
    return name.split("[")[0]


@dataclass
class _Look:
    """The run's state when a group's first loop reached its head in some turn."""

    turn: int
    time: int
    state: tuple[Any, ...]
    counters: dict[str, Any]
    sums: dict[tuple[str, str], Any]


class _Repeats:
    """Skips the turns of independent loops that repeat. A group's first loop's turns
    are looked at in pairs (the 4th and 5th, 8th and 9th, ...): when the run's whole
    state at the second is the state at the first a period T later — every process
    where it was, the same values (arrays by their contents; counters one more, sums
    grown by the same amount), the same messages queued and on their way, as far from
    arriving — the machine, which is deterministic, repeats that period until a loop
    ends, provided nothing it does depends on the counter (ir/loops.py, `Loop.steady`;
    the arrays a loop reads at the counter count as the counter unless they hold one
    value throughout). So the clock and every pending event move on q periods, the
    counters by q, sums by q times their growth, and the arrays the turns fill take the
    one value every turn so far wrote there."""

    def __init__(self, execution: _Execution) -> None:
        self.execution = execution
        # over a moving channel no two turns are alike: each is followed
        moving = any(channel.moving for channel in execution.run.network.channels)
        groups = {} if moving else independent_loops(execution.run)
        self.groups = {key: group for key, group in groups.items()
                       if all(loop.steady_if_uniform for loop in group.loops)}
        self.turns: dict[int, int] = {}
        self.looks: dict[int, _Look] = {}
        # The elements of the arrays the loops fill that some turn wrote, by (role, array).
        self.columns = {(loop.role, column) for group in self.groups.values()
                        for loop in group.loops for column in loop.written}
        self.marks: dict[tuple[str, str], bytearray] = {}

    def wrote(self, process: Process, name: str, index: int) -> None:
        key = (process.name, name)
        if key not in self.columns:
            return
        marks = self.marks.setdefault(key, bytearray())
        if index >= len(marks):
            marks.extend(bytes(index + 1 - len(marks)))
        marks[index] = 1

    def arrive(self, process: Process, pc: int) -> None:
        group = self.groups.get((process.name, pc))
        if group is None or group.loops[0].role != process.name:
            return
        key = id(group)
        turn = self.turns[key] = self.turns.get(key, 0) + 1
        if turn < 4 or not (_power_of_two(turn) or _power_of_two(turn - 1)):
            return
        look = self.look(group, turn)
        earlier = self.looks.pop(key, None)
        if _power_of_two(turn):
            self.looks[key] = look
        elif earlier is not None and earlier.turn == turn - 1:
            self.skip(group, earlier, look)

    def look(self, group: Group, turn: int) -> _Look:
        execution = self.execution
        machine = execution.machine
        now = machine.env.now
        loops = {loop.role: loop for loop in group.loops}
        processes = []
        counters, sums = {}, {}
        for name, process in machine.processes.items():
            data = _data(process)
            loop = loops.get(name)
            hidden = {loop.counter} | loop.columns | loop.sums if loop else set()
            if loop is not None:
                counters[name] = data.values.get(loop.counter, UNKNOWN)
                sums.update({(name, total): data.values.get(total, UNKNOWN)
                             for total in loop.sums})
            values = tuple(sorted((var, _frozen(value)) for var, value in data.values.items()
                                  if var not in hidden))
            inbox = tuple(sorted((k, tuple(_message(m) for m in queue))
                                 for k, queue in process.inbox.items()))
            processes.append((name, process.done, data.status, id(process.waiting),
                              None if process.deadline is None else process.deadline - now,
                              tuple((p.pc, p.parked) for p in process.paths), inbox,
                              len(data.live), values))
        events = sorted((time - now, getattr(callback, "__name__", ""), _who(args))
                        for time, callback, args in machine.env.pending_events())
        return _Look(turn, now, (tuple(processes), tuple(events),
                                 tuple(sorted(execution.held.items()))), counters, sums)

    def skip(self, group: Group, earlier: _Look, now: _Look) -> None:
        period = now.time - earlier.time
        if now.state != earlier.state:
            return
        for name, count in now.counters.items():
            if not isinstance(count, int) or earlier.counters[name] != count - 1:
                return
        growth = {key: value - earlier.sums[key]
                  if isinstance(value, int) and isinstance(earlier.sums[key], int) else UNKNOWN
                  for key, value in now.sums.items()}
        execution = self.execution
        processes = execution.machine.processes
        left = []
        for loop in group.loops:
            values = _data(processes[loop.role]).values
            limit = execution.value(processes[loop.role], loop.limit)
            start = execution.value(processes[loop.role], loop.start)
            if not (isinstance(limit, int) and isinstance(start, int)):
                return
            left.append(limit - now.counters[loop.role])
            uniform = all(_one_value(values.get(column, UNKNOWN), start, limit)
                          for column in loop.columns - loop.written)
            if not (loop.steady_if_uniform if uniform else loop.steady):
                return  # its turns differ: followed one by one
            # An array the turns fill takes, in the turns skipped, the one value every
            # turn so far wrote (each of them: one that wrote nothing leaves what was there).
            counter = now.counters[loop.role]
            for column in loop.written:
                array = values.get(column)
                marks = self.marks.get((loop.role, column), bytearray())
                if isinstance(array, list) and not (
                        marks[start:counter].count(1) == counter - start and
                        _one_value(array, start, counter)):
                    return
        periods = min(left) - 2  # the last turns run as they come: the loops end apart
        if periods < 1:
            return
        for loop in group.loops:
            values = _data(processes[loop.role]).values
            counter = now.counters[loop.role]
            values[loop.counter] = counter + periods
            for total in loop.sums:
                grown = growth[(loop.role, total)]
                values[total] = UNKNOWN if grown is UNKNOWN else \
                    values[total] + periods * grown
            start = execution.value(processes[loop.role], loop.start)
            for column in loop.written:
                array = values.get(column)
                if not isinstance(array, list):
                    continue
                array[counter:counter + periods + 1] = [array[start]] * len(
                    array[counter:counter + periods + 1])
        execution.machine.env.advance(periods * period)
        for process in processes.values():
            if process.deadline is not None:
                process.deadline += periods * period
        del self.groups[(group.loops[0].role, group.loops[0].head)]


def _one_value(array: Any, start: int, end: int) -> bool:
    """Whether an array holds one value (or is unknown) from `start` to `end`."""
    if not isinstance(array, list) or end <= start:
        return True
    part = array[start:end]
    return part.count(part[0]) == len(part)


def _power_of_two(number: int) -> bool:
    return number & (number - 1) == 0


def _who(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """What an event is about: its process, its message (the same from one turn to the
    next when it repeats)."""
    return tuple(arg.name if isinstance(arg, Process) else
                 _message(arg) if isinstance(arg, Message) else id(arg) for arg in args)


def _message(message: Message) -> tuple[Any, ...]:
    """A message by where it was sent and, for a classical one, what it carries (a qubit
    message carries new qubits every turn)."""
    payload = _frozen(message.payload) if message.send.kind == "classical" else None
    return message.source, id(message.send), payload


def _frozen(value: Any) -> Any:
    """A value to compare with one a period earlier: an array (of scalars: the language
    has no arrays of arrays) by its contents, copied at C speed."""
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, tuple):
        return tuple(_frozen(item) for item in value)
    return value


def _end_span(process: Process) -> Any:
    ended = _data(process).ended_at
    return ended.span if ended is not None else None
