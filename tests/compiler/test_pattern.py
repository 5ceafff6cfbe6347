"""Circuits translated to patterns give the circuit's state, gate by gate and with
classical control."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnetlang.compiler.circuit import Circuit, Op, bit
from qnetlang.compiler.pattern import to_pattern
from qnetlang.gates import GATES
from qnetlang.ir import nodes as ir
from qnetlang.quantum.gates import matrix
from qnetlang.quantum.mbqc import Engine, greedy_order
from qnetlang.quantum.translate import zxz_angles, zyz_angles

TOLERANCE = 1e-9


def random_unitary(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
    return q * (np.diag(r) / abs(np.diag(r)))


def same_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    return abs(abs(np.vdot(a.reshape(-1), b.reshape(-1))) - np.linalg.norm(a) *
               np.linalg.norm(b)) < 1e-9


@pytest.mark.parametrize("seed", range(50))
def test_euler_angles_rebuild_the_unitary(seed: int) -> None:
    unitary = random_unitary(np.random.default_rng(seed))
    a, b, c = zxz_angles(unitary)
    rebuilt = matrix("rz", (a,)) @ matrix("rx", (b,)) @ matrix("rz", (c,))
    assert same_up_to_phase(rebuilt, unitary)
    phase, a, b, c = zyz_angles(unitary)
    exact = np.exp(1j * phase) * matrix("rz", (a,)) @ matrix("ry", (b,)) @ matrix("rz", (c,))
    assert np.allclose(exact, unitary)


def dense(circuit: Circuit) -> np.ndarray:
    """The state of a circuit of gates only, from |0...0>."""
    state = np.zeros((2,) * len(circuit.qubits), dtype=complex)
    state[(0,) * len(circuit.qubits)] = 1
    for op in circuit.ops:
        k = len(op.qubits)
        gate = matrix(op.name, tuple(op.params)).reshape((2,) * 2 * k)
        moved = np.tensordot(gate, state, axes=(list(range(k, 2 * k)), op.qubits))
        state = np.moveaxis(moved, list(range(k)), op.qubits)
    return state.reshape(-1)


def pattern_state(circuit: Circuit, seed: int = 0,
                  forced: dict[int, int] | None = None) -> tuple[np.ndarray, dict[int, int]]:
    translation = to_pattern(circuit)
    pattern = translation.pattern
    result = Engine(pattern, np.random.default_rng(seed)).run(greedy_order(pattern), forced)
    bits = {b: result.shot()[v] for b, v in translation.bits.items()}
    return result.state, bits


@pytest.mark.parametrize("name", sorted(GATES))
def test_every_gate_translates(name: str) -> None:
    rng = np.random.default_rng(sorted(GATES).index(name))
    spec = GATES[name]
    circuit = Circuit(qubits=[f"q{i}" for i in range(spec.qubits)])
    for wire in range(spec.qubits):  # a generic product input
        circuit.ops.append(Op("u", [wire], list(rng.uniform(0, 2 * math.pi, 3))))
    circuit.ops.append(Op(name, list(range(spec.qubits)), list(rng.uniform(0, 2 * math.pi,
                                                                            spec.params))))
    for seed in range(3):
        state, _ = pattern_state(circuit, seed)
        assert same_up_to_phase(state, dense(circuit))


def teleportation(condition_x: object, condition_z: object) -> Circuit:
    circuit = Circuit(qubits=["alice.psi", "alice.half", "bob.half"], bits=["m0", "m1"])
    circuit.ops = [Op("u", [0], [0.3, 1.1, -0.4]), Op("h", [1]), Op("cx", [1, 2]),
                   Op("cx", [0, 1]), Op("h", [0]), Op("measure", [0], bit=0),
                   Op("measure", [1], bit=1), Op("x", [2], condition=condition_x),
                   Op("z", [2], condition=condition_z)]
    return circuit


@pytest.mark.parametrize("outcomes", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_teleportation_with_classical_control(outcomes: tuple[int, int]) -> None:
    circuit = teleportation(bit(1), bit(0))
    translation = to_pattern(circuit)
    forced = {translation.bits[0]: outcomes[0], translation.bits[1]: outcomes[1]}
    state, bits = pattern_state(circuit, forced=forced)
    assert bits == {0: outcomes[0], 1: outcomes[1]}
    expected = matrix("u", (0.3, 1.1, -0.4)) @ np.array([1, 0])
    assert same_up_to_phase(state, expected)


def test_negated_and_parity_conditions() -> None:
    # x under !(m1 ^ 1) is x under m1; z under (m0 == 0) ^ 1 is z under m0.
    circuit = teleportation(ir.Unary("!", ir.Binary("^", bit(1), ir.Const(1))),
                            ir.Binary("^", ir.Binary("==", bit(0), ir.Const(0)), ir.Const(1)))
    for seed in range(8):
        state, _ = pattern_state(circuit, seed)
        assert same_up_to_phase(state, matrix("u", (0.3, 1.1, -0.4)) @ np.array([1, 0]))


@pytest.mark.parametrize("seed", range(20))
def test_conditioned_rotation_follows_its_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    angles = list(rng.uniform(0, 2 * math.pi, 3))
    circuit = Circuit(qubits=["coin", "target"], bits=["c"])
    circuit.ops = [Op("h", [0]), Op("measure", [0], bit=0), Op("u", [1], [0.5, 0.2, 0.9]),
                   Op("u", [1], angles, condition=bit(0))]
    state, bits = pattern_state(circuit, seed)
    expected = matrix("u", (0.5, 0.2, 0.9)) @ np.array([1, 0])
    if bits[0]:
        expected = matrix("u", tuple(angles)) @ expected
    assert same_up_to_phase(state, expected)


def test_measured_outcomes_follow_born_rule() -> None:
    circuit = Circuit(qubits=["q"], bits=["m"])
    circuit.ops = [Op("ry", [0], [2 * math.acos(math.sqrt(0.2))]), Op("measure", [0], bit=0)]
    translation = to_pattern(circuit)
    shots = 4000
    result = Engine(translation.pattern, np.random.default_rng(3), shots=shots).run()
    ones = int(result.outcomes[translation.bits[0]].sum())
    # P(1) = 0.8; within 4 standard errors.
    assert abs(ones / shots - 0.8) < 4 * math.sqrt(0.8 * 0.2 / shots)


def test_qubit_reused_after_measurement_keeps_its_outcome() -> None:
    circuit = Circuit(qubits=["q", "r"], bits=["m"])
    circuit.ops = [Op("h", [0]), Op("measure", [0], bit=0), Op("cx", [0, 1])]
    for seed in range(6):
        state, bits = pattern_state(circuit, seed)
        expected = np.zeros(4)
        expected[3 * bits[0]] = 1
        assert same_up_to_phase(state, expected)
