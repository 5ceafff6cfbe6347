"""Qubit reuse: a wire whose qubit is done is reset and given to the next new qubit.

In the dynamic form a qubit is done after its last operation (typically its
measurement); a later qubit can then start on the same wire after a reset.
This shrinks the width of circuits like swapping chains, where most qubits
live briefly, to what is alive at once.
"""

from __future__ import annotations

from qnetlang.compiler.circuit import Circuit, Op


def reuse_qubits(circuit: Circuit) -> Circuit:
    last: dict[int, int] = {}
    for position, op in enumerate(circuit.ops):
        for qubit in op.qubits:
            last[qubit] = position
    wire_of: dict[int, int] = {}
    free: list[int] = []
    labels: list[str] = []
    ops: list[Op] = []
    for position, op in enumerate(circuit.ops):
        for qubit in op.qubits:
            if qubit in wire_of:
                continue
            if free:
                wire = free.pop(0)
                labels[wire] += f"|{circuit.qubits[qubit]}"
                ops.append(Op("reset", [wire], span=op.span))
            else:
                wire = len(labels)
                labels.append(circuit.qubits[qubit])
            wire_of[qubit] = wire
        ops.append(Op(op.name, [wire_of[q] for q in op.qubits], op.params, op.bit,
                      op.condition, op.span))
        for qubit in op.qubits:
            if last[qubit] == position:
                free.append(wire_of[qubit])
                free.sort()
    return Circuit(labels, list(circuit.bits), ops, list(circuit.reports), circuit.weight,
                   circuit.choices, list(circuit.warnings))
