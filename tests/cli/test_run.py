"""`qnetc run`: the table, the JSON schema, determinism across seeds and jobs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qnetlang.cli.main import main
from tests.cli.test_check import qnetc
from tests.conftest import ROOT


def without_wall(line: str) -> dict[str, object]:
    record = json.loads(line)
    assert isinstance(record.pop("wall_s"), float)
    return record


def test_table() -> None:
    result = qnetc("run", "examples/chsh.qnet", "--shots", "400")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "run chsh: protocol chsh, 400 shots, engine statevector, seed 1"
    assert lines[1].split() == ["report", "mean", "stderr", "n", "counts"]
    assert [line.split()[0] for line in lines[2:4]] == ["s", "win"] and "events" in lines[4]


def test_json_schema_and_same_seed_same_output() -> None:
    first = qnetc("run", "examples/teleport.qnet", "--json", "--shots", "300", "--seed", "5")
    assert first.returncode == 0, first.stderr
    record = without_wall(first.stdout)
    assert list(record) == ["run", "protocol", "backend", "engine", "shots", "seed", "reports",
                            "sim_time_s", "events"]
    assert record["backend"] == "sim" and record["engine"] == "density"
    assert record["shots"] == 300 and record["seed"] == 5
    recovered = record["reports"]["recovered"]  # type: ignore[index]
    assert set(recovered) == {"mean", "stderr", "n", "counts"} and recovered["n"] == 300
    again = qnetc("run", "examples/teleport.qnet", "--json", "--shots", "300", "--seed", "5",
                  "--jobs", "2")
    assert without_wall(again.stdout) == record
    other = qnetc("run", "examples/teleport.qnet", "--json", "--shots", "300", "--seed", "6")
    assert without_wall(other.stdout) != record


@pytest.mark.parametrize(("example", "engine", "shots", "runs"), [
    ("bb84", "statevector", "12", 2), ("bqc", "mbqc", "2100", 1)])
def test_byte_identical_output_with_jobs_1_and_2(example: str, engine: str, shots: str,
                                                 runs: int) -> None:
    outputs = []
    for jobs in ("1", "2"):
        result = qnetc("run", f"examples/{example}.qnet", "--json", "--shots", shots,
                       "--engine", engine, "--jobs", jobs)
        assert result.returncode == 0, result.stderr
        outputs.append([json.dumps(without_wall(line)) for line in result.stdout.splitlines()])
    assert outputs[0] == outputs[1] and len(outputs[0]) == runs


def test_one_run_and_engine_choice() -> None:
    result = qnetc("run", "examples/bb84.qnet", "--run", "intercepted", "--shots", "4",
                   "--engine", "density", "--json")
    (line,) = result.stdout.splitlines()
    record = json.loads(line)
    assert record["run"] == "intercepted" and record["engine"] == "density"
    assert qnetc("run", "examples/bb84.qnet", "--run", "nope").returncode == 2
    assert qnetc("run", "examples/bb84.qnet", "--shots", "0").returncode == 2


def test_runtime_error_exits_1(tmp_path: Path) -> None:
    fixture = Path(__file__).parent.parent / "runtime" / "fixtures" / "qubit_lost.qnet"
    result = qnetc("run", str(fixture), "--shots", "50")
    assert result.returncode == 1
    assert "error[E0902]: the qubit from `first` was lost on the way" in result.stderr
    assert "at simulated time 4.89672 us" in result.stderr and "Traceback" not in result.stderr


def test_check_errors_stop_before_running(tmp_path: Path) -> None:
    path = tmp_path / "bad.qnet"
    path.write_text("protocol p { role r { wait 1 km; } }\n")
    result = qnetc("run", str(path))
    assert result.returncode == 1 and "E0402" in result.stderr and result.stdout == ""


def test_trace(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    result = qnetc("run", "examples/teleport.qnet", "--shots", "8", "--trace", str(trace))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert [r["event"] for r in records].count("send") == 3
    first = records[0]
    assert first["run"] == "teleport" and first["shots"] == [[0, 8]] and first["t_ps"] == 0
    arrivals = [r["t_ps"] for r in records if r["event"] == "recv"]
    assert arrivals == sorted(arrivals)


def test_set_gives_a_parameter_another_value(capsys: pytest.CaptureFixture[str]) -> None:
    b92 = str(ROOT / "examples" / "b92.qnet")
    assert main(["run", b92, "--json", "--set", "n=16", "--shots", "20"]) == 0
    assert json.loads(capsys.readouterr().out)["reports"]["sifting_ratio"]["n"] == 20
    assert main(["run", b92, "--set", "nn=16"]) == 1
    err = capsys.readouterr().err
    assert "error[E0505]: `nn` is given a value, but no run of the file has a parameter " \
        "`nn`" in err
    assert "did you mean `n`?" in err and "--> given nn:1:7" in err
    assert main(["run", b92, "--set", "n=2 km"]) == 1
    assert "expected an int, found a length" in capsys.readouterr().err
    assert main(["run", b92, "--set", "n"]) == 2


def test_a_sweep_prints_writes_and_draws(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """One row per point and report; the CSV loads back to the printed numbers; the SVG
    has the swept parameter, with its unit, on its axis; --jobs changes nothing."""
    import pandas

    source = (ROOT / "examples" / "teleport.qnet").read_text() \
        .replace("network lab {", "network lab(coherence: time = 1 ms) {") \
        .replace("memory { t2 = 1 ms; }", "memory { t2 = coherence; }")
    path = tmp_path / "memory.qnet"
    path.write_text(source)
    table, plot = tmp_path / "points.csv", tmp_path / "points.svg"
    columns = tmp_path / "points.parquet"
    sweep = ["--sweep", "coherence=0.1 ms", "--sweep", "coherence=1 ms", "--shots", "2000"]
    assert main(["run", str(path), *sweep, "--csv", str(table), "--plot", str(plot),
                 "--parquet", str(columns)]) == 0
    printed = capsys.readouterr().out
    assert "sweep of run teleport over coherence: 2 points" in printed
    frame = pandas.read_csv(table)
    assert list(frame.columns) == ["coherence", "seed", "report", "kind", "mean", "stderr",
                                   "count"]
    assert list(frame["coherence"]) == ["0.1 ms", "1 ms"]
    for mean in frame["mean"]:
        assert f"{mean:.4f}" in printed
    pandas.testing.assert_frame_equal(pandas.read_parquet(columns), frame, check_dtype=False)
    drawing = plot.read_text()
    assert "coherence (ms)" in drawing and "recovered" in drawing
    assert main(["run", str(path), *sweep, "--json"]) == 0
    one = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["run", str(path), *sweep, "--json", "--jobs", "2"]) == 0
    two = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for point in one + two:
        del point["wall_s"]  # the one number that is the machine's, not the run's
    assert one == two
    assert [point["arguments"] for point in one] == \
        [{"coherence": "0.1 ms"}, {"coherence": "1 ms"}]
    assert main(["run", str(path), "--csv", str(table)]) == 2
    assert main(["run", str(path), *sweep, "--plot", str(tmp_path / "p.gif")]) == 2


@pytest.mark.slow
def test_a_sweep_on_a_dask_cluster_gives_the_same_bytes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Sweep points (and, for a plain run, batches of shots) as tasks of a Dask cluster
    of two processes on 127.0.0.1: the numbers are the local pool's."""
    distributed = pytest.importorskip("distributed")
    source = (ROOT / "examples" / "teleport.qnet").read_text() \
        .replace("network lab {", "network lab(coherence: time = 1 ms) {") \
        .replace("memory { t2 = 1 ms; }", "memory { t2 = coherence; }")
    path = tmp_path / "memory.qnet"
    path.write_text(source)
    sweep = ["run", str(path), "--sweep", "coherence=0.1 ms", "--sweep", "coherence=1 ms",
             "--shots", "3000", "--json"]

    def points(*extra: str) -> list[dict[str, object]]:
        assert main([*sweep, *extra]) == 0
        found = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        for point in found:
            del point["wall_s"]
        return found

    local = points()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert points("--executor", f"dask={cluster.scheduler_address}") == local
        plain = ["run", str(path), "--shots", "3000", "--json"]
        assert main(plain) == 0
        here = json.loads(capsys.readouterr().out)
        assert main([*plain, "--executor", f"dask={cluster.scheduler_address}"]) == 0
        there = json.loads(capsys.readouterr().out)
        del here["wall_s"], there["wall_s"]
        assert here == there
    assert main([*sweep, "--executor", "spark"]) == 2
    assert main([*sweep, "--executor", "dask", "--backend", "aer"]) == 2


def test_an_interrupted_sweep_keeps_its_finished_points(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C during the third point: the first two are printed and written, exit 130."""
    from qnetlang.driver import Program

    simulate = Program.simulate
    calls = []

    def interrupted_at_the_third(self: Program, *args: object, **options: object) -> object:
        calls.append(options.get("seed"))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return simulate(self, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(Program, "simulate", interrupted_at_the_third)
    table = tmp_path / "points.csv"
    b92 = str(ROOT / "examples" / "b92.qnet")
    points = [f"--sweep=n={n}" for n in (8, 16, 32, 64)]
    assert main(["run", b92, *points, "--shots", "10", "--csv", str(table)]) == 130
    captured = capsys.readouterr()
    assert "interrupted: run `b92` has 2 of 4 points done" in captured.err
    assert "sweep of run b92 over n: 2 points" in captured.out
    assert len(table.read_text().splitlines()) == 1 + 2 * 2  # a header, 2 points x 2 reports


def test_sweep_values_separated_by_commas(capsys: pytest.CaptureFixture[str]) -> None:
    b92 = str(ROOT / "examples" / "b92.qnet")
    assert main(["run", b92, "--sweep", "n=8, 16,32", "--shots", "5", "--json"]) == 0
    points = [json.loads(line)["arguments"] for line in capsys.readouterr().out.splitlines()]
    assert points == [{"n": "8"}, {"n": "16"}, {"n": "32"}]
    assert main(["run", b92, "--sweep", "n=8", "--set", "n=4"]) == 2
    assert "--set and --sweep both give n" in capsys.readouterr().err


def test_a_runs_own_sweep_with_set_and_sweep_from_outside(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A run's `sweep` runs by itself; --set fixes a swept parameter (its axis leaves
    the grid), --sweep replaces its values; the points are the same for --jobs 2, and
    a run without a sweep beside it in the file is one point."""
    memory = str(ROOT / "examples" / "teleport_memory.qnet")

    def points(*extra: str) -> list[tuple[dict[str, str], object]]:
        assert main(["run", memory, "--shots", "50", "--json", *extra]) == 0
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return [(line["arguments"], line["reports"]) for line in lines]

    grid = points()
    assert len(grid) == 8 and grid == points("--jobs", "2")
    fixed = points("--set", "L=20 km")
    assert [point for point, _ in fixed] == [{"coherence": t2} for t2 in
                                            ("10 us", "100 us", "1000 us", "10000 us")]
    replaced = points("--sweep", "coherence=1000 us,2 ms")
    assert [point for point, _ in replaced] == [
        {"coherence": t2, "L": length} for t2 in ("1000 us", "2 ms")
        for length in ("5 km", "20 km")]
    assert replaced[:2] == grid[4:6]  # a point has its numbers whatever the sweep
    assert main(["run", memory, "--backend", "aer"]) == 1
    assert "E1001" in capsys.readouterr().err


def test_compiling_a_sweeping_run_needs_its_point(capsys: pytest.CaptureFixture[str]) -> None:
    memory = str(ROOT / "examples" / "teleport_memory.qnet")
    assert main(["compile", memory]) == 1
    assert "--set coherence=VALUE --set L=VALUE" in capsys.readouterr().err
    assert main(["compile", memory, "--set", "coherence=1 ms", "--set", "L=5 km"]) == 0
    assert "OPENQASM 3.0;" in capsys.readouterr().out


MIXED = """
network lab(L: length = 1 km) {
  node a { qubits 2; }
  node b { qubits 2; }
  link a <-> b { classical fiber(length = L); quantum fiber(length = L); }
}
protocol p(n: int = 1, x: float = 0.0, pair: (length, time) = (1 km, 1 us)) {
  role first { for i in 0..n { wait 1 us; } report x = x + n; }
}
run swept: p on lab with first = a { shots = 10; sweep L in [1 km, -1 km, 3 km]; }
run plain: p on lab with first = a { shots = 10; }
run zipped: p on lab with first = a { shots = 10; sweep n in [1, 2] with x in [0.1, 0.2]; }
run pairs: p on lab with first = a { shots = 10; sweep pair in [(1 km, 2 us), (3 m, 4 ms)]; }
"""


def test_sweeps_beside_plain_runs_limits_and_failing_points(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only the runs that sweep sweep; the limits hold in a sweep; a point that fails
    keeps the points before it (printed and written) and says which it is; a run
    swept in step is swept from outside whole or not at all."""
    path = tmp_path / "mixed.qnet"
    path.write_text(MIXED)
    table = tmp_path / "swept.csv"
    assert main(["run", str(path), "--run", "swept", "--csv", str(table)]) == 1
    captured = capsys.readouterr()
    assert "sweep of run swept over L: 1 point" in captured.out
    assert "E0512" in captured.err and "note: at the sweep's point L = -1 km" in captured.err
    assert table.read_text().splitlines()[1].startswith("1 km,")
    assert main(["run", str(path), "--run", "plain", "--json"]) == 0
    assert "arguments" not in json.loads(capsys.readouterr().out)
    assert main(["run", str(path), "--run", "zipped", "--max-steps", "1"]) == 1
    assert "E0906" in capsys.readouterr().err
    assert main(["run", str(path), "--run", "zipped", "--sweep", "n=4,5"]) == 2
    assert "`n` and `x` are swept in step" in capsys.readouterr().err
    assert main(["run", str(path), "--run", "zipped", "--zip"]) == 2
    assert main(["run", str(path), "--run", "pairs", "--json"]) == 0
    points = [json.loads(line)["arguments"] for line in capsys.readouterr().out.splitlines()]
    assert points == [{"pair": "(1 km, 2 us)"}, {"pair": "(0.003 km, 4000 us)"}]


def test_module_folders_after_the_file(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "greeting.qnet").write_text(
        "module greeting;\nprotocol hello { role a { report one = 1; } }\n")
    path = tmp_path / "main.qnet"
    path.write_text("import greeting;\nnetwork solo { node a { qubits 1; } }\n"
                    "run hello on solo with a = a;\n")
    assert main(["run", str(path), "--path", str(tmp_path / "lib"), "--shots", "3"]) == 0
