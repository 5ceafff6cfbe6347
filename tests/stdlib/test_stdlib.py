"""The standard library reproduces known results (fixed seeds, 4 standard errors).

Each module is run from its stdlib source on a small network written here, so
that noise can be set per test; the examples themselves are run in
tests/test_examples.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from qnetlang.compiler.backends import run_aer
from qnetlang.compiler.lower import lower_run
from qnetlang.compiler.reuse import reuse_qubits
from tests.conftest import ROOT
from tests.runtime.helpers import simulate, within

STDLIB = ROOT / "stdlib"


def module(name: str) -> str:
    return (STDLIB / f"{name}.qnet").read_text().replace(f"module std.{name};", "")


def binary_entropy(p: float) -> float:
    return 0.0 if p <= 0 or p >= 1 else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


SWAP_NETWORK = """
network pair {
  node alice { qubits 2; }
  node repeater { qubits 2; }
  node bob { qubits 2; }
  link alice -> repeater { quantum fiber(length = 10 km, depolarizing = P1); }
  link bob -> repeater { quantum fiber(length = 10 km, depolarizing = P2); }
  link repeater -> bob { classical fiber(length = 10 km); }
  link alice -> bob { classical fiber(length = 20 km); }
}
run swap on pair with alice = alice, repeater = repeater, bob = bob;
"""


@pytest.mark.parametrize(("p1", "p2"), [(0.0, 0.0), (0.2, 0.1), (0.4, 0.3)])
def test_swap_of_two_werner_pairs(tmp_path: Path, p1: float, p2: float) -> None:
    f1, f2 = 1 - 3 * p1 / 4, 1 - 3 * p2 / 4
    program = module("swap") + SWAP_NETWORK.replace("P1", str(p1)).replace("P2", str(p2))
    result = simulate(program, tmp_path, shots=8000, seed=1)
    within(result, "fidelity", f1 * f2 + (1 - f1) * (1 - f2) / 3)


def test_swapping_chain_of_werner_links(tmp_path: Path) -> None:
    noise = [0.1, 0.2, 0.05]
    links = "\n".join(
        f"  link r[{i}] -> r[{i + 1}] {{ quantum fiber(length = 5 km, depolarizing = {p}); "
        f"classical fiber(length = 5 km); }}" for i, p in enumerate(noise))
    program = module("swap") + f"""
network line {{
  node r[i in 0..=3] {{ qubits 2; }}
{links}
}}
run swap_chain(n = 3) on line with hop = r;
"""
    product = math.prod(1 - p for p in noise)  # w_i = (4F_i - 1)/3 = 1 - p_i
    result = simulate(program, tmp_path, shots=8000, seed=2)
    within(result, "fidelity", (1 + 3 * product) / 4)


CHSH_NETWORK = """
network triangle {
  node source { qubits 2; }
  node referee { qubits 0; }
  node alice { qubits 1; }
  node bob { qubits 1; }
  link source -> alice { quantum fiber(length = 1 km); }
  link source -> bob { quantum fiber(length = 1 km, depolarizing = P); }
  link referee <-> alice { classical fiber(length = 1 km); }
  link referee <-> bob { classical fiber(length = 1 km); }
}
run chsh on triangle with source = source, referee = referee, alice = alice, bob = bob;
"""


@pytest.mark.parametrize("v", [1.0, 0.75])
def test_chsh_value_and_win_rate(tmp_path: Path, v: float) -> None:
    result = simulate(module("chsh") + CHSH_NETWORK.replace("P", str(1 - v)), tmp_path,
                      shots=8000, seed=3)
    within(result, "s", 2 * math.sqrt(2) * v)
    within(result, "win", 0.5 + v * math.sqrt(2) / 4)


BB84_NETWORK = """
network campus {
  node alice { qubits 1; }
  node tap { qubits 1; }
  node bob { qubits 1; }
  link alice -> tap { quantum fiber(length = 10 m); }
  link tap -> bob { quantum fiber(length = 5 km NOISE); }
  link alice <-> bob { classical fiber(length = 5 km); }
}
run bb84(n = QUBITS, intercept = INTERCEPT) on campus with alice = alice, eve = tap, bob = bob;
"""


def bb84(tmp_path: Path, n: int, intercept: float, noise: str = "", shots: int = 60) -> object:
    program = module("bb84") + BB84_NETWORK.replace("QUBITS", str(n)).replace(
        "INTERCEPT", str(intercept)).replace("NOISE", noise)
    return simulate(program, tmp_path, shots=shots, seed=4)


def test_bb84_on_ideal_links(tmp_path: Path) -> None:
    result = bb84(tmp_path, 256, 0.0)
    within(result, "sifting_ratio", 0.5)
    assert result.reports["qber"].mean == 0.0  # type: ignore[attr-defined]
    assert result.reports["key_fraction"].mean == 1.0  # type: ignore[attr-defined]


def test_bb84_under_intercept_resend(tmp_path: Path) -> None:
    result = bb84(tmp_path, 256, 1.0)
    within(result, "qber", 0.25)
    within(result, "sifting_ratio", 0.5)


def test_bb84_key_fraction_follows_the_error_rate(tmp_path: Path) -> None:
    p = 0.1  # depolarizing: each qubit is replaced by noise with p, an error half the time
    result = bb84(tmp_path, 1024, 0.0, f", depolarizing = {p}", shots=40)
    within(result, "qber", p / 2)
    qber = result.reports["qber"].mean  # type: ignore[attr-defined]
    key = result.reports["key_fraction"]  # type: ignore[attr-defined]
    # per-shot fractions average to 1 - 2h(Q) up to the curvature of h (under 0.01 here)
    assert abs(key.mean - (1 - 2 * binary_entropy(qber))) <= 4 * key.stderr + 0.01


E91_NETWORK = """
network triangle {
  node source { qubits 2; }
  node alice { qubits 1; }
  node bob { qubits 1; }
  link source -> alice { quantum fiber(length = 10 km); }
  link source -> bob { quantum fiber(length = 10 km); }
  link alice <-> bob { classical fiber(length = 20 km); }
}
run e91(n = 64) on triangle with source = source, alice = alice, bob = bob;
"""


def test_e91(tmp_path: Path) -> None:
    result = simulate(module("e91") + E91_NETWORK, tmp_path, shots=300, seed=5)
    within(result, "s", 2 * math.sqrt(2))
    within(result, "key_share", 2 / 9)
    assert result.reports["key_error"].mean == 0.0


B92_NETWORK = """
network link_ab {
  node alice { qubits 1; }
  node bob { qubits 1; }
  link alice -> bob { quantum fiber(length = 2 km); }
  link alice <-> bob { classical fiber(length = 2 km); }
}
run b92(n = QUBITS) on link_ab with alice = alice, bob = bob;
"""


def test_b92(tmp_path: Path) -> None:
    result = simulate(module("b92") + B92_NETWORK.replace("QUBITS", "256"), tmp_path, shots=100,
                      seed=6)
    within(result, "sifting_ratio", 0.25)
    assert result.reports["qber"].mean == 0.0


@pytest.mark.parametrize("k", [3, 4, 6])
def test_ghz_fidelity_on_ideal_links(tmp_path: Path, k: int) -> None:
    program = module("ghz") + f"""
network star {{
  node switch {{ qubits {k}; }}
  node user[i in 0..{k}] {{ qubits 1; }}
  for i in 0..{k} {{
    link switch -> user[i] {{ quantum fiber(length = 3 km); }}
    link switch <-> user[i] {{ classical fiber(length = 3 km); }}
  }}
}}
run ghz(k = {k}) on star with switch = switch, user = user;
"""
    result = simulate(program, tmp_path, shots=2000, seed=7)
    assert result.reports["fidelity"].mean == pytest.approx(1.0)
    assert result.reports["fidelity"].n == 2000


DISTILL_NETWORK = """
network noisy {
  node alice { qubits 4; }
  node bob { qubits 4; }
  link alice -> bob { quantum fiber(length = 1 km, NOISE); }
  link bob -> alice { quantum fiber(length = 1 km); }
  link alice <-> bob { classical fiber(length = 1 km); }
}
run distill(dejmps = DEJMPS) on noisy with alice = alice, bob = bob;
"""


def distill(tmp_path: Path, noise: str, dejmps: bool) -> object:
    program = module("distill") + DISTILL_NETWORK.replace("NOISE", noise).replace(
        "DEJMPS", "true" if dejmps else "false")
    return simulate(program, tmp_path, shots=8000, seed=8)


def test_bbpssw_on_werner_pairs(tmp_path: Path) -> None:
    f = 0.8
    result = distill(tmp_path, f"depolarizing = {4 * (1 - f) / 3}", dejmps=False)
    success = f ** 2 + 2 * f * (1 - f) / 3 + 5 * ((1 - f) / 3) ** 2
    assert round(success, 4) == 0.7689
    within(result, "success", success)
    within(result, "fidelity", (f ** 2 + ((1 - f) / 3) ** 2) / success)
    assert round(result.reports["fidelity"].mean, 4) == 0.8382  # type: ignore[attr-defined]


@pytest.mark.parametrize("q", [0.1, 0.3])
def test_dejmps_on_phase_noise(tmp_path: Path, q: float) -> None:
    # A Z error with probability q on one half: weights A = 1 - q on Phi+, D = q on Phi-.
    a, b, c, d = 1 - q, 0.0, 0.0, q
    norm = (a + b) ** 2 + (c + d) ** 2
    result = distill(tmp_path, f"dephasing = {q}", dejmps=True)
    within(result, "success", norm)
    within(result, "fidelity", (a ** 2 + b ** 2) / norm)


SUPERDENSE_NETWORK = """
network metro {
  node source { qubits 2; }
  node alice { qubits 1; }
  node bob { qubits 2; }
  node referee { qubits 0; }
  link source -> alice { quantum fiber(length = 5 km); }
  link source -> bob { quantum fiber(length = 5 km); }
  link alice -> bob { quantum fiber(length = 10 km); }
  link alice -> referee { classical fiber(length = 1 km); }
  link bob -> referee { classical fiber(length = 1 km); }
}
run superdense on metro with source = source, alice = alice, bob = bob, referee = referee;
"""


def test_superdense_coding(tmp_path: Path) -> None:
    program = module("superdense") + SUPERDENSE_NETWORK
    result = simulate(program, tmp_path, shots=1000, seed=9)
    assert result.reports["decoded"].mean == 1.0


@pytest.mark.parametrize("form", ["dynamic", "deferred"])
def test_compilable_modules_on_aer(tmp_path: Path, form: str) -> None:
    from tests.compiler.test_compiler import build

    superdense = build(module("superdense") + SUPERDENSE_NETWORK, tmp_path)
    result = run_aer(superdense, lower_run(superdense), shots=1000, seed=10, form=form)
    assert result.reports["decoded"].mean == 1.0
    b92 = build(module("b92") + B92_NETWORK.replace("QUBITS", "8"), tmp_path)
    circuits = [reuse_qubits(c) for c in lower_run(b92)]
    assert len(circuits[0].qubits) < len(lower_run(b92)[0].qubits)
    result = run_aer(b92, circuits, shots=400, seed=11)
    within(result, "sifting_ratio", 0.25)
    assert result.reports["qber"].mean == 0.0


def repeater_line(n: int, memory: str = "") -> str:
    """A line of n + 1 hops joined by fibers of no length (so that only the rounds take
    time); each hop holds a half per link and the photon it sends."""
    return f"""
network line {{
  node hop[i in 0..={n}] {{ qubits 3; {memory} }}
  for i in 0..{n} {{
    link hop[i] -> hop[i + 1] {{ quantum fiber(length = 0 m); }}
    link hop[i] <-> hop[i + 1] {{ classical fiber(length = 0 m); }}
  }}
}}
"""


def mean_attempts(n: int, p: float) -> float:
    """Z_n(p): the mean of the largest of n geometric numbers of attempts,
    sum over j of (-1)^(j+1) C(n, j) / (1 - (1 - p)^j)."""
    return sum((-1) ** (j + 1) * math.comb(n, j) / (1 - (1 - p) ** j) for j in range(1, n + 1))


def test_the_closed_form_of_the_waiting_time() -> None:
    assert mean_attempts(1, 0.1) == pytest.approx(10)
    assert mean_attempts(2, 0.1) == pytest.approx(14.7368, abs=1e-4)


@pytest.mark.parametrize(("n", "p", "shots"), [
    (1, 0.5, 1000), (2, 0.5, 1000), (4, 0.5, 1000), (1, 0.1, 1000),
    pytest.param(2, 0.1, 1000, marks=pytest.mark.slow),
    pytest.param(4, 0.1, 600, marks=pytest.mark.slow)])
def test_links_are_up_after_z_n_attempts_on_average(tmp_path: Path, n: int, p: float,
                                                     shots: int) -> None:
    program = module("repeater") + repeater_line(n) + \
        f"run repeater_chain(n = {n}, p = {p}, round = 10 us) on line with hop = hop;"
    result = simulate(program, tmp_path, shots=shots, seed=n)
    within(result, "attempts", mean_attempts(n, p))
    assert result.reports["waiting"].mean == pytest.approx(result.reports["attempts"].mean - 1)
    within(result, "fidelity", 1.0)  # ideal memories


def dephased_swap_fidelity(p: float, round_: float, t2: float) -> float:
    """The fidelity of the pair a dephasing chain of two links delivers, from density
    matrices: for each number of attempts (a, b) of the two links, the four halves
    dephase for as long as each waits (the earlier link's two halves until the later
    link is up), the middle hop Bell-measures its two and the last hop corrects; the
    fidelities are summed with the attempts' geometric weights."""
    import numpy as np

    phi = np.zeros(4)
    phi[[0, 3]] = 2 ** -0.5
    start = np.kron(phi, phi)  # qubits: first, middle left, middle right, last
    zs = [np.diag([1.0, -1.0]) if k == q else np.eye(2) for q in range(4) for k in range(4)]

    def z_on(qubit: int) -> np.ndarray:
        operator = np.eye(1)
        for k in range(4):
            operator = np.kron(operator, zs[qubit * 4 + k])
        return operator

    total, weight_left = 0.0, 1.0
    for a in range(1, 400):
        for b in range(1, 400):
            weight = p * (1 - p) ** (a - 1) * p * (1 - p) ** (b - 1)
            if weight < 1e-15:
                continue
            waits = [abs(a - b) * round_ if a < b else 0.0] * 2 + \
                [abs(a - b) * round_ if b < a else 0.0] * 2
            rho = np.outer(start, start)
            for qubit, wait in enumerate(waits):
                flip = (1 - math.exp(-wait / t2)) / 2
                z = z_on(qubit)
                rho = (1 - flip) * rho + flip * z @ rho @ z
            # Bell-measuring the middle pair and correcting leaves Phi+ between the ends
            # exactly when the middle pair's projection onto Phi+ is applied: the
            # fidelity is <Phi+ Phi+| rho |Phi+ Phi+> summed over the four outcomes,
            # which the corrections make equal, so 4 times the Phi+ outcome's.
            order = np.transpose(rho.reshape([2] * 8), (0, 3, 1, 2, 4, 7, 5, 6)).reshape(16, 16)
            both = np.kron(phi, phi)
            total += weight * 4 * float(both @ order @ both)
            weight_left -= weight
    assert weight_left < 1e-9
    return total


@pytest.mark.slow
def test_the_delivered_fidelity_with_dephasing_memories(tmp_path: Path) -> None:
    p, round_, t2 = 0.3, 10e-6, 50e-6
    x = math.exp(-2 * round_ / t2)  # closed form: (1 + E[x^|a - b|]) / 2
    closed = (1 + p / (2 - p) * (1 + (1 - p) * x) / (1 - (1 - p) * x)) / 2
    assert dephased_swap_fidelity(p, round_, t2) == pytest.approx(closed, abs=1e-9)
    program = module("repeater") + repeater_line(2, "memory { t2 = 50 us; }") + \
        "run repeater_chain(n = 2, p = 0.3, round = 10 us) on line with hop = hop;"
    result = simulate(program, tmp_path, shots=6000, seed=4)
    within(result, "fidelity", closed)


def test_the_fidelity_is_the_pair_s_as_the_ends_can_use_it(tmp_path: Path) -> None:
    """One 10 km link that always succeeds: hop[1]'s half is measured as it arrives,
    hop[0]'s when the news comes back, a flight time tau later each way: both halves
    dephase for tau in all, so F = (1 + exp(-2 tau / T2)) / 2."""
    program = module("repeater") + """
network line {
  node hop[i in 0..=1] { qubits 3; memory { t2 = 100 us; } }
  link hop[0] -> hop[1] { quantum fiber(length = 10 km); }
  link hop[0] <-> hop[1] { classical fiber(length = 10 km); }
}
run repeater_chain(n = 1, p = 1.0, round = 10 us) on line with hop = hop;
"""
    result = simulate(program, tmp_path, shots=4000, seed=6)
    flight = 10e3 * 1.468 / 299_792_458
    within(result, "fidelity", (1 + math.exp(-2 * flight / 100e-6)) / 2)


def cutoff_outcomes(p: float, cutoff: int) -> tuple[float, dict[int, float]]:
    """The exact mean number of rounds until both links of `repeater_cutoff` are up, and
    the distribution of the older link's age then, from the rounds' Markov chain: before
    a round, both links are down, or one has been up for `age` rounds (discarded before
    the round's attempts when `age` > `cutoff`)."""
    states: dict[int, float] = {0: 1.0}  # age of the link that is up; 0: none is up
    mean, ages, attempt = 0.0, {}, 0
    while sum(states.values()) > 1e-15:
        attempt += 1
        following: dict[int, float] = {}
        for age, mass in states.items():
            if age == 0 or age > cutoff:  # both down (after a discard)
                ages[0] = ages.get(0, 0.0) + mass * p * p
                mean += attempt * mass * p * p
                following[1] = following.get(1, 0.0) + mass * 2 * p * (1 - p)
                following[0] = following.get(0, 0.0) + mass * (1 - p) ** 2
            else:
                ages[age] = ages.get(age, 0.0) + mass * p
                mean += attempt * mass * p
                following[age + 1] = following.get(age + 1, 0.0) + mass * (1 - p)
        states = following
    return mean, ages


@pytest.mark.parametrize(("p", "cutoff"), [
    (0.3, 2), pytest.param(0.1, 3, marks=pytest.mark.slow)])  # 10 s: many more rounds
def test_a_memory_cut_off_bounds_the_wait_and_keeps_the_fidelity(
        tmp_path: Path, p: float, cutoff: int) -> None:
    """`repeater_cutoff` with dephasing memories (T2 = 50 us, rounds of 10 us): the rounds
    until both links are up, the older link's age and the delivered fidelity
    (1 + e^(-2 age round / T2)) / 2, against the exact chain of rounds."""
    program = module("repeater") + """
network trio {
  node left { qubits 2; memory { t2 = 50 us; } }
  node middle { qubits 4; memory { t2 = 50 us; } }
  node right { qubits 2; memory { t2 = 50 us; } }
  link middle -> left { quantum fiber(length = 0 m); }
  link middle -> right { quantum fiber(length = 0 m); }
  link middle <-> left { classical fiber(length = 0 m); }
  link middle <-> right { classical fiber(length = 0 m); }
  link left <-> right { classical fiber(length = 0 m); }
}
""" + f"run repeater_cutoff(p = {p}, round = 10 us, cutoff = {cutoff * 10} us) on trio " \
        "with left = left, middle = middle, right = right;"
    result = simulate(program, tmp_path, shots=3000, seed=cutoff)
    mean, ages = cutoff_outcomes(p, cutoff)
    within(result, "attempts", mean)
    within(result, "age", sum(age * share for age, share in ages.items()))
    assert max(int(age) for age in result.reports["age"].counts) <= cutoff
    x = math.exp(-2 * 10e-6 / 50e-6)
    within(result, "fidelity", sum(share * (1 + x ** age) / 2 for age, share in ages.items()))
    # without a cut-off, the same chain waits Z_2(p) rounds
    assert cutoff_outcomes(p, 10 ** 6)[0] == pytest.approx(mean_attempts(2, p), rel=1e-9)
