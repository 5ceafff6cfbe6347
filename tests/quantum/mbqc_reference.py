"""A dense simulation of a pattern, command by command, to check the lazy engine against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qnetlang.quantum.gates import KETS, X, Z, basis_change
from qnetlang.quantum.mbqc import E, M, N, Pattern


def dense_state(pattern: Pattern, outcomes: dict[int, int],
                inputs: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """The outputs' state (in the order of pattern.outputs) for the given outcomes, from
    the whole graph held at once and the commands run in the order written."""
    vertices = sorted(pattern.vertices)
    index = {v: k for k, v in enumerate(vertices)}
    states = dict(zip(pattern.inputs, inputs or [KETS["+"]] * len(pattern.inputs), strict=True))
    psi = np.ones((), dtype=complex)
    for v in vertices:  # preparing every vertex first commutes with everything else
        psi = np.multiply.outer(psi, states.get(v, KETS["+"]))

    def apply(vertex: int, operator: np.ndarray) -> None:
        nonlocal psi
        moved = np.tensordot(operator, psi, axes=([1], [index[vertex]]))
        psi = np.moveaxis(moved, 0, index[vertex])

    def parity(domain: frozenset[int]) -> int:
        return sum(outcomes[n] for n in domain) % 2

    for command in pattern.commands:
        if isinstance(command, N):
            continue
        if isinstance(command, E):
            selector = [slice(None)] * len(vertices)
            selector[index[command.a]] = selector[index[command.b]] = 1
            psi[tuple(selector)] *= -1
        elif isinstance(command, M):
            s, t = parity(command.s_domain), parity(command.t_domain)
            if command.plane == "YZ":
                s, t = t, s
            if t:
                apply(command.node, Z)
            if s:
                apply(command.node, X)
            apply(command.node, basis_change(command.plane.lower(), command.angle))
            projector = np.zeros((2, 2))
            projector[outcomes[command.node], outcomes[command.node]] = 1
            apply(command.node, projector)
        elif parity(command.domain):
            apply(command.node, X if command.pauli == "X" else Z)
    measured = {m.node for m in pattern.measurements}
    for axis in sorted((index[v] for v in measured), reverse=True):
        psi = np.take(psi, outcomes[vertices[axis]], axis=axis)
    remaining = [v for v in vertices if v not in measured]
    order = [remaining.index(v) for v in pattern.outputs]
    state = np.transpose(psi, order).reshape(-1) if order else psi.reshape(-1)
    return state / np.linalg.norm(state)
