"""Measurement-based quantum computation: patterns and an engine that runs them lazily.

A pattern (Danos, Kashefi and Panangaden, J. ACM 54, 2007) is a sequence of
commands on numbered vertices: N prepares a vertex in |+>, E entangles two
with CZ, M measures one in the XY, YZ or XZ plane at an angle adapted by the
outcomes of earlier measurements (its s- and t-signal domains), and X and Z
correct an output by such outcomes. `standardize` moves every N, then every
E, before the measurements and the corrections after them; `shift_signals`
removes the t-domains of XY measurements by moving them into later commands.

The engine does not build the graph state: measuring a vertex first brings in
its not-yet-active neighbours as |+> and applies their CZ edges, then
measures and removes it. Memory is bounded by the active set, not the graph,
and the cost of a measurement does not depend on the number of vertices; the
measurement order can be chosen to keep the active set small.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from qnetlang.quantum.engine import StateTooLarge, StateVector
from qnetlang.quantum.gates import KETS, X, Z, basis_change, per_shot

PLANES = ("XY", "YZ", "XZ")


@dataclass(frozen=True)
class N:
    node: int

    def __str__(self) -> str:
        return f"N {self.node}"


@dataclass(frozen=True)
class E:
    a: int
    b: int

    def __str__(self) -> str:
        return f"E {self.a} {self.b}"


@dataclass(frozen=True)
class M:
    """A measurement; its angle is one number, or an array with an angle per shot when
    the shots of a batch measure differently (the mbqc engine's adaptive angles)."""

    node: int
    plane: str = "XY"
    angle: float | np.ndarray = 0.0
    s_domain: frozenset[int] = frozenset()
    t_domain: frozenset[int] = frozenset()

    def __str__(self) -> str:
        angle = f"{self.angle:.10g}" if np.ndim(self.angle) == 0 else "(per shot)"
        return (f"M {self.node} {self.plane} {angle} s={_domain(self.s_domain)} "
                f"t={_domain(self.t_domain)}")


@dataclass(frozen=True)
class C:
    """A Pauli correction (`X` or `Z`) on `node` when the parity of `domain` is 1."""

    node: int
    pauli: str
    domain: frozenset[int] = frozenset()

    def __str__(self) -> str:
        return f"{self.pauli} {self.node} {_domain(self.domain)}"


Command = N | E | M | C


@dataclass
class Pattern:
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)

    @property
    def vertices(self) -> set[int]:
        found = set(self.inputs)
        for command in self.commands:
            if isinstance(command, N):
                found.add(command.node)
        return found

    @property
    def edges(self) -> list[tuple[int, int]]:
        return [(c.a, c.b) for c in self.commands if isinstance(c, E)]

    @property
    def measurements(self) -> list[M]:
        return [c for c in self.commands if isinstance(c, M)]

    @property
    def corrections(self) -> list[C]:
        return [c for c in self.commands if isinstance(c, C)]

    def __str__(self) -> str:
        return " ".join(map(str, self.commands))


def _domain(domain: frozenset[int]) -> str:
    return "{" + ",".join(map(str, sorted(domain))) + "}"


# ---------------------------------------------------------------- transformations


def standardize(pattern: Pattern) -> Pattern:
    """The same pattern in standard form: N, then E, then M, then the corrections.

    Corrections are pushed to the end with the measurement calculus's rules: a
    correction before a CZ on its vertex picks up a Z on the neighbour (for X),
    and a correction met by a measurement of its vertex joins that measurement's
    signals (X into the s-domain, Z into the t-domain; the other way round in the
    YZ plane).
    """
    prepares = [c for c in pattern.commands if isinstance(c, N)]
    entangles = [c for c in pattern.commands if isinstance(c, E)]
    measures: list[M] = []
    pending: list[C] = []  # corrections not yet absorbed, in order
    for command in pattern.commands:
        if isinstance(command, C):
            pending.append(command)
        elif isinstance(command, E):
            spread = []
            for correction in pending:
                if correction.pauli == "X" and correction.node in (command.a, command.b):
                    other = command.b if correction.node == command.a else command.a
                    spread.append(C(other, "Z", correction.domain))
            pending += spread
        elif isinstance(command, M):
            s, t = set(command.s_domain), set(command.t_domain)
            keep = []
            for correction in pending:
                if correction.node != command.node:
                    keep.append(correction)
                    continue
                # The s-signal is an X before the measurement and the t-signal a Z,
                # except in the YZ plane, where they swap (as the engine reads them).
                if command.plane == "YZ":
                    target = t if correction.pauli == "X" else s
                else:
                    target = s if correction.pauli == "X" else t
                target ^= set(correction.domain)
            pending = keep
            measures.append(M(command.node, command.plane, command.angle, frozenset(s),
                              frozenset(t)))
    return Pattern(list(pattern.inputs), list(pattern.outputs),
                   [*prepares, *entangles, *measures, *_combine(pending)])


def _combine(corrections: Iterable[C]) -> list[C]:
    """Corrections of one vertex and one Pauli merged into one (domains add mod 2);
    Z before X on each vertex."""
    merged: dict[tuple[int, str], set[int]] = {}
    for correction in corrections:
        merged.setdefault((correction.node, correction.pauli), set()).symmetric_difference_update(
            correction.domain)
    ordered = sorted(merged, key=lambda key: (key[0], key[1] != "Z"))
    return [C(node, pauli, frozenset(merged[(node, pauli)])) for node, pauli in ordered
            if merged[(node, pauli)]]


def shift_signals(pattern: Pattern) -> Pattern:
    """Removes the t-domain of every XY measurement: a Z dependency there is the same
    as the outcome itself flipped, so the t-signal moves into every later domain that
    reads that outcome (signal shifting)."""
    shift: dict[int, set[int]] = {}  # node -> signals to add wherever its outcome is read

    def expand(domain: frozenset[int]) -> frozenset[int]:
        result: set[int] = set()
        for node in domain:
            result ^= {node}
            result ^= shift.get(node, set())
        return frozenset(result)

    commands: list[Command] = []
    for command in pattern.commands:
        if isinstance(command, M):
            s, t = expand(command.s_domain), expand(command.t_domain)
            if command.plane == "XY" and t:
                shift[command.node] = set(t)
                t = frozenset()
            commands.append(M(command.node, command.plane, command.angle, s, t))
        elif isinstance(command, C):
            commands.append(C(command.node, command.pauli, expand(command.domain)))
        else:
            commands.append(command)
    return Pattern(list(pattern.inputs), list(pattern.outputs), commands)


# ---------------------------------------------------------------- running


@dataclass
class Result:
    outcomes: dict[int, np.ndarray]  # vertex -> its outcome in each shot
    states: np.ndarray  # shots x 2^outputs: the outputs' state, in pattern.outputs order
    largest_active: int

    @property
    def state(self) -> np.ndarray:
        """The outputs' state of the first shot."""
        return self.states[0]

    def shot(self, index: int = 0) -> dict[int, int]:
        return {vertex: int(values[index]) for vertex, values in self.outcomes.items()}


def neighbourhoods(pattern: Pattern) -> dict[int, set[int]]:
    """Each vertex's neighbours in the graph the pattern entangles: two CZs on one pair
    cancel, so an edge is there when it is entangled an odd number of times."""
    neighbours: dict[int, set[int]] = {v: set() for v in pattern.vertices}
    for a, b in pattern.edges:
        neighbours[a] ^= {b}
        neighbours[b] ^= {a}
    return neighbours


class _Group:
    """Active vertices entangled with one another; a product of groups is never formed
    until a CZ joins them, so disjoint parts of the graph cost the sum of their sizes."""

    def __init__(self, vertices: list[int], state: np.ndarray) -> None:
        self.vertices = vertices
        self.state = state  # shots x 2 x ... x 2, one axis per vertex after the first

    def axis(self, vertex: int) -> int:
        return 1 + self.vertices.index(vertex)


class Engine:
    """Runs a standard-form pattern for a batch of shots, activating vertices only when
    they are needed. Every shot has its own outcomes; the work is vectorised across them."""

    def __init__(self, pattern: Pattern, rng: np.random.Generator | None = None,
                 inputs: Sequence[np.ndarray] | None = None, shots: int = 1,
                 input_groups: Sequence[tuple[list[int], np.ndarray]] = (),
                 max_state_bytes: float = math.inf) -> None:
        """`inputs` gives each input vertex a state of its own (|+> by default);
        `input_groups` instead gives entangled inputs their joint states: (vertices,
        shots x 2 x ... x 2 with one axis per vertex in that order). A group that would
        grow past `max_state_bytes` raises StateTooLarge."""
        self.pattern = pattern
        self.max_state_bytes = max_state_bytes
        self.rng = rng or np.random.default_rng()
        self.shots = shots
        self.neighbours = neighbourhoods(pattern)
        # States are kept normalised throughout, so an outcome's probability is its
        # branch's weight.
        self.input_states = {vertex: np.asarray(ket) / np.linalg.norm(ket) for vertex, ket in
                             zip(pattern.inputs, inputs or [KETS["+"]] * len(pattern.inputs),
                                 strict=True)}
        self.group_of: dict[int, _Group] = {}
        self.outcomes: dict[int, np.ndarray] = {}
        self.active = 0
        self.largest = 0
        for vertices, state in input_groups:
            state = state.reshape((shots,) + (2,) * len(vertices))
            group = _Group(list(vertices), state / _batch_norm(state))
            for vertex in vertices:
                self.group_of[vertex] = group
                self.active += 1
                # Active from the start: edges to vertices already given are applied now.
                for other in self.neighbours[vertex]:
                    if other in self.group_of and other != vertex:
                        self.entangle(vertex, other)
        self.largest = self.active

    def activate(self, vertex: int) -> None:
        if vertex in self.group_of or vertex in self.outcomes:
            return
        ket = self.input_states.get(vertex, KETS["+"])
        self.group_of[vertex] = _Group([vertex], np.tile(ket, (self.shots, 1)))
        self.active += 1
        self.largest = max(self.largest, self.active)
        # Each edge is applied once: when the later of its two ends becomes active.
        for other in self.neighbours[vertex]:
            if other in self.group_of:
                self.entangle(vertex, other)

    def entangle(self, a: int, b: int) -> None:
        group = self.join(self.group_of[a], self.group_of[b])
        index: list[slice | int] = [slice(None)] * group.state.ndim
        index[group.axis(a)] = index[group.axis(b)] = 1
        group.state[tuple(index)] *= -1

    def join(self, first: _Group, second: _Group) -> _Group:
        if first is second:
            return first
        size = len(first.vertices) + len(second.vertices)
        needed = StateVector.state_bytes(size, self.shots)
        if needed > self.max_state_bytes:
            raise StateTooLarge(size, needed, self.max_state_bytes)
        product = (first.state.reshape(self.shots, -1, 1) *
                   second.state.reshape(self.shots, 1, -1))
        first.state = product.reshape((self.shots,) + (2,) * size)
        first.vertices += second.vertices
        for vertex in second.vertices:
            self.group_of[vertex] = first
        return first

    def parity(self, domain: frozenset[int]) -> np.ndarray:
        total = np.zeros(self.shots, dtype=np.int64)
        for node in domain:
            total ^= self.outcomes[node]
        return total

    def measure(self, command: M, forced: int | None = None) -> np.ndarray:
        vertex = command.node
        self.activate(vertex)
        for other in self.neighbours[vertex]:
            self.activate(other)
        # Pending corrections of the signals: measuring X^s Z^t rho in a basis is
        # measuring rho in the basis flipped by them.
        s, t = self.parity(command.s_domain), self.parity(command.t_domain)
        if command.plane == "YZ":
            s, t = t, s
        change = self.basis(command.plane.lower(), command.angle)
        variants = np.stack(np.broadcast_arrays(change, change @ Z, change @ X, change @ X @ Z))
        operators = variants[2 * s + t] if change.ndim == 2 else \
            variants[2 * s + t, np.arange(self.shots)]  # shots x 2 x 2
        group = self.group_of.pop(vertex)
        moved = np.moveaxis(group.state, group.axis(vertex), 1).reshape(self.shots, 2, -1)
        # The first branch's weight is the probability of outcome 0 (the state is
        # normalised); the second branch is computed only when some shot needs it.
        first = np.einsum("bj,bjr->br", operators[:, 0], moved)
        first_weight = _squared_norms(first)
        if forced is not None:
            outcome = np.full(self.shots, forced, dtype=np.int64)
        else:
            outcome = (self.rng.random(self.shots) >= first_weight).astype(np.int64)
        if outcome.any():
            second = np.einsum("bj,bjr->br", operators[:, 1], moved)
            kept = np.where(outcome[:, None] == 0, first, second)
            weight = np.where(outcome == 0, first_weight, _squared_norms(second))
        else:
            kept, weight = first, first_weight
        norm = np.sqrt(weight)
        kept /= np.where(norm > 0, norm, 1.0)[:, None]
        group.vertices.remove(vertex)
        group.state = kept.reshape((self.shots,) + (2,) * len(group.vertices))
        self.active -= 1
        self.outcomes[vertex] = outcome
        return outcome

    def basis(self, plane: str, angle: float | np.ndarray) -> np.ndarray:
        """The basis change (2, 2), or (shots, 2, 2) for an angle per shot."""
        return per_shot(lambda a: basis_change(plane, a), (angle,), self.shots)

    def correct(self, correction: C) -> None:
        flip = self.parity(correction.domain).astype(bool)
        if not flip.any():
            return
        group = self.group_of[correction.node]
        axis = group.axis(correction.node)
        chosen = group.state[flip]
        if correction.pauli == "X":
            chosen = np.flip(chosen, axis=axis)
        else:
            index: list[slice | int] = [slice(None)] * chosen.ndim
            index[axis] = 1
            chosen = chosen.copy()
            chosen[tuple(index)] *= -1
        group.state[flip] = chosen

    def execute(self, order: Sequence[int] | None = None,
                forced: dict[int, int] | None = None) -> None:
        """Measures in the order given (else as written), some outcomes forced; then
        activates the outputs and corrects them."""
        measurements = {m.node: m for m in self.pattern.measurements}
        sequence = list(order) if order is not None else list(measurements)
        for vertex in sequence:
            self.measure(measurements[vertex], (forced or {}).get(vertex))
        for vertex in self.pattern.outputs:
            self.activate(vertex)
        for correction in self.pattern.corrections:
            self.correct(correction)

    def run(self, order: Sequence[int] | None = None,
            forced: dict[int, int] | None = None) -> Result:
        self.execute(order, forced)
        return Result(dict(self.outcomes), self.output_states(), self.largest)

    def output_groups(self) -> list[tuple[list[int], np.ndarray]]:
        """The outputs as they are entangled: (vertices, state with one axis per vertex),
        unentangled outputs in groups of their own, no product formed."""
        groups: list[_Group] = []
        for vertex, group in self.group_of.items():
            if vertex not in self.pattern.outputs:
                raise ValueError(f"vertex {vertex} is neither measured nor an output")
            if all(group is not known for known in groups):
                groups.append(group)
        return [(list(g.vertices), g.state / _batch_norm(g.state)) for g in groups]

    def output_states(self) -> np.ndarray:
        outputs = self.pattern.outputs
        groups: list[_Group] = []
        for vertex in self.group_of:
            if vertex not in outputs:
                raise ValueError(f"vertex {vertex} is neither measured nor an output")
            if all(group is not self.group_of[vertex] for group in groups):
                groups.append(self.group_of[vertex])
        whole = _Group([], np.ones(self.shots, dtype=complex))
        for group in groups:
            whole = self.join(whole, group)
        order = [0] + [whole.axis(v) for v in outputs]
        states = np.transpose(whole.state, order).reshape(self.shots, -1)
        return states / np.linalg.norm(states, axis=1, keepdims=True)


def _squared_norms(vectors: np.ndarray) -> np.ndarray:
    """|v|^2 of each shot's row, read as reals: no conjugated copy is made."""
    flat = np.ascontiguousarray(vectors).reshape(len(vectors), -1).view(np.float64)
    return np.einsum("bk,bk->b", flat, flat)


def _batch_norm(state: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(state.reshape(state.shape[0], -1), axis=1)
    return norm.reshape((-1,) + (1,) * (state.ndim - 1))


def greedy_order(pattern: Pattern) -> list[int]:
    """A measurement order that respects the signals and keeps the active set small:
    each time, the measurable vertex that brings in the fewest new vertices.

    A vertex's cost only falls (as its neighbours become active), so a heap with
    stale entries skipped on the way out finds the cheapest in logarithmic time.
    """
    measurements = {m.node: m for m in pattern.measurements}
    waiting = {v: len((m.s_domain | m.t_domain) & measurements.keys())
               for v, m in measurements.items()}
    readers: dict[int, list[int]] = {}
    for v, m in measurements.items():
        for source in (m.s_domain | m.t_domain) & measurements.keys():
            readers.setdefault(source, []).append(v)
    neighbours = neighbourhoods(pattern)
    touched: set[int] = set()  # active or measured

    def cost(v: int) -> int:
        return (v not in touched) + sum(1 for n in neighbours[v] if n not in touched)

    heap = [(cost(v), v) for v, count in waiting.items() if count == 0]
    heapq.heapify(heap)
    done: set[int] = set()
    order: list[int] = []
    while heap:
        price, best = heapq.heappop(heap)
        if best in done or price != cost(best):
            continue
        order.append(best)
        done.add(best)
        for v in ({best} | neighbours[best]) - touched:
            touched.add(v)
            for n in neighbours[v] | {v}:
                if n in measurements and n not in done and waiting[n] == 0:
                    heapq.heappush(heap, (cost(n), n))
        for reader in readers.get(best, ()):
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(heap, (cost(reader), reader))
    if len(order) < len(measurements):
        raise ValueError("the measurements' signal domains depend on each other in a cycle")
    return order


# ---------------------------------------------------------------- graph-state patterns


def linear_cluster(angles: Sequence[float]) -> Pattern:
    """A line of J(angle) steps: the input at vertex 0, one measurement per angle, with the
    X and Z byproducts of each step carried forward as signals; the output is the last
    vertex, in the state J(angles[-1]) ... J(angles[0]) applied to the input."""
    length = len(angles) + 1
    commands: list[Command] = [N(v) for v in range(1, length)]
    commands += [E(v, v + 1) for v in range(length - 1)]
    for v, angle in enumerate(angles):
        commands.append(M(v, "XY", -angle, frozenset({v - 1}) if v >= 1 else frozenset(),
                          frozenset({v - 2}) if v >= 2 else frozenset()))
    last = length - 1
    commands += _combine([C(last, "Z", frozenset({last - 2}) if last >= 2 else frozenset()),
                          C(last, "X", frozenset({last - 1}))])
    return Pattern([0], [last], commands)


def grid_cluster(width: int, length: int, angle: float = 0.0) -> Pattern:
    """A width x length 2D cluster with every column but the last measured in the XY
    plane at `angle`: the shape of a universal resource whose cost is set by its width."""
    def vertex(row: int, column: int) -> int:
        return column * width + row

    commands: list[Command] = [N(v) for v in range(width * length)]
    for column in range(length):
        for row in range(width):
            if row + 1 < width:
                commands.append(E(vertex(row, column), vertex(row + 1, column)))
            if column + 1 < length:
                commands.append(E(vertex(row, column), vertex(row, column + 1)))
    commands += [M(v, "XY", angle) for v in range(width * (length - 1))]
    return Pattern([], [vertex(row, length - 1) for row in range(width)], commands)
