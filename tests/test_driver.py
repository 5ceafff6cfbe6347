"""The library surface (qnetlang/driver.py): the same numbers as `qnetc`, errors as
exceptions that carry their diagnostics."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import qnetlang
from qnetlang.cli.main import main
from tests.conftest import ROOT

TELEPORT = ROOT / "examples" / "teleport.qnet"


def test_a_run_gives_the_numbers_qnetc_prints(capsys: pytest.CaptureFixture[str]) -> None:
    program = qnetlang.load(TELEPORT)
    assert program.runs == ["teleport"]
    assert main(["run", str(TELEPORT), "--json", "--shots", "300", "--seed", "4"]) == 0
    printed = json.loads(capsys.readouterr().out)
    result = program.simulate(shots=300, seed=4).to_json()
    assert result["reports"] == printed["reports"]
    assert (result["engine"], result["seed"], result["shots"]) == \
        (printed["engine"], printed["seed"], printed["shots"])


def test_the_defaults_are_the_runs_settings() -> None:
    program = qnetlang.load(ROOT / "examples" / "b92.qnet")
    result = program.simulate()
    assert (result.shots, result.seed) == (100, 9)  # `shots = 100; seed = 9;` in the file


def test_choosing_a_run() -> None:
    program = qnetlang.load(ROOT / "examples" / "bb84.qnet")
    assert program.runs == ["honest", "intercepted"]
    assert program.run("intercepted").name == "intercepted"
    with pytest.raises(ValueError, match="2 runs"):
        program.run()
    with pytest.raises(KeyError, match="no run named `honst`"):
        program.run("honst")


def test_errors_carry_their_diagnostics(tmp_path: Path) -> None:
    with pytest.raises(qnetlang.ProgramError) as wrong:
        qnetlang.loads("protocol p { role r { report x = y; } }", name="wrong.qnet")
    assert [d.code for d in wrong.value.diagnostics] == ["E0301"]
    assert "wrong.qnet:1:34" in str(wrong.value)
    binary = tmp_path / "binary.qnet"
    binary.write_bytes(b"protocol \xff")
    with pytest.raises(qnetlang.ProgramError) as undecodable:
        qnetlang.load(binary)
    assert undecodable.value.diagnostics[0].code == qnetlang.Code.INVALID_ENCODING
    with pytest.raises(qnetlang.CompileFailed) as refused:
        qnetlang.load(ROOT / "examples" / "bb84.qnet").compile("honest")
    assert refused.value.diagnostics[0].code == "E1001"
    failing = qnetlang.loads("""
network solo { node a { qubits 1; } }
protocol p { role a { qubit q = |+>; assert measure q == 0, "it was 1"; } }
run p on solo with a = a;
""")
    with pytest.raises(qnetlang.RunFailed) as stopped:
        failing.simulate(shots=50)
    assert stopped.value.diagnostics[0].code == "E0904"
    with pytest.raises(qnetlang.RunFailed):
        failing.sample(shots=50)


def test_compiling_and_sampling() -> None:
    program = qnetlang.load(ROOT / "examples" / "chsh.qnet")
    assert len(program.compile(randomness="enumerate")) == 4
    (circuit,) = program.circuits()
    assert len(circuit.qubits) == 4
    simulated = program.simulate(shots=2000, seed=1).reports["win"]
    sampled = program.sample(shots=2000, seed=1, deferred=True).reports["win"]
    assert abs(simulated.mean - sampled.mean) <= 4 * (simulated.stderr ** 2 +
                                                      sampled.stderr ** 2) ** 0.5


def test_a_result_as_a_data_frame() -> None:
    frame = qnetlang.load(TELEPORT).simulate(shots=200, seed=2).to_frame()
    assert list(frame["report"]) == ["recovered"]
    assert frame.loc[0, "count"] == 200 and 0.9 < frame.loc[0, "mean"] <= 1.0


MEMORY_SWEEP = (ROOT / "examples" / "teleport.qnet").read_text() \
    .replace("network lab {", "network lab(coherence: time = 1 ms) {") \
    .replace("memory { t2 = 1 ms; }", "memory { t2 = coherence; }")


def test_a_sweep_reproduces_teleportation_under_dephasing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Bob's half waits for Alice's bits, 2L over fiber, dephasing with T2: he recovers
    rx(pi/4)|0> with probability 1 - p/2, p = (1 - exp(-t / T2)) / 2, at every point
    within 4 standard errors; `qnetc run --set` at a point's seed prints its numbers."""
    program = qnetlang.loads(MEMORY_SWEEP, name="memory_sweep.qnet")
    sweep = program.sweep({"coherence": ["0.05 ms", "0.2 ms", "1 ms", "5 ms"]}, shots=4000)
    channel = next(c for c in program.run().network.channels
                   if c.kind == "classical" and c.source == "alice")
    wait = channel.delay
    assert 9.7e-5 < wait < 9.9e-5
    for (point, result), t2 in zip(sweep.points, (5e-5, 2e-4, 1e-3, 5e-3), strict=True):
        p = (1 - math.exp(-wait / t2)) / 2
        recovered = result.reports["recovered"]
        assert abs(recovered.mean - (1 - p / 2)) <= 4 * max(recovered.stderr, 1e-3), point
    frame = sweep.to_frame()
    assert list(frame["coherence"]) == ["0.05 ms", "0.2 ms", "1 ms", "5 ms"]
    assert len(set(frame["seed"])) == 4 and set(frame["count"]) == {4000}
    _, result = sweep.points[1]
    path = tmp_path / "memory_sweep.qnet"
    path.write_text(MEMORY_SWEEP)
    assert main(["run", str(path), "--json", "--shots", "4000", "--seed", str(result.seed),
                 "--set", "coherence=0.2 ms"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["reports"] == result.to_json()["reports"]


def test_a_point_does_not_depend_on_the_others() -> None:
    program = qnetlang.loads(MEMORY_SWEEP, name=str(TELEPORT))
    alone = program.sweep({"coherence": ["1 ms"]}, shots=500)
    among = program.sweep({"coherence": ["5 ms", "1 ms"]}, shots=500)
    assert alone.points[0][1].to_json()["reports"] == among.points[1][1].to_json()["reports"]
    grid = program.sweep({"coherence": ["1 ms", "2 ms"], "theta": [0.1, 0.2]}, shots=100)
    assert [point for point, _ in grid.points] == [
        {"coherence": c, "theta": t} for c in ("1 ms", "2 ms") for t in (0.1, 0.2)]
    zipped = program.sweep({"coherence": ["1 ms", "2 ms"], "theta": [0.1, 0.2]}, shots=100,
                           zipped=True)
    assert len(zipped.points) == 2
    with pytest.raises(ValueError, match="as many values"):
        program.sweep({"coherence": ["1 ms"], "theta": [0.1, 0.2]}, zipped=True)


def test_numpy_values_and_a_pattern_refusal() -> None:
    import numpy as np

    program = qnetlang.load(ROOT / "examples" / "b92.qnet")
    assert program.given(n=np.int64(16)).run().arguments == {"n": 16}
    sweep = program.sweep({"n": np.arange(8, 17, 8)}, shots=10)
    assert [int(point["n"]) for point, _ in sweep.points] == [8, 16]
    asserting = qnetlang.loads("""
network solo { node a { qubits 2; } }
protocol p { role a { qubit q = |+>; bit m = measure q; assert m == 0, "one"; } }
run p on solo with a = a;
""")
    with pytest.raises(qnetlang.CompileFailed) as refused:
        asserting.sample(shots=10, backend="pattern")
    assert "assertion" in refused.value.diagnostics[0].message


def test_a_sweep_in_the_file_reproduces_its_closed_form_from_both_ends(
        capsys: pytest.CaptureFixture[str]) -> None:
    """examples/teleport_memory.qnet sweeps T2 (a logarithmic range) and L (a list):
    at every point bob recovers the state with probability 1 - p/2, p = (1 - exp(-t /
    T2)) / 2, t = 2L n / c, within 4 standard errors; `qnetc run --json` prints the
    same numbers point by point."""
    path = ROOT / "examples" / "teleport_memory.qnet"
    sweep = qnetlang.load(path).sweep(shots=1000)
    assert [tuple(point.values()) for point, _ in sweep.points] == [
        (t2, length) for t2 in ("10 us", "100 us", "1000 us", "10000 us")
        for length in ("5 km", "20 km")]
    for point, result in sweep.points:
        t2 = float(point["coherence"].split()[0]) * 1e-6
        wait = 2 * float(point["L"].split()[0]) * 1e3 * 1.468 / 299_792_458
        p = (1 - math.exp(-wait / t2)) / 2
        recovered = result.reports["recovered"]
        assert abs(recovered.mean - (1 - p / 2)) <= 4 * max(recovered.stderr, 1e-3), point
    assert main(["run", str(path), "--json", "--shots", "1000"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["arguments"], line["reports"]) for line in printed] == [
        (point, result.to_json()["reports"]) for point, result in sweep.points]


SHOT_BY_SHOT = """
network solo { node a { qubits 1; } }
protocol p {
  role a {
    qubit q = |+>;
    bit m = measure q;
    if (m == 1) { report heads = 1; }
    for i in 0..3 { report turn = i; }
    report ratio share = m / 1;
  }
}
run p on solo with a = a;
"""


def test_per_shot_values_are_the_summaries_samples() -> None:
    """`samples=True` keeps each value with its shot: a report made in some shots only
    has fewer, one made in a loop one per turn (in order); the summaries are these
    values' statistics, and the same for any --jobs."""
    program = qnetlang.loads(SHOT_BY_SHOT)
    result = program.simulate(shots=3000, seed=5, samples=True)
    assert result.samples is not None
    heads, turns = result.samples["heads"], result.samples["turn"]
    assert 0 < len(heads.shots) < 3000 and set(heads.values) == {1}
    assert list(turns.shots[:6]) == [0, 0, 0, 1, 1, 1] and list(turns.values[:3]) == [0, 1, 2]
    assert result.reports["turn"].mean == turns.values.mean()
    share = result.samples["share"].values
    assert result.reports["share"].mean == share.sum() / result.samples["share/"].values.sum()
    assert result.reports["share"].n == 3000
    assert len(heads.shots) == share.sum()  # heads are reported in the shots that measured 1
    parallel = program.simulate(shots=3000, seed=5, samples=True, jobs=2)
    assert parallel.samples is not None
    for name, values in result.samples.items():
        assert (parallel.samples[name].shots == values.shots).all()
        assert (parallel.samples[name].values == values.values).all()
    with pytest.raises(ValueError, match="samples=True"):
        program.simulate(shots=10).sample_columns()


def test_per_shot_values_written_by_qnetc_load_back(tmp_path: Path) -> None:
    import pandas

    memory = str(ROOT / "examples" / "teleport_memory.qnet")
    assert main(["run", memory, "--shots", "20", "--samples", str(tmp_path / "s.csv")]) == 0
    frame = pandas.read_csv(tmp_path / "s.csv")
    assert list(frame.columns) == ["coherence", "L", "seed", "shot", "report", "value"]
    assert len(frame) == 8 * 20
    sweep = qnetlang.load(memory).sweep(shots=20, samples=True)
    assert (frame["value"].to_numpy() == sweep.samples_frame()["value"].to_numpy()).all()
    assert main(["run", memory, "--samples", str(tmp_path / "s.txt")]) == 2
    assert main(["run", str(TELEPORT), "--samples", str(tmp_path / "t.csv"),
                 "--backend", "aer"]) == 2


def test_a_sweep_of_no_values_is_refused() -> None:
    with pytest.raises(ValueError, match="no points"):
        qnetlang.load(ROOT / "examples" / "b92.qnet").sweep({"n": []})


def test_per_shot_values_of_a_sweep_over_arrays() -> None:
    program = qnetlang.loads("""
network solo { node a { qubits 1; } }
protocol p(v: int[2] = [0, 1]) { role a { report s = v[0] + v[1]; } }
run p on solo with a = a;
""")
    sweep = program.sweep({"v": [[1, 2], [3, 4]]}, shots=3, samples=True)
    frame = sweep.samples_frame()
    assert list(frame["v"]) == ["[1, 2]"] * 3 + ["[3, 4]"] * 3
    assert list(frame["value"]) == [3] * 3 + [7] * 3


SERVER = """
network pair { node a { qubits 1; } node b { qubits 1; }
               link a <-> b { classical fiber(length = 2 km); } }
protocol p() {
  role a { while (true) { wait 10 us; send uniform() < 0.5 to b; } }
  role b {
    while (true) {
      select {
        bool heads = recv bool from a => { report served = 1; report heads = heads; }
        after 35 us => { report idle = 1; }
      }
    }
  }
}
run p on pair with a = a, b = b {
  shots = 50;
  sweep duration in [100 us, 200 us, 300 us];
}
"""


def test_a_sweep_s_points_side_by_side_give_the_same_numbers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --jobs 2 a sweep's points run in two processes: every point keeps its seed,
    and the JSON printed is the one of a single process but for the wall time (here a
    server in a `select` until the swept duration ends it)."""
    path = tmp_path / "server.qnet"
    path.write_text(SERVER)
    outputs = []
    for jobs in ("1", "2"):
        assert main(["run", str(path), "--json", "--jobs", jobs]) == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        outputs.append([{key: value for key, value in row.items() if key != "wall_s"}
                        for row in rows])
    assert outputs[0] == outputs[1]
    assert [row["arguments"]["duration"] for row in outputs[0]] == ["100 us", "200 us",
                                                                    "300 us"]
    served = [row["reports"]["served"]["n"] for row in outputs[0]]
    assert served == [50 * 9, 50 * 19, 50 * 29]  # sent every 10 us, 6.8 us on the way


def test_a_point_that_fails_among_points_side_by_side(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A point that fails in a worker process stops the sweep as it does in one process:
    the points before it are printed, then its error, which names the point."""
    path = tmp_path / "fails.qnet"
    path.write_text("network one { node a { qubits 1; } }\n"
                    "protocol p(n: int = 1) { role a { report x = 10 / n; } }\n"
                    "run p on one with a = a { shots = 2; sweep n in [1, 2, 0, 4]; }\n")
    outputs = []
    for jobs in ("1", "2"):
        assert main(["run", str(path), "--jobs", jobs]) == 1
        outputs.append(capsys.readouterr())
    assert outputs[0] == outputs[1]
    assert "at the sweep's point n = 0" in outputs[1].err
    assert outputs[1].out.count(" x ") == 2
