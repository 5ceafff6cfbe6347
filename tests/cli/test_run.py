"""`qnetc run`: the table, the JSON schema, determinism across seeds and jobs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_check import qnetc


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
