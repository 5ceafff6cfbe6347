"""Qubit reuse: a wire whose qubit is done is reset and given to the next new qubit.

In the dynamic form a qubit is done after its last operation (typically its
measurement); a later qubit can then start on the same wire after a reset.
This shrinks the width of circuits like swapping chains, where most qubits
live briefly, to what is alive at once. The operations are first put in an
order that starts a new qubit only when nothing else can go on (the lowering
emits them in the order of simulated time, where every node may prepare its
qubits at once): operations on different wires commute, so this changes the
width, not the circuit.
"""

from __future__ import annotations

import heapq
from dataclasses import replace

from qnetlang.compiler.circuit import Circuit, Op, condition_bits


def _waits(ops: list[Op]) -> tuple[list[set[int]], set[int]]:
    """For each operation, the earlier ones it waits for (on each qubit, each bit and the
    bits its condition reads); and the operations that open a qubit."""
    before: list[set[int]] = [set() for _ in ops]
    last_on: dict[tuple[str, int], int] = {}
    opening: set[int] = set()
    for position, op in enumerate(ops):
        wires = [("q", q) for q in op.qubits]
        if any(wire not in last_on for wire in wires):
            opening.add(position)
        reads = [("c", b) for b in condition_bits(op.condition)] if op.condition is not True \
            else []
        if op.bit is not None:
            wires.append(("c", op.bit))
        for wire in wires + reads:
            if wire in last_on:
                before[position].add(last_on[wire])
        for wire in wires:
            last_on[wire] = position
    return before, opening


def narrow_order(ops: list[Op]) -> list[Op]:
    """The operations in an order that respects every wire and opens a qubit's first
    operation as late as it can (a swapping chain: each hop as soon as it may)."""
    before, opening = _waits(ops)
    after: list[list[int]] = [[] for _ in ops]
    for position, waits in enumerate(before):
        for earlier in waits:
            after[earlier].append(position)
    pending = [len(waits) for waits in before]
    ready: tuple[list[int], list[int]] = ([], [])  # (continuing, opening), by position
    for position, count in enumerate(pending):
        if count == 0:
            heapq.heappush(ready[position in opening], position)
    order: list[Op] = []
    while ready[0] or ready[1]:
        position = heapq.heappop(ready[0] if ready[0] else ready[1])
        order.append(ops[position])
        for later in after[position]:
            pending[later] -= 1
            if pending[later] == 0:
                heapq.heappush(ready[later in opening], later)
    return order


def finishing_order(ops: list[Op]) -> list[Op]:
    """The operations in an order that finishes each qubit, in the order they are made,
    before it starts the next, bringing in only what the qubit waits for (B92: a round
    at a time, Bob's measurement before Alice's next qubit)."""
    before, _ = _waits(ops)
    on_qubit: dict[int, list[int]] = {}
    for position, op in enumerate(ops):
        for qubit in op.qubits:
            on_qubit.setdefault(qubit, []).append(position)
    done: set[int] = set()
    order: list[Op] = []

    def bring(position: int) -> None:
        stack = [position]
        while stack:
            top = stack[-1]
            if top in done:
                stack.pop()
                continue
            waiting = [earlier for earlier in before[top] if earlier not in done]
            if waiting:
                stack += sorted(waiting, reverse=True)
                continue
            done.add(top)
            order.append(ops[top])
            stack.pop()

    for positions in on_qubit.values():
        for position in positions:
            bring(position)
    for position in range(len(ops)):
        bring(position)
    return order


def _on_wires(circuit: Circuit, ops: list[Op]) -> Circuit:
    """Each qubit on the first free wire, the wire reset when it is used again."""
    last: dict[int, int] = {}
    for position, op in enumerate(ops):
        for qubit in op.qubits:
            last[qubit] = position
    wire_of: dict[int, int] = {}
    free: list[int] = []
    labels: list[str] = []
    reused: list[Op] = []
    for position, op in enumerate(ops):
        for qubit in op.qubits:
            if qubit in wire_of:
                continue
            if free:
                wire = free.pop(0)
                labels[wire] += f"|{circuit.qubits[qubit]}"
                reused.append(Op("reset", [wire], span=op.span))
            else:
                wire = len(labels)
                labels.append(circuit.qubits[qubit])
            wire_of[qubit] = wire
        reused.append(Op(op.name, [wire_of[q] for q in op.qubits], op.params, op.bit,
                         op.condition, op.span, op.kraus))
        for qubit in op.qubits:
            if last[qubit] == position:
                free.append(wire_of[qubit])
                free.sort()
    return replace(circuit, qubits=labels, ops=reused)


def reuse_qubits(circuit: Circuit) -> Circuit:
    """The circuit on as few wires as the better of two orders gives."""
    candidates = [_on_wires(circuit, order(circuit.ops))
                  for order in (narrow_order, finishing_order)]
    return min(candidates, key=lambda narrowed: len(narrowed.qubits))
