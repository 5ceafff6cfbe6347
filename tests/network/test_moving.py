"""Channels that move: a `free_space` channel whose length follows a track and whose loss
follows a table (docs/language.md, "Channels that move"), in the simulator, the check
and the compiler."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qnetlang.codes import Code
from qnetlang.compiler.lower import lower_run
from qnetlang.compiler.support import left_out
from qnetlang.driver import load
from qnetlang.ir import nodes as ir
from qnetlang.network.curves import read_loss_table, read_track
from qnetlang.physical.channels import FreeSpaceLink
from qnetlang.pipeline import check
from qnetlang.runtime.batch import RuntimeFailure
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.conftest import ROOT
from tests.runtime.helpers import simulate, within

LIGHT = 299_792_458.0


def sky(tmp_path: Path, pause: str = "let pause = at;", table: bool = True) -> str:
    """A link 1,000 km long at 0 s and 1,500 km at 10 s, losing 3 dB at 1,000 km and 9 dB
    at 1,500 km; the sender sends one qubit at `at`."""
    (tmp_path / "track.csv").write_text("time (s),distance (km)\n0,1000\n10,1500\n")
    (tmp_path / "loss.csv").write_text("distance (km),loss (dB)\n1000,3\n1500,9\n")
    loss_table = ', loss_table = "loss.csv"' if table else ""
    return f"""
network sky {{
  node a {{ qubits 1; }}
  node b {{ qubits 1; }}
  link a -> b {{ quantum free_space(track = "track.csv"{loss_table}); }}
}}
protocol probe(at: time = 0 s) {{
  role sender {{
    {pause}
    wait pause;
    qubit q = |1>;
    send q to receiver;
  }}
  role receiver {{
    wait at;
    qubit q = recv qubit from sender within 20 ms else {{
      report arrived = 0;
      return;
    }};
    report arrived = 1;
    report delay_us = (now() - at) / 1 us;
    report m = measure q;
  }}
}}
run probe on sky with sender = a, receiver = b;
"""


@pytest.mark.parametrize("at, distance", [(0.0, 1000e3), (4.0, 1200e3), (10.0, 1500e3)])
def test_the_delay_follows_the_track(tmp_path: Path, at: float, distance: float) -> None:
    text = sky(tmp_path, table=False).replace("at: time = 0 s", f"at: time = {at} s")
    result = simulate(text, tmp_path, shots=20, seed=1)
    assert result.reports["delay_us"].mean == pytest.approx(distance / LIGHT * 1e6, abs=1e-6)
    assert result.reports["arrived"].mean == 1.0  # no table, no attenuation: no loss


@pytest.mark.parametrize("at, loss", [(0.0, 3.0), (5.0, 6.0), (10.0, 9.0)])
def test_the_loss_follows_the_table_at_the_tracks_distance(tmp_path: Path, at: float,
                                                          loss: float) -> None:
    text = sky(tmp_path).replace("at: time = 0 s", f"at: time = {at} s")
    result = simulate(text, tmp_path, shots=20_000, seed=2)
    within(result, "arrived", 10 ** (-loss / 10))
    assert result.reports["m"].mean == 1.0


def test_a_message_past_the_track_fails_where_the_check_cannot_tell(tmp_path: Path) -> None:
    # the sender waits a time known only in the run: 5 s, or 15 s (past the track)
    text = sky(tmp_path, pause="let pause = 5 s;\n    if (random()) pause = 15 s;")
    with pytest.raises(RuntimeFailure) as failure:
        simulate(text, tmp_path, shots=50, seed=3)
    assert failure.value.diagnostic.code == Code.RUNTIME_VALUE
    assert "the track covers 0 to 10 s, not 15 s" in failure.value.diagnostic.message


def test_loops_over_a_moving_channel_run_turn_by_turn(tmp_path: Path) -> None:
    (tmp_path / "track.csv").write_text("time (s),distance (km)\n0,1000\n10,1500\n")
    text = """
network sky {
  node a { qubits 1; }
  node b { qubits 1; }
  link a -> b { quantum free_space(track = "track.csv"); }
}
protocol stream(n: int = 400) {
  role sender {
    for i in 0..n {
      qubit q = |1>;
      send q to receiver;
      wait 20 ms;
    }
  }
  role receiver {
    float total = 0.0;
    for i in 0..n {
      qubit q = recv qubit from sender;
      total += (now() - i * 20 ms) / 1 us;
      measure q;
    }
    report mean_delay_us = total / n;
  }
}
run stream on sky with sender = a, receiver = b { shots = 4; }
"""
    (run,) = built(text, tmp_path).runs
    folded = run_shots(run, seed=4, fold=True)
    assert folded.reports == run_shots(run, seed=4, fold=False).reports
    # turn i leaves at 20 i ms, when the link is 1,000 + 50 t km long: on average, at 3.99 s
    expected = (1000e3 + 50e3 * 3.99) / LIGHT * 1e6
    assert folded.reports["mean_delay_us"].mean == pytest.approx(expected, abs=1e-3)


def test_the_compiler_warns_that_a_moving_channel_loses_no_qubit(tmp_path: Path) -> None:
    text = sky(tmp_path).replace(" within 20 ms else {\n      report arrived = 0;\n"
                                 "      return;\n    }", "").replace(
        "    report delay_us = (now() - at) / 1 us;\n", "")
    (run,) = built(text, tmp_path).runs
    circuits = lower_run(run)
    warnings = [d for d in left_out(run, circuits, "qasm3") if d.code == Code.LOSS_LEFT_OUT]
    assert len(warnings) == 1 and "(it moves)" in warnings[0].message


def built(text: str, tmp_path: Path) -> ir.Program:
    path = tmp_path / "program.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    assert result.ok and result.ir is not None, result.diagnostics
    return result.ir


def codes(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "program.qnet"
    path.write_text(text)
    return [d.code for d in check(SourceFile(str(path), text), path).diagnostics]


def test_impossible_tracks_and_tables_are_refused(tmp_path: Path) -> None:
    base = sky(tmp_path)
    for name, rows in (("negative", "0,-100\n10,200\n"), ("light years", "0,1\n10,1e20\n")):
        (tmp_path / "bad.csv").write_text(f"time (s),distance (km)\n{rows}")
        assert codes(base.replace('"track.csv"', '"bad.csv"'), tmp_path) == [Code.BAD_CURVE], name
    (tmp_path / "bad.csv").write_text("time (s),distance (km)\n0," + "1" * 200_000 + "\n")
    assert codes(base.replace('"track.csv"', '"bad.csv"'), tmp_path) == [Code.BAD_CURVE]
    # a name no file can have
    assert codes(base.replace('"track.csv"', '"track\\0.csv"'), tmp_path) == [Code.BAD_CURVE]
    classical = base.replace('link a -> b {{', 'link a -> b {').replace(
        'quantum free_space(track = "track.csv", loss_table = "loss.csv"); }',
        'quantum free_space(track = "track.csv"); '
        'classical free_space(track = "track.csv", loss_table = "loss.csv"); }')
    assert codes(classical, tmp_path) == [Code.UNKNOWN_PARAMETER]


def test_the_check_follows_every_turn_of_a_loop_over_a_moving_channel(tmp_path: Path) -> None:
    # the last message would leave past the track's 40 s: the check may not skip turns
    # that look alike, since the channel's delay differs in each
    (tmp_path / "hump.csv").write_text("time (s),distance (km)\n0,500\n10,500\n20,1000\n"
                                       "30,500\n40,500\n")
    text = """
network net {
  node a { qubits 2; }
  node b { qubits 2; }
  link a <-> b { classical free_space(track = "hump.csv"); }
}
protocol p(n: int = 158) {
  role s {
    wait 150 ms;
    for i in 0..n {
      send 1 to r;
      int a = recv int from r;
      wait 250 ms;
    }
  }
  role r {
    for i in 0..n {
      int x = recv int from s;
      send 2 to s;
    }
  }
}
run p on net with s = a, r = b;
"""
    assert Code.OFF_TRACK in codes(text, tmp_path)


def test_a_pulse_train_over_the_micius_pass_follows_the_model(tmp_path: Path) -> None:
    """examples/micius.qnet: a second of pulses at three times of the pass gives QNET's
    sifted rate, 1/4 of the pulses (signal, matching bases) detected with
    1 - e^(-η(t) 0.5 μ), 90 % kept, within 4 standard errors (Poisson counts)."""
    examples = ROOT / "examples"
    link = FreeSpaceLink(read_track(examples / "data" / "micius2017_track.csv"),
                         read_loss_table(examples / "data" / "micius2017_link_efficiency.csv"))
    # the example's run of one second at a time, alone (the whole pass would leave the
    # track if it started later, and `given` sets `at` for every run of a file)
    text = (examples / "micius.qnet").read_text()
    text = text[:text.index("run whole_pass")].replace('"data/', f'"{examples}/data/')
    (tmp_path / "micius.qnet").write_text(text)
    program = load(tmp_path / "micius.qnet")
    for at in (0.0, 70.0, 140.0):
        result = program.given(at=f"{at} s").simulate("each_second")
        inside = at + (np.arange(1000) + 0.5) / 1000
        expected = 1e8 * 0.25 * float(np.mean(-np.expm1(-link.transmittance(inside) * 0.4)))
        sifted = result.reports["sifted_kbit_per_s"].mean * 1000 / 0.9
        assert abs(sifted - expected) <= 4 * np.sqrt(expected), (at, sifted, expected)
