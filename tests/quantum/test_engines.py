"""The engines against a dense reference simulation, and their bookkeeping."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnetlang.gates import GATES
from qnetlang.quantum import ENGINE_NAMES, engine_class, noise
from qnetlang.quantum.engine import DensityMatrix, StateVector
from qnetlang.quantum.gates import BELL, KETS, matrix


def dense_apply(state: np.ndarray, gate: np.ndarray, targets: list[int], n: int) -> np.ndarray:
    tensor = state.reshape((2,) * n)
    k = len(targets)
    op = gate.reshape((2,) * (2 * k))
    out = np.tensordot(op, tensor, axes=(list(range(k, 2 * k)), targets))
    return np.moveaxis(out, list(range(k)), targets).reshape(-1)


UNIVERSAL = [name for name in ENGINE_NAMES if name != "stabilizer"]  # any gate, any angle


@pytest.mark.parametrize("engine", UNIVERSAL)
@pytest.mark.parametrize("seed", range(25))
def test_random_circuits_match_a_dense_simulation(engine: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5
    labels = [str(rng.choice(list(KETS))) for _ in range(n)]
    sim = engine_class(engine)(np.random.default_rng(seed))
    qubits = [sim.alloc(label) for label in labels]
    state = KETS[labels[0]]
    for label in labels[1:]:
        state = np.kron(state, KETS[label])
    for _ in range(30):
        spec = GATES[str(rng.choice(list(GATES)))]
        targets = [int(t) for t in rng.choice(n, size=spec.qubits, replace=False)]
        params = tuple(float(x) for x in rng.uniform(-math.pi, math.pi, spec.params))
        sim.apply(spec.name, [qubits[t] for t in targets], params)
        state = dense_apply(state, matrix(spec.name, params), targets, n)
    order = [int(i) for i in rng.permutation(n)]
    expected = state.reshape((2,) * n).transpose(order).reshape(-1)
    rho = sim.reduced([qubits[i] for i in order])
    assert rho.shape == (1, 2 ** n, 2 ** n)
    assert np.allclose(rho[0], np.outer(expected, expected.conj()), atol=1e-9)


# not mbqc: it merges groups when its patterns run, not on each gate
@pytest.mark.parametrize("engine", ["statevector", "density", "stabilizer"])
def test_groups_merge_on_gates_and_split_on_measurement(engine: str) -> None:
    sim = engine_class(engine)(np.random.default_rng(1), batch=8)
    a, b, c = sim.alloc(), sim.alloc(), sim.alloc("+")
    assert sim.largest_group == 1
    sim.apply("h", [a])
    sim.apply("cx", [a, b])
    assert sim.largest_group == 2 and sim.groups[c] is not sim.groups[a]
    assert np.allclose(sim.fidelity([a, b], BELL["phi_plus"]), 1.0)
    outcomes = sim.measure(a)
    assert sim.largest_group == 1 and outcomes.shape == (8,)
    assert np.allclose(sim.reduced([b])[np.arange(8), outcomes, outcomes], 1.0)


@pytest.mark.parametrize("engine", ENGINE_NAMES)
def test_masked_operations_touch_only_their_shots(engine: str) -> None:
    sim = engine_class(engine)(np.random.default_rng(2), batch=6)
    mask = np.array([True, False, True, False, False, True])
    q = sim.alloc()
    sim.apply("x", [q], mask=mask)
    assert list(sim.measure(q)) == [1, 0, 1, 0, 0, 1]
    r = sim.alloc()
    sim.apply("rx", [r], (np.where(mask, math.pi, 0.0),))
    assert list(sim.measure(r)) == [1, 0, 1, 0, 0, 1]
    pair = sim.alloc(), sim.alloc()
    sim.apply("h", [pair[0]])
    sim.apply("cx", list(pair))
    sim.measure(pair[0], mask=mask)  # measured in some shots only: still one group
    assert sim.largest_group == 2
    fidelity = sim.fidelity(list(pair), BELL["phi_plus"])
    assert np.allclose(fidelity[~mask], 1.0) and np.allclose(fidelity[mask], 0.5)


@pytest.mark.parametrize("basis,angle,state", [
    ("x", 0.0, "+"), ("y", 0.0, "+i"), ("xy", math.pi / 2, "+i"), ("z", 0.0, "0")])
def test_measuring_a_basis_state_in_its_basis_gives_0(basis: str, angle: float,
                                                      state: str) -> None:
    sim = StateVector(np.random.default_rng(0), batch=50)
    qubit = sim.alloc(state)
    assert not sim.measure(qubit, basis, angle).any()


def test_plane_measurements_statistics() -> None:
    # |0> measured in the XZ plane at angle a: P(+) = cos^2(a/2)
    angle = 1.0
    sim = StateVector(np.random.default_rng(3), batch=4000)
    zeros = int((sim.measure(sim.alloc("0"), "xz", angle) == 0).sum())
    p = math.cos(angle / 2) ** 2
    assert abs(zeros / 4000 - p) < 4 * math.sqrt(p * (1 - p) / 4000)


def test_density_channels_are_exact() -> None:
    sim = DensityMatrix(np.random.default_rng(0))
    a, b = sim.alloc(), sim.alloc()
    sim.apply("h", [a])
    sim.apply("cx", [a, b])
    sim.channel(b, noise.depolarizing(0.4))
    assert sim.fidelity([a, b], BELL["phi_plus"])[0] == pytest.approx(1 - 3 * 0.4 / 4)
    sim.discard(a)
    assert np.allclose(sim.reduced([b])[0], np.eye(2) / 2)


def test_trajectories_average_to_the_channel() -> None:
    sim = StateVector(np.random.default_rng(4), batch=20000)
    a, b = sim.alloc(), sim.alloc()
    sim.apply("h", [a])
    sim.apply("cx", [a, b])
    sim.channel(b, noise.depolarizing(0.4))
    fidelity = sim.fidelity([a, b], BELL["phi_plus"])
    stderr = fidelity.std() / math.sqrt(len(fidelity))
    assert abs(fidelity.mean() - 0.7) < 4 * stderr


def test_memory_noise_composition() -> None:
    t1, t2, t = 1e-3, 5e-4, 2e-4
    sim = DensityMatrix(np.random.default_rng(0))
    q = sim.alloc("+")
    channel = noise.memory(t, t1, t2, None)
    assert channel is not None
    sim.channel(q, channel)
    rho = sim.reduced([q])[0]
    assert abs(rho[0, 1]) == pytest.approx(0.5 * math.exp(-t / t2))
    assert rho[1, 1].real == pytest.approx(0.5 * math.exp(-t / t1))
