"""The intermediate representation that the simulator and the compiler consume.

A run is a network with every family and loop expanded and every parameter
in SI units, and, for each role member bound to a node, a flat instruction
stream: local quantum operations on named qubit slots ("units"), classical
operations on variables, communication with the channel it travels on, and
jumps. Functions are inlined and block-scoped names made unique, so a role's
program is a plain list. Spans are kept so that runtime and compile errors
point at source lines. The JSON form is documented in docs/ir.md.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from qnetlang.network.curves import Curve
from qnetlang.runtime.events import to_ps
from qnetlang.types import CLICKS, Type
from qnetlang.units import SPEED_OF_LIGHT
from qnetlang.source import Span


@dataclass
class IRNode:
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


# ---------------------------------------------------------------- network


@dataclass
class Memory:
    """Decoherence of stored qubits: T1 (relaxation), T2 (dephasing) and a depolarizing
    time, in seconds; None where the network sets none, and that process is absent."""

    t1: float | None = None
    t2: float | None = None
    depolarizing_time: float | None = None


def dark_count_per_gate(rate: float, gate: float) -> float:
    """The probability of a dark count in a gate of `gate` seconds at `rate` per second
    (dark counts are a Poisson process)."""
    return -math.expm1(-rate * gate)


@dataclass
class Detector(IRNode):
    """A node's pair of threshold detectors, one per outcome (`device NAME:
    threshold_detector { ... }`), its fields the detector parameters of
    qnetlang.ir.parameters. Each message of qubits sent to the node over a quantum
    channel opens one gate, at the instant it would arrive: it is detected with
    probability `efficiency` if it arrived, and each detector clicks in the dark with
    probability `dark_count_probability`. A click without the photon, or a second
    click with it (squashed to a random bit), gives a maximally mixed qubit."""

    name: str
    efficiency: float = 1.0
    dark_count: float = 0.0  # per gate
    dark_count_rate: float | None = None  # per second, in gates of `gate_width` seconds
    gate_width: float | None = None
    dead_time: float = 0.0  # these three act on pulse trains only
    afterpulse: float = 0.0
    jitter: float = 0.0

    @property
    def dark_count_probability(self) -> float:
        """The probability of a dark count in one gate, however it was given."""
        if self.dark_count_rate is not None and self.gate_width is not None:
            return dark_count_per_gate(self.dark_count_rate, self.gate_width)
        return self.dark_count

    @property
    def ideal(self) -> bool:
        """Whether it passes every message on as it arrived: it misses none (a dark count
        acts even with the photon there, by a second click)."""
        return self.efficiency == 1.0 and self.dark_count_probability == 0.0


@dataclass
class Source(IRNode):
    """A node's light source for pulse trains (`send pulses(n) to r`): a weak coherent
    one (`weak_coherent_source`: signal, decoy and vacuum pulses) or a single-photon one;
    or of entangled pairs (`spdc_source`, `send pairs(n) to r`); its fields the source
    parameters of qnetlang.ir.parameters."""

    name: str
    kind: str  # "weak_coherent_source", "single_photon_source" or "spdc_source"
    rate: float | None = None  # required: the checker saw it given
    mean_photons: float | None = None  # a weak coherent source's (required there)
    decoy: float = 0.0
    decoy_probability: float = 0.0
    vacuum_probability: float = 0.0
    efficiency: float = 1.0
    multi_photon: float = 0.0
    z_probability: float = 0.5
    mean_pairs: float | None = None  # an SPDC source's (required there)

    @property
    def pairs(self) -> bool:
        """Whether it sends entangled pairs (`send pairs(n)`), not pulses."""
        return self.kind == "spdc_source"


@dataclass
class Analyser(IRNode):
    """The optics of a node that receives pulse trains, before its detectors."""

    name: str
    misalignment: float = 0.0
    z_probability: float = 0.5
    efficiency: float = 1.0


@dataclass
class Node(IRNode):
    """A node; its noise fields are the node parameters of qnetlang.ir.parameters."""

    name: str
    qubits: int | None  # memory capacity; None when the network sets none
    memory: Memory = field(default_factory=Memory)
    gate_error: float = 0.0  # depolarizing probability after each gate
    readout_error: float = 0.0  # probability that a measurement outcome flips
    kind: str | None = None  # as a topology file names it (`TrustedRepeaterNode`)
    detector: Detector | None = None  # None: every qubit that arrives is detected, alone
    source: Source | None = None  # of pulse trains
    analyser: Analyser | None = None  # None: ideal optics, both bases alike
    position: tuple[float, float] | None = None  # (latitude, longitude) in degrees


FIBER_REFRACTIVE_INDEX = 1.468


@dataclass
class Channel(IRNode):
    """One direction of one channel of a link, with its physics in SI units (the channel
    parameters of qnetlang.ir.parameters)."""

    id: str
    kind: str  # "classical" or "quantum"
    model: str  # "fiber", "free_space", ...
    source: str
    target: str
    length: float = 0.0  # metres
    refractive_index: float = 1.0
    attenuation: float = 0.0  # dB per metre
    loss: float = 0.0  # dB, fixed (connectors, coupling, ...)
    depolarizing: float = 0.0  # probability, for a qubit in transit
    dephasing: float = 0.0  # probability of a Z error, for a qubit in transit
    track: str | None = None  # the files, as the program names them
    loss_table: str | None = None
    # what they hold: the length against time, and the loss against length
    track_curve: Curve | None = field(default=None, compare=False, repr=False)
    loss_curve: Curve | None = field(default=None, compare=False, repr=False)

    @property
    def moving(self) -> bool:
        """Whether its length follows a track: then its delay and loss depend on when a
        message leaves (`delay_at`, `transmittance_at`), and its properties of no time
        are refused."""
        return self.track_curve is not None

    @property
    def delay(self) -> float:
        """Seconds from send to arrival: length / (c / n)."""
        return self.delay_at(None)

    @property
    def total_loss(self) -> float:
        """dB lost on the way: attenuation times length (or the loss table at the
        length) plus fixed losses."""
        return self.loss_at(None)

    @property
    def transmittance(self) -> float:
        return self.transmittance_at(None)

    @property
    def may_lose(self) -> bool:
        """Whether some message may be lost on it, at some time."""
        if self.loss_curve is not None:
            return self.loss > 0 or max(self.loss_curve.y) > 0
        return self.loss > 0 or self.attenuation > 0

    # Each property of a time is also one of a numpy array of times (a pulse train's),
    # element by element: a curve is read at each (`Curve.__call__`).

    def length_at(self, seconds: Any) -> Any:
        """The length (m) at a time of the run (s); None: a fixed channel's."""
        if self.track_curve is None:
            return self.length
        if seconds is None:
            raise ValueError(f"channel `{self.id}` moves: its length depends on the time")
        return _read(self.track_curve, seconds)

    def delay_at(self, seconds: Any) -> Any:
        return self.length_at(seconds) * self.refractive_index / SPEED_OF_LIGHT

    def loss_at(self, seconds: Any) -> Any:
        length = self.length_at(seconds)
        if self.loss_curve is not None:
            return _read(self.loss_curve, length) + self.loss
        return self.attenuation * length + self.loss

    def transmittance_at(self, seconds: Any) -> Any:
        return 10 ** (-self.loss_at(seconds) / 10)


def _read(curve: Curve, at: Any) -> Any:
    """A curve at a number, or at each of an array."""
    return curve.at(at) if isinstance(at, (int, float)) else curve(at)


@dataclass
class Network(IRNode):
    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    channels: list[Channel] = field(default_factory=list)

    _index: dict[tuple[str, str, str], Channel] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _indexed: int = field(default=0, init=False, repr=False, compare=False)
    # source -> node -> the channel a route from source arrives on (see `route`)
    _routes: dict[str, dict[str, Channel | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def channel(self, source: str, target: str, kind: str) -> Channel | None:
        """The first channel of `kind` from `source` to `target`, if there is one."""
        if self._indexed != len(self.channels):
            self._index = {}
            for channel in reversed(self.channels):
                self._index[(channel.source, channel.target, channel.kind)] = channel
            self._indexed = len(self.channels)
            self._routes = {}
        return self._index.get((source, target, kind))

    def route(self, source: str, target: str) -> tuple[Channel, ...] | None:
        """The classical channels a message takes from `source` to `target` where no
        classical channel joins them: stored and forwarded by the nodes between, along
        the path of least delay (of fewer hops where delays tie, and then through the
        node Dijkstra reached first, nearer the source or first by name); None where
        no path leads there. A route and its way back may differ where they tie."""
        self.channel(source, target, "classical")  # the index is up to date
        if source not in self._routes:
            self._routes[source] = self._arrivals(source)
        arrivals = self._routes[source]
        if target == source or target not in arrivals:
            return None
        hops: list[Channel] = []
        while target != source:
            channel = arrivals[target]
            assert channel is not None
            hops.append(channel)
            target = channel.source
        return tuple(reversed(hops))

    def _arrivals(self, source: str) -> dict[str, Channel | None]:
        """Dijkstra's shortest paths from `source` over the classical channels (the first
        of each pair of nodes), timed in picoseconds as messages are: the channel each
        node is reached by."""
        leaving: dict[str, list[Channel]] = {}
        for (start, _, kind), channel in self._index.items():
            if kind == "classical":
                leaving.setdefault(start, []).append(channel)
        arrivals: dict[str, Channel | None] = {}
        pushed = 0  # the last key: entries never compare their channels
        heap: list[tuple[int, int, str, int, Channel | None]] = [(0, 0, source, 0, None)]
        while heap:
            delay, hops, node, _, channel = heapq.heappop(heap)
            if node in arrivals:
                continue
            arrivals[node] = channel
            for leaving_channel in sorted(leaving.get(node, ()), key=lambda c: c.target):
                if leaving_channel.target not in arrivals and not leaving_channel.moving:
                    pushed += 1
                    heapq.heappush(heap, (delay + to_ps(leaving_channel.delay), hops + 1,
                                          leaving_channel.target, pushed, leaving_channel))
        return arrivals


# ---------------------------------------------------------------- expressions
# Pure classical expressions; measurement, reception and randomness are instructions.


@dataclass
class Expr(IRNode):
    type: Type | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass
class Const(Expr):
    value: Any


@dataclass
class Var(Expr):
    """A classical variable of the role, optionally indexed (`bits[i]`)."""

    name: str
    index: Expr | None = None


@dataclass
class Unit(Expr):
    """A qubit slot of the role, optionally indexed (`reg[i]`)."""

    name: str
    index: Expr | None = None


@dataclass
class Unary(Expr):
    op: str
    operand: Expr


@dataclass
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass
class Builtin(Expr):
    """A pure built-in function (`sqrt`, `len`, ...) or the `fidelity` oracle."""

    name: str
    args: list[Expr]


@dataclass
class TupleOf(Expr):
    items: list[Expr]


@dataclass
class ArrayOf(Expr):
    items: list[Expr]


@dataclass
class Index(Expr):
    """An element of a tuple or array value that is not a variable (`f(x)[0]`)."""

    target: Expr
    index: Expr


def children(expr: Expr) -> tuple[Expr, ...]:
    """The expressions directly inside `expr`, in source order."""
    return _CHILDREN[type(expr)](expr)


def _indexed(expr: Var | Unit) -> tuple[Expr, ...]:
    return (expr.index,) if expr.index is not None else ()


_CHILDREN: dict[type, Callable[[Any], tuple[Expr, ...]]] = {
    Const: lambda expr: (),
    Var: _indexed,
    Unit: _indexed,
    Binary: lambda expr: (expr.left, expr.right),
    Unary: lambda expr: (expr.operand,),
    Builtin: lambda expr: tuple(expr.args),
    TupleOf: lambda expr: tuple(expr.items),
    ArrayOf: lambda expr: tuple(expr.items),
    Index: lambda expr: (expr.target, expr.index),
}


def subexpressions(expr: Expr) -> Iterator[Expr]:
    """`expr` and every expression inside it, parents first."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack += reversed(children(node))


def variables_read(expr: Expr | None) -> set[str]:
    """The variables an expression reads, indices included."""
    if expr is None:
        return set()
    return {node.name for node in subexpressions(expr) if isinstance(node, Var)}


# ---------------------------------------------------------------- instructions


@dataclass
class Instr(IRNode):
    pass


@dataclass
class Alloc(Instr):
    """A fresh qubit in `state`: "0", "1", "+", "-", "+i" or "-i"."""

    unit: Unit
    state: str = "0"


@dataclass
class Gate(Instr):
    name: str
    units: list[Unit]
    params: list[Expr] = field(default_factory=list)


@dataclass
class Measure(Instr):
    """Measures `unit` in `basis` (z, x, y, or the plane xy/yz/xz at `angle`) into `target`."""

    unit: Unit
    target: Var
    basis: str = "z"
    angle: Expr | None = None


@dataclass
class Reset(Instr):
    unit: Unit


@dataclass
class Assign(Instr):
    target: Var
    value: Expr


@dataclass
class Random(Instr):
    """`random()` (a fair bit) or `uniform()` (a float in [0, 1)) into `target`."""

    target: Var
    kind: str


@dataclass
class Send(Instr):
    """Sends `value` (classical), `units` (qubits, which leave the role) or a train of
    `pulses` pulses from the node's source to `dest`. A train's send lasts as long as
    its pulses take to leave; `record` keeps what the sender knows of them. A train of
    `pairs` sends one photon of each entangled pair and keeps the other, which the
    sender's node analyses: its record is its own clicks."""

    dest: str
    kind: str  # "classical" or "quantum"
    message_type: Type
    value: Expr | None = None
    units: list[Unit] = field(default_factory=list)
    channel: str | None = None
    pulses: Expr | None = None
    record: Var | None = None
    pairs: bool = False
    # a classical message to a member of the family `dest` whose index is worked out as
    # the run goes (`send m to relay[next];`)
    dest_index: Expr | None = None


ANY = "*"  # the source of `recv T from any`: a message from whichever role


@dataclass
class Recv(Instr):
    """Receives from `source` into `targets` (variables, or units for qubits).

    With a timeout, a message that does not arrive in time (or a lost qubit)
    makes the role jump to `on_timeout`.
    """

    source: str
    kind: str
    message_type: Type
    targets: list[Var | Unit] = field(default_factory=list)
    channel: str | None = None
    timeout: Expr | None = None
    on_timeout: int | None = None


@dataclass
class Select(Instr):
    """Waits for the first of several messages and goes to its arm: `arms` are the
    positions of the arms' `Recv`s, which take the message there. With a `timeout`, when
    none has arrived that long after the `select` began, it goes to `on_timeout`. Of
    messages waiting already, the one that arrived first wins (messages due at one instant
    arrive in the order their sends were made); it goes to the arm of its very type, else
    to the first arm whose type holds it."""

    arms: list[int]
    timeout: Expr | None = None
    on_timeout: int | None = None


@dataclass
class Wait(Instr):
    duration: Expr


REPORT_KINDS = ("mean", "total", "ratio")


@dataclass
class Report(Instr):
    """A value for the run's results. `kind` says how a run sums them up (`mean`,
    `total`, or `ratio`: then `value` is the numerator and `denominator` the other)."""

    name: str
    value: Expr
    kind: str = "mean"
    denominator: Expr | None = None


@dataclass
class Assert(Instr):
    condition: Expr
    message: str | None = None


@dataclass
class Jump(Instr):
    target: int


@dataclass
class Branch(Instr):
    """Goes on when `condition` holds, else jumps to `otherwise`.

    `join` is where the paths meet again (the end of the `if`, or the exit of
    a loop), which lets an analysis skip a branch it cannot decide.
    """

    condition: Expr
    otherwise: int
    join: int
    loop: bool = False


@dataclass
class Halt(Instr):
    """The end of the role (a `return` in the role body, or its last line)."""


def successors(instr: Instr, pc: int) -> list[int]:
    """Where control goes after the instruction at `pc`: the role's control flow, once."""
    if isinstance(instr, Jump):
        return [instr.target]
    if isinstance(instr, Halt):
        return []
    if isinstance(instr, Branch):
        return [pc + 1, instr.otherwise]
    if isinstance(instr, Recv) and instr.on_timeout is not None:
        return [pc + 1, instr.on_timeout]
    if isinstance(instr, Select):
        return instr.arms + ([] if instr.on_timeout is None else [instr.on_timeout])
    return [pc + 1]


@functools.cache
def _operand_fields(kind: type) -> tuple[str, ...]:
    """The fields of an instruction that may hold expressions (or lists of them)."""
    return tuple(f.name for f in fields(kind)
                 if set(re.findall(r"\w+", str(f.type))) & {"Expr", "Unit", "Var"})


def expressions_of(instr: Instr) -> Iterator[Expr]:
    """Every expression in an instruction, its places (variables, qubits) included."""
    for name in _operand_fields(type(instr)):
        value = getattr(instr, name)
        if isinstance(value, Expr):
            yield from subexpressions(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Expr):
                    yield from subexpressions(item)


# ---------------------------------------------------------------- runs


@dataclass
class Role(IRNode):
    """One role member bound to a node, with its program."""

    name: str  # "alice", or "hop[2]" for a family member
    node: str
    code: list[Instr] = field(default_factory=list)
    units: dict[str, int | None] = field(default_factory=dict)  # qubit slots: name -> size
    variables: dict[str, Type] = field(default_factory=dict)
    # Members of a role family whose code is the same but for their peers share a number
    # (semantics/families.py), so a check whose findings do not depend on the peers makes
    # them once; None: a role lowered on its own.
    shape: int | None = field(default=None, compare=False)


@dataclass
class Run(IRNode):
    name: str
    protocol: str
    network: Network
    arguments: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    # The grid of points a `sweep` asks for; the run itself is its first point.
    sweep: list[SweepAxis] = field(default_factory=list)
    # What the check foresaw; None: not checked.
    footprint: Footprint | None = field(default=None, compare=False)

    def receiving_qubits(self) -> set[str]:
        """The nodes where a role receives qubits over a quantum channel: where a node's
        detector acts."""
        return {role.node for role in self.roles.values()
                if any(isinstance(instr, Recv) and instr.kind == "quantum" and instr.channel
                       for instr in role.code)}

    def receiving_trains(self) -> set[str]:
        """The nodes where a role receives a pulse train, or sends pairs (and analyses
        its own photons): where train settings act."""
        return {role.node for role in self.roles.values()
                if any(isinstance(instr, Recv) and instr.message_type == CLICKS or
                       isinstance(instr, Send) and instr.pairs for instr in role.code)}

    def sending_trains(self) -> set[str]:
        """The nodes whose source sends a pulse train."""
        return {role.node for role in self.roles.values()
                if any(isinstance(instr, Send) and instr.pulses is not None
                       for instr in role.code)}


# The columns of a sweep's tables beside its parameters (results.py: the statistics, and
# the per-shot values): a swept parameter cannot have one of these names.
RESULT_COLUMNS = ("seed", "report", "kind", "mean", "stderr", "count", "shot", "value")


@dataclass
class SweepAxis(IRNode):
    """One axis of a run's grid: parameters swept in step, and their values at each
    step as .qnet source text (as `--set` takes them, and as tables and plots show
    them)."""

    names: tuple[str, ...]
    values: list[tuple[str, ...]]


@dataclass
class Footprint:
    """What a run needs, as the check foresees it (semantics/communication.py): the
    simulator refuses a run that will not fit before starting it (runtime/limits.py).
    A lower bound where the check could not follow a role to its end."""

    entangled: int = 0  # the most qubits in one entangled group at once
    qubits: list[str] = field(default_factory=list)  # those qubits, as `role: q[i]`
    span: Span | None = None  # the gate that makes that group
    reports: int = 0  # values one shot reports


@dataclass
class Program(IRNode):
    """Everything `qnetc` learnt from a file: one entry per run block."""

    runs: list[Run] = field(default_factory=list)
