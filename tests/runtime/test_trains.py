"""Pulse trains in a protocol (`send pulses(n) to r`, `recv clicks from s`): when they
leave and arrive, what each side's records hold, and that a seed reproduces them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from qnetlang.pipeline import check
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.runtime.helpers import simulate, within

TRAIN = """
network lab {{
  node a {{ device laser: weak_coherent_source {{ rate = 10 MHz; mean_photons = {mean}; }} }}
  node b {{ {bob} }}
  link a -> b {{ quantum fiber(length = 20 km, attenuation = 0.2 dB/km); }}
  link a <-> b {{ classical fiber(length = 20 km); }}
}}
protocol p() {{
  role alice {{
    wait 1 ms;
    let sent = send pulses(100000) to bob;
    report left_ms = now() / 1 ms;
    int[] at = recv int[] from bob;
    report z_share = sum(bases(sent, at) == 0) / max(len(at), 1);
  }}
  role bob {{
    let got = recv clicks from alice;
    report arrived_ms = now() / 1 ms;
    int[] at = detected(got);
    report ordered = sum(pick(at, indices(len(at) - 1)) < pick(at, indices(len(at) - 1) + 1));
    report pairs = len(at) - 1;
    report gain = len(at) / 100000;
    send at to alice;
  }}
}}
run p on lab with alice = a, bob = b {{ shots = 8; seed = 4; }}
"""

DELAY_MS = 20e3 * 1.468 / 299_792_458.0 * 1e3


def program(mean: str = "0.5", bob: str = "") -> str:
    return TRAIN.format(mean=mean, bob=bob)


def test_a_train_takes_its_pulses_time_and_arrives_with_its_last(tmp_path: Path) -> None:
    """The sender is busy while its pulses leave, one each 1 / rate; the receiver has
    the train when the last pulse (number n - 1) arrives."""
    result = simulate(program(), tmp_path)
    within(result, "left_ms", 1 + 10.0)  # 10^5 pulses at 10 MHz
    within(result, "arrived_ms", 1 + 10.0 - 1e-4 + DELAY_MS)  # the last leaves at 9.9999 ms
    assert result.reports["ordered"].mean == result.reports["pairs"].mean > 0


def test_the_receiver_detects_as_the_closed_form_says(tmp_path: Path) -> None:
    # η = 10^-0.4 over 20 km, 1 - e^-ημ of the pulses, and dark counts in the others
    eta = 10 ** -0.4
    result = simulate(program(bob="device spad: threshold_detector { dark_count = 0.001; }"),
                      tmp_path)
    dark = 1 - (1 - 0.001) ** 2
    within(result, "gain", 1 - math.exp(-eta * 0.5) * (1 - dark))


def test_dark_counts_alone_click_at_their_rate_per_pulse(tmp_path: Path) -> None:
    # no photons: each pulse's gate holds a dark count of either detector, 1 - e^(-2 r w)
    bob = "device spad: threshold_detector { dark_count_rate = 1 MHz; gate_width = 10 ns; }"
    result = simulate(program(mean="0", bob=bob), tmp_path)
    within(result, "gain", 1 - math.exp(-2 * 1e6 * 10e-9))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_seed_reproduces_a_train(tmp_path: Path, jobs: int) -> None:
    path = tmp_path / "t.qnet"
    path.write_text(program())
    checked = check(SourceFile(str(path), path.read_text()), path)
    assert checked.ir is not None
    (run,) = checked.ir.runs
    first = run_shots(run, shots=8, seed=4).to_json()["reports"]
    assert run_shots(run, shots=8, seed=4, jobs=jobs).to_json()["reports"] == first
    assert run_shots(run, shots=8, seed=5).to_json()["reports"] != first
