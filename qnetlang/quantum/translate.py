"""Gates as measurement patterns: the standard J(angle)/CZ translation.

Every single-qubit unitary is, up to a phase, P(a) H P(b) H P(c) (Euler angles
about Z, X, Z), and P(a) = J(0) J(a) with J(a) = H P(a) the one-step pattern
N(o) E(i,o) M(i, XY, -a) X(o, {i}). A CZ is an E between the two wires' current
vertices; other multi-qubit gates are written with CZ and single-qubit gates.

Both users of patterns build on this module: the compiler translates a whole
circuit (compiler/pattern.py) and the mbqc engine translates the operations a
protocol gathers between two measurements (quantum/mbqc_engine.py). An angle
is a number, or an array with one angle per shot when the shots of a batch
apply different gates.
"""

from __future__ import annotations

import cmath
import math

import numpy as np

from qnetlang.quantum.gates import matrix
from qnetlang.quantum.mbqc import C, Command, E, M, N

ATOL = 1e-12

Angle = float | np.ndarray  # one angle, or one per shot


# ---------------------------------------------------------------- single-qubit algebra


def zyz_angles(unitary: np.ndarray) -> tuple[float, float, float, float]:
    """(phase, a, b, c) with unitary = e^(i phase) Rz(a) Ry(b) Rz(c)."""
    special = unitary / cmath.sqrt(np.linalg.det(unitary))
    b = 2 * math.atan2(abs(special[1, 0]), abs(special[0, 0]))
    plus = 2 * cmath.phase(special[1, 1]) if abs(special[1, 1]) > ATOL else 0.0
    minus = 2 * cmath.phase(special[1, 0]) if abs(special[1, 0]) > ATOL else 0.0
    a, c = (plus + minus) / 2, (plus - minus) / 2
    rebuilt = matrix("rz", (a,)) @ matrix("ry", (b,)) @ matrix("rz", (c,))
    index = np.unravel_index(np.argmax(abs(rebuilt)), rebuilt.shape)
    return cmath.phase(unitary[index] / rebuilt[index]), a, b, c


def zxz_angles(unitary: np.ndarray) -> tuple[float, float, float]:
    """(a, b, c) with unitary = phase * Rz(a) Rx(b) Rz(c): Ry(b) = Rz(pi/2) Rx(b) Rz(-pi/2)."""
    _, a, b, c = zyz_angles(unitary)
    return a + math.pi / 2, b, c - math.pi / 2


# Weights that fold a unitary's eight real entries into one number: equal unitaries get
# equal fingerprints, and distinct ones (in practice) do not.
_FINGERPRINT = np.array([1.0, 0.7071, 0.5773, 0.4472, 0.3779, 0.3015, 0.2773, 0.2425])


def batched_zxz_angles(unitaries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """zxz_angles of each of (B, 2, 2) unitaries, decomposing each distinct one once."""
    rows = np.ascontiguousarray(unitaries).reshape(len(unitaries), 4).view(float)
    _, first, inverse = np.unique(np.round(rows @ _FINGERPRINT, 12), return_index=True,
                                  return_inverse=True)
    angles = np.array([zxz_angles(unitaries[i]) for i in first])
    picked = angles[inverse.reshape(-1)]
    return picked[:, 0], picked[:, 1], picked[:, 2]


def _near_zero(angle: Angle) -> bool:
    return bool(np.all(np.abs(np.remainder(np.asarray(angle) + math.pi, 2 * math.pi) - math.pi)
                       < 1e-12))


# A single-qubit program in application order: "H", or ("P", angle, domain) — the
# phase gate P(sign * angle) with sign = (-1)^(parity of domain's outcomes).
Step = str | tuple[str, Angle, frozenset[int]]


def euler_steps(unitary: np.ndarray) -> list[Step]:
    """A (2, 2) unitary, or (B, 2, 2) with one per shot, as P H P H P."""
    a, b, c = batched_zxz_angles(unitary) if unitary.ndim == 3 else zxz_angles(unitary)
    return [("P", c, frozenset()), "H", ("P", b, frozenset()), "H", ("P", a, frozenset())]


def conditioned_steps(unitary: np.ndarray, domain: frozenset[int], negated: bool) -> list[Step]:
    """The gate applied when parity(domain) xor negated is 1, and nothing otherwise:
    P(t) under a condition is P(t/2) P(+-t/2) with the sign set by the domain."""
    a, b, c = zxz_angles(unitary)

    def half(angle: float) -> list[Step]:
        signed = angle / 2 if negated else -angle / 2  # + when the condition holds
        return [("P", angle / 2, frozenset()), ("P", signed, domain)]

    return [*half(c), "H", *half(b), "H", *half(a)]


def simplify(steps: list[Step]) -> list[Step]:
    """Merges neighbouring fixed phases, drops zero phases, cancels H H."""
    out: list[Step] = []
    for step in steps:
        if step != "H" and _near_zero(step[1]):  # P(+-0) is nothing, conditioned or not
            continue
        previous = out[-1] if out else None
        if step == "H" and previous == "H":
            out.pop()
        elif step != "H" and previous not in (None, "H") and not step[2] and not previous[2]:
            out.pop()
            merged = previous[1] + step[1]
            if not _near_zero(merged):
                out.append(("P", merged, frozenset()))
        else:
            out.append(step)
    return out


# ---------------------------------------------------------------- multi-qubit gates

_CCX = [("h", 2), ("cx", 1, 2), ("tdg", 2), ("cx", 0, 2), ("t", 2), ("cx", 1, 2), ("tdg", 2),
        ("cx", 0, 2), ("t", 1), ("t", 2), ("h", 2), ("cx", 0, 1), ("t", 0), ("tdg", 1),
        ("cx", 0, 1)]


_CX = [("h", 1, ()), ("cz", 0, 1), ("h", 1, ())]


def cz_form(name: str, params: tuple[float, ...] = ()) -> list[tuple]:
    """A multi-qubit gate as ("cz", a, b) and (gate, q, params) single-qubit steps, on its
    qubits' positions: controlled-U as P(phase) on the control and A CX B CX C on the
    target. The steps of a controlled gate have the same shape for every parameter."""
    if name == "cz":
        return [("cz", 0, 1)]
    if name == "cx":
        return _CX
    if name == "swap":
        return [*_on(_CX, (0, 1)), *_on(_CX, (1, 0)), *_on(_CX, (0, 1))]
    if name == "ccx":
        steps: list[tuple] = []
        for item in _CCX:
            steps += _on(_CX, item[1:]) if item[0] == "cx" else [(item[0], item[1], ())]
        return steps
    if name == "cswap":
        return [*_on(_CX, (2, 1)), *_on(cz_form("ccx"), (0, 1, 2)), *_on(_CX, (2, 1))]
    target = matrix(name[1:], params)  # cy, ch, crx, cry, crz, cp
    phase, a, b, c = zyz_angles(target)
    return [("rz", 1, ((c - a) / 2,)), *_CX, ("rz", 1, (-(c + a) / 2,)), ("ry", 1, (-b / 2,)),
            *_CX, ("ry", 1, (b / 2,)), ("rz", 1, (a,)), ("p", 0, (phase,))]


def _on(steps: list[tuple], positions: tuple[int, ...]) -> list[tuple]:
    """Steps written for qubits 0, 1, ... moved onto the given positions."""
    moved = []
    for step in steps:
        if step[0] == "cz":
            moved.append(("cz", positions[step[1]], positions[step[2]]))
        else:
            moved.append((step[0], positions[step[1]], step[2]))
    return moved


# ---------------------------------------------------------------- writing patterns


class Builder:
    """Writes pattern commands wire by wire: each wire has a live vertex, which a J step
    measures, moving the wire onto a new vertex."""

    def __init__(self, first_vertex: int = 0) -> None:
        self.commands: list[Command] = []
        self.next_vertex = first_vertex
        self.current: dict[int, int] = {}  # wire -> its live vertex

    def vertex(self) -> int:
        self.next_vertex += 1
        return self.next_vertex - 1

    def start(self, wire: int) -> int:
        """A new vertex in |+> for the wire."""
        vertex = self.vertex()
        self.commands.append(N(vertex))
        self.current[wire] = vertex
        return vertex

    def j_step(self, wire: int, angle: Angle, domain: frozenset[int] = frozenset()) -> None:
        """J(+-angle) = H P(+-angle): the sign is - when parity(domain) is 1."""
        source, target = self.current[wire], self.vertex()
        self.commands += [N(target), E(source, target), M(source, "XY", -angle, domain),
                          C(target, "X", frozenset({source}))]
        self.current[wire] = target

    def steps(self, wire: int, steps: list[Step]) -> None:
        steps = simplify(steps)
        index = 0
        while index < len(steps):
            step = steps[index]
            if step == "H":
                self.j_step(wire, 0.0)
                index += 1
                continue
            self.j_step(wire, step[1], step[2])
            if index + 1 < len(steps) and steps[index + 1] == "H":
                index += 2
            else:  # P alone is J(0) J(angle)
                self.j_step(wire, 0.0)
                index += 1

    def entangle(self, a: int, b: int) -> None:
        self.commands.append(E(self.current[a], self.current[b]))

    def measure(self, wire: int, plane: str, angle: Angle) -> int:
        """Measures the wire's live vertex; the wire has none until started again."""
        vertex = self.current.pop(wire)
        self.commands.append(M(vertex, plane, angle))
        return vertex
