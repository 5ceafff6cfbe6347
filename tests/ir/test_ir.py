"""The IR built for the project's programs, and its JSON form."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from qnetlang.ir import dump
from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.source import SourceFile
from tests.cli.test_check import qnetc
from tests.conftest import EXAMPLE_FILES, ROOT, file_id

SPEED_OF_LIGHT = 299_792_458.0


def build(text: str, tmp_path: Path) -> ir.Program:
    path = tmp_path / "p.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    assert result.ok, result.diagnostics
    assert result.ir is not None
    return result.ir


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=file_id)
def test_examples_build_ir(path: Path) -> None:
    result = check(SourceFile.read(path), path)
    assert result.ok and result.ir is not None and result.ir.runs
    for run in result.ir.runs:
        for role in run.roles.values():
            assert role.node in run.network.nodes
            assert isinstance(role.code[-1], ir.Halt)
            for instr in role.code:
                for attribute in ("target", "otherwise", "join", "on_timeout"):
                    value = getattr(instr, attribute, None)
                    if isinstance(value, int):
                        assert 0 <= value <= len(role.code)


def test_network_in_si_units(tmp_path: Path) -> None:
    program = build("""
network link100 {
  node a { qubits 1; memory { t1 = 2 ms; t2 = 500 us; } }
  node b { qubits 1; }
  link a <-> b {
    length = 100 km;
    classical fiber;
    quantum fiber(attenuation = 0.2 dB/km, loss = 3 dB, depolarizing = 0.01);
  }
}
protocol ping {
  role left { send 1 to right; }
  role right { bit x = recv bit from left; report x = x; }
}
run ping on link100 with left = a, right = b;
""", tmp_path)
    network = program.runs[0].network
    assert network.nodes["a"].memory.t1 == pytest.approx(2e-3)
    assert network.nodes["a"].memory.t2 == pytest.approx(5e-4)
    classical = network.channel("a", "b", "classical")
    assert classical is not None and network.channel("b", "a", "classical") is not None
    assert classical.length == 100_000.0 and classical.refractive_index == 1.468
    # 100 km of fiber: 100 km * 1.468 / c = 489.6 us
    assert classical.delay == pytest.approx(100e3 * 1.468 / SPEED_OF_LIGHT)
    assert classical.delay == pytest.approx(489.6e-6, abs=0.1e-6)
    quantum = network.channel("a", "b", "quantum")
    assert quantum is not None
    assert quantum.attenuation == pytest.approx(0.2e-3)
    assert quantum.total_loss == pytest.approx(23.0)
    assert quantum.transmittance == pytest.approx(10 ** -2.3)
    assert quantum.depolarizing == 0.01 and quantum.dephasing == 0.0
    send = program.runs[0].roles["left"].code[0]
    assert isinstance(send, ir.Send) and send.channel == classical.id


def test_families_loops_and_functions(tmp_path: Path) -> None:
    program = build("""
network line(n: int) {
  node r[i in 0..=n] { qubits 2; }
  for i in 0..n {
    link r[i] -> r[i + 1] { quantum fiber(length = 1 km); classical fiber(length = 1 km); }
  }
}
protocol pass_along(n: int) {
  def twice(q: qubit) {
    h q;
    h q;
  }
  role hop[i in 0..=n] {
    if (i == 0) {
      qubit q;
      for k in 0..2 { twice(q); }
      send q to hop[1];
    } else {
      qubit q = recv qubit from hop[i - 1];
      if (i < n) send q to hop[i + 1]; else report m = measure q;
    }
  }
}
run pass_along(n = 3) on line(n = 3) with hop = r;
""", tmp_path)
    run = program.runs[0]
    assert list(run.roles) == ["hop[0]", "hop[1]", "hop[2]", "hop[3]"]
    assert [run.roles[f"hop[{i}]"].node for i in range(4)] == [f"r[{i}]" for i in range(4)]
    first = run.roles["hop[0]"].code
    # the loop uses a qubit declared before it: unrolled, so that ownership follows q
    assert [i.name for i in first if isinstance(i, ir.Gate)] == ["h"] * 4
    assert not any(isinstance(i, ir.Branch) for i in first)  # i == 0 was decided
    last = [type(i).__name__ for i in run.roles["hop[3]"].code]
    assert last == ["Recv", "Measure", "Report", "Halt"]
    assert run.arguments == {"n": 3}


LOOPS = """
network line {
  node a { qubits 4200; }
  node b[k in 0..3] { qubits 1; }
  for k in 0..3 { link a -> b[k] { quantum fiber(length = 1 km); } }
}
protocol loops(turns: int) {
  role sender {
    bit[turns] bits;
    for k in 0..turns { bits[k] = random(); }
    qubit[3] q;
    for k in 0..3 { h q[k]; }
    for k in 0..3 { send q[k] to receiver[k]; }
    for k in 0..2 { for j in 0..2 { if (k == j) report same = k; } }
    qubit[4097] wide;
    for k in 0..4097 { if (bits[k % turns]) x wide[k]; measure wide[k]; }
  }
  role receiver[k in 0..3] { qubit q = recv qubit from sender; report m = measure q; }
}
run loops(turns = 5) on line with sender = a, receiver = b;
"""


def test_loops_unroll_only_where_the_counter_must_be_known(tmp_path: Path) -> None:
    """A loop stays a loop unless its counter names a peer, a qubit or decides a branch
    on its own; then each turn is written out with the counter a constant."""
    code = build(LOOPS, tmp_path).runs[0].roles["sender"].code
    loops = [i for i in code if isinstance(i, ir.Branch) and i.loop]
    # `bits[k] = random()` and the 4,097 turns (too many to unroll) stay loops
    assert len(loops) == 2
    assert [str(i.units[0].index.value) for i in code if isinstance(i, ir.Gate)  # type: ignore[union-attr]
            and i.name == "h"] == ["0", "1", "2"]
    assert [i.dest for i in code if isinstance(i, ir.Send)] == \
        ["receiver[0]", "receiver[1]", "receiver[2]"]
    assert [i.value.value for i in code if isinstance(i, ir.Report)] == [0, 1]  # type: ignore[union-attr]
    wide = [i for i in code if isinstance(i, ir.Measure)]
    assert len(wide) == 1 and isinstance(wide[0].unit.index, ir.Var)


def test_a_loop_unrolled_after_a_try_reports_once(tmp_path: Path) -> None:
    text = LOOPS.replace("send q[k] to receiver[k];", "send q[k] to receiver[k + 1];")
    path = tmp_path / "p.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    assert [(d.code, d.span.line) for d in result.diagnostics if d.code.startswith("E")] \
        == [("E0510", 13)]  # at receiver[3], once


def test_a_peer_in_a_loop_too_long_to_unroll_says_so(tmp_path: Path) -> None:
    text = LOOPS.replace("for k in 0..3 { send q[k] to receiver[k]; }",
                         "for k in 0..4097 { send q[0] to receiver[k % 3]; }")
    path = tmp_path / "p.qnet"
    path.write_text(text)
    errors = [d for d in check(SourceFile(str(path), text), path).diagnostics
              if d.code == "E0509"]
    assert len(errors) == 1 and "more than 4,096 turns" in (errors[0].help or "")


def test_json_is_reproducible_and_complete(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "teleport.qnet").read_text()
    path = ROOT / "examples" / "teleport.qnet"
    first = dump.dumps(check(SourceFile(str(path), text), path).ir)  # type: ignore[arg-type]
    second = dump.dumps(check(SourceFile(str(path), text), path).ir)  # type: ignore[arg-type]
    assert first == second
    data = json.loads(first)
    assert data["schema"] == "qnetlang-ir/1"
    (run,) = data["runs"]
    assert run["arguments"] == {"theta": pytest.approx(math.pi / 4)}
    roles = {role["name"]: role for role in run["roles"]}
    assert set(roles) == {"source", "sender", "receiver"}
    ops = [instr["op"] for instr in roles["receiver"]["code"]]
    assert ops == ["recv", "recv", "branch", "gate", "branch", "gate", "gate", "measure",
                   "report", "halt"]
    assert roles["source"]["code"][0]["span"].startswith("std/teleport.qnet:")


def test_compile_command(tmp_path: Path) -> None:
    result = qnetc("compile", "examples/bb84.qnet", "--target", "ir", "--run", "intercepted")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [run["name"] for run in data["runs"]] == ["intercepted"]
    assert data["runs"][0]["arguments"]["intercept"] == 1.0
    output = tmp_path / "out.json"
    written = qnetc("compile", "examples/chsh.qnet", "--target", "ir", "-o", str(output))
    assert written.returncode == 0
    assert json.loads(output.read_text())["runs"][0]["protocol"] == "chsh"
    missing = qnetc("compile", "examples/bb84.qnet", "--run", "nope")
    assert missing.returncode == 2 and "honest, intercepted" in missing.stderr
    broken = tmp_path / "broken.qnet"
    broken.write_text("protocol p { role r { wait 1 km; } }\n")
    assert qnetc("compile", str(broken)).returncode == 1
