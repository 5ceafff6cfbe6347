"""Running the turns of independent loops side by side, as rows of one batch.

BB84, B92 and E91 are loops whose turns do not depend on each other: Alice
prepares and sends a qubit, Eve passes it on, Bob measures it and records the
outcome at the turn's index. One shot of n turns pays the interpreter n times;
run as n rows of a batch, it pays once, at numpy's speed.

ir/loops.py finds the loops for which that means exactly what the turns one
after the other mean (docs/runtime.md, "Loops run side by side"). At run time
(`Folding`) the roles of such a group stop at their loops' heads
until all are there; then one turn runs as a *frame*, a batch with a row for
each (shot, turn), each role starting when it reached its loop. The frame
shows whether the turns really follow each other with one period T: each
turn of a role that keeps its own time lasts exactly T, a role driven by
messages is done before the next comes, every message is received in its own
turn, and no node holds the qubits of two turns at once. If so, turn k is the
frame shifted by k·T, the results go back into the shots' arrays and sums,
and each role goes on after its loop at the time its last turn ends. If not,
the batch goes back to the copy taken when the first role stopped and runs
the loop turn by turn (`FoldRefused`): a run means the same either way.
"""

from __future__ import annotations

import dataclasses
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qnetlang import types as t
from qnetlang.ir import nodes as ir
from qnetlang.ir.loops import Group, Loop
from qnetlang.ir.machine import Machine, Path, Process
from qnetlang.quantum import engine_class
from qnetlang.runtime.batch import (BatchSimulation, Divergence, RuntimeFailure,
                                    restricted_value, state_of)
from qnetlang.runtime.values import first, uniform
from qnetlang.source import Span

FRAME_ROWS = 1 << 20  # rows of one frame: longer loops run as several frames


class FoldRefused(Exception):
    """A group's turns do not follow each other with one period: the batch goes on from
    `snapshot`, the copy taken when its first role stopped, turn by turn."""

    def __init__(self, snapshot: BatchSimulation) -> None:
        super().__init__("the loop runs turn by turn")
        self.snapshot = snapshot


@dataclass
class _Stop:
    """A role of the group stopped at its loop's head."""

    process: Process
    loop: Loop
    time: int  # picoseconds
    counter: int


class Folding:
    """The loops of one batch that run side by side: where their roles stop, and what
    becomes of the batch when all are there."""

    def __init__(self, simulation: BatchSimulation, groups: dict[tuple[str, int], Group],
                 declined: set[int] | None = None) -> None:
        self.simulation = simulation
        self.groups = groups
        self.declined = declined if declined is not None else set()  # ids of groups
        self.group: Group | None = None  # the group whose roles are stopping
        self.stops: dict[str, _Stop] = {}
        self.snapshot: BatchSimulation | None = None

    def for_batch(self, simulation: BatchSimulation) -> Folding:
        """The same loops in a copy of the batch, those declined here declined there."""
        return Folding(simulation, self.groups, set(self.declined))

    def arrive(self, process: Process, path: Path) -> bool:
        """Whether the process stops at the head of its loop (it is at one)."""
        group = self.groups.get((process.name, path.pc))
        if group is None or id(group) in self.declined:
            return False
        loop = next(loop for loop in group.loops if loop.role == process.name)
        simulation = self.simulation
        counter = simulation.value(process, ir.Var(loop.counter), None)
        start = simulation.value(process, loop.start, None)
        limit = simulation.value(process, loop.limit, None)
        if not (uniform(counter) and uniform(start) and uniform(limit)):
            self.declined.add(id(group))
            return False
        counter, turn = int(first(counter)), int(first(counter)) - int(first(start))
        if turn < group.peel:
            return False
        if turn > group.peel or (self.group is not None and self.group is not group) or \
                len(process.paths) != 1 or path.guard is not None:
            self.declined.add(id(group))  # it runs turn by turn in this batch
            return False
        if self.group is None:
            self.group = group
            self.snapshot = simulation.copy_for_refold(process, id(group))
        self.stops[process.name] = _Stop(process, loop, simulation.env.now, counter)
        if len(self.stops) == len(group.loops):
            self.fold()
        return True

    def unfinished(self) -> None:
        """The run can go no further while roles wait at their loops' heads: the others
        never got to theirs (they waited for the loop's messages first)."""
        if self.stops:
            raise self.refuse()

    def refuse(self) -> FoldRefused:
        assert self.snapshot is not None
        return FoldRefused(self.snapshot)

    def fold(self) -> None:
        group, stops = self.group, self.stops
        assert group is not None
        simulation = self.simulation
        turns = {int(first(simulation.value(stop.process, stop.loop.limit, None))) - stop.counter
                 for stop in stops.values()}
        if len(turns) != 1 or min(turns) < 1 or not self.clear():
            raise self.refuse()
        count = turns.pop()
        batch = simulation.batch
        per_frame = max(1, FRAME_ROWS // batch)
        outputs: list[dict[str, dict[str, np.ndarray]]] = []
        timing = None
        for begin in range(0, count, per_frame):
            frame = _Frame.of(self, begin, min(count, begin + per_frame))
            made: dict[str, dict[str, np.ndarray]] = {}
            parts = [frame]
            while parts:  # rows that part ways in a turn go on as frames of their own
                part = parts.pop()
                try:
                    part.simulate()
                except Divergence as divergence:
                    parts += part.fork(divergence)
                    continue
                except RuntimeFailure:  # turn by turn, it comes where it is
                    raise self.refuse() from None
                found = part.timing()
                if found is None or (timing is not None and found != timing):
                    raise self.refuse()
                timing = found
                part.collect(made)
                # Steps are what the interpreter executes: a frame's once. Events are
                # counted as the turns one by one would have them.
                simulation.machine.steps += part.machine.steps
                simulation.env.processed += part.env.processed * frame.plan.turns
            # less the frame's starting events
            simulation.env.processed -= len(frame.plan.loops) * frame.plan.turns
            outputs.append(frame.per_shot(made))
        assert timing is not None
        period, ends = timing
        now = simulation.env.now
        origin = min(stop.time for stop in stops.values())
        last = {name: origin + end + (count - 1) * period for name, end in ends.items()}
        limit = simulation.machine.max_steps
        if any(time < now for time in last.values()) or \
                (limit is not None and simulation.machine.steps > limit):
            raise self.refuse()
        self.commit(count, outputs, last)

    def clear(self) -> bool:
        """Whether nothing of the loops is under way: the group's nodes hold no qubit, and
        no message on its channels waits or travels."""
        simulation = self.simulation
        nodes = {stop.process.role.node for stop in self.stops.values()}
        if any(simulation.nodes[node].held.any() for node in nodes) or \
                any(node.spec.name in nodes for _, node, _ in simulation.stored.values()):
            return False
        channels = {c for stop in self.stops.values() for c in stop.loop.channels}
        for stop in self.stops.values():
            for (source, kind), queue in stop.process.inbox.items():
                if queue and (source, stop.process.name, kind) in channels:
                    return False
        for _, callback, args in simulation.env.pending_events():
            if getattr(callback, "__func__", None) is Machine.deliver:
                process, message = args[0], args[1]
                if (message.source, process.name, message.send.kind) in channels:
                    return False
        return True

    def commit(self, count: int, outputs: list[dict[str, dict[str, np.ndarray]]],
               last: dict[str, int]) -> None:
        """Puts what the turns made into the shots' variables, and each role after its loop
        at the time its last turn ends."""
        simulation = self.simulation
        batch = simulation.batch
        for name, stop in self.stops.items():
            loop, state = stop.loop, state_of(stop.process)
            for column in loop.written:
                made = np.concatenate([part[name][column] for part in outputs], axis=1)
                old = np.asarray(state.values[column])
                size = old.shape[-1]
                array = np.array(np.broadcast_to(old, (batch, size)),
                                 dtype=np.result_type(old, made))
                array[:, stop.counter:stop.counter + count] = made
                state.values[column] = array
                state.private.add(column)
            for total in loop.sums:
                added = sum(part[name][total] for part in outputs)
                state.values[total] = np.asarray(state.values[total]) + added
            state.values[loop.counter] = stop.counter + count
            stop.process.paths = [Path(loop.exit)]
            simulation.env.schedule(last[name] - simulation.env.now,
                                    simulation.machine.resume, stop.process)
        self.group, self.stops, self.snapshot = None, {}, None


@dataclass
class _Plan:
    """What every part of a frame shares: its turns, the outer batch's shots, when each
    role starts (frame time) and its loop."""

    turns: int
    shots: int
    starts: dict[str, int]
    loops: dict[str, Loop]


@dataclass
class _Seen:
    """What a part of a frame showed of its turn's timing (frame times)."""

    ends: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)  # a driven role's message
    arrivals: dict[str, list[int]] = field(default_factory=dict)
    occupied: dict[str, list[int]] = field(default_factory=dict)  # node -> [first, last]


class _Frame(BatchSimulation):
    """One turn of a group's loops, a row for each shot and turn (row s·m + k: shot s,
    turn k), with what the checks of one period need recorded."""

    @classmethod
    def of(cls, folding: Folding, begin: int, end: int) -> _Frame:
        outer = folding.simulation
        group = folding.group
        assert group is not None
        turns, batch = end - begin, outer.batch
        rows = batch * turns
        shot = np.repeat(np.arange(batch), turns)
        turn = np.tile(np.arange(begin, end), batch)
        roles = {loop.role: _turn_role(outer.run.roles[loop.role], loop) for loop in group.loops}
        run = dataclasses.replace(outer.run, roles=roles)
        rng = outer.rng.spawn(1)[0]
        engine = engine_class(outer.engine.name)(rng, rows)
        engine.max_state_bytes = outer.engine.max_state_bytes
        limit = outer.machine.max_steps
        frame = cls(run, engine, rng, np.arange(rows), deadline=outer.machine.deadline,
                    max_steps=None if limit is None else max(0, limit - outer.machine.steps))
        frame.started = True
        origin = min(stop.time for stop in folding.stops.values())
        frame.plan = _Plan(turns, batch, {name: stop.time - origin
                                          for name, stop in folding.stops.items()},
                           {loop.role: loop for loop in group.loops})
        for name, stop in folding.stops.items():
            process = frame.machine.processes[name]
            source, target = state_of(stop.process).values, state_of(process).values
            variables = stop.process.role.variables
            loop = stop.loop
            for var in loop.reads:
                if var in source:
                    target[var] = _rows(source[var], variables.get(var), shot, batch)
            first_column, last_column = stop.counter + begin, stop.counter + end
            for column in loop.columns:
                if column not in source:
                    continue
                array = np.asarray(source[column])
                if first_column < 0 or last_column > array.shape[-1]:
                    raise folding.refuse()  # turn by turn, the index is refused where it is
                taken = array[..., first_column:last_column]  # each shot's turns, in order
                target[column] = taken.reshape(-1) if taken.ndim == 2 or batch == 1 else \
                    np.tile(taken, batch)
            for total in loop.sums:
                target[total] = 0
            target[loop.counter] = stop.counter + turn
            frame.env.schedule(frame.plan.starts[name], frame.machine.resume, process)
        return frame

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self.plan = _Plan(0, 0, {}, {})  # set by `of`, shared by the parts
        self.seen = _Seen()

    def halt(self, process: Process) -> None:
        self.seen.ends[process.name] = self.env.now

    def arrive(self, process: Process, message: Any, channel: ir.Channel | None) -> None:
        self.seen.arrivals.setdefault(process.name, []).append(self.env.now)
        super().arrive(process, message, channel)

    def receive(self, process: Process, path: Path, instr: ir.Recv,
                message: Any) -> bool | tuple[Any, Any]:
        got = super().receive(process, path, instr, message)
        if got:
            self.seen.received.setdefault(process.name, self.env.now)
        return got

    def store_qubit(self, qubit: int, node: Any, process: Process, span: Span | None,
                    present: np.ndarray | None = None, arriving: bool = False) -> None:
        self.seen.occupied.setdefault(node.spec.name, [self.env.now, self.env.now])
        super().store_qubit(qubit, node, process, span, present, arriving)

    def release(self, qubit: int, mask: Any = None) -> None:
        node = self.stored[qubit][1].spec.name
        super().release(qubit, mask)
        self.seen.occupied[node][1] = self.env.now

    def timing(self) -> tuple[int, dict[str, int]] | None:
        """(the period, when each role's turn ends) when the turns follow each other with
        one period; None when they do not."""
        if self.env.pending or self.stored or set(self.seen.ends) != set(self.plan.loops):
            return None
        if any(queue for process in self.machine.processes.values()
               for queue in process.inbox.values()):
            return None
        timed = {self.seen.ends[name] - self.plan.starts[name] for name, loop in self.plan.loops.items()
                 if not loop.driven}
        if len(timed) != 1:
            return None
        period = timed.pop()
        # Turns at one instant follow each other only through the order of events: then
        # no window may decide which turn a message is for, and no node may hold a turn's
        # qubits across an event.
        instant = period == 0
        if instant and any(loop.windowed or any(isinstance(i, ir.Wait) for i in loop.code)
                           for loop in self.plan.loops.values()):
            return None  # a `wait 0 s` would interleave the turns' events
        for name, loop in self.plan.loops.items():
            arrivals = self.seen.arrivals.get(name, [])
            if loop.driven:
                got = self.seen.received.get(name)
                # done before the next turn's message comes (at the same instant, the
                # message would be delivered first, to this turn)
                busy = self.seen.ends[name] - got if got is not None else 0
                if got is None or got != min(arrivals, default=-1) or busy > period or \
                        period > 0 and busy == period:
                    return None
            elif not instant and any(time <= self.plan.starts[name] for time in arrivals):
                return None
        for begin, end in self.seen.occupied.values():
            if not (end - begin < period or instant and end == begin):
                return None
        return period, dict(self.seen.ends)

    def restricted(self, rows: np.ndarray, rng: np.random.Generator) -> _Frame:
        part = super().restricted(rows, rng)
        assert isinstance(part, _Frame)
        part.plan, part.seen = self.plan, deepcopy(self.seen)
        return part

    def collect(self, made: dict[str, dict[str, np.ndarray]]) -> None:
        """Puts this part's values of each role's arrays at the counter and sums into
        `made`, at its rows (its `shots` are row numbers of the whole frame)."""
        rows = self.shots
        for name, loop in self.plan.loops.items():
            values = state_of(self.machine.processes[name]).values
            mine = made.setdefault(name, {})
            for var in loop.written | loop.sums:
                value = np.broadcast_to(np.asarray(values[var]), (self.batch,))
                if var not in mine:
                    mine[var] = np.zeros(self.plan.turns * self.plan.shots, value.dtype)
                elif np.result_type(mine[var], value) != mine[var].dtype:
                    mine[var] = mine[var].astype(np.result_type(mine[var], value))
                mine[var][rows] = value

    def per_shot(self, made: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
        """Each role's arrays at the counter as (shots, turns), and its sums per shot."""
        found: dict[str, dict[str, np.ndarray]] = {}
        for name, loop in self.plan.loops.items():
            found[name] = {var: made[name][var].reshape(-1, self.plan.turns)
                           for var in loop.written}
            found[name].update({var: made[name][var].reshape(-1, self.plan.turns)
                                .astype(np.int64).sum(axis=1) for var in loop.sums})
        return found


def _turn_role(role: ir.Role, loop: Loop) -> ir.Role:
    """The role running one turn: its code, and each array at the counter as the one
    element a row holds."""
    variables = dict(role.variables)
    for column in loop.columns:
        array = variables.get(column)
        if isinstance(array, t.Array):
            variables[column] = array.element
    return dataclasses.replace(role, code=list(loop.code), variables=variables)


def _rows(value: Any, type_: t.Type | None, shot: np.ndarray, batch: int) -> Any:
    """A value of the shots as a value of the frame's rows (one shot's: the same in all)."""
    if batch == 1:
        return restricted_value(value, type_, np.zeros(1, np.int64), squeeze=True)
    return restricted_value(value, type_, shot)
