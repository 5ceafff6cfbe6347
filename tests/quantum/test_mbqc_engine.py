"""The simulator's mbqc engine: gathered operations run as patterns give the states the
state-vector engine gives, shot by shot, under masks and per-shot angles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnetlang.gates import GATES
from qnetlang.quantum import noise
from qnetlang.quantum.engine import DensityMatrix, StateVector
from qnetlang.quantum.gates import BELL, KETS, basis_change
from qnetlang.quantum.mbqc_engine import Edge, Gate, PatternEngine

BATCH = 6


def random_program(rng: np.random.Generator, n: int, length: int) -> list[tuple]:
    """Gates on n qubits, each under a random mask or none, with angles fixed or per shot."""
    program = []
    for _ in range(length):
        spec = GATES[str(rng.choice(list(GATES)))]
        targets = [int(t) for t in rng.choice(n, size=spec.qubits, replace=False)]
        per_shot = rng.random() < 0.5
        params = tuple(rng.uniform(-math.pi, math.pi, BATCH) if per_shot else
                       float(rng.uniform(-math.pi, math.pi)) for _ in range(spec.params))
        mask = rng.random(BATCH) < 0.5 if rng.random() < 0.4 else None
        program.append((spec.name, targets, params, mask))
    return program


@pytest.mark.parametrize("seed", range(40))
def test_masked_and_per_shot_gates_match_the_state_vector(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 4
    labels = [str(rng.choice(list(KETS))) for _ in range(n)]
    program = random_program(rng, n, 20)
    states = []
    for engine in (StateVector, PatternEngine):
        sim = engine(np.random.default_rng(seed), batch=BATCH)
        qubits = [sim.alloc(label) for label in labels]
        for name, targets, params, mask in program:
            sim.apply(name, [qubits[t] for t in targets], params, mask)
        states.append(sim.reduced(qubits))
    assert np.allclose(states[0], states[1], atol=1e-9)


def test_operations_are_gathered_until_a_measurement_needs_them() -> None:
    sim = PatternEngine(np.random.default_rng(0), batch=4)
    a, b, c = sim.alloc(), sim.alloc(), sim.alloc()
    sim.apply("h", [a])
    sim.apply("cx", [a, b])
    sim.apply("x", [c])
    sim.apply("cz", [b, c])  # after a's last contact with b: outside a's light cone
    assert [type(op) for op in sim.pending] == [Gate, Gate, Edge, Gate, Gate, Edge]
    assert sim.largest_group == 1  # nothing has run
    outcomes = sim.measure(a)
    assert [type(op) for op in sim.pending] == [Gate, Gate, Edge]  # h b, x c, cz b c wait
    assert sim.groups[b] is not sim.groups[c] and sim.largest_active >= 2
    assert np.allclose(sim.reduced([b])[np.arange(4), outcomes, outcomes], 1.0)
    assert not sim.pending and sim.groups[b] is sim.groups[c]


def test_a_graph_state_measured_vertex_by_vertex_never_exists_whole() -> None:
    """A 40-vertex line entangled at once, then measured from one end: each measurement
    runs only its light cone, so no group ever holds more than a few qubits."""
    sim = PatternEngine(np.random.default_rng(1), batch=3)
    line = [sim.alloc("+") for _ in range(40)]
    for a, b in zip(line, line[1:]):
        sim.apply("cz", [a, b])
    for qubit in line[:-1]:
        sim.measure(qubit, "x")
        assert sim.largest_group <= 2
    assert sim.largest_active <= 4


@pytest.mark.parametrize(("basis", "angle"), [("z", 0.0), ("x", 0.0), ("y", 0.0),
                                              ("xy", 0.7), ("yz", -1.1), ("xz", 2.3)])
def test_a_measured_qubit_is_left_in_the_basis_state_found(basis: str, angle: float) -> None:
    shots = 200
    sim = PatternEngine(np.random.default_rng(1), batch=shots)
    qubit = sim.alloc()
    sim.apply("u", [qubit], (0.4, 1.3, -0.2))
    outcomes = sim.measure(qubit, basis, angle)
    assert 0 < outcomes.sum() < shots
    kets = np.conj(basis_change(basis, angle)[outcomes])  # V^dagger |outcome>
    rho = sim.reduced([qubit])
    assert np.allclose(np.einsum("bi,bij,bj->b", kets.conj(), rho, kets), 1.0)
    assert np.array_equal(sim.measure(qubit, basis, angle), outcomes)


def test_per_shot_measurement_angles_follow_the_born_rule() -> None:
    # |+> measured in the XY plane at angle a: P(0) = cos^2(a/2), a different a per shot.
    shots = 20000
    sim = PatternEngine(np.random.default_rng(2), batch=shots)
    angles = np.where(np.arange(shots) % 2 == 0, 0.6, 2.1)
    outcomes = sim.measure(sim.alloc("+"), "xy", angles)
    for angle in (0.6, 2.1):
        chosen = outcomes[angles == angle]
        p = math.cos(angle / 2) ** 2
        assert abs((chosen == 0).mean() - p) < 4 * math.sqrt(p * (1 - p) / len(chosen))


@pytest.mark.parametrize("channel", [noise.depolarizing(0.4), noise.dephasing(0.3),
                                     noise.amplitude_damping(0.35)])
def test_noise_averages_to_the_channel(channel: list[np.ndarray]) -> None:
    """Pauli mixtures are sampled into gathered gates, amplitude damping acts on the run
    pattern's output; either way the mean is the density matrix's exact fidelity."""
    shots = 20000
    engines = DensityMatrix(np.random.default_rng(0)), PatternEngine(np.random.default_rng(3),
                                                                     batch=shots)
    fidelities = []
    for engine in engines:
        a, b = engine.alloc(), engine.alloc()
        engine.apply("h", [a])
        engine.apply("cx", [a, b])
        engine.channel(b, channel)
        fidelities.append(engine.fidelity([a, b], BELL["phi_plus"]))
    exact, sampled = float(fidelities[0][0]), fidelities[1]
    assert abs(sampled.mean() - exact) < 4 * sampled.std() / math.sqrt(shots) + 1e-9


def test_reset_and_discard_run_what_is_gathered() -> None:
    sim = PatternEngine(np.random.default_rng(4), batch=50)
    a, b = sim.alloc(), sim.alloc()
    sim.apply("h", [a])
    sim.apply("cx", [a, b])
    sim.reset(a)
    assert not sim.measure(a).any()
    sim.discard(a)
    assert a not in sim.groups and np.allclose(np.trace(sim.reduced([b]), axis1=1, axis2=2), 1)
