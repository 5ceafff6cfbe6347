"""The compiler: lowering, both circuit forms, OpenQASM, and agreement with the simulator.

Statistical comparisons use fixed seeds and a tolerance of 4 combined standard errors.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openqasm3
import pytest
from qiskit import qasm2, qasm3

from qnetlang.compiler import qiskit_bridge
from qnetlang.compiler.backends import run_aer
from qnetlang.compiler.emit import emit
from qnetlang.compiler.lower import CompileError, lower_run
from qnetlang.compiler.reuse import reuse_qubits
from qnetlang.compiler.support import left_out
from qnetlang.gates import GATES
from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.runtime.batch import RuntimeFailure
from qnetlang.results import RunResult
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.conftest import ROOT
from tests.fixture_files import diagnose, expectations, fixtures, found

EXAMPLES = ROOT / "examples"
COMPILABLE = ["teleport", "chsh", "swap_chain", "language_tour"]  # every run of each
FIXTURES = fixtures(Path(__file__).parent / "fixtures")


def build(text: str, tmp_path: Path) -> ir.Run:
    path = tmp_path / "p.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    assert result.ok and result.ir is not None, [d.message for d in result.diagnostics]
    return result.ir.runs[0]


def example(name: str) -> ir.Run:
    return examples(name)[0]


def examples(name: str) -> list[ir.Run]:
    path = EXAMPLES / f"{name}.qnet"
    result = check(SourceFile.read(path), path)
    assert result.ir is not None
    return result.ir.runs


def agree(a: RunResult, b: RunResult, report: str) -> None:
    x, y = a.reports[report], b.reports[report]
    tolerance = 4 * math.hypot(x.stderr, y.stderr) + 1e-9
    assert abs(x.mean - y.mean) <= tolerance, f"{report}: {x.mean} vs {y.mean}"


def test_teleportation_lowers_to_one_circuit_with_owners() -> None:
    (circuit,) = lower_run(example("teleport"))
    assert circuit.qubits == ["source.a", "source.b", "sender.psi"]
    conditioned = [op for op in circuit.ops if op.condition is not True]
    assert [op.name for op in conditioned] == ["x", "z"]
    assert all(op.qubits == [1] for op in conditioned)  # source.b, now owned by the receiver
    assert [r.name for r in circuit.reports] == ["recovered"]


def test_randomness_as_coins_or_enumerated_circuits() -> None:
    (coin,) = lower_run(example("chsh"), "coin")
    assert sum(label.endswith(".coin") for label in coin.qubits) == 2
    circuits = lower_run(example("chsh"), "enumerate")
    assert [c.choices for c in circuits] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [c.weight for c in circuits] == [0.25] * 4 and len(circuits[0].qubits) == 2


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_refused_or_warned_as_the_fixture_says(path: Path) -> None:
    """Outside the compilable subset (E1001), or left out of OpenQASM (W10xx)."""
    result = diagnose(path)
    assert result.ir is not None
    for run in result.ir.runs:
        try:
            circuits = lower_run(run)
        except CompileError as error:
            circuits = []
            result.diagnostics.append(error.diagnostic)
        result.diagnostics += left_out(run, circuits, "qasm3")
    assert found(path, result) == expectations(path)


def test_noise_is_only_left_out_where_it_has_no_form() -> None:
    run = example("teleport")
    circuits = lower_run(run)
    assert [d.code for d in left_out(run, circuits, "aer")] == []
    for destination in ("qasm3", "qasm2", "pattern", "fake:manila"):
        assert [d.code for d in left_out(run, circuits, destination)] == ["W1003"]


@pytest.mark.parametrize("randomness", ["coin", "enumerate"])
@pytest.mark.parametrize("name", COMPILABLE)
def test_openqasm_parses_and_loads(name: str, randomness: str) -> None:
    for circuit in [c for run in examples(name) for c in lower_run(run, randomness)]:
        program = emit(circuit, "qasm3")
        openqasm3.parse(program)  # the reference parser
        loaded = qasm3.loads(program)
        assert loaded.num_qubits >= len(circuit.qubits)  # plus any for compound conditions
        standard = qasm2.loads(emit(circuit, "qasm2"))
        assert standard.num_clbits == len(circuit.bits)
        assert not any(instruction.name == "if_else" for instruction in standard.data)
        assert "|" not in emit(circuit, "qiskit").split("\n")[0]


def conditioned_gate(name: str) -> str:
    spec = GATES[name]
    angles = f"({', '.join(['0.7', '1.9', '2.6'][:spec.params])})" if spec.params else ""
    operands = ", ".join(f"t[{k}]" for k in range(spec.qubits))
    return f"""
network lab {{ node a {{ qubits 5; }} }}
protocol p() {{
  role r {{
    qubit c = |+>;
    bit m = measure c;
    qubit[3] t;
    ry(0.4) t[0];
    ry(1.3) t[1];
    ry(2.2) t[2];
    if (m) {name}{angles} {operands};
    h t[0];
    report m0 = measure t[0];
    report m1 = measure t[1];
    report m2 = measure t[2];
  }}
}}
run p on lab with r = a;
"""


@pytest.mark.parametrize("name", sorted(GATES))
def test_every_gate_under_a_condition(name: str, tmp_path: Path) -> None:
    run = build(conditioned_gate(name), tmp_path)
    (circuit,) = lower_run(run)
    openqasm3.parse(emit(circuit, "qasm3"))
    qasm3.loads(emit(circuit, "qasm3"))
    qasm2.loads(emit(circuit, "qasm2"))
    simulated = run_shots(run, shots=3000, seed=1)
    for form in ("dynamic", "deferred"):
        emulated = run_aer(run, [circuit], shots=3000, seed=2, form=form)
        for report in ("m0", "m1", "m2"):
            agree(simulated, emulated, report)


TELEPORT = (ROOT / "stdlib" / "teleport.qnet").read_text().replace("module std.teleport;", "")
LAB = """
network lab {
  node alice { qubits 2; }
  node bob { qubits 2; }
  node charlie { qubits 2; }
  link alice <-> bob { classical fiber(length = 20 km); }
  link charlie -> alice { quantum fiber(length = 10 km); }
  link charlie -> bob { quantum fiber(length = 10 km NOISE); }
}
run teleport(theta = THETA) on lab with source = charlie, sender = alice, receiver = bob;
"""


@pytest.mark.parametrize("theta", [0.3, 1.2, 2.5])
@pytest.mark.parametrize("form", ["dynamic", "deferred"])
def test_teleportation_on_aer_recovers_the_state(theta: float, form: str,
                                                 tmp_path: Path) -> None:
    run = build(TELEPORT + LAB.replace("THETA", str(theta)).replace("NOISE", ""), tmp_path)
    result = run_aer(run, lower_run(run), shots=1000, seed=3, form=form)
    assert result.reports["recovered"].mean == 1.0
    assert run_shots(run, shots=500, seed=3).reports["recovered"].mean == 1.0


@pytest.mark.parametrize("form", ["dynamic", "deferred"])
def test_channel_noise_runs_on_aer(form: str, tmp_path: Path) -> None:
    p = 0.3
    run = build(TELEPORT + LAB.replace("THETA", "0.9").replace("NOISE", f", depolarizing = {p}"),
                tmp_path)
    result = run_aer(run, lower_run(run), shots=6000, seed=4, form=form)
    fidelity = 1 - 3 * p / 4
    summary = result.reports["recovered"]
    assert abs(summary.mean - (2 * fidelity + 1) / 3) <= 4 * summary.stderr
    agree(result, run_shots(run, shots=6000, seed=4, engine="density"), "recovered")


@pytest.mark.parametrize("randomness", ["coin", "enumerate"])
@pytest.mark.parametrize("form", ["dynamic", "deferred"])
def test_chsh_on_aer_agrees_with_the_simulator(form: str, randomness: str) -> None:
    run = example("chsh")
    emulated = run_aer(run, lower_run(run, randomness), shots=8000, seed=5, form=form)
    summary = emulated.reports["win"]
    assert abs(summary.mean - math.cos(math.pi / 8) ** 2) <= 4 * summary.stderr
    agree(emulated, run_shots(run, shots=8000, seed=5), "win")


def ideal_chain(run_name: str, hops: int = 4) -> ir.Run:
    path = EXAMPLES / "swap_chain.qnet"
    ideal = path.read_text().replace("memory { t1 = 10 ms; t2 = 1 ms; }", "")
    ideal = ideal.replace("const N = 4;", f"const N = {hops};")
    result = check(SourceFile(str(path), ideal), path)
    assert result.ir is not None
    (run,) = [r for r in result.ir.runs if r.name == run_name]
    return run


def test_qubit_reuse_narrows_the_chain_and_keeps_its_results() -> None:
    run = ideal_chain("swap_chain")
    (circuit,) = lower_run(run)
    narrow = reuse_qubits(circuit)
    assert len(narrow.qubits) < len(circuit.qubits)
    assert any(op.name == "reset" for op in narrow.ops)
    assert any("|" in label for label in narrow.qubits)
    for candidate in (circuit, narrow):
        result = run_aer(run, [candidate], shots=2000, seed=6)
        summary = result.reports["fidelity"]
        assert abs(summary.mean - 1.0) <= 4 * summary.stderr


def test_a_50_hop_chain_compiles() -> None:
    (circuit,) = lower_run(ideal_chain("swap_chain", hops=50))
    (short,) = lower_run(ideal_chain("swap_chain", hops=10))
    assert len(circuit.qubits) == 2 * 50 + 2  # a pair per link and two coins for the basis
    assert circuit.depth == short.depth  # the swaps of all hops run in parallel
    deferred = qiskit_bridge.deferred(circuit)
    assert deferred.num_qubits > len(circuit.qubits)
    assert np.isfinite(len(emit(circuit, "qasm3")))


def test_chsh_on_a_noisy_fake_device() -> None:
    """The classic hardware demonstration measured about 0.81: above the classical 0.75,
    below the ideal 0.8536."""
    from qnetlang.compiler.backends import run_circuits

    run = example("chsh")
    result = run_circuits(run, lower_run(run, "enumerate"), shots=4000, seed=7,
                          backend="fake:manila")
    win = result.reports["win"]
    assert 0.75 < win.mean - 4 * win.stderr
    assert win.mean + 4 * win.stderr < math.cos(math.pi / 8) ** 2
    assert result.backend == "fake:manila"


@pytest.mark.parametrize("run_name", ["swap_chain", "single"])
@pytest.mark.parametrize("form", ["dynamic", pytest.param("deferred", marks=pytest.mark.slow)])
def test_swapping_on_aer_and_in_the_simulator(run_name: str, form: str) -> None:
    run = ideal_chain(run_name, hops=2)  # the deferred circuit of 4 hops is too wide for Aer
    emulated = run_aer(run, lower_run(run), shots=3000, seed=8, form=form)
    simulated = run_shots(run, shots=3000, seed=8)
    for result in (emulated, simulated):
        summary = result.reports["fidelity"]
        assert abs(summary.mean - 1.0) <= 4 * summary.stderr
    agree(emulated, simulated, "fidelity")


@pytest.mark.parametrize(("name", "run_name", "report"), [
    ("teleport", "teleport", "recovered"),
    pytest.param("swap_chain", "swap_chain", "fidelity", marks=pytest.mark.slow)])
def test_memory_decoherence_on_aer_agrees_with_the_simulator(name: str, run_name: str,
                                                             report: str) -> None:
    (run,) = [r for r in examples(name) if r.name == run_name]
    emulated = run_aer(run, lower_run(run), shots=6000, seed=9)
    simulated = run_shots(run, shots=6000, seed=9)
    assert simulated.reports[report].mean < 0.99  # the memories are noisy
    agree(emulated, simulated, report)


ASSERTING = """
network solo {{
  node a {{ qubits 4; }}
}}

protocol checked {{
  role a {{
    qubit q = |+>, r;
    bit m = measure q;
    if (m) x r;
    bit copy = measure r;
    assert {condition}, "the copy differs";
    report copied = copy;
  }}
}}

run checked on solo with a = a;
"""


@pytest.mark.parametrize("form", ["dynamic", "deferred"])
def test_an_assertion_on_outcomes_holds_or_stops_as_in_the_simulator(
        form: str, tmp_path: Path) -> None:
    """An assertion on measured values is a flag bit of the circuit: where it holds the
    run goes on; where a shot fails it, the run stops with E0904, as the simulator does."""
    holding = build(ASSERTING.format(condition="copy == m"), tmp_path)
    (circuit,) = lower_run(holding)
    assert [op.name for op in circuit.ops].count("flag") == 1
    result = run_aer(holding, [circuit], shots=400, seed=3, form=form)
    assert 0.35 < result.reports["copied"].mean < 0.65
    failing = build(ASSERTING.format(condition="copy == 0"), tmp_path)
    with pytest.raises(RuntimeFailure) as simulated:
        run_shots(failing, shots=400, seed=3)
    with pytest.raises(RuntimeFailure) as compiled:
        run_aer(failing, lower_run(failing), shots=400, seed=3, form=form)
    for failure in (simulated.value, compiled.value):
        assert failure.diagnostic.code == "E0904"
        assert failure.diagnostic.message == "the copy differs"
        assert failure.diagnostic.span == simulated.value.diagnostic.span


def test_teleportation_is_as_narrow_as_written() -> None:
    """Three qubits in both forms: the measured qubits are their own records in the
    deferred form, and the corrections are controlled by them."""
    (circuit,) = lower_run(example("teleport"))
    assert qiskit_bridge.dynamic(circuit).num_qubits == 3
    assert qiskit_bridge.deferred(circuit).num_qubits == 3


def test_b92_with_reuse_needs_a_constant_number_of_qubits() -> None:
    """Round by round: Bob measures each qubit before Alice prepares the next."""
    widths = []
    for n in (16, 256):
        run = examples("b92")[0]
        text = (EXAMPLES / "b92.qnet").read_text().replace("n = 256", f"n = {n}")
        path = EXAMPLES / "b92.qnet"
        result = check(SourceFile(str(path), text), path)
        assert result.ir is not None
        (run,) = result.ir.runs
        (circuit,) = lower_run(run)
        widths.append(len(reuse_qubits(circuit).qubits))
    assert widths[0] == widths[1] <= 4


def test_the_network_s_numbers_are_known_to_the_circuit(tmp_path: Path) -> None:
    """`transmittance(k)`, like `next_hop(k)`, is the network's: a circuit holds its value,
    so a rotation by it compiles and agrees with the simulator (the share of ones is
    sin^2 of the half angle)."""
    run = build("""
network line {
  node a[i in 0..2] { qubits 1; }
  link a[0] -> a[1] { quantum fiber(length = 10 km, attenuation = 0.2 dB/km); }
  link a[0] <-> a[1] { classical fiber(length = 10 km); }
}
protocol p() {
  role s[i in 0..2] {
    if (i == 0) {
      qubit q;
      ry(pi * transmittance(1)) q;
      report one = measure q;
      report hop = next_hop(1);
    }
  }
}
run p on line with s = a { shots = 4000; seed = 3; }
""", tmp_path)
    result = run_aer(run, lower_run(run), shots=4000, seed=3)
    agree(result, run_shots(run, shots=4000, seed=4), "one")
    assert abs(result.reports["one"].mean - math.sin(math.pi * 10 ** -0.2 / 2) ** 2) < 0.03
