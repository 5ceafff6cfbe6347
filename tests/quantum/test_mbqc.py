"""The lazy MBQC engine against a dense simulation, on hundreds of random patterns."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnetlang.quantum.gates import H, matrix
from qnetlang.quantum.mbqc import (
    PLANES,
    C,
    E,
    Engine,
    M,
    N,
    Pattern,
    greedy_order,
    grid_cluster,
    linear_cluster,
    shift_signals,
    standardize,
)
from tests.quantum.mbqc_reference import dense_state

TOLERANCE = 1e-9


def fidelity(a: np.ndarray, b: np.ndarray) -> float:
    return abs(np.vdot(a, b)) ** 2


def random_ket(rng: np.random.Generator) -> np.ndarray:
    ket = rng.normal(size=2) + 1j * rng.normal(size=2)
    return ket / np.linalg.norm(ket)


def random_domain(rng: np.random.Generator, measured: list[int]) -> frozenset[int]:
    return frozenset(v for v in measured if rng.random() < 0.4)


def random_standard_pattern(rng: np.random.Generator) -> tuple[Pattern, list[np.ndarray]]:
    size = int(rng.integers(2, 8))
    vertices = list(range(size))
    inputs = [v for v in vertices if rng.random() < 0.3]
    outputs = [int(v) for v in rng.permutation(vertices)[: int(rng.integers(1, 3))]]
    commands: list = [N(v) for v in vertices if v not in inputs]
    commands += [E(a, b) for a in vertices for b in vertices if a < b and rng.random() < 0.5]
    measured: list[int] = []
    for v in rng.permutation([v for v in vertices if v not in outputs]):
        commands.append(M(int(v), PLANES[rng.integers(3)], float(rng.uniform(0, 2 * math.pi)),
                          random_domain(rng, measured), random_domain(rng, measured)))
        measured.append(int(v))
    commands += [C(v, pauli, random_domain(rng, measured)) for v in outputs for pauli in "ZX"]
    return Pattern(inputs, outputs, commands), [random_ket(rng) for _ in inputs]


def random_order(rng: np.random.Generator, pattern: Pattern) -> list[int]:
    """Any order of the measurements in which each comes after those it depends on."""
    waiting = {m.node: set(m.s_domain | m.t_domain) for m in pattern.measurements}
    order: list[int] = []
    while waiting:
        ready = sorted(v for v, needs in waiting.items() if needs <= set(order))
        chosen = ready[rng.integers(len(ready))]
        order.append(chosen)
        del waiting[chosen]
    return order


@pytest.mark.parametrize("seed", range(300))
def test_random_pattern_matches_dense_simulation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pattern, inputs = random_standard_pattern(rng)
    result = Engine(pattern, rng, inputs).run(random_order(rng, pattern))
    assert fidelity(result.state, dense_state(pattern, result.shot(), inputs)) > 1 - TOLERANCE


@pytest.mark.parametrize("seed", range(100))
def test_entangled_input_groups_match_dense_simulation(seed: int) -> None:
    """Inputs given as joint states of groups (as the simulator's mbqc engine gives them),
    with the edges between inputs applied at the start."""
    rng = np.random.default_rng(seed)
    pattern, inputs = random_standard_pattern(rng)
    split = int(rng.integers(0, len(inputs) + 1))
    groups = []
    for vertices, kets in ((pattern.inputs[:split], inputs[:split]),
                           (pattern.inputs[split:], inputs[split:])):
        if vertices:
            joint = np.ones(1, dtype=complex)
            for ket in kets:
                joint = np.kron(joint, ket)
            groups.append((vertices, joint[None]))
    result = Engine(pattern, rng, input_groups=groups).run(random_order(rng, pattern))
    assert fidelity(result.state, dense_state(pattern, result.shot(), inputs)) > 1 - TOLERANCE


def random_wild_pattern(rng: np.random.Generator) -> Pattern:
    """Commands in any valid order: preparations, entanglings, measurements and
    corrections interleaved, as a translated circuit writes them."""
    live = [0]
    measured: list[int] = []
    commands: list = []
    next_vertex = 1
    for _ in range(int(rng.integers(4, 14))):
        roll = rng.random()
        if roll < 0.35 and next_vertex < 7:
            commands.append(N(next_vertex))
            commands += [E(v, next_vertex) for v in live if rng.random() < 0.5]
            live.append(next_vertex)
            next_vertex += 1
        elif roll < 0.5 and len(live) > 1:
            a, b = rng.choice(live, size=2, replace=False)
            commands.append(E(int(a), int(b)))
        elif roll < 0.75 and measured:
            commands.append(C(int(rng.choice(live)), "XZ"[rng.integers(2)],
                              random_domain(rng, measured)))
        elif len(live) > 1:
            v = int(live.pop(rng.integers(len(live))))
            commands.append(M(v, PLANES[rng.integers(3)], float(rng.uniform(0, 2 * math.pi)),
                              random_domain(rng, measured), random_domain(rng, measured)))
            measured.append(v)
    return Pattern([0], list(live), commands)


@pytest.mark.parametrize("seed", range(200))
def test_standardize_keeps_the_state(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    wild = random_wild_pattern(rng)
    standard = standardize(wild)
    kinds = [type(c).__name__ for c in standard.commands]
    assert kinds == sorted(kinds, key="NEMC".index)
    ket = random_ket(rng)
    result = Engine(standard, rng, [ket]).run()
    assert fidelity(result.state, dense_state(wild, result.shot(), [ket])) > 1 - TOLERANCE


@pytest.mark.parametrize("seed", range(200))
def test_signal_shifting_keeps_the_state(seed: int) -> None:
    rng = np.random.default_rng(2000 + seed)
    pattern, inputs = random_standard_pattern(rng)
    shifted = shift_signals(pattern)
    assert not any(m.t_domain for m in shifted.measurements if m.plane == "XY")
    result = Engine(shifted, rng, inputs).run()
    # Without the Z of its t-signal, an XY measurement reports the flipped outcome.
    original: dict[int, int] = {}
    for m in pattern.measurements:
        flip = sum(original[n] for n in m.t_domain) % 2 if m.plane == "XY" else 0
        original[m.node] = result.shot()[m.node] ^ flip
    assert fidelity(result.state, dense_state(pattern, original, inputs)) > 1 - TOLERANCE


def j_pattern(angle: float) -> Pattern:
    return Pattern([0], [1], [N(1), E(0, 1), M(0, "XY", -angle), C(1, "X", frozenset({0}))])


@pytest.mark.parametrize("outcome", [0, 1])
def test_j_pattern_is_hadamard_after_phase(outcome: int) -> None:
    ket = random_ket(np.random.default_rng(5))
    angle = 0.7
    result = Engine(j_pattern(angle), inputs=[ket]).run(forced={0: outcome})
    assert fidelity(result.state, H @ matrix("p", (angle,)) @ ket) > 1 - TOLERANCE


@pytest.mark.parametrize("outcomes", [(0, 0, 0, 0), (1, 0, 1, 1), (1, 1, 1, 1)])
def test_linear_cluster_applies_its_j_steps(outcomes: tuple[int, ...]) -> None:
    angles = [0.4, -1.1, 2.0, 0.25]
    ket = random_ket(np.random.default_rng(9))
    expected = ket
    for angle in angles:
        expected = H @ matrix("p", (angle,)) @ expected
    result = Engine(linear_cluster(angles), inputs=[ket]).run(forced=dict(enumerate(outcomes)))
    assert fidelity(result.state, expected) > 1 - TOLERANCE


def test_active_set_of_a_line_stays_small() -> None:
    result = Engine(linear_cluster([0.3] * 1999), np.random.default_rng(1)).run()
    assert result.largest_active == 2
    assert len(result.outcomes) == 1999


def test_greedy_order_keeps_a_grid_to_its_width() -> None:
    pattern = grid_cluster(4, 12, 0.1)
    result = Engine(pattern, np.random.default_rng(2)).run(greedy_order(pattern))
    assert result.largest_active <= 4 + 2
    assert len(result.state) == 2 ** 4


@pytest.mark.parametrize("seed", range(50))
def test_batched_shots_each_match_dense_simulation(seed: int) -> None:
    rng = np.random.default_rng(3000 + seed)
    pattern, inputs = random_standard_pattern(rng)
    result = Engine(pattern, rng, inputs, shots=8).run(random_order(rng, pattern))
    for shot in range(8):
        expected = dense_state(pattern, result.shot(shot), inputs)
        assert fidelity(result.states[shot], expected) > 1 - TOLERANCE
