"""The simulator's mbqc engine: a protocol's quantum operations run as patterns.

A gate is not applied when a role performs it: the engine gathers it. When a
qubit's state is needed (a measurement, noise that is not a random Pauli, a
fidelity) the gathered operations in its past light cone (those it has
interacted with, directly or through others, since they last ran) are
translated into one measurement pattern (quantum/translate.py), the
measurement asked for becomes the pattern's last M, and the pattern runs on
the lazy MBQC engine (quantum/mbqc.py). Everything outside the light cone
stays gathered, and qubits stay in separate groups until a CZ that has run
joins them, so a graph state that a server entangles and then measures
vertex by vertex never exists as a whole: memory follows the active set. The
roles' operations interleave with the discrete-event simulation exactly as on
the other engines; what differs is how the state evolves.

Shots of a batch may apply different gates: a gate under a condition, an angle
computed from outcomes, a sampled Pauli error. The pattern is the same for all
of them, and its measurement angles differ per shot (the adaptive angles of
MBQC). Pauli-mixture noise (depolarizing, dephasing, gate errors) is sampled
per shot into such gates, so noisy protocols stay lazy; other noise (amplitude
damping) runs the gathered pattern and acts on its output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qnetlang.quantum.engine import Group, Mask, StateVector
from qnetlang.quantum.gates import I2, H, X, distinct_rows, matrix, per_shot
from qnetlang.quantum.mbqc import Engine, Pattern, greedy_order, standardize
from qnetlang.quantum.noise import Kraus
from qnetlang.quantum.translate import Angle, Builder, cz_form, euler_steps

# The language's bases as (plane, angle) of a pattern measurement: z is XZ(0),
# x is XY(0) and y is XY(pi/2); the planes take their own angle.
_PAULI_PLANES = {"z": ("XZ", 0.0), "x": ("XY", 0.0), "y": ("XY", math.pi / 2)}


@dataclass
class Gate:
    """A gathered single-qubit gate: one unitary (2, 2) or one per shot (B, 2, 2)."""

    qubit: int
    unitary: np.ndarray


@dataclass
class Edge:
    """A gathered CZ."""

    a: int
    b: int


def _rz(angles: np.ndarray) -> np.ndarray:
    """Rz of each angle, (B, 2, 2)."""
    unitaries = np.zeros((len(angles), 2, 2), dtype=complex)
    unitaries[:, 0, 0] = np.exp(-0.5j * angles)
    unitaries[:, 1, 1] = np.exp(0.5j * angles)
    return unitaries


Gathered = Gate | Edge


def _qubits(operation: Gathered) -> tuple[int, ...]:
    return (operation.qubit,) if isinstance(operation, Gate) else (operation.a, operation.b)


class PatternEngine(StateVector):
    name = "mbqc"

    def __init__(self, rng: np.random.Generator, batch: int = 1) -> None:
        super().__init__(rng, batch)
        self.pending: list[Gathered] = []  # gathered, in the order performed
        self.largest_active = 0  # the most vertices any pattern held at once

    # ---------------------------------------------------------------- gathering

    def apply(self, gate: str, qubits: list[int], params: tuple = (), mask: Mask = None) -> None:
        if len(qubits) == 1:
            self._gather(qubits[0], per_shot(lambda *p: matrix(gate, p), params, self.batch),
                         mask)
            return
        for step in self._cz_steps(gate, params):
            if step[0] != "cz":
                self._gather(qubits[step[1]], step[2], mask)
            elif mask is None:
                self.pending.append(Edge(qubits[step[1]], qubits[step[2]]))
            else:
                self._conditional_cz(qubits[step[1]], qubits[step[2]], mask)

    def _cz_steps(self, gate: str, params: tuple) -> list[tuple]:
        """cz_form with each single-qubit step as ("u", position, unitary); parameters that
        differ per shot give per-shot unitaries (a controlled gate's steps keep one shape)."""
        if not any(np.ndim(p) for p in params):
            return [step if step[0] == "cz" else ("u", step[1], matrix(step[0], step[2]))
                    for step in cz_form(gate, tuple(float(p) for p in params))]
        distinct, inverse = distinct_rows(params, self.batch)
        forms = [cz_form(gate, tuple(row)) for row in distinct]
        steps: list[tuple] = []
        for index, step in enumerate(forms[0]):
            if step[0] == "cz":
                steps.append(step)
                continue
            unitaries = np.stack([matrix(form[index][0], form[index][2]) for form in forms])
            steps.append(("u", step[1], unitaries[inverse]))
        return steps

    def _gather(self, qubit: int, unitary: np.ndarray, mask: Mask) -> None:
        if mask is not None:  # the identity in the shots that skip the gate
            unitary = np.where(mask[:, None, None], unitary, I2)
        self.pending.append(Gate(qubit, unitary))

    def _conditional_cz(self, a: int, b: int, mask: np.ndarray) -> None:
        """CZ^m with m per shot, from unconditional CZs: up to a phase,
        CZ^m = Rz_a(m pi/2) Rz_b(m pi/2) CX Rz_b(-m pi/2) CX (CX = H_b CZ H_b)."""
        quarter = mask.astype(float) * math.pi / 2
        for step in (H, Edge(a, b), H, _rz(-quarter), H, Edge(a, b), H):
            if isinstance(step, Edge):
                self.pending.append(step)
            else:
                self._gather(b, step, None)
        self._gather(a, _rz(quarter), None)
        self._gather(b, _rz(quarter), None)

    def channel(self, qubit: int, kraus: Kraus, mask: Mask = None) -> None:
        """A mixture of unitaries (K_i = sqrt(p_i) U_i) picks one per shot, gathered like
        a gate; other channels act on the state once the qubit's light cone has run."""
        weights = [float(np.trace(k.conj().T @ k).real) / 2 for k in kraus]
        if all(np.allclose(k.conj().T @ k, w * I2) for k, w in zip(kraus, weights, strict=True)):
            unitaries = np.stack([k / math.sqrt(w) if w > 0 else I2
                                  for k, w in zip(kraus, weights, strict=True)])
            choice = self.rng.choice(len(kraus), size=self.batch, p=np.array(weights) /
                                     sum(weights))
            self._gather(qubit, unitaries[choice], mask)
            return
        self._run([qubit])
        super().channel(qubit, kraus, mask)

    def restricted(self, rows: np.ndarray, rng: np.random.Generator) -> PatternEngine:
        """Runs what is gathered first: the states then hold everything to be split."""
        self._run(sorted({qubit for operation in self.pending for qubit in _qubits(operation)}))
        copy = super().restricted(rows, rng)
        assert isinstance(copy, PatternEngine)
        copy.pending = []
        return copy

    # ---------------------------------------------------------------- running

    def measure(self, qubit: int, basis: str = "z", angle: float | np.ndarray = 0.0,
                mask: Mask = None) -> np.ndarray:
        if mask is not None:  # only some shots measure: no pattern command says that
            self._run([qubit])
            return super().measure(qubit, basis, angle, mask)
        plane, plane_angle = _PAULI_PLANES.get(basis, (basis.upper(), angle))
        outcomes = self._run([qubit], (plane, plane_angle))
        assert outcomes is not None
        # Left in the basis state found, V^dagger |outcome>: a group of its own.
        change = np.broadcast_to(self._basis_change(basis, angle), (self.batch, 2, 2))
        kets = np.conj(change[np.arange(self.batch), outcomes])
        self.groups[qubit] = Group(kets.astype(complex), [qubit])
        return outcomes

    def reset(self, qubit: int, mask: Mask = None) -> None:
        ones = self.measure(qubit, "z", 0.0, mask).astype(bool)
        self._gather(qubit, X, ones if mask is None else ones & mask)

    def discard(self, qubit: int) -> None:
        self.measure(qubit)  # measured and forgotten: the rest is as if traced out
        super().discard(qubit)

    def reduced(self, qubits: list[int]) -> np.ndarray:
        self._run(qubits)
        return super().reduced(qubits)

    def _light_cone(self, qubits: list[int]) -> list[Gathered]:
        """Takes the gathered operations the qubits' present state depends on out of
        `pending`, in order. Those left behind touch none of the qubits the taken ones
        touch later, so they commute with them and may run afterwards."""
        cone = set(qubits)
        taken: list[Gathered] = []
        left: list[Gathered] = []
        for operation in reversed(self.pending):
            touched = _qubits(operation)
            if cone.intersection(touched):
                taken.append(operation)
                cone.update(touched)
            else:
                left.append(operation)
        self.pending = left[::-1]
        return taken[::-1]

    def _run(self, qubits: list[int],
             measured: tuple[str, Angle] | None = None) -> np.ndarray | None:
        """Runs the light cone of the qubits as one pattern, with the first qubit measured
        in (plane, angle) if asked; returns that measurement's outcomes."""
        operations = self._light_cone(qubits)
        if not operations and measured is None:
            return None
        touched = set(qubits).union(*(_qubits(op) for op in operations))
        groups: list[Group] = []
        for qubit in touched:
            if all(self.groups[qubit] is not group for group in groups):
                groups.append(self.groups[qubit])
        wires = [qubit for group in groups for qubit in group.qubits]
        builder = Builder(first_vertex=len(wires))
        builder.current = {qubit: vertex for vertex, qubit in enumerate(wires)}
        waiting: dict[int, np.ndarray] = {}  # single-qubit gates not yet written, per qubit

        def write(qubit: int) -> None:
            unitary = waiting.pop(qubit, None)
            if unitary is not None:
                builder.steps(qubit, euler_steps(unitary))

        for operation in operations:
            if isinstance(operation, Gate):
                waiting[operation.qubit] = operation.unitary @ waiting.get(operation.qubit, I2)
            else:
                write(operation.a)
                write(operation.b)
                builder.entangle(operation.a, operation.b)
        vertex = None
        if measured is not None:
            plane, angle = measured
            unitary = waiting.pop(qubits[0], None)
            if unitary is not None:
                steps = euler_steps(unitary)  # P(c) H P(b) H, then P(a) ...
                if plane == "XY":  # ... which turns the XY basis by -a
                    angle = angle - steps.pop()[1]  # type: ignore[index, operator]
                elif plane == "XZ" and np.ndim(angle) == 0 and angle == 0:
                    steps.pop()  # ... which a Z measurement does not see
                builder.steps(qubits[0], steps)
        for qubit in list(waiting):
            write(qubit)
        if measured is not None:
            vertex = builder.measure(qubits[0], plane, angle)
        owner = {v: q for q, v in builder.current.items()}
        pattern = standardize(Pattern(list(range(len(wires))), list(owner), builder.commands))
        engine = Engine(pattern, self.rng, shots=self.batch, input_groups=[
            ([wires.index(q) for q in group.qubits], group.state) for group in groups],
                        max_state_bytes=self.max_state_bytes)
        engine.execute(greedy_order(pattern))
        self.largest_active = max(self.largest_active, engine.largest)
        for vertices, state in engine.output_groups():
            group = Group(state, [owner[v] for v in vertices])
            for qubit in group.qubits:
                self.groups[qubit] = group
        return None if vertex is None else engine.outcomes[vertex]
