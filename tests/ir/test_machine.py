"""The one IR machine: when windows close, how batches split, and that every back end
(simulator, circuit, communication check) sees the same timing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from qnetlang.cli.main import main
from qnetlang.compiler.backends import run_aer
from qnetlang.compiler.lower import lower_run
from qnetlang.pipeline import check
from qnetlang.runtime.batch import RuntimeFailure
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.runtime.helpers import simulate, within

DELAY_100_KM = 100e3 * 1.468 / 299_792_458  # 489.67 us

LOSSY = """
network span {
  node a { qubits 1; }
  node b { qubits 1; }
  link a -> b { quantum fiber(length = 100 km, attenuation = 0.03 dB/km); }
}
protocol lossy() {
  role sender {
    qubit q = |+>;
    send q to receiver;
  }
  role receiver {
    qubit q = recv qubit from sender within 5 ms else {
      report lost_at_us = now() / 1 us;
      return;
    };
    report arrived_at_us = now() / 1 us;
    bit m = measure q in x;
  }
}
run lossy on span with sender = a, receiver = b { shots = 400; seed = 2; }
"""


def test_a_timeout_fires_when_the_window_closes(tmp_path: Path) -> None:
    result = simulate(LOSSY, tmp_path)
    transmittance = 10 ** -0.3
    lost, arrived = result.reports["lost_at_us"], result.reports["arrived_at_us"]
    assert lost.n + arrived.n == 400
    assert lost.mean == pytest.approx(5000.0, abs=1e-6)  # not at 489.67 us
    assert lost.stderr < 1e-9 and arrived.stderr < 1e-9
    assert arrived.mean == pytest.approx(DELAY_100_KM * 1e6, abs=1e-6)
    p = arrived.n / 400
    assert abs(p - transmittance) <= 4 * math.sqrt(transmittance * (1 - transmittance) / 400)


def test_the_trace_shows_the_timeout_at_the_window_end(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lossy.qnet"
    source.write_text(LOSSY)
    trace = tmp_path / "trace.jsonl"
    assert main(["run", str(source), "--shots", "64", "--trace", str(trace)]) == 0
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    timeouts = [r for r in records if r["event"] == "timeout"]
    receptions = [r for r in records if r["event"] == "recv"]
    assert timeouts and receptions
    assert {r["t_ps"] for r in timeouts} == {5_000_000_000}
    assert {r["t_ps"] for r in receptions} == {round(DELAY_100_KM * 1e12)}
    assert all(r["role"] == "receiver" and r["source"] == "sender" for r in timeouts)
    shots = [shot for r in timeouts + receptions for first, end in r["shots"]
             for shot in range(first, end)]
    assert sorted(shots) == list(range(64))  # each shot either received or timed out


DEADLINE = """
network span {
  node a { qubits 0; }
  node b { qubits 0; }
  link a -> b { classical fiber(length = 10 km); }
}
protocol deadline(window: time = 1 us) {
  role sender { send 1 to receiver; }
  role receiver {
    bit x = recv bit from sender within window else {
      report got = 0;
      return;
    };
    report got = x;
  }
}
run deadline on span with sender = a, receiver = b { shots = 200; seed = 1; }
"""


def _run(text: str, tmp_path: Path) -> object:
    path = tmp_path / "program.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    assert result.ok and result.ir is not None, [d.message for d in result.diagnostics]
    (run,) = result.ir.runs
    return run


@pytest.mark.parametrize(("window", "got"), [("1 us", 0), ("48.967 us", 0), ("48.968 us", 1),
                                              ("1 ms", 1)])
def test_a_deadline_means_the_same_in_the_simulator_and_the_circuit(
        window: str, got: int, tmp_path: Path) -> None:
    run = _run(DEADLINE.replace("window: time = 1 us", f"window: time = {window}"), tmp_path)
    simulated = run_shots(run)
    compiled = run_aer(run, lower_run(run), shots=200, seed=1)  # type: ignore[arg-type]
    assert simulated.reports["got"].mean == compiled.reports["got"].mean == got


def test_a_message_arriving_as_the_window_closes_is_received(tmp_path: Path) -> None:
    run = _run(DEADLINE.replace("within window", "within latency(sender)"), tmp_path)
    assert run_shots(run).reports["got"].mean == 1  # type: ignore[arg-type]


LATENCY = """
network lab {
  node a { qubits 1; }
  node b { qubits 1; }
  node c { qubits 1; }
  link a -> b { quantum fiber(length = 10 km); }
  link a <-> b { classical fiber(length = 20 km); }
  link b <-> c { classical free_space(length = 3 km); }
}
protocol latencies() {
  role x {
    report to_y = latency(x, y) / 1 us;
    report from_y = latency(y, x) / 1 us;
  }
  role y {
    report from_x = latency(x) / 1 us;
    report to_z = latency(y, z) / 1 us;
    report itself = latency(y) / 1 us;
  }
  role z { }
}
run latencies on lab with x = a, y = b, z = c { shots = 2; }
"""


def test_latency_is_the_delay_of_the_channel_between_two_roles(tmp_path: Path) -> None:
    reports = simulate(LATENCY, tmp_path).reports
    fiber = 1.468 / 299_792_458 * 1e6  # us per metre
    assert reports["to_y"].mean == pytest.approx(10e3 * fiber)  # the quantum channel first
    assert reports["from_y"].mean == pytest.approx(20e3 * fiber)  # else the classical one
    assert reports["from_x"].mean == reports["to_y"].mean  # one argument: to this role
    assert reports["to_z"].mean == pytest.approx(3e3 / 299_792_458 * 1e6)
    assert reports["itself"].mean == 0.0


REPEAT = """
network lab {
  node a { qubits 1; }
  node b { qubits 1; }
  link a -> b { quantum fiber(length = 1 km, loss = LOSS); }
  link a <-> b { classical fiber(length = 1 km); }
}
protocol repeat() {
  role sender {
    for k in 0..400 {
      qubit q;
      send q to receiver;
      bit ok = recv from receiver;
      if (ok) {
        report attempts = k + 1;
        return;
      }
    }
  }
  role receiver {
    for k in 0..400 {
      qubit q = recv qubit from sender within 10 us else {
        send 0 to sender;
        continue;
      };
      bit m = measure q in x;
      send 1 to sender;
      report m = m;
      return;
    }
  }
}
run repeat on lab with sender = a, receiver = b { shots = 2000; seed = 5; }
"""


@pytest.mark.parametrize("loss_db", [10 * math.log10(2), 10.0])
def test_a_batch_that_parts_ways_splits_and_keeps_the_statistics(loss_db: float,
                                                                  tmp_path: Path) -> None:
    result = simulate(REPEAT.replace("LOSS", f"{loss_db} dB"), tmp_path)
    p = 10 ** (-loss_db / 10)
    assert result.reports["attempts"].n == 2000
    within(result, "attempts", 1 / p)
    within(result, "m", 0.5)


def test_split_batches_are_the_same_for_any_number_of_jobs(tmp_path: Path) -> None:
    text = REPEAT.replace("LOSS", "7 dB").replace("shots = 2000", "shots = 3000")
    one = simulate(text, tmp_path, jobs=1).to_json()
    two = simulate(text, tmp_path, jobs=2).to_json()
    for result in (one, two):
        result.pop("wall_s")
    assert one == two


VARYING_WINDOW = """
network lab {
  node a { qubits 1; }
  node b { qubits 1; }
  link a <-> b { classical fiber(length = 10 km); }
}
protocol p() {
  role alice { send 1 to bob; }
  role bob {
    qubit q = |+>;
    int m = measure q;
    report m = m;
    int got = recv int from alice within 1 us + m * 99 us else {
      report got = 0;
      return;
    };
    report got = got;
  }
}
run p on lab with alice = a, bob = b { shots = 400; seed = 4; }
"""


def test_a_window_whose_length_differs_between_shots_closes_in_each(tmp_path: Path) -> None:
    """The message takes 49 us: it comes in time exactly in the shots whose window is
    100 us, after the batch split on the windows' lengths."""
    reports = simulate(VARYING_WINDOW, tmp_path).reports
    assert reports["got"].counts == reports["m"].counts
    assert set(reports["m"].counts) == {"0", "1"}


SAME_INSTANT = """
network lab {
  node a { qubits 1; }
  node b { qubits 2; }
  link a -> b { quantum fiber(length = 10 km, loss = 3 dB); }
  link a <-> b { classical fiber(length = 10 km); }
}
protocol p() {
  role carol {
    int v = recv int from bob within latency(alice, bob) else {
      report v = -1;
      return;
    };
    report v = v;
  }
  role alice {
    qubit q;
    send q to bob;
  }
  role bob {
    qubit q = recv qubit from alice within latency(alice) else {
      send 1 to carol;
      return;
    };
    measure q;
    send 0 to carol;
  }
}
run p on lab with carol = b, alice = a, bob = b { shots = 600; seed = 3; }
"""


def test_windows_closing_at_one_instant_close_as_in_a_shot_alone(tmp_path: Path) -> None:
    """Carol's window and Bob's close at the instant Bob's qubit would arrive, Carol's
    first: in a shot alone, Bob's `else` message never reaches Carol in time, so a
    batch may not run that `else` early for the shots that lost the qubit."""
    v = simulate(SAME_INSTANT, tmp_path).reports["v"]
    assert set(v.counts) == {"-1", "0"}
    lost = 1 - 10 ** -0.3
    assert abs(v.counts["-1"] / 600 - lost) <= 4 * math.sqrt(lost * (1 - lost) / 600)


def test_a_time_known_only_while_running_must_be_one_to_wait(tmp_path: Path) -> None:
    program = """
network lab { node a { qubits 1; } }
protocol p() {
  role r {
    wait (uniform() - 2) * 1 s;
    report x = 1;
  }
}
run p on lab with r = a { shots = 4; }
"""
    with pytest.raises(RuntimeFailure) as failure:
        simulate(program, tmp_path)
    assert failure.value.diagnostic.code == "E0905"
    assert "a time must be between 0 and" in failure.value.diagnostic.message


def test_a_gated_window_traces_which_shots_received_and_which_timed_out(
        tmp_path: Path) -> None:
    source = tmp_path / "gated.qnet"
    source.write_text(LOSSY.replace("within 5 ms", "within latency(sender)"))
    trace = tmp_path / "trace.jsonl"
    assert main(["run", str(source), "--shots", "200", "--trace", str(trace)]) == 0
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    closing = [r for r in records if r["event"] in ("recv", "timeout")]
    assert {r["t_ps"] for r in closing} == {round(DELAY_100_KM * 1e12)}  # one instant
    by_event = {event: {shot for r in closing if r["event"] == event
                        for first, end in r["shots"] for shot in range(first, end)}
                for event in ("recv", "timeout")}
    assert by_event["recv"] and by_event["timeout"]
    assert not by_event["recv"] & by_event["timeout"]
    assert by_event["recv"] | by_event["timeout"] == set(range(200))

