"""The stabilizer engine against exact references: a dense simulation, the density
engine (with noise and mid-circuit measurements), and the state-vector engine on the
Clifford protocols of the standard library."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import qnetlang
from qnetlang.codes import Code
from qnetlang.driver import QnetError
from qnetlang.gates import GATES
from qnetlang.quantum import noise
from qnetlang.quantum.engine import DensityMatrix, NotClifford
from qnetlang.quantum.gates import BELL, KETS, matrix
from qnetlang.quantum.stabilizer import Stabilizer, twirl
from qnetlang.runtime.runner import choose_engine
from tests.conftest import ROOT
from tests.quantum.test_engines import dense_apply

# Gates of the language that are Clifford with any angle that is a multiple of pi/2.
CLIFFORD = ["i", "x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "rx", "ry", "rz", "p", "u",
            "cx", "cy", "cz", "swap", "crz", "cp"]
QUARTERS = [k * math.pi / 2 for k in range(-3, 4)]


def random_clifford(rng: np.random.Generator) -> tuple[str, tuple[float, ...]]:
    name = str(rng.choice(CLIFFORD))
    params = tuple(float(rng.choice(QUARTERS)) for _ in range(GATES[name].params))
    if name in ("crz", "cp"):  # controlled: Clifford only at multiples of pi
        params = tuple(float(rng.choice([-math.pi, 0.0, math.pi])) for _ in params)
    return name, params


@pytest.mark.parametrize("seed", range(20))
def test_random_clifford_circuits_match_a_dense_simulation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5
    labels = [str(rng.choice(list(KETS))) for _ in range(n)]
    sim = Stabilizer(np.random.default_rng(seed))
    qubits = [sim.alloc(label) for label in labels]
    state = KETS[labels[0]]
    for label in labels[1:]:
        state = np.kron(state, KETS[label])
    for _ in range(30):
        name, params = random_clifford(rng)
        targets = [int(t) for t in rng.choice(n, size=GATES[name].qubits, replace=False)]
        sim.apply(name, [qubits[t] for t in targets], params)
        state = dense_apply(state, matrix(name, params), targets, n)
    order = [int(i) for i in rng.permutation(n)]
    expected = state.reshape((2,) * n).transpose(order).reshape(-1)
    rho = sim.reduced([qubits[i] for i in order])
    assert np.allclose(rho[0], np.outer(expected, expected.conj()), atol=1e-9)


ONE_QUBIT = [name for name in CLIFFORD if GATES[name].qubits == 1]


@pytest.mark.parametrize("seed", range(10))
def test_a_qubit_alone_is_exact_shot_by_shot(seed: int) -> None:
    """A qubit no gate entangles is a Pauli eigenstate per shot (numpy codes, no
    tableau): gates with per-shot angles and masks, measurements in X, Y and Z, resets
    and Pauli errors give each shot the state a dense simulation gives it."""
    rng = np.random.default_rng(seed)
    batch = 64
    label = str(rng.choice(list(KETS)))
    sim = Stabilizer(np.random.default_rng(seed), batch)
    qubit = sim.alloc(label)
    states = np.tile(KETS[label], (batch, 1)).astype(complex)
    for _ in range(40):
        mask = rng.random(batch) < 0.6 if rng.random() < 0.5 else None
        active = np.ones(batch, bool) if mask is None else mask
        step = rng.integers(4)
        if step == 0:  # a gate, its angles per shot
            name = str(rng.choice(ONE_QUBIT))
            angles = [rng.choice(QUARTERS, size=batch) for _ in range(GATES[name].params)]
            sim.apply(name, [qubit], tuple(angles), mask)
            for shot in np.flatnonzero(active):
                states[shot] = matrix(name, tuple(float(a[shot]) for a in angles)) @ states[shot]
        elif step == 1:  # a measurement in a Pauli basis
            basis = str(rng.choice(["x", "y", "z"]))
            outcomes = sim.measure(qubit, basis, 0.0, mask)
            change = {"x": KETS["+"], "y": KETS["+i"], "z": KETS["0"]}[basis]
            other = {"x": KETS["-"], "y": KETS["-i"], "z": KETS["1"]}[basis]
            for shot in range(batch):
                if not active[shot]:
                    assert outcomes[shot] == 0
                    continue
                ket = other if outcomes[shot] else change
                assert abs(abs(np.vdot(ket, states[shot])) ** 2) > 1e-9  # a possible one
                states[shot] = ket
        elif step == 2:  # a reset
            sim.reset(qubit, mask)
            states[active] = KETS["0"]
        else:  # a Pauli error in some shots
            sim.channel(qubit, noise.depolarizing(0.5), mask)
            rho = sim.reduced([qubit])
            for shot in range(batch):  # read back which Pauli each shot got
                matches = [abs(np.vdot(p @ states[shot], rho[shot] @ (p @ states[shot])))
                           for p in (np.eye(2), *(matrix(g, ()) for g in "xyz"))]
                states[shot] = [np.eye(2), *(matrix(g, ()) for g in "xyz")][
                    int(np.argmax(matches))] @ states[shot]
        rho = sim.reduced([qubit])
        for shot in range(batch):
            assert np.allclose(rho[shot], np.outer(states[shot], states[shot].conj()),
                               atol=1e-9)


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Two samples' means within 4 standard errors of their difference."""
    error = math.sqrt(a.var() / len(a) + b.var() / len(b))
    return abs(a.mean() - b.mean()) <= 4 * error + 1e-12


@pytest.mark.parametrize("seed", range(4))
def test_random_noisy_programs_with_feedback_match_the_density_engine(seed: int) -> None:
    """Clifford gates, Pauli noise, measurements in every basis that split groups, and
    gates conditioned on their outcomes: the statistics of the final measurements."""
    shots = 2000
    outcomes: dict[str, list[np.ndarray]] = {}
    for engine in (DensityMatrix, Stabilizer):
        rng = np.random.default_rng(seed)  # the same program for both
        sim = engine(np.random.default_rng(100 + seed), batch=shots)
        qubits = [sim.alloc(str(rng.choice(list(KETS)))) for _ in range(4)]
        records = []
        for _ in range(25):
            action = rng.integers(5)
            q = qubits[int(rng.integers(4))]
            if action == 0:
                sim.channel(q, noise.depolarizing(float(rng.uniform(0, 0.5))))
            elif action == 1:
                sim.channel(q, noise.dephasing(float(rng.uniform(0, 0.5))))
            elif action == 2:
                records.append(sim.measure(q, str(rng.choice(["z", "x", "y"]))))
            elif action == 3 and records:  # `if (m) gate` on an earlier outcome
                name, params = random_clifford(rng)
                targets = [qubits[int(t)] for t in
                           rng.choice(4, size=GATES[name].qubits, replace=False)]
                sim.apply(name, targets, params, mask=records[-1].astype(bool))
            else:
                name, params = random_clifford(rng)
                targets = [qubits[int(t)] for t in
                           rng.choice(4, size=GATES[name].qubits, replace=False)]
                sim.apply(name, targets, params)
        final = [sim.measure(q, basis) for q, basis in zip(qubits, "zxyz", strict=True)]
        outcomes[engine.__name__] = records + final + \
            [final[0] ^ final[1], final[2] ^ final[3], final[0] ^ final[3]]
    for density, stabilizer in zip(outcomes["DensityMatrix"], outcomes["Stabilizer"],
                                   strict=True):
        assert close(density.astype(float), stabilizer.astype(float))


def test_pauli_channels_are_kept_and_others_twirled() -> None:
    p = 0.3
    assert twirl(tuple(k.tobytes() for k in noise.depolarizing(p))) == \
        pytest.approx((1 - 3 * p / 4, p / 4, p / 4, p / 4))
    assert twirl(tuple(k.tobytes() for k in noise.dephasing(p))) == \
        pytest.approx((1 - p, 0, 0, p))
    gamma = 0.4  # amplitude damping: X and Y at gamma / 4, Z at (1 - sqrt(1 - gamma))^2 / 4
    root = math.sqrt(1 - gamma)
    assert twirl(tuple(k.tobytes() for k in noise.amplitude_damping(gamma))) == \
        pytest.approx(((1 + root) ** 2 / 4, gamma / 4, gamma / 4, (1 - root) ** 2 / 4))


def test_t1_on_both_halves_of_a_bell_pair_costs_the_twirl_gamma_squared_over_4() -> None:
    """docs/runtime.md: amplitude damping on both halves gives F = 1 - g + g^2/2 exactly
    (density matrix) and 1 - g + g^2/4 twirled (stabilizer)."""
    gamma, shots = 0.4, 8000
    exact = DensityMatrix(np.random.default_rng(0))
    twirled = Stabilizer(np.random.default_rng(1), batch=shots)
    fidelities = []
    for sim in (exact, twirled):
        a, b = sim.alloc(), sim.alloc()
        sim.apply("h", [a])
        sim.apply("cx", [a, b])
        for q in (a, b):
            sim.channel(q, noise.amplitude_damping(gamma))
        fidelities.append(sim.fidelity([a, b], BELL["phi_plus"]))
    assert fidelities[0][0] == pytest.approx(1 - gamma + gamma ** 2 / 2)
    sample = fidelities[1]
    assert abs(sample.mean() - (1 - gamma + gamma ** 2 / 4)) < \
        4 * sample.std() / math.sqrt(shots)


def test_non_clifford_gates_and_bases_are_refused() -> None:
    sim = Stabilizer(np.random.default_rng(0))
    q = sim.alloc()
    for name, params in [("t", ()), ("rx", (0.3,)), ("rz", (math.pi / 2 + 1e-6,)),
                         ("ccx", ())]:
        qubits = [q] + [sim.alloc() for _ in range(GATES[name].qubits - 1)]
        with pytest.raises(NotClifford):
            sim.apply(name, qubits, params)
    with pytest.raises(NotClifford):
        sim.measure(q, "xy", np.asarray(math.pi / 4))
    assert sim.measure(sim.alloc("+i"), "xy", np.asarray(math.pi / 2))[0] == 0


def test_a_wide_group_splits_as_it_is_measured() -> None:
    sim = Stabilizer(np.random.default_rng(5), batch=3)
    qubits = [sim.alloc() for _ in range(300)]
    sim.apply("h", [qubits[0]])
    for q in qubits[1:]:
        sim.apply("cx", [qubits[0], q])
    assert sim.largest_group == 300
    first = sim.measure(qubits[0], "z")
    for q in qubits[1:200]:
        assert (sim.measure(q, "z") == first).all()
    assert sim.largest_group == 150  # half of the group measured: taken apart at once
    assert sim.groups[qubits[1]] is not sim.groups[qubits[250]]
    rho = sim.reduced([qubits[250], qubits[299]])  # still |bb>, b the first outcome
    assert np.allclose(rho[np.arange(3), 3 * first, 3 * first], 1.0)


def test_what_is_left_of_a_group_keeps_the_signs_of_the_outcomes() -> None:
    """Two qubits of a 4-qubit GHZ state measured in X leave (|00> +- |11>)/sqrt2, the
    sign the parity of the outcomes: the split must carry each outcome into the rest."""
    sim = Stabilizer(np.random.default_rng(8), batch=40)
    qubits = [sim.alloc() for _ in range(4)]
    sim.apply("h", [qubits[0]])
    for q in qubits[1:]:
        sim.apply("cx", [qubits[0], q])
    parity = sim.measure(qubits[1], "x") ^ sim.measure(qubits[2], "x")
    assert sim.largest_group == 2 and 0 < parity.sum() < 40
    plus = sim.fidelity([qubits[0], qubits[3]], BELL["phi_plus"])
    assert np.allclose(plus, 1 - parity)


def test_restricted_copies_do_not_share_tableaux() -> None:
    sim = Stabilizer(np.random.default_rng(6), batch=4)
    a, b = sim.alloc(), sim.alloc()
    sim.apply("h", [a])
    sim.apply("cx", [a, b])
    part = sim.restricted(np.array([1, 3]), np.random.default_rng(7))
    part.apply("z", [a])
    assert np.allclose(sim.fidelity([a, b], BELL["phi_plus"]), 1.0)
    assert np.allclose(part.fidelity([a, b], BELL["phi_minus"]), 1.0)


# ---------------------------------------------------------------- whole programs

def agree(text: str, shots: int = 2000, reference: str = "statevector") -> None:
    program = qnetlang.loads(text, name="agree.qnet")
    for run in program.runs:
        exact = program.simulate(run, shots=shots, seed=1, engine=reference)
        tableau = program.simulate(run, shots=shots, seed=2, engine="stabilizer")
        assert tableau.engine == "stabilizer" and exact.reports.keys() == tableau.reports.keys()
        for name, summary in exact.reports.items():
            other = tableau.reports[name]
            error = math.hypot(summary.stderr, other.stderr)
            assert abs(summary.mean - other.mean) <= 4 * error + 1e-9, (run, name)


def example(name: str) -> str:
    return (ROOT / "examples" / f"{name}.qnet").read_text()


def test_superdense_coding_and_one_swap_agree() -> None:
    agree(example("superdense"), shots=1000)
    agree(example("swap_chain").split("/// Two links meeting")[0]
          .replace("memory { t1 = 10 ms; t2 = 1 ms; }", "")
          .replace("quantum fiber(length = spacing);",
                   "quantum fiber(length = spacing, depolarizing = 0.05);"), shots=500)


def test_bb84_with_loss_and_an_eavesdropper_agrees() -> None:
    agree(example("bb84"), shots=20)


def test_teleporting_a_clifford_state_agrees() -> None:
    agree(example("teleport").replace("theta = pi / 4", "theta = pi / 2"), shots=1000)


GHZ_CHECK = (Path(__file__).parent / "ghz_check.qnet").read_text()


def test_a_noisy_clifford_ghz_check_agrees_with_the_density_engine() -> None:
    agree(GHZ_CHECK.replace("K = 200", "K = 4").replace("fiber(length = 3 km)",
                                                        "fiber(length = 3 km, dephasing = 0.1)"),
          shots=2000, reference="density")


def test_a_wide_clifford_program_chooses_the_stabilizer_engine_itself() -> None:
    program = qnetlang.loads(GHZ_CHECK, name="ghz.qnet")
    result = program.simulate(shots=5, seed=3)
    assert result.engine == "stabilizer"
    assert result.reports["x_parity"].mean == 1.0 or result.reports["z_agree"].mean == 1.0
    for summary in result.reports.values():
        assert summary.mean == 1.0  # an ideal GHZ state over 200 users passes every check


def test_memory_decay_with_t1_keeps_its_engine() -> None:
    """The twirl of T1 would change the physics: the stabilizer engine only when asked."""
    text = GHZ_CHECK.replace("node switch { qubits k; }",
                             "node switch { qubits k; memory { t1 = 1 ms; } }")
    (run,) = qnetlang.loads(text, name="ghz.qnet")._ir.runs
    assert choose_engine(run, None) == "density"
    assert choose_engine(qnetlang.loads(GHZ_CHECK, name="ghz.qnet")._ir.runs[0],
                         None) == "stabilizer"


def test_a_non_clifford_gate_is_refused_before_the_run() -> None:
    program = qnetlang.loads(example("teleport"), name="teleport.qnet")
    with pytest.raises(QnetError) as error:
        program.simulate(shots=10, engine="stabilizer")
    (diagnostic,) = error.value.diagnostics
    assert diagnostic.code == Code.NOT_CLIFFORD and diagnostic.span is not None
    assert "rx(0.785398)" in diagnostic.message and "--engine statevector" in (diagnostic.help
                                                                               or "")
