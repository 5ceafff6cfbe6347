"""Circuits as measurement patterns: the standard J(angle)/CZ translation.

Every single-qubit unitary is, up to a phase, P(a) H P(b) H P(c) (Euler angles
about Z, X, Z), and P(a) = J(0) J(a) with J(a) = H P(a) the one-step pattern
N(o) E(i,o) M(i, XY, -a) X(o, {i}). A CZ is an E between the two wires' current
vertices; other multi-qubit gates are written with CZ and single-qubit gates. A
Z measurement is M in the XZ plane at angle 0 and its outcome is the bit.

Classical control stays classical: a gate under a parity of bits becomes
adaptive measurements. P(t) under a condition is P(t/2) P(+-t/2) with the sign
set by an s-domain, so any single-qubit gate can be conditioned on a parity.
The translation writes the byproduct corrections where they arise and leaves
`standardize` to carry them through, as the measurement calculus does.
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass

import numpy as np

from qnetlang.compiler.circuit import NOISE, Circuit, Op, bit_index
from qnetlang.compiler.lower import CompileError
from qnetlang.ir import nodes as ir
from qnetlang.quantum.gates import matrix
from qnetlang.quantum.mbqc import (
    C,
    Command,
    E,
    Engine,
    M,
    N,
    Pattern,
    greedy_order,
    standardize,
)
from qnetlang.runtime.runner import BATCH

ATOL = 1e-12


@dataclass
class Translation:
    pattern: Pattern
    bits: dict[int, int]  # classical bit -> the vertex whose outcome it is
    wires: list[str]  # the label of each output, in the order of pattern.outputs


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


def _near_zero(angle: float) -> bool:
    return abs(math.remainder(angle, 2 * math.pi)) < 1e-12


# A single-qubit program in application order: "H", or ("P", angle, domain) — the
# phase gate P(sign * angle) with sign = (-1)^(parity of domain's outcomes).
Step = str | tuple[str, float, frozenset[int]]


def euler_steps(unitary: np.ndarray) -> list[Step]:
    a, b, c = zxz_angles(unitary)
    return [("P", c, frozenset()), "H", ("P", b, frozenset()), "H", ("P", a, frozenset())]


def conditioned_steps(unitary: np.ndarray, domain: frozenset[int], negated: bool) -> list[Step]:
    """The gate applied when parity(domain) xor negated is 1, and nothing otherwise."""
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


def cz_form(op: Op) -> list[tuple]:
    """The gate as ("cz", a, b) and (name, q, params) single-qubit gates, on its qubits'
    positions: controlled-U as P(phase) on the control and A CX B CX C on the target."""
    name = op.name
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
        return [*_on(_CX, (2, 1)), *_on(cz_form(Op("ccx", [0, 1, 2])), (0, 1, 2)),
                *_on(_CX, (2, 1))]
    target = matrix(name[1:], tuple(op.params))  # cy, ch, crx, cry, crz, cp
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


# ---------------------------------------------------------------- conditions


def parity_of(condition: object) -> tuple[frozenset[int], bool] | None:
    """(bits, negated) when the condition is a parity of bits, possibly negated."""
    if isinstance(condition, ir.Var) and condition.index is None:
        return frozenset({bit_index(condition)}), False
    if isinstance(condition, ir.Unary) and condition.op == "!":
        inner = parity_of(condition.operand)
        return None if inner is None else (inner[0], not inner[1])
    if isinstance(condition, ir.Binary) and condition.op in ("^", "!=", "=="):
        left, right = parity_of(condition.left), parity_of(condition.right)
        if isinstance(condition.right, ir.Const) and condition.right.value in (0, 1):
            right = (frozenset(), bool(condition.right.value))
        if left is None or right is None:
            return None
        return left[0] ^ right[0], left[1] ^ right[1] ^ (condition.op == "==")
    return None


# ---------------------------------------------------------------- the translation


class _Translator:
    def __init__(self, circuit: Circuit) -> None:
        self.circuit = circuit
        self.commands: list[Command] = []
        self.next_vertex = 0
        self.current: dict[int, int] = {}  # wire -> its live vertex
        self.measured_at: dict[int, int] = {}  # wire -> the vertex its last outcome is on
        self.pending: dict[int, np.ndarray] = {}  # wire -> unconditional gates not yet written
        self.bits: dict[int, int] = {}

    def vertex(self) -> int:
        self.next_vertex += 1
        return self.next_vertex - 1

    def fresh_zero(self, wire: int) -> None:
        """A new |0> on the wire: |+> and one H."""
        start = self.vertex()
        self.commands.append(N(start))
        self.current[wire] = start
        self.j_step(wire, 0.0, frozenset())

    def j_step(self, wire: int, angle: float, domain: frozenset[int]) -> None:
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
                self.j_step(wire, 0.0, frozenset())
                index += 1
                continue
            self.j_step(wire, step[1], step[2])
            if index + 1 < len(steps) and steps[index + 1] == "H":
                index += 2
            else:  # P alone is J(0) J(angle)
                self.j_step(wire, 0.0, frozenset())
                index += 1

    def touch(self, wire: int) -> None:
        """Brings the wire to a live vertex with every pending gate written out."""
        if wire not in self.current:
            self.fresh_zero(wire)
            if wire in self.measured_at:  # the collapsed state |outcome>
                self.commands.append(C(self.current[wire], "X",
                                       frozenset({self.measured_at.pop(wire)})))
        unitary = self.pending.pop(wire, None)
        if unitary is not None:
            self.steps(wire, euler_steps(unitary))

    def single(self, wire: int, unitary: np.ndarray) -> None:
        self.pending[wire] = unitary @ self.pending.get(wire, np.eye(2))

    def op(self, op: Op) -> None:
        if op.name in NOISE:  # noise has no pattern form; `qnetc compile` warns of it
            return
        if op.condition is not True:
            self.conditioned(op)
        elif op.name == "measure":
            self.touch(op.qubits[0])
            self.measure(op.qubits[0], op.bit)
        elif op.name == "reset":
            wire = op.qubits[0]
            self.pending.pop(wire, None)
            if wire in self.current:
                self.measure(wire, None)
            self.measured_at.pop(wire, None)
        elif len(op.qubits) == 1:
            self.single(op.qubits[0], matrix(op.name, tuple(op.params)))
        else:
            for step in cz_form(op):
                if step[0] == "cz":
                    a, b = op.qubits[step[1]], op.qubits[step[2]]
                    self.touch(a)
                    self.touch(b)
                    self.commands.append(E(self.current[a], self.current[b]))
                else:
                    self.single(op.qubits[step[1]], matrix(step[0], tuple(step[2])))

    def measure(self, wire: int, bit: int | None) -> None:
        vertex = self.current.pop(wire)
        self.commands.append(M(vertex, "XZ", 0.0))
        self.measured_at[wire] = vertex
        if bit is not None:
            self.bits[bit] = vertex

    def conditioned(self, op: Op) -> None:
        parity = parity_of(op.condition)
        if parity is None or len(op.qubits) != 1 or op.name in ("measure", "reset"):
            raise CompileError(
                f"`{op.name}` under this condition has no pattern form", op.span,
                help="a pattern conditions single-qubit gates on a parity of outcomes")
        bits, negated = parity
        domain = frozenset(self.bits[b] for b in bits)
        wire = op.qubits[0]
        self.touch(wire)
        self.steps(wire, conditioned_steps(matrix(op.name, tuple(op.params)), domain, negated))

    def translate(self) -> Translation:
        for op in self.circuit.ops:
            self.op(op)
        for wire in list(self.pending):
            self.touch(wire)
        outputs = sorted(self.current)
        pattern = standardize(Pattern([], [self.current[w] for w in outputs], self.commands))
        return Translation(pattern, dict(self.bits), [self.circuit.qubits[w] for w in outputs])


def to_pattern(circuit: Circuit) -> Translation:
    """The circuit as one standard-form pattern; its bits name the vertices they read."""
    return _Translator(circuit).translate()


def sample_bits(translation: Translation, bits: int, shots: int, seed: int) -> np.ndarray:
    """The circuit's classical bits for each shot (shots x bits): the pattern run in
    batches of shots, measured in an order that keeps the active set small."""
    rng = np.random.default_rng(seed)
    order = greedy_order(translation.pattern)
    sampled = np.zeros((shots, bits), dtype=np.int64)
    for first in range(0, shots, BATCH):
        size = min(BATCH, shots - first)
        outcomes = Engine(translation.pattern, rng, shots=size).run(order).outcomes
        for index, vertex in translation.bits.items():
            sampled[first:first + size, index] = outcomes[vertex]
    return sampled


def format_pattern(translation: Translation, comment: str = "//") -> str:
    """The pattern one command a line, after a header naming its outputs and bits."""
    pattern = translation.pattern
    lines = [f"{comment} measurement pattern: {len(pattern.vertices)} vertices, "
             f"{len(pattern.edges)} edges, {len(pattern.measurements)} measurements",
             f"{comment} outputs: " + (", ".join(f"{v} = {label}" for v, label in
                                             zip(pattern.outputs, translation.wires,
                                                 strict=True)) or "none"),
             f"{comment} bits: " + (", ".join(f"c{b} = outcome of {v}" for b, v in
                                          sorted(translation.bits.items())) or "none")]
    lines += [str(command) for command in pattern.commands]
    return "\n".join(lines) + "\n"
