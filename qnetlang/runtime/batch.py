"""Simulating a batch of shots of a run: the simulator's effects on the IR machine.

All the shots of a batch share one discrete-event simulation (qnetlang/ir/
machine.py decides what happens when): classical values hold one entry per
shot, and the quantum engine one state per shot. Messages arrive after their
channel's delay; a qubit in transit suffers the channel's noise and may be
lost; a stored qubit decoheres with its node's memory for as long as it waits
there. Where shots disagree on a branch (`if (m) x q;`), each side is a path
under a mask of shots until they meet again.

Where shots disagree on what happens next — a path that would communicate or
wait, a qubit lost in some shots only, a wait or a qubit index that differs —
the batch splits: `Divergence` names the groups of shots that agree, and
`fork` makes one smaller batch of each, continuing from that very point with
the state restricted to its shots. No shot is simulated twice, and every shot
follows exactly the path it would alone.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qnetlang import types as t
from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic, Note
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import EvaluationError, Operations, evaluate
from qnetlang.ir.loops import independent_loops
from qnetlang.ir.machine import CONTINUE, Effects, Machine, Message, Path, Process, StepLimit
from qnetlang.quantum import noise
from qnetlang.quantum.engine import Engine, NotClifford, StateTooLarge
from qnetlang.quantum.gates import BELL
from qnetlang.results import Tally, denominator_of, tallies_of
from qnetlang.units import format_seconds
from qnetlang.runtime.events import (MAX_SECONDS, Environment, to_seconds,
                                     valid_duration)
from qnetlang.runtime.limits import format_size
from qnetlang.physical.devices import pair_source_of, receiver_of, transmitter_of
from qnetlang.physical.sampling import count_pulses
from qnetlang.physical.pairs import expected_pair_events, simulate_pairs
from qnetlang.physical.trains import BYTES_PER_DETECTION, expected_events, simulate_train
from qnetlang.runtime.values import (ListTooLarge, Mask, PerShot, batch_operations, first,
                                     list_length, merge, per_shot, positions, put, uniform)
from qnetlang.source import Span

if TYPE_CHECKING:
    from qnetlang.runtime.folding import Folding


class RuntimeFailure(Exception):
    """A runtime error in a shot; carries its diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic

    def __reduce__(self) -> tuple[Any, ...]:
        return (RuntimeFailure, (self.diagnostic,))


class Divergence(Exception):
    """The shots of a batch disagree on what happens next: `groups` are masks of the
    shots that agree, and `process` the process to go on with in each."""

    def __init__(self, groups: list[np.ndarray], process: Process) -> None:
        super().__init__(f"{len(groups)} groups of shots")
        self.groups = groups
        self.process = process


@dataclass
class BatchResult:
    shots: np.ndarray  # the numbers of the shots simulated
    tallies: dict[str, Tally] = field(default_factory=dict)  # what the reports sum up to
    # The values themselves, when they are kept (`keep_values`): each report's parts, and
    # the shots each came from, as a mask of `shots` (None: all).
    reports: dict[str, list[np.ndarray]] = field(default_factory=dict)
    report_masks: dict[str, list[np.ndarray | None]] = field(default_factory=dict)
    sim_time: float = 0.0
    events: int = 0

    @property
    def size(self) -> int:
        return len(self.shots)


@dataclass
class _Payload:
    values: Any  # per-shot values, or the ids of the qubits sent
    lost: np.ndarray | None = None  # the shots in which a qubit message was lost


@dataclass
class _Node:
    """A node's state during a batch: its memory's noise and how full it is."""

    spec: ir.Node
    held: np.ndarray  # qubits held, per shot

    @property
    def memory(self) -> tuple[float | None, float | None, float | None]:
        memory = self.spec.memory
        return memory.t1, memory.t2, memory.depolarizing_time

    @property
    def noisy_memory(self) -> bool:
        return any(self.memory)



@dataclass
class _RoleState:
    """The simulator's state of one process: its variables and its qubit slots."""

    node: _Node
    values: dict[str, Any] = field(default_factory=dict)
    # Variables whose array no other value shares: an element stored into one is
    # written in place rather than into a copy of the whole (B, n) array.
    private: set[str] = field(default_factory=set)
    qubits: dict[tuple[str, int], int] = field(default_factory=dict)


CLIFFORD_HELP = ("simulate this run with `--engine statevector` or `--engine density`, which "
                 "take any gate; the stabilizer engine takes Clifford gates (rotations by "
                 "multiples of pi/2, controlled rotations by multiples of pi) and "
                 "measurements in the Pauli bases")


def not_clifford(what: str) -> str:
    return f"`{what}` is not a Clifford operation: the stabilizer engine cannot simulate it"


def noisy(run: ir.Run) -> bool:
    """Whether the network declares any noise that only a density matrix captures exactly."""
    for node in run.network.nodes.values():
        if node.memory.t1 or node.memory.t2 or node.memory.depolarizing_time:
            return True
        if node.gate_error or node.readout_error:
            return True
    return any(c.depolarizing or c.dephasing for c in run.network.channels)


def state_of(process: Process) -> _RoleState:
    return process.data  # type: ignore[no-any-return]


MOVING_STEP = 0.01  # seconds a moving channel is held constant over, in a pulse train
SECONDS_PER_DETECTION = 1e-6  # wall time a train's simulation takes per detection, about

# How a list of each element type is held.
_DTYPES: dict[t.Type, Any] = {t.BIT: np.int8, t.BOOL: bool, t.INT: np.int64}


class BatchSimulation(Effects):
    """The simulation of a batch of shots of one run."""

    def __init__(self, run: ir.Run, engine: Engine, rng: np.random.Generator,
                 shots: np.ndarray, tracer: Any = None, *, max_steps: int | None = None,
                 deadline: tuple[float, float] | None = None,
                 keep_values: bool = False, fold: bool = False) -> None:
        self.run = run
        self.keep_values = keep_values  # the reported values, besides their tallies
        self.batch = engine.batch
        self.engine = engine
        self.rng = rng
        self.shots = shots
        self.nodes = {name: _Node(spec, np.zeros(self.batch, np.int64))
                      for name, spec in run.network.nodes.items()}
        # qubit -> (time of its last update, its node, the shots in which it is there)
        self.stored: dict[int, tuple[int, _Node, np.ndarray]] = {}
        # report -> (value in every shot, the shots that report it; None: all)
        self.reports: dict[str, list[tuple[np.ndarray, Mask]]] = {}
        self.tracer = tracer
        self.constants: dict[int, tuple[ir.Const, np.ndarray | None]] = {}  # id -> array
        self.unmasked = batch_operations(None, engine.max_state_bytes)
        self.machine = Machine(run, self, Environment(rng), max_steps=max_steps,
                               tracer=self.trace_record, deadline=deadline)
        self.started = False
        # The loops whose turns run side by side, as rows (runtime/folding.py); not while
        # tracing, whose records follow the turns one by one, nor over a moving channel,
        # whose turns differ in their delay and loss.
        self.folding: Folding | None = None
        if fold and tracer is None and not any(c.moving for c in run.network.channels):
            from qnetlang.runtime import folding  # it builds on this module
            groups = independent_loops(run)
            if groups:
                self.folding = folding.Folding(self, groups)

    @property
    def env(self) -> Environment:
        return self.machine.env

    def trace_record(self, record: dict[str, Any], guard: Mask) -> None:
        if self.tracer is not None:
            shots = self.shots if guard is None else self.shots[guard]
            self.tracer({"shots": _ranges(shots), **record})

    def simulate(self) -> BatchResult:
        """Runs the batch to its end; raises Divergence where its shots part ways."""
        try:
            if self.started:
                stuck = self.machine.finish()
            else:
                self.started = True
                stuck = self.machine.go()
        except (StepLimit, Divergence, RuntimeFailure) as stop:
            # While a loop's roles wait at its head, the batch goes back to where the first
            # stopped and on turn by turn: a split, or an error, comes as it would there.
            if self.folding is not None and self.folding.stops:
                raise self.folding.refuse() from None
            if isinstance(stop, StepLimit):
                raise self.stopped(stop) from None
            raise
        if self.folding is not None:
            self.folding.unfinished()
        if stuck:
            process = stuck[0]
            source = process.instruction.source  # type: ignore[attr-defined]
            sender = "any role" if source == ir.ANY else f"`{source}`"
            raise self.failure(process, Code.STILL_WAITING,
                               f"role `{process.name}` still waits for a message from "
                               f"{sender} when nothing else can happen",
                               process.instruction.span, help="the peer ended, or its message "
                               "was decided by a measured value; handle it with `within`")
        result = BatchResult(self.shots, sim_time=to_seconds(self.env.now),
                             events=self.env.processed)
        reported = {name: [np.array(values if mask is None else values[mask])
                           for values, mask in parts] for name, parts in self.reports.items()}
        result.tallies = tallies_of(reported)
        if self.keep_values:
            result.reports = reported
            result.report_masks = {name: [mask for _, mask in parts]
                                   for name, parts in self.reports.items()}
        return result

    def stopped(self, limit: StepLimit) -> RuntimeFailure:
        process = limit.process
        if limit.seconds is not None:
            return self.failure(process, Code.STEP_LIMIT, f"run `{self.run.name}` took longer "
                                f"than the {limit.seconds:g} s allowed; role `{process.name}` "
                                "was running this", limit.instr.span,
                                help="allow more with `--time-limit`, or run fewer shots")
        return self.failure(process, Code.STEP_LIMIT, f"run `{self.run.name}` stopped after "
                            f"{limit.limit:,} steps: role `{process.name}` may loop for ever "
                            "here", limit.instr.span,
                            help="make the loop end, or allow more with `--max-steps`")

    def failure(self, process: Process, code: str, message: str, span: Span | None,
                **extra: Any) -> RuntimeFailure:
        """The error, placed where it happened: at `span`, else at the instruction the
        process is running (an index or a value the IR built without a place of its own)."""
        if span is None and process.paths:
            span = process.instruction.span
        note = Note(f"in run `{self.run.name}`, role `{process.name}` on node "
                    f"`{process.role.node}`, at simulated time "
                    f"{format_seconds(to_seconds(self.env.now))}")
        notes = [note, *extra.pop("notes", [])]
        return RuntimeFailure(Diagnostic.error(code, message, span, notes=notes, **extra))

    # ---------------------------------------------------------------- splitting the batch

    def split_by(self, process: Process, values: Any, mask: Mask = None) -> Divergence:
        """The shots grouped by a per-shot value they disagree on (the shots outside
        `mask`, on other paths, make one more group)."""
        array = np.broadcast_to(np.asarray(values), (self.batch,))
        active = np.ones(self.batch, bool) if mask is None else mask
        groups = [active & (array == value) for value in np.unique(array[active])]
        return Divergence(groups + ([~active] if mask is not None else []), process)

    def fork(self, divergence: Divergence) -> list[BatchSimulation]:
        """One batch for each group of shots, each going on from where this one stopped."""
        rngs = self.rng.spawn(len(divergence.groups))
        children = []
        for index, (group, rng) in enumerate(zip(divergence.groups, rngs, strict=True)):
            child = self.restricted(np.flatnonzero(group), rng)
            if index > 0:
                child.env.processed = 0  # the events so far count once
            continuing = child.machine.processes[divergence.process.name]
            child.env.schedule_with_priority(CONTINUE, 0, child.machine.resume, continuing)
            children.append(child)
        return children

    def restricted(self, rows: np.ndarray, rng: np.random.Generator) -> BatchSimulation:
        """A copy of this batch's state as it is now, for the shots `rows` only."""
        child = type(self)(self.run, self.engine.restricted(rows, rng), rng, self.shots[rows],
                           self.tracer, max_steps=self.machine.max_steps,
                           deadline=self.machine.deadline, keep_values=self.keep_values)
        child.started = True
        child.constants = self.constants
        for name, node in self.nodes.items():
            child.nodes[name].held = node.held[rows]
        child.stored = {qubit: (since, child.nodes[node.spec.name], present[rows])
                        for qubit, (since, node, present) in self.stored.items()
                        if present[rows].any()}
        child.reports = {name: [(values[rows], None if mask is None else mask[rows])
                                for values, mask in parts]
                         for name, parts in self.reports.items()}
        if self.folding is not None:
            child.folding = self.folding.for_batch(child)
        machine = child.machine
        machine.steps = self.machine.steps
        for name, process in self.machine.processes.items():
            self.restrict_process(process, machine.processes[name], rows)
        machine.env = self.env.copy(rng, lambda callback, args: (
            getattr(machine, callback.__name__),
            tuple(self.restricted_argument(a, rows, machine.processes) for a in args)))
        return child

    def copy_for_refold(self, process: Process, group: int) -> BatchSimulation:
        """A copy of the batch as it is now, where `process` goes on from its loop's head
        and the loops of `group` run turn by turn (if running them side by side fails)."""
        snapshot = self.restricted(np.arange(self.batch), deepcopy(self.rng))
        assert snapshot.folding is not None
        snapshot.folding.declined.add(group)
        continuing = snapshot.machine.processes[process.name]
        snapshot.env.schedule_with_priority(CONTINUE, 0, snapshot.machine.resume, continuing)
        return snapshot

    def restrict_process(self, process: Process, copy: Process, rows: np.ndarray) -> None:
        """Gives `copy` (the same role's process in a child batch) the state of `process`
        in the shots `rows`."""
        copy.paths = []
        for path in process.paths:
            guard = None if path.guard is None else path.guard[rows]
            if guard is not None and not guard.any():
                continue
            copy.paths.append(Path(path.pc, None if guard is None or guard.all() else guard,
                                   path.parked))
        copy.waiting, copy.timer, copy.deadline = process.waiting, process.timer, process.deadline
        copy.done = process.done
        for key, queue in process.inbox.items():
            copy.inbox[key] = deque(self.restricted_message(m, rows) for m in queue)
        state, target = state_of(process), state_of(copy)
        variables = process.role.variables
        target.values = {name: restricted_value(value, variables.get(name), rows)
                         for name, value in state.values.items()}
        target.private, target.qubits = set(state.private), dict(state.qubits)

    def restricted_message(self, message: Message, rows: np.ndarray) -> Message:
        payload = message.payload
        if message.send.kind == "quantum":
            lost = None if payload.lost is None else payload.lost[rows]
            return Message(message.source, message.send, _Payload(payload.values, lost))
        values = restricted_value(payload.values, message.send.message_type, rows)
        return Message(message.source, message.send, _Payload(values))

    def restricted_argument(self, argument: Any, rows: np.ndarray,
                            processes: dict[str, Process]) -> Any:
        if isinstance(argument, Process):
            return processes[argument.name]
        if isinstance(argument, Message):
            return self.restricted_message(argument, rows)
        return argument

    # ---------------------------------------------------------------- qubits in memory
    # A qubit is in its node's memory in some shots of the batch (`present`): a qubit
    # lost on the way, or measured on a path only some shots take, is not in the others.

    def store_qubit(self, qubit: int, node: _Node, process: Process, span: Span | None,
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

    def release(self, qubit: int, mask: Mask = None) -> None:
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
            channel = noise.memory(to_seconds(self.env.now - since), *node.memory)
            if channel is not None:
                self.engine.channel(qubit, channel)
        self.stored[qubit] = (self.env.now, node, present)

    def hold(self, process: Process, key: tuple[str, int], qubit: int, span: Span | None,
             arrived: bool) -> None:
        state = state_of(process)
        old = state.qubits.get(key)
        if old is not None and old in self.engine.groups:  # the slot's previous qubit
            if old in self.stored:
                self.release(old)
            self.engine.discard(old)
        state.qubits[key] = qubit
        if not arrived:
            self.store_qubit(qubit, state.node, process, span)

    def touch(self, process: Process, qubit: int, span: Span | None, mask: Mask) -> None:
        """Brings a qubit up to date with its memory's noise; a measured qubit that is
        used again (re-prepared) takes a place in memory again."""
        stored = self.stored.get(qubit)
        if stored is not None and \
                (stored[2].all() if mask is None else not (mask & ~stored[2]).any()):
            self.decohere(qubit)
        else:
            using = np.ones(self.batch, bool) if mask is None else mask
            self.store_qubit(qubit, state_of(process).node, process, span, using)

    # ---------------------------------------------------------------- values

    def value(self, process: Process, expr: ir.Expr, mask: Mask) -> Any:
        if isinstance(expr, ir.Const):
            return self.constant(expr) if type(expr.value) is list else expr.value
        try:
            return evaluate(expr, lambda var: self.read(process, var, mask),
                            lambda b: self.call(process, b, mask), self.operations(mask))
        except ListTooLarge as error:
            raise self.failure(process, Code.MEMORY_LIMIT, str(error), expr.span,
                               help="run fewer shots at once, or allow more with "
                                    "`--max-memory`") from None
        except EvaluationError as error:
            raise self.failure(process, Code.RUNTIME_VALUE, f"cannot compute this: {error}",
                               expr.span) from None

    def constant(self, const: ir.Const) -> Any:
        """An array constant (`bit[n] b;` starts as n zeros) as one read-only numpy array,
        made once: converting a long list at every use would cost what the loop saves."""
        known = self.constants.get(id(const))
        if known is None:
            array = np.asarray(const.value)
            if array.dtype.kind in "biuf":  # numbers (not strings, not tuples)
                array.flags.writeable = False
            else:
                array = None
            known = self.constants[id(const)] = (const, array)
        return const.value if known[1] is None else known[1]

    def read(self, process: Process, var: ir.Var, mask: Mask) -> Any:
        state = state_of(process)
        value = state.values[var.name]
        if var.index is None:
            state.private.discard(var.name)  # the whole array may now be shared
            return value
        return self.operations(mask).element(value, self.value(process, var.index, mask))

    def operations(self, mask: Mask) -> Operations:
        """The operators on the values of the shots of `mask`, its lists bounded by the
        batch's memory."""
        if mask is None:
            return self.unmasked
        return batch_operations(mask, self.engine.max_state_bytes)

    def call(self, process: Process, builtin: ir.Builtin, mask: Mask) -> Any:
        if builtin.name == "now":
            return to_seconds(self.env.now)
        if builtin.name == "latency":
            return self.machine.latency(process, builtin)
        if builtin.name in ("next_hop", "hop_count"):
            which = builtin.name == "hop_count"
            return self.each_value(lambda k: self.machine.next_hop(process, k)[which],
                                   self.value(process, builtin.args[0], mask), mask)
        if builtin.name == "transmittance":
            return self.each_value(lambda k: self.machine.transmittance(process, k),
                                   self.value(process, builtin.args[0], mask), mask, float)
        if builtin.name == "neighbours":
            return PerShot.constant(self.machine.neighbours(process))
        if builtin.name == "coins":
            count, probability = (self.value(process, arg, mask) for arg in builtin.args)
            return self.coins(count, probability, mask)
        if builtin.name == "uniforms":
            return self.uniforms(self.value(process, builtin.args[0], mask), mask)
        qubits = [self.qubit(process, arg, mask)  # type: ignore[arg-type]
                  for arg in builtin.args[:2]]
        for qubit in qubits:
            if qubit in self.stored:
                self.decohere(qubit)
        target = self.value(process, builtin.args[2], mask) if len(builtin.args) > 2 \
            else "phi_plus"
        return self.engine.fidelity(qubits, BELL[target])

    @staticmethod
    def each_value(function: Callable[[Any], float], value: Any, mask: Mask,
                   dtype: type = np.int64) -> Any:
        """`function` of a value that may differ between shots, once per distinct value
        in the shots of `mask` (0 in the others), as `dtype`."""
        if np.ndim(value) == 0:
            return function(value)
        value = np.asarray(value)
        active = np.ones(len(value), bool) if mask is None else mask
        result = np.zeros(len(value), dtype)
        for each in np.unique(value[active]):
            result[active & (value == each)] = function(each)
        return result

    def coins(self, count: Any, probability: Any, mask: Mask) -> PerShot:
        """`coins(n, p)`: in each shot of `mask`, n coins that each show true with p."""
        def toss(_: None, n: Any, p: Any) -> np.ndarray:
            if not 0 <= p <= 1:
                raise EvaluationError(f"coins: p is a probability, between 0 and 1, not {p}")
            return self.rng.random(list_length(n)) < p
        return per_shot(toss, (PerShot((None,) * self.batch), count, probability), mask,
                        budget=self.engine.max_state_bytes, size=lambda _, n, p: list_length(n))

    def uniforms(self, count: Any, mask: Mask) -> PerShot:
        """`uniforms(n)`: in each shot of `mask`, n numbers drawn uniformly in [0, 1)."""
        return per_shot(lambda _, n: self.rng.random(list_length(n)),
                        (PerShot((None,) * self.batch), count), mask,
                        budget=self.engine.max_state_bytes, size=lambda _, n: 8.0 * list_length(n))

    def store(self, process: Process, var: ir.Var, value: Any, mask: Mask) -> None:
        state = state_of(process)
        old = state.values.get(var.name)
        if isinstance(var.type, t.List) and var.index is None and \
                not isinstance(value, PerShot):  # a constant: `[]`
            value = PerShot.constant(np.asarray(value, dtype=_DTYPES.get(var.type.element,
                                                                         float)))
        if var.index is None:
            state.values[var.name] = merge(mask, value, old, self.batch)
            state.private.discard(var.name)
            return
        index = self.value(process, var.index, mask)
        try:
            state.values[var.name] = put(old, index, value, mask, self.batch,
                                         in_place=var.name in state.private)
        except EvaluationError as error:
            raise self.failure(process, Code.RUNTIME_VALUE, str(error), var.span) from None
        state.private.add(var.name)

    def key(self, process: Process, unit: ir.Unit, mask: Mask) -> tuple[str, int]:
        if unit.index is None:
            return (unit.name, -1)
        index = self.value(process, unit.index, mask)
        try:
            index = positions(index, process.role.units.get(unit.name) or 0, mask)
        except EvaluationError as error:
            raise self.failure(process, Code.RUNTIME_VALUE, str(error), unit.span) from None
        taken = index if mask is None else np.broadcast_to(index, (self.batch,))[mask]
        if not uniform(taken):
            raise self.split_by(process, index, mask)
        return (unit.name, int(first(taken)))

    def qubit(self, process: Process, unit: ir.Unit, mask: Mask) -> int:
        return state_of(process).qubits[self.key(process, unit, mask)]

    # ---------------------------------------------------------------- paths

    def start(self, process: Process) -> None:
        process.data = _RoleState(self.nodes[process.role.node])

    def branch(self, process: Process, path: Path, instr: ir.Branch) -> list[tuple[int, Any]]:
        if instr.loop and self.folding is not None and self.folding.arrive(process, path):
            return []  # it waits at its loop's head for the others of its group
        condition = self.value(process, instr.condition, path.guard)
        if np.ndim(condition) == 0:
            return [(path.pc + 1 if condition else instr.otherwise, path.guard)]
        active = np.ones(self.batch, bool) if path.guard is None else path.guard
        condition = np.broadcast_to(np.asarray(condition, dtype=bool), (self.batch,))
        yes, no = active & condition, active & ~condition
        if not no.any():
            return [(path.pc + 1, path.guard)]
        if not yes.any():
            return [(instr.otherwise, path.guard)]
        return [(path.pc + 1, yes), (instr.otherwise, no)]

    def join(self, process: Process, guards: list[Any]) -> Any:
        if any(guard is None for guard in guards):
            return None
        joined = np.logical_or.reduce(guards)
        return None if joined.all() else joined

    def diverge(self, process: Process, path: Path, instr: ir.Instr, why: str) -> None:
        groups = [np.ones(self.batch, bool) if p.guard is None else p.guard
                  for p in process.paths]
        raise Divergence(groups, process)

    def peer(self, process: Process, path: Path, instr: ir.Send) -> str | None:
        assert instr.dest_index is not None
        value = self.value(process, instr.dest_index, None)
        if not uniform(value):
            raise self.split_by(process, value)  # each group of shots sends to its own
        try:
            return self.machine.family_member(instr.dest, first(value))
        except EvaluationError as error:
            raise self.failure(process, Code.RUNTIME_VALUE, str(error),
                               instr.dest_index.span) from None

    def no_route(self, process: Process, instr: ir.Send, dest: str) -> None:
        a, b = process.role.node, self.run.roles[dest].node
        raise self.failure(process, Code.RUNTIME_VALUE, f"no classical channel or route leads "
                           f"from node `{a}` to node `{b}`, where `{dest}` runs", instr.span)

    def off_track(self, process: Process, instr: ir.Send, channel: ir.Channel,
                  why: str) -> None:
        what = "train cannot run to its end" if instr.pulses is not None else \
            "message cannot leave"
        raise self.failure(process, Code.RUNTIME_VALUE, f"the {what} on channel "
                           f"`{channel.id}` now: {why}", instr.span,
                           notes=[Note("the channel is declared here", channel.span)])

    def seconds(self, process: Process, path: Path, expr: ir.Expr,
                instr: ir.Instr) -> float | None:
        length = self.value(process, expr, None)
        if not uniform(length):
            raise self.split_by(process, length)
        length = float(first(length))
        if isinstance(instr, ir.Send) and not valid_duration(length):  # a train's
            assert instr.pulses is not None
            count = first(self.value(process, instr.pulses, None))
            raise self.failure(process, Code.RUNTIME_VALUE, f"a train of {count} pulses "
                               f"would last {length:g} s: it has 0 pulses or more, and lasts "
                               f"at most {MAX_SECONDS:g} s", instr.pulses.span)
        if not valid_duration(length):
            raise self.failure(process, Code.RUNTIME_VALUE, f"a time must be between 0 and "
                               f"{MAX_SECONDS:g} s, not {length} s", expr.span)
        return length

    # ---------------------------------------------------------------- instructions

    def local(self, process: Process, path: Path, instr: ir.Instr) -> None:
        try:
            _LOCAL[type(instr)](self, process, instr, path.guard)
        except NotClifford as error:  # an angle known only now (the others are refused
            raise self.failure(process, Code.NOT_CLIFFORD,  # before the run)
                               not_clifford(str(error)), instr.span, help=CLIFFORD_HELP) \
                from None
        except StateTooLarge as error:
            shots = f"{self.batch:,} shots" if self.batch > 1 else "one shot"
            ways = [] if self.engine.name == "mbqc" else \
                ["simulate it with `--engine mbqc`, which keeps only the qubits still to be "
                 "measured"]
            if self.batch > 1:
                ways.append("run fewer shots at once")
            raise self.failure(
                process, Code.MEMORY_LIMIT, f"this gate would entangle {error.qubits} qubits "
                f"in one state that needs {format_size(error.needed)} for {shots}, more than "
                f"the {format_size(error.allowed)} allowed", instr.span,
                help="; or ".join([*ways, "allow more with `--max-memory`"])) from None

    def alloc(self, process: Process, instr: ir.Alloc, mask: Mask) -> None:
        key = self.key(process, instr.unit, None)  # first: working it out may split the batch
        self.hold(process, key, self.engine.alloc(instr.state), instr.span, arrived=False)

    def gate(self, process: Process, instr: ir.Gate, mask: Mask) -> None:
        qubits = [self.qubit(process, u, mask) for u in instr.units]
        if len(set(qubits)) < len(qubits):
            raise self.failure(process, Code.RUNTIME_VALUE, f"`{instr.name}` acts on one qubit "
                               "twice", instr.span, help="a gate's qubits are different qubits")
        for qubit in qubits:
            self.touch(process, qubit, instr.span, mask)
        params = tuple(self.value(process, p, mask) for p in instr.params)
        for param in params:
            finite = np.isfinite(np.asarray(param, dtype=float))
            if not (finite if mask is None else finite | ~mask).all():
                raise self.failure(process, Code.RUNTIME_VALUE, f"the angle of `{instr.name}` "
                                   "is not a finite number", instr.span)
        self.engine.apply(instr.name, qubits, params, mask)
        gate_error = state_of(process).node.spec.gate_error
        if gate_error:
            for qubit in qubits:
                self.engine.channel(qubit, noise.depolarizing(gate_error), mask)

    def measure(self, process: Process, instr: ir.Measure, mask: Mask) -> None:
        qubit = self.qubit(process, instr.unit, mask)
        self.touch(process, qubit, instr.span, mask)
        angle = self.value(process, instr.angle, mask) if instr.angle is not None else 0.0
        finite = np.isfinite(np.asarray(angle, dtype=float))
        if not (finite if mask is None else finite | ~mask).all():
            raise self.failure(process, Code.RUNTIME_VALUE, "the measurement angle is not a "
                               "finite number", instr.span)
        outcomes = self.engine.measure(qubit, instr.basis, np.asarray(angle, dtype=float), mask)
        readout_error = state_of(process).node.spec.readout_error
        if readout_error:
            outcomes = outcomes ^ (self.rng.random(self.batch) < readout_error)
        self.release(qubit, mask)  # a measured qubit no longer takes a place in memory
        self.store(process, instr.target, outcomes, mask)

    def reset(self, process: Process, instr: ir.Reset, mask: Mask) -> None:
        qubit = self.qubit(process, instr.unit, mask)
        self.touch(process, qubit, instr.span, mask)
        self.engine.reset(qubit, mask)

    def assign(self, process: Process, instr: ir.Assign, mask: Mask) -> None:
        self.store(process, instr.target, self.value(process, instr.value, mask), mask)

    def random(self, process: Process, instr: ir.Random, mask: Mask) -> None:
        draw = self.rng.integers(2, size=self.batch) if instr.kind == "bit" \
            else self.rng.random(self.batch)
        self.store(process, instr.target, draw, mask)

    def report(self, process: Process, instr: ir.Report, mask: Mask) -> None:
        parts = [(instr.name, instr.value)]
        if instr.denominator is not None:  # a ratio: its denominators kept beside
            parts.append((denominator_of(instr.name), instr.denominator))
        for name, expr in parts:
            value = np.broadcast_to(np.asarray(self.value(process, expr, mask)),
                                    (self.batch,))
            if value.dtype == bool:
                value = value.astype(np.int64)
            self.reports.setdefault(name, []).append((np.array(value), mask))

    def check(self, process: Process, instr: ir.Assert, mask: Mask) -> None:
        holds = np.broadcast_to(np.asarray(self.value(process, instr.condition, mask),
                                           dtype=bool), (self.batch,))
        if not (holds if mask is None else holds | ~mask).all():
            raise self.failure(process, Code.ASSERTION_FAILED,
                               instr.message or "assertion failed", instr.span)

    def send(self, process: Process, path: Path, instr: ir.Send,
             channel: ir.Channel | None) -> Any:
        if instr.kind == "classical":
            value = self.value(process, instr.value, None)  # type: ignore[arg-type]
            return _Payload(np.array(value) if isinstance(value, np.ndarray) else value)
        if instr.pulses is not None:
            return self.send_train(process, instr, channel)
        state = state_of(process)
        keys = [self.key(process, u, None) for u in instr.units]  # first: they may split
        qubits = [state.qubits.pop(key) for key in keys]
        for qubit in qubits:
            if qubit in self.stored:
                self.release(qubit)
        lost = None
        transmittance = 1.0 if channel is None else \
            channel.transmittance_at(to_seconds(self.env.now))
        if transmittance < 1:
            lost = self.rng.random(self.batch) >= transmittance
        return _Payload(qubits, lost)

    def send_train(self, process: Process, instr: ir.Send, channel: ir.Channel | None
                   ) -> _Payload:
        """Each shot's train, simulated at the cost of its detections
        (qnetlang.physical.trains and .pairs): the receiver's clicks, and the sender's
        record if kept (of pairs: the clicks of the photons it kept)."""
        assert instr.pulses is not None
        count = first(self.value(process, instr.pulses, None))  # one in all shots: see seconds
        try:
            pulses = count_pulses(count)
        except ValueError:
            raise self.failure(process, Code.RUNTIME_VALUE, f"a train has a whole number of "
                               f"pulses, 0 to 2^62, not {count}", instr.pulses.span) from None
        network = self.run.network
        node = network.nodes[process.role.node]
        assert node.source is not None  # the check saw it
        receiver_node = network.nodes[self.run.roles[instr.dest].node]
        receiver = receiver_of(receiver_node.analyser, receiver_node.detector)
        start = to_seconds(self.env.now)
        transmittance: Any = 1.0
        delay: Any = 0.0
        if channel is not None and channel.moving:  # its track covers the train (machine)
            transmittance, delay = channel.transmittance_at, channel.delay_at
        elif channel is not None:
            transmittance, delay = channel.transmittance, channel.delay
        # a moving channel is held over 10 ms: a low orbit moves ~70 m, < 0.01 dB of loss
        if instr.pairs:
            source = pair_source_of(node.source)
            kept = receiver_of(node.analyser, node.detector)

            def expect() -> float:
                return expected_pair_events(pulses, source, kept, receiver, start=start,
                                            transmittance_b=transmittance, step=MOVING_STEP)

            def simulate() -> tuple[Any, Any]:
                ours, theirs = simulate_pairs(pulses, source, kept, receiver, self.rng,
                                              transmittance_b=transmittance, start=start,
                                              step=MOVING_STEP, delay_b=delay).sides()
                return theirs, ours
        else:
            transmitter = transmitter_of(node.source)

            def expect() -> float:
                return expected_events(pulses, transmitter, receiver, transmittance,
                                       start=start, step=MOVING_STEP)

            def simulate() -> tuple[Any, Any]:
                train = simulate_train(pulses, transmitter, receiver, transmittance, self.rng,
                                       start=start, step=MOVING_STEP, delay=delay)
                return train.received(), train
        try:
            events = expect()
        except ValueError as error:  # a moving channel's track, read between pulses
            raise self.failure(process, Code.RUNTIME_VALUE, f"the train cannot run on channel "
                               f"`{getattr(channel, 'id', '')}`: {error}", instr.span) from None
        needed = events * BYTES_PER_DETECTION * self.batch
        if needed > self.engine.max_state_bytes:
            raise self.failure(
                process, Code.MEMORY_LIMIT, f"a train of {pulses:,} pulses is detected about "
                f"{events:,.0f} times a shot: its records would take "
                f"{format_size(needed)} for {self.batch:,} shot{'s' * (self.batch > 1)}, more "
                f"than the {format_size(self.engine.max_state_bytes)} allowed", instr.span,
                help="send fewer pulses (several trains), run fewer shots at once, or allow "
                     "more with `--max-memory`")
        # a train cannot be stopped halfway: each starts only if it can end in time
        deadline = self.machine.deadline
        received, kept_records = [], []
        for _ in range(self.batch):
            if deadline is not None and \
                    time.monotonic() + events * SECONDS_PER_DETECTION > deadline[1]:
                raise self.stopped(StepLimit(self.machine.steps, process, instr, deadline[0]))
            theirs, ours = simulate()
            received.append(theirs)
            kept_records.append(ours)
        if instr.record is not None:
            self.store(process, instr.record, PerShot(tuple(kept_records)), None)
        return _Payload(PerShot(tuple(received)))

    def arrive(self, process: Process, message: Message, channel: ir.Channel | None) -> None:
        """A qubit that was not lost (and that the node's detector saw) takes a place in
        the receiver's memory."""
        payload: _Payload = message.payload
        if message.send.kind != "quantum" or message.send.pulses is not None:
            return  # a train's detectors acted as it was simulated
        detector = state_of(process).node.spec.detector
        if channel is not None and detector is not None and not detector.ideal:
            self.detect(detector, payload)
        if payload.lost is not None and payload.lost.all():
            return
        present = None if payload.lost is None else ~payload.lost
        for qubit in payload.values:
            if channel is not None:
                self.channel_noise(qubit, channel)
            self.store_qubit(qubit, state_of(process).node, process, message.send.span, present,
                             arriving=True)

    def detect(self, detector: ir.Detector, payload: _Payload) -> None:
        """The gate the message opens on the receiver's pair of detectors: what arrived is
        detected with their efficiency, and each detector clicks in the dark with its
        probability. A click with no photon, or the other detector's click beside the
        photon's (squashed to a random bit), gives a fresh qubit in the maximally mixed
        state: whatever the message held there is traced out (a reset) and depolarized."""
        arrived = np.ones(self.batch, dtype=bool) if payload.lost is None else ~payload.lost
        detected = arrived & (self.rng.random(self.batch) < detector.efficiency) \
            if detector.efficiency < 1 else arrived
        dark = detector.dark_count_probability
        mixed = np.zeros(self.batch, dtype=bool)
        if dark > 0:
            draw = self.rng.random(self.batch)
            # no photon: either detector; a photon: the other detector (which one is the
            # "other" needs no draw: a click of the photon's own adds nothing)
            mixed = np.where(detected, draw < dark, draw < dark * (2 - dark))
        payload.lost = ~(detected | mixed)
        if mixed.any():
            for qubit in payload.values:
                self.engine.reset(qubit, mixed)
                self.engine.channel(qubit, noise.depolarizing(1.0), mixed)

    def channel_noise(self, qubit: int, channel: ir.Channel) -> None:
        if channel.depolarizing:
            self.engine.channel(qubit, noise.depolarizing(channel.depolarizing))
        if channel.dephasing:
            self.engine.channel(qubit, noise.dephasing(channel.dephasing))

    def receive(self, process: Process, path: Path, instr: ir.Recv,
                message: Message) -> bool | tuple[Any, Any]:
        payload: _Payload = message.payload
        sent = message.send.message_type
        if not t.assignable(instr.message_type, sent):  # a timing the check did not follow
            raise self.failure(process, Code.MESSAGE_TYPE,
                               f"`{process.name}` expects {t.describe(instr.message_type)} "
                               f"here, but the message from `{instr.source}` is "
                               f"{t.describe(sent)}", instr.span,
                               notes=[Note("the message is sent here", message.send.span)],
                               help="the messages from one role arrive in the order they are "
                                    "sent: receive them in that order")
        lost = payload.lost
        if lost is not None and lost.any():
            if instr.on_timeout is None:
                detector = state_of(process).node.spec.detector
                missed = f", or missed by detector `{detector.name}`" \
                    if detector is not None and detector.efficiency < 1 else ""
                raise self.failure(process, Code.QUBIT_LOST, f"the qubit from `{instr.source}` "
                                   f"was lost on the way{missed}", instr.span,
                                   notes=[Note(f"channel `{instr.channel}`")] if instr.channel
                                   else [], help="handle the loss: `recv qubit from ... within "
                                                 "T else { ... }`")
            if lost.all():
                return False  # nothing came: the window stays open
            keys = [self.key(process, unit, None) for unit in instr.targets
                    if isinstance(unit, ir.Unit)]
            if not self.machine.closes_alone(process) or self.still_held(process, keys, lost):
                raise Divergence([~lost, lost], process)  # the others wait on
            # The window closes at this very instant and nothing else happens at it: the
            # shots that lost the qubit take the `else` now, on a path of their own.
            self.take(process, instr, payload, ~lost)
            return ~lost, lost
        self.take(process, instr, payload, None)
        return True

    def still_held(self, process: Process, keys: list[tuple[str, int]],
                   shots: np.ndarray) -> bool:
        """Whether a slot about to take a new qubit still holds one in some of `shots`
        (receiving into it for every shot would drop that one early)."""
        qubits = state_of(process).qubits
        return any(qubits.get(key) in self.stored and
                   bool((self.stored[qubits[key]][2] & shots).any()) for key in keys)

    def take(self, process: Process, instr: ir.Recv, payload: _Payload, mask: Mask) -> None:
        """Stores what came into the targets of `instr` (in the shots of `mask`)."""
        if instr.kind == "quantum" and instr.message_type != t.CLICKS:
            for unit, qubit in zip(instr.targets, payload.values, strict=True):
                assert isinstance(unit, ir.Unit)
                self.hold(process, self.key(process, unit, None), qubit, instr.span,
                          arrived=True)
            return
        items = [payload.values] if len(instr.targets) == 1 else payload.values
        for target, item in zip(instr.targets, items, strict=True):
            assert isinstance(target, ir.Var)
            self.store(process, target, item, mask)


_LOCAL = {
    ir.Alloc: BatchSimulation.alloc, ir.Gate: BatchSimulation.gate,
    ir.Measure: BatchSimulation.measure, ir.Reset: BatchSimulation.reset,
    ir.Assign: BatchSimulation.assign, ir.Random: BatchSimulation.random,
    ir.Report: BatchSimulation.report, ir.Assert: BatchSimulation.check,
}


def restricted_value(value: Any, type_: t.Type | None, rows: np.ndarray,
                     squeeze: bool = False) -> Any:
    """A classical value in the shots `rows` only: an array holding one entry per shot
    is one dimension deeper than a constant of its type. With `squeeze`, one shot's value
    as a constant (the same in every shot)."""
    if isinstance(value, tuple):
        items = type_.items if isinstance(type_, t.Tuple) else (None,) * len(value)
        return tuple(restricted_value(v, i, rows, squeeze)
                     for v, i in zip(value, items, strict=True))
    if isinstance(value, PerShot):
        return value if len(value.rows) == 1 else \
            PerShot(tuple(value.rows[int(row)] for row in rows))
    if isinstance(value, (str, list)) or np.ndim(value) == 0:
        return value
    per_shot = 2 if isinstance(type_, t.Array) else 1
    if np.ndim(value) < per_shot:
        return value
    return value[int(rows[0])] if squeeze else value[rows]


def _ranges(shots: np.ndarray) -> list[list[int]]:
    """Shot numbers as [first, end) ranges of consecutive ones: [[0, 1024]] for a whole
    batch, more for one that split off."""
    if not len(shots):
        return []
    breaks = np.flatnonzero(np.diff(shots) != 1) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks, [len(shots)]))
    return [[int(shots[a]), int(shots[b - 1]) + 1] for a, b in zip(starts, ends, strict=True)]
