"""The one execution of the IR, shared by every back end.

A run's roles run here as processes on a discrete-event clock of integer
picoseconds: a message arrives after its channel's delay, a `wait` lets time
pass, a `within` window closes at its deadline (a message that arrives at the
very instant the window closes is still received), and a process blocked on
a `recv` resumes when its message comes. The machine owns all of that, and
the rule for paths: where the executions of a batch disagree on a branch, each
side becomes a path with a guard saying which executions take it; a path that
only some executions take may compute, but not communicate, wait, allocate or
end the role (that would make the executions disagree on what happens next:
a divergence, which the back end resolves); paths meet again where their
program counters do, and a path that loops back waits there for the others.

What an instruction does to values and qubits is the back end's: the
simulator (batched quantum engines, one value per shot), the circuit lowering
(symbolic bits and a circuit) and the communication check (abstract values)
each implement `Effects`. So a program means the same on every back end by
construction: only the effects differ.
"""

from __future__ import annotations

import itertools
import math
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import EvaluationError
from qnetlang.types import assignable
from qnetlang.runtime.events import Environment, to_ps, to_seconds

# Priorities of events at one instant: a forked process goes on first, then messages
# arrive and processes resume, and only then do `within` windows close.
CONTINUE, ARRIVAL, DEADLINE = -1, 0, 1

# What a path taken by only some executions may not do: anything that changes what
# happens next between processes (or in time), or the set of qubits.
NONLOCAL = frozenset({ir.Alloc, ir.Send, ir.Recv, ir.Select, ir.Wait, ir.Halt})


@dataclass
class Path:
    """A way through a role's code, taken by the executions `guard` stands for (what a
    guard is belongs to the back end: a mask of shots, a condition on bits...)."""

    pc: int
    guard: Any = None
    parked: int | None = None  # where it loops back to, once it waits there for the others


@dataclass
class Message:
    source: str  # the sending role member
    send: ir.Send
    payload: Any  # the back end's: values, qubits, and which executions lost them
    order: int = 0  # of arrival, among every message of the run: a `select` takes the first


class Process:
    """One role member on its node: where its paths are, its inbox, what it waits for."""

    def __init__(self, role: ir.Role, guard: Any) -> None:
        self.role = role
        self.paths = [Path(0, guard)]
        self.inbox: dict[tuple[str, str], deque[Message]] = {}
        self.waiting: ir.Recv | ir.Select | None = None
        self.timer: int | None = None  # the pending deadline of the window it waits in
        self.deadline: int | None = None  # when that window closes (picoseconds)
        self.done = False
        self.data: Any = None  # the back end's state of this process

    @property
    def name(self) -> str:
        return self.role.name

    @property
    def pc(self) -> int:
        return self.paths[0].pc

    @property
    def instruction(self) -> ir.Instr:
        return self.role.code[self.paths[0].pc]


CLOCK_EVERY = 4096  # steps between looks at the wall clock


class StepLimit(Exception):
    """The run executed more instructions than the machine was allowed (`limit`), or ran
    past its wall-clock deadline (`seconds`); `process` was running `instr` then."""

    def __init__(self, limit: int, process: Process, instr: ir.Instr,
                 seconds: float | None = None) -> None:
        super().__init__(f"{limit:,} steps" if seconds is None else f"{seconds:g} s")
        self.limit, self.process, self.instr, self.seconds = limit, process, instr, seconds


class NoRoute(EvaluationError):
    """No channel, or route of channels, leads where a route built-in asks."""


class OffTrack(EvaluationError):
    """A moving channel asked for its delay at a time its track does not cover."""

    def __init__(self, channel: ir.Channel, message: str) -> None:
        super().__init__(message)
        self.channel = channel


class Effects(ABC):
    """What a back end does; the machine decides when, in which order, on which path."""

    def start(self, process: Process) -> None:
        """Sets up the back end's state of a process (`process.data`)."""

    def full(self) -> Any:
        """The guard of a path that every execution takes."""
        return None

    def partial(self, guard: Any) -> bool:
        return guard is not None

    @abstractmethod
    def local(self, process: Process, path: Path, instr: ir.Instr) -> None:
        """Executes an instruction that stays within the process: a gate, a measurement,
        an allocation, an assignment, a random draw, a report or an assertion."""

    @abstractmethod
    def branch(self, process: Process, path: Path,
               instr: ir.Branch) -> list[tuple[int, Any]]:
        """Where the executions of `path` go at a branch: (pc, guard) for each side that
        some of them take."""

    @abstractmethod
    def join(self, process: Process, guards: list[Any]) -> Any:
        """The guard of paths that meet again at one instruction."""

    @abstractmethod
    def diverge(self, process: Process, path: Path, instr: ir.Instr, why: str) -> None:
        """The executions disagree on what the process does next. Raises, or ends the
        process (an analysis that stops following it)."""

    @abstractmethod
    def seconds(self, process: Process, path: Path, expr: ir.Expr, instr: ir.Instr) -> float | None:
        """The length of a `wait` or a `within` window; None when it cannot be known."""

    @abstractmethod
    def send(self, process: Process, path: Path, instr: ir.Send,
             channel: ir.Channel | None) -> Any:
        """The payload of a message (qubits sent leave the process here)."""

    def arrive(self, process: Process, message: Message, channel: ir.Channel | None) -> None:
        """A message reaches the node of its receiver (a qubit enters its memory)."""

    @abstractmethod
    def receive(self, process: Process, path: Path, instr: ir.Recv,
                message: Message) -> bool | tuple[Any, Any]:
        """Takes the message into the targets of `instr`; False when it never really came
        (a qubit lost on the way), so that the process goes on waiting. When the window
        closes at this very instant and only some executions got the message, the guards
        of those that did and of those whose window closes."""

    def timed_out(self, process: Process, instr: ir.Recv) -> None:
        """A `within` window closed before its message came."""

    @abstractmethod
    def peer(self, process: Process, path: Path, instr: ir.Send) -> str | None:
        """The member a message with a computed destination (`dest_index`) goes to; None
        when the back end stops following the process. Raises, or stops following it,
        where the index names no member."""

    @abstractmethod
    def no_route(self, process: Process, instr: ir.Send, dest: str) -> None:
        """No channel nor route leads to the member a computed destination names. Raises,
        or ends the process (an analysis that reports it)."""

    @abstractmethod
    def off_track(self, process: Process, instr: ir.Send, channel: ir.Channel,
                  why: str) -> None:
        """A message would leave on a moving channel at a time its track does not cover.
        Raises, or ends the process (an analysis that reports it)."""

    def halt(self, process: Process) -> None:
        """The process ended."""


class Machine:
    """Runs the processes of one run with one back end's effects."""

    def __init__(self, run: ir.Run, effects: Effects, env: Environment | None = None,
                 max_steps: int | None = None,
                 tracer: Callable[[dict[str, Any], Any], None] | None = None,
                 deadline: tuple[float, float] | None = None) -> None:
        self.run = run
        # the run's `duration`: nothing happens after it (None: the run goes on as long as
        # something can happen)
        duration = run.settings.get("duration")
        self.until = None if duration is None else to_ps(duration)
        self.arrivals = itertools.count(1)
        self._hosted: dict[str, dict[str, int]] = {}  # of next_hop and neighbours
        self.effects = effects
        self.env = env if env is not None else Environment(None)
        self.max_steps = max_steps
        # (seconds allowed, the time.monotonic() by which they are up), checked now and then
        self.deadline = deadline
        self.steps = 0
        self.lengths: dict[int, ir.Expr] = {}  # of trains: see train_length
        self.tracer = tracer
        self.processes = {name: Process(role, effects.full()) for name, role in run.roles.items()}
        for process in self.processes.values():
            effects.start(process)

    # ---------------------------------------------------------------- running

    def go(self) -> list[Process]:
        """Runs every process until nothing can happen any more; returns those still
        waiting for a message (that never comes)."""
        for process in self.processes.values():
            self.env.schedule(0, self.resume, process)
        return self.finish()

    def finish(self) -> list[Process]:
        """Runs the events left (up to the run's `duration`); a window whose length could
        not be known closes when nothing else can happen. Returns the processes stuck in
        a `recv`: not those a `duration` stopped, nor those that serve in a `select`."""
        while True:
            self.env.run(self.until)
            if self.cut_short():
                return []
            undated = next((p for p in self.processes.values()
                            if p.waiting is not None and p.waiting.on_timeout is not None
                            and p.timer is None), None)
            if undated is None:
                break
            self.time_out(undated, undated.waiting)
        return [p for p in self.processes.values()
                if not p.done and not isinstance(p.waiting, ir.Select)]

    def cut_short(self) -> bool:
        """Whether the run's `duration` stopped it with events still to come."""
        return self.until is not None and self.env.pending > 0

    def trace(self, process: Process, event: str, guard: Any = None, **details: Any) -> None:
        """Records an event of the process, for the executions of `guard` (None: all)."""
        if self.tracer is not None:
            self.tracer({"t_ps": self.env.now, "role": process.name, "node": process.role.node,
                         "event": event, **details}, guard)

    def resume(self, process: Process) -> None:
        code = process.role.code
        effects = self.effects
        while not process.done:
            path = process.paths[0]
            instr = code[path.pc]
            self.steps += 1
            if self.max_steps is not None and self.steps > self.max_steps:
                raise StepLimit(self.max_steps, process, instr)
            if self.deadline is not None and self.steps % CLOCK_EVERY == 0 and \
                    time.monotonic() > self.deadline[1]:
                raise StepLimit(self.steps, process, instr, self.deadline[0])
            partial = effects.partial(path.guard)
            if partial:
                if type(instr) in NONLOCAL:
                    effects.diverge(process, path, instr, _WHY[type(instr)])
                    return
                if isinstance(instr, ir.Jump) and instr.target <= path.pc:
                    self.park(process, path, instr)
                    continue
            if not _STEP[type(instr)](self, process, path, instr):
                return
            if partial or len(process.paths) > 1:
                self.reunite(process)

    def park(self, process: Process, path: Path, jump: ir.Jump) -> None:
        """A path that loops back waits there for the others (the next turn of a loop);
        when every path waits at the same place, they go on together."""
        path.parked = jump.target
        moving = [p for p in process.paths if p.parked is None]
        if moving:
            process.paths = moving + [p for p in process.paths if p.parked is not None]
            return
        if len({p.parked for p in process.paths}) != 1:
            self.effects.diverge(process, path, jump, "its executions loop back to different "
                                                      "places")
            return
        for waiting in process.paths:
            waiting.pc, waiting.parked = jump.target, None
        self.reunite(process)

    def reunite(self, process: Process) -> None:
        """Merges the paths at the earliest instruction (every path that can still get
        there has, since the earliest runs first), so the earliest moving path runs next."""
        paths = sorted(process.paths, key=lambda p: (p.parked is not None, p.pc))
        first = (paths[0].pc, paths[0].parked)
        meeting = [p for p in paths if (p.pc, p.parked) == first]
        if len(meeting) > 1:
            guard = self.effects.join(process, [p.guard for p in meeting])
            paths = [Path(first[0], guard, first[1])] + paths[len(meeting):]
        process.paths = paths

    # ---------------------------------------------------------------- messages and time

    def channel(self, source: str, dest: str, kind: str) -> ir.Channel | None:
        """The channel a message from one role member to another travels on (None
        between roles on one node)."""
        a, b = self.run.roles[source].node, self.run.roles[dest].node
        return self.run.network.channel(a, b, kind) if a != b else None

    def route(self, source: str, dest: str) -> tuple[ir.Channel, ...] | None:
        """The classical channels a message from one role member to another is forwarded
        over where no classical channel joins their nodes (None: there is one, or the
        roles share a node, or no path leads there)."""
        a, b = self.run.roles[source].node, self.run.roles[dest].node
        return self.run.network.route(a, b) if a != b else None

    def latency(self, process: Process, builtin: ir.Builtin) -> float:
        """`latency(a, b)`: the seconds a message takes from a's node to b's (b left out:
        the process's own), over the quantum channel between them, else the classical,
        else the classical route."""
        source, dest = (arg.value for arg in builtin.args)  # type: ignore[attr-defined]
        a, b = self.run.roles[source].node, self.run.roles[dest or process.name].node
        if a == b:
            return 0.0
        network = self.run.network
        channel = network.channel(a, b, "quantum") or network.channel(a, b, "classical")
        if channel is not None:
            try:
                return channel.delay_at(to_seconds(self.env.now))
            except ValueError as error:  # past the end of its track
                raise OffTrack(channel, f"channel `{channel.id}` has no length now: "
                                        f"{error}") from None
        route = network.route(a, b)
        if route is None:
            raise EvaluationError(f"no channel leads from `{source}` to `{dest or process.name}`")
        return to_seconds(_route_ps(route))

    def next_hop(self, process: Process, index: Any) -> tuple[int, int]:
        """The member of the process's family a message to member `index` goes to
        first, and how many channels it crosses: the classical channel between their
        nodes, or the route messages are forwarded on (`next_hop`, `hop_count`)."""
        family, target = self.member(process, index)
        a, b = process.role.node, self.run.roles[target].node
        if a == b:
            return int(index), 0
        network = self.run.network
        if network.channel(a, b, "classical") is not None:
            return int(index), 1
        route = network.route(a, b)
        if route is None:
            raise NoRoute(f"no classical channel or route leads from node `{a}` to node `{b}`")
        return self.member_on(family, route[0].target), len(route)

    def transmittance(self, process: Process, index: Any) -> float:
        """`transmittance(k)`: the share of photons the quantum channel from the process's
        node to member k's delivers now (its attenuation, fixed losses, loss table)."""
        _, target = self.member(process, index)
        a, b = process.role.node, self.run.roles[target].node
        if a == b:
            raise EvaluationError(f"`{target}` runs on this node, `{a}`: no channel joins them")
        channel = self.run.network.channel(a, b, "quantum")
        if channel is None:
            raise NoRoute(f"no quantum channel leads from node `{a}` to node `{b}`, where "
                          f"`{target}` runs")
        try:
            return float(channel.transmittance_at(to_seconds(self.env.now) if channel.moving
                                                  else None))
        except ValueError as error:  # past the end of its track
            raise OffTrack(channel, str(error)) from None

    def neighbours(self, process: Process) -> list[int]:
        """The members of the process's family on the nodes a classical channel from its
        node reaches, in increasing order (`neighbours()`)."""
        family, _ = self.member(process, None)
        node = process.role.node
        return sorted(self.hosted(family)[c.target] for c in self.run.network.channels
                      if c.kind == "classical" and c.source == node and
                      c.target in self.hosted(family))

    def member(self, process: Process, index: Any) -> tuple[str, str]:
        """The process's family, and its member `index` (checked)."""
        family = process.name.partition("[")[0]
        if family == process.name:
            raise EvaluationError(f"role `{family}` is not a family: routes are between "
                                  "members of one family")
        if index is None:
            return family, process.name
        return family, self.family_member(family, index)

    def family_member(self, family: str, index: Any) -> str:
        """The member `index` of a role family, where there is one."""
        member = f"{family}[{int(index)}]" if float(index).is_integer() else ""
        if member not in self.run.roles:
            size = sum(name.startswith(f"{family}[") for name in self.run.roles)
            raise EvaluationError(f"`{family}[{index}]` is no member of role family "
                                  f"`{family}`, whose members are 0 to {size - 1}")
        return member

    def member_on(self, family: str, node: str) -> int:
        found = self.hosted(family).get(node)
        if found is None:
            raise EvaluationError(f"node `{node}`, on the way, hosts no member of role family "
                                  f"`{family}`")
        return found

    def hosted(self, family: str) -> dict[str, int]:
        """Node -> the index of the member of `family` on it (the first, if several)."""
        known = self._hosted.get(family)
        if known is None:
            known = self._hosted[family] = {}
            for name, role in self.run.roles.items():
                base, _, rest = name.partition("[")
                if base == family and rest:
                    known.setdefault(role.node, int(rest[:-1]))
        return known

    def closes_alone(self, process: Process) -> bool:
        """Whether the window the process waits in closes at this very instant with nothing
        else left to happen at it: then running its `else` now or at its deadline event
        is the same."""
        if process.deadline != self.env.now:
            return False
        return all(getattr(callback, "__func__", None) is Machine.time_out and
                   args[0] is process for callback, args in self.env.due_now())

    def deliver(self, process: Process, message: Message, channel: ir.Channel | None) -> None:
        self.effects.arrive(process, message, channel)
        key = (message.source, message.send.kind)
        message.order = next(self.arrivals)
        process.inbox.setdefault(key, deque()).append(message)
        waiting = process.waiting
        if waiting is not None and any(recv.kind == key[1] and recv.source in (key[0], ir.ANY)
                                       for recv in receives(process, waiting)):
            self.resume(process)

    @staticmethod
    def next_message(process: Process, recv: ir.Recv) -> deque[Message] | None:
        """The queue of the inbox whose first message the `recv` takes next: its source's
        (whatever its type: a wrong one is an error), or from any source the one whose
        first message of the `recv`'s type came first."""
        if recv.source != ir.ANY:
            return process.inbox.get((recv.source, recv.kind))
        best: deque[Message] | None = None
        for (_, kind), queue in process.inbox.items():
            if kind == recv.kind and queue and \
                    assignable(recv.message_type, queue[0].send.message_type) and \
                    (best is None or queue[0].order < best[0].order):
                best = queue
        return best

    def time_out(self, process: Process, waiting: ir.Recv | ir.Select) -> None:
        """The window of the `recv` (or the `select`) the process waits in closes."""
        if process.waiting is not waiting:
            return
        assert waiting.on_timeout is not None
        process.waiting = process.timer = process.deadline = None
        process.paths[0].pc = waiting.on_timeout
        if isinstance(waiting, ir.Recv):
            self.trace(process, "timeout", source=waiting.source, kind=waiting.kind)
            self.effects.timed_out(process, waiting)
        else:  # what a `select` did not take waits for a later `recv` or `select`
            self.trace(process, "timeout")
            for recv in receives(process, waiting):
                self.effects.timed_out(process, recv)
        self.resume(process)

    # ---------------------------------------------------------------- instructions
    # Each returns False when the process must wait.

    def step_local(self, process: Process, path: Path, instr: ir.Instr) -> bool:
        self.effects.local(process, path, instr)
        path.pc += 1
        return True

    def step_send(self, process: Process, path: Path, instr: ir.Send) -> bool:
        dest = instr.dest
        if instr.dest_index is not None:  # a member worked out now
            found = self.effects.peer(process, path, instr)
            if found is None:  # the back end stopped following the process
                return False
            dest = found
        channel = self.channel(process.name, dest, instr.kind)
        lasting = last = 0.0  # a train's: how long it takes to leave, when its last pulse does
        if instr.pulses is not None:  # first, since working it out may split a batch
            lasting = self.effects.seconds(process, path, self.train_length(process, instr),
                                           instr) or 0.0
            last = max(lasting - 1 / self.pulse_rate(process), 0.0)
        delay = 0
        if channel is not None:
            try:  # a train's arrives with its last pulse, at that pulse's delay
                channel.delay_at(to_seconds(self.env.now))
                delay = to_ps(last) + to_ps(channel.delay_at(to_seconds(self.env.now) + last))
            except ValueError as error:  # a moving channel, past the end of its track
                self.effects.off_track(process, instr, channel, str(error))
                return False
        message = Message(process.name, instr, self.effects.send(process, path, instr, channel))
        route = self.route(process.name, dest) if channel is None and \
            instr.kind == "classical" else None
        forwarded: dict[str, Any] = {}
        if route is not None:  # stored and forwarded: each hop's delay in turn
            delay = _route_ps(route)
            forwarded["route"] = [route[0].source] + [hop.target for hop in route]
        elif channel is None and instr.dest_index is not None and \
                self.run.roles[process.name].node != self.run.roles[dest].node:
            self.effects.no_route(process, instr, dest)
            return False
        self.trace(process, "send", to=dest, kind=instr.kind, **forwarded)
        self.env.schedule_with_priority(ARRIVAL, delay, self.deliver,
                                        self.processes[dest], message, channel)
        path.pc += 1
        if lasting:  # the sender is busy until its train has left
            self.env.schedule(to_ps(lasting), self.resume, process)
            return False
        return True

    def train_length(self, process: Process, instr: ir.Send) -> ir.Expr:
        """How long the pulses of a train take to leave, their number over the rate of
        the sender's source, as an expression the back end works out (made once)."""
        known = self.lengths.get(id(instr))
        if known is None:
            assert instr.pulses is not None
            known = self.lengths[id(instr)] = ir.Binary(
                "/", instr.pulses, ir.Const(self.pulse_rate(process)), span=instr.pulses.span)
        return known

    def pulse_rate(self, process: Process) -> float:
        """The rate of the source on the process's node; where it has none (an error the
        check reports, E0603, while it goes on to the other passes), pulses take no time."""
        source = self.run.network.nodes[process.role.node].source
        return source.rate if source is not None and source.rate else math.inf

    def step_recv(self, process: Process, path: Path, instr: ir.Recv) -> bool:
        queue = self.next_message(process, instr)
        while queue:
            sender = queue[0].source  # the source's, or for `from any` whichever sent it
            received = self.effects.receive(process, path, instr, queue[0])
            queue.popleft()
            if not received:
                continue
            if process.timer is not None:
                self.env.cancel(process.timer)
            process.waiting = process.timer = process.deadline = None
            path.pc += 1
            if isinstance(received, tuple):  # the others' window closes now
                path.guard, closed = received
                assert instr.on_timeout is not None
                process.paths.append(Path(instr.on_timeout, closed))
                self.trace(process, "recv", path.guard, source=sender, kind=instr.kind)
                self.trace(process, "timeout", closed, source=instr.source, kind=instr.kind)
            else:
                self.trace(process, "recv", source=sender, kind=instr.kind)
            return True
        self.open_window(process, path, instr)
        return False

    def open_window(self, process: Process, path: Path, instr: ir.Recv | ir.Select) -> None:
        """The process waits in `instr`, until its `within` (or `after`) time if it has
        one. The window's length first: working it out may split a batch, and a split
        batch comes back here to open its window."""
        if process.waiting is instr:
            return
        length = None if instr.timeout is None else \
            self.effects.seconds(process, path, instr.timeout, instr)
        process.waiting = instr
        if length is not None:
            process.deadline = self.env.now + to_ps(length)
            process.timer = self.env.schedule_with_priority(
                DEADLINE, to_ps(length), self.time_out, process, instr)

    def step_select(self, process: Process, path: Path, instr: ir.Select) -> bool:
        """Goes to the arm that takes the first message to have arrived, if one does; else
        waits for one (and for the `after` arm's time, if it has one). A message from an
        arm's source (or from any, for `from any`) goes to the arm of its very type, else
        to the first arm whose type holds it: arms for one source tell types apart."""
        arms = receives(process, instr)
        heads: dict[int, Message] = {}  # the first message of each queue an arm reads
        for arm in arms:
            for key, queue in process.inbox.items():
                if queue and key[1] == arm.kind and arm.source in (key[0], ir.ANY):
                    heads[id(queue)] = queue[0]
        for message in sorted(heads.values(), key=lambda m: m.order):
            taker = _taker(arms, message)
            if taker is not None:
                if process.timer is not None:
                    self.env.cancel(process.timer)
                process.waiting = process.timer = process.deadline = None
                path.pc = instr.arms[taker]  # its `recv` takes the message
                return True
        self.open_window(process, path, instr)
        return False

    def step_wait(self, process: Process, path: Path, instr: ir.Wait) -> bool:
        length = self.effects.seconds(process, path, instr.duration, instr)
        path.pc += 1
        self.env.schedule(to_ps(length or 0.0), self.resume, process)
        return False

    def step_jump(self, process: Process, path: Path, instr: ir.Jump) -> bool:
        # A path that waited here for others before a batch split (Effects.diverge) and
        # is alone in its part of the batch now goes on: it waits no more.
        path.pc, path.parked = instr.target, None
        return True

    def step_branch(self, process: Process, path: Path, instr: ir.Branch) -> bool:
        successors = self.effects.branch(process, path, instr)
        if not successors:  # the back end stopped following the process
            return False
        path.pc, path.guard = successors[0]
        process.paths += [Path(pc, guard) for pc, guard in successors[1:]]
        return True

    def step_halt(self, process: Process, path: Path, instr: ir.Halt) -> bool:
        process.done = True
        self.effects.halt(process)
        return False


_STEP: dict[type, Callable[..., bool]] = {
    ir.Alloc: Machine.step_local, ir.Gate: Machine.step_local, ir.Measure: Machine.step_local,
    ir.Reset: Machine.step_local, ir.Assign: Machine.step_local, ir.Random: Machine.step_local,
    ir.Report: Machine.step_local, ir.Assert: Machine.step_local,
    ir.Send: Machine.step_send, ir.Recv: Machine.step_recv, ir.Select: Machine.step_select,
    ir.Wait: Machine.step_wait,
    ir.Jump: Machine.step_jump, ir.Branch: Machine.step_branch, ir.Halt: Machine.step_halt,
}

_WHY = {
    ir.Alloc: "declaring a qubit", ir.Send: "sending", ir.Recv: "receiving",
    ir.Select: "waiting in a `select`",
    ir.Wait: "waiting", ir.Halt: "ending the role",
}


def _taker(arms: list[ir.Recv], message: Message) -> int | None:
    """The arm of a `select` that takes a message: of its very type, else the first whose
    type holds it, among those that read its source; None if none does."""
    reading = [k for k, arm in enumerate(arms) if arm.kind == message.send.kind and
               arm.source in (message.source, ir.ANY)]
    sent = message.send.message_type
    exact = [k for k in reading if arms[k].message_type == sent]
    holding = [k for k in reading if assignable(arms[k].message_type, sent)]
    return (exact or holding or [None])[0]


def receives(process: Process, waiting: ir.Recv | ir.Select) -> list[ir.Recv]:
    """The `recv` a process waits in, or those of the arms of its `select`."""
    if isinstance(waiting, ir.Recv):
        return [waiting]
    return [process.role.code[pc] for pc in waiting.arms]  # type: ignore[misc]


def _route_ps(route: tuple[ir.Channel, ...]) -> int:
    """A forwarded message's flight: each hop's delay, timed in picoseconds in turn (as
    `ir.Network.route` chooses routes)."""
    return sum(to_ps(hop.delay) for hop in route)
