"""`qnetc compile` targets and `qnetc run --backend aer`."""

from __future__ import annotations

import json
from pathlib import Path

import openqasm3
import pytest
from qiskit import qasm2

from qnetlang.cli.main import main
from tests.cli.test_check import qnetc
from tests.conftest import ROOT


def test_targets(tmp_path: Path) -> None:
    qasm3_text = qnetc("compile", "examples/teleport.qnet")
    assert qasm3_text.returncode == 0, qasm3_text.stderr
    assert qasm3_text.stdout.startswith("// run `teleport`\nOPENQASM 3.0;")
    openqasm3.parse(qasm3_text.stdout)
    assert "run `teleport`: 3 qubits, 3 bits, depth 8" in qasm3_text.stderr
    assert "warning[W1003]: qasm3 has no form for noise: this run's memory decoherence is " \
        "left out" in qasm3_text.stderr
    output = tmp_path / "teleport.qasm"
    assert qnetc("compile", "examples/teleport.qnet", "--target", "qasm2", "-o",
                 str(output)).returncode == 0
    qasm2.loads(output.read_text())
    drawing = qnetc("compile", "examples/teleport.qnet", "--target", "text").stdout
    assert "sender_psi" in drawing and "If" in drawing
    snippet = qnetc("compile", "examples/teleport.qnet", "--target", "qiskit").stdout
    namespace: dict[str, object] = {}
    exec(snippet, namespace)  # the snippet builds the circuit
    assert namespace["circuit"].num_qubits == 3  # type: ignore[attr-defined]


def test_reuse_and_enumeration_options() -> None:
    reused = qnetc("compile", "examples/swap_chain.qnet", "--reuse")
    assert reused.returncode == 0 and "--reuse: width 10 -> 3 qubits" in reused.stderr
    enumerated = qnetc("compile", "examples/chsh.qnet", "--randomness", "enumerate")
    assert enumerated.stdout.count("OPENQASM 3.0;") == 4
    assert "// circuit 4 of 4: random choices (1, 1), weight 0.25" in enumerated.stdout


def test_not_compilable_is_a_diagnostic() -> None:
    result = qnetc("compile", "examples/bb84.qnet")
    assert result.returncode == 1
    assert "error[E1001]: `uniform()` has no circuit form" in result.stderr
    assert "std/bb84.qnet:" in result.stderr and "Traceback" not in result.stderr


def test_run_on_aer_prints_the_simulator_schema() -> None:
    sim = json.loads(qnetc("run", "examples/chsh.qnet", "--json", "--shots", "500").stdout)
    for options in ([], ["--deferred"], ["--randomness", "enumerate"]):
        result = qnetc("run", "examples/chsh.qnet", "--json", "--shots", "500", "--backend",
                       "aer", *options)
        assert result.returncode == 0, result.stderr
        aer = json.loads(result.stdout)
        assert list(aer) == list(sim) and aer["backend"] == "aer"
        assert aer["engine"] == ("deferred" if options == ["--deferred"] else "dynamic")
        assert set(aer["reports"]["win"]) == {"mean", "stderr", "n", "counts"}
    assert qnetc("run", "examples/chsh.qnet", "--backend", "quantum").returncode == 2
    unknown = qnetc("run", "examples/chsh.qnet", "--backend", "fake:nosuchdevice")
    assert unknown.returncode == 2 and "no fake device" in unknown.stderr


def test_pattern_target_engine_and_backend() -> None:
    pattern = qnetc("compile", "examples/chsh.qnet", "--target", "pattern")
    assert pattern.returncode == 0, pattern.stderr
    lines = pattern.stdout.splitlines()
    assert lines[1].startswith("// measurement pattern:")
    assert any(line.startswith("M ") and " XY " in line for line in lines)
    run = qnetc("run", "examples/superdense.qnet", "--engine", "mbqc", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["reports"]["decoded"]["mean"] == 1.0
    noisy = qnetc("run", "examples/teleport.qnet", "--engine", "mbqc", "--shots", "50")
    assert noisy.returncode == 0 and "engine mbqc" in noisy.stdout and not noisy.stderr
    compiled = qnetc("run", "examples/teleport.qnet", "--backend", "pattern", "--shots", "50")
    assert compiled.returncode == 0 and "warning[W1003]: pattern has no form for noise" \
        in compiled.stderr
    assert "backend pattern" in compiled.stdout
    uncompilable = qnetc("run", "examples/bb84.qnet", "--backend", "pattern")
    assert uncompilable.returncode == 1
    assert "`uniform()` has no circuit form" in uncompilable.stderr


@pytest.mark.parametrize("output", ["program", "folder", "missing"])
def test_an_output_that_cannot_be_written_is_a_usage_error(output: str, tmp_path: Path) -> None:
    program = tmp_path / "teleport.qnet"
    original = (ROOT / "examples" / "teleport.qnet").read_text()
    program.write_text(original)
    target = {"program": program, "folder": tmp_path,
              "missing": tmp_path / "nowhere" / "x.qasm"}[output]
    for arguments in (["compile", str(program), "-o", str(target)],
                      ["run", str(program), "--shots", "2", "--trace", str(target)]):
        assert main(arguments) == 2
    assert program.read_text() == original  # what the user wrote is never overwritten


def test_several_programs_go_one_per_file(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """OpenQASM readers take one program a file: the four CHSH circuits of enumerated
    choices are four files, each a program the reference parser reads."""
    output = tmp_path / "chsh.qasm"
    assert main(["compile", str(ROOT / "examples" / "chsh.qnet"), "--randomness",
                 "enumerate", "-o", str(output)]) == 0
    written = sorted(tmp_path.iterdir())
    assert [path.name for path in written] == [f"chsh.chsh.{k}.qasm" for k in range(1, 5)]
    for path in written:
        text = path.read_text()
        assert text.count("OPENQASM 3.0;") == 1
        openqasm3.parse(text)
    assert "wrote" in capsys.readouterr().err
