"""Circuits as measurement patterns (the J/CZ translation of quantum/translate.py).

A Z measurement is M in the XZ plane at angle 0 and its outcome is the bit.
Classical control stays classical: a gate under a parity of bits becomes
adaptive measurements (conditioned_steps), so any single-qubit gate can be
conditioned on a parity. The translation writes the byproduct corrections
where they arise and leaves `standardize` to carry them through, as the
measurement calculus does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnetlang.compiler.circuit import NOISE, Circuit, Op
from qnetlang.compiler.lower import CompileError
from qnetlang.quantum.gates import matrix
from qnetlang.quantum.mbqc import C, Engine, Pattern, greedy_order, standardize
from qnetlang.quantum.translate import Builder, conditioned_steps, cz_form, euler_steps
from qnetlang.runtime.runner import BATCH


@dataclass
class Translation:
    pattern: Pattern
    bits: dict[int, int]  # classical bit -> the vertex whose outcome it is
    wires: list[str]  # the label of each output, in the order of pattern.outputs


# ---------------------------------------------------------------- the translation


class _Translator:
    def __init__(self, circuit: Circuit) -> None:
        self.circuit = circuit
        self.builder = Builder()
        self.measured_at: dict[int, int] = {}  # wire -> the vertex its last outcome is on
        self.pending: dict[int, np.ndarray] = {}  # wire -> unconditional gates not yet written
        self.bits: dict[int, int] = {}

    def touch(self, wire: int) -> None:
        """Brings the wire to a live vertex with every pending gate written out."""
        builder = self.builder
        if wire not in builder.current:
            builder.start(wire)
            builder.j_step(wire, 0.0)  # |+> and one H: a fresh |0>
            if wire in self.measured_at:  # the collapsed state |outcome>
                builder.commands.append(C(builder.current[wire], "X",
                                          frozenset({self.measured_at.pop(wire)})))
        unitary = self.pending.pop(wire, None)
        if unitary is not None:
            builder.steps(wire, euler_steps(unitary))

    def single(self, wire: int, unitary: np.ndarray) -> None:
        self.pending[wire] = unitary @ self.pending.get(wire, np.eye(2))

    def op(self, op: Op) -> None:
        if op.name in NOISE:  # noise has no pattern form; `qnetc compile` warns of it
            return
        if op.logic.constant is False:  # never done (an assertion that cannot fail)
            return
        if op.condition is not True:
            self.conditioned(op)
        elif op.name == "measure":
            self.touch(op.qubits[0])
            self.measure(op.qubits[0], op.bit)
        elif op.name == "reset":
            wire = op.qubits[0]
            self.pending.pop(wire, None)
            if wire in self.builder.current:
                self.measure(wire, None)
            self.measured_at.pop(wire, None)
        elif len(op.qubits) == 1:
            self.single(op.qubits[0], matrix(op.name, tuple(op.params)))
        else:
            for step in cz_form(op.name, tuple(op.params)):
                if step[0] == "cz":
                    a, b = op.qubits[step[1]], op.qubits[step[2]]
                    self.touch(a)
                    self.touch(b)
                    self.builder.entangle(a, b)
                else:
                    self.single(op.qubits[step[1]], matrix(step[0], tuple(step[2])))

    def measure(self, wire: int, bit: int | None) -> None:
        vertex = self.builder.measure(wire, "XZ", 0.0)
        self.measured_at[wire] = vertex
        if bit is not None:
            self.bits[bit] = vertex

    def conditioned(self, op: Op) -> None:
        if op.name == "flag":
            raise CompileError("an assertion on measured values has no pattern form",
                               op.span, help="run it on the simulator or on Aer")
        parity = op.logic.parity
        if parity is None or len(op.qubits) != 1 or op.name in ("measure", "reset"):
            raise CompileError(
                f"`{op.name}` under this condition has no pattern form", op.span,
                help="a pattern conditions single-qubit gates on a parity of outcomes")
        bits, negated = parity
        domain = frozenset(self.bits[b] for b in bits)
        wire = op.qubits[0]
        self.touch(wire)
        unitary = matrix(op.name, tuple(op.params))
        self.builder.steps(wire, conditioned_steps(unitary, domain, negated))

    def translate(self) -> Translation:
        for op in self.circuit.ops:
            self.op(op)
        for wire in list(self.pending):
            self.touch(wire)
        current = self.builder.current
        outputs = sorted(current)
        pattern = standardize(Pattern([], [current[w] for w in outputs], self.builder.commands))
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
