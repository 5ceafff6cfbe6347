"""Entangled pairs in a protocol (`send pairs(n) to r`): BBM92 sifting in .qnet against
the closed forms of Ma, Fung and Lo (PRA 76, 012307, 2007; tests/physical/test_pairs.py),
and what each side's records hold. Fixed seeds; tolerances of 4 standard errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from qnetlang.codes import Code
from qnetlang.runtime.batch import RuntimeFailure
from tests.physical.test_pairs import closed_form
from tests.runtime.helpers import simulate, within

PULSES = 200_000
FIBER_DB = 7.0  # 35 km at 0.2 dB/km

BBM92 = """
network lab {{
  node a {{
    device pairs: spdc_source {{ rate = 10 MHz; mean_pairs = {mean}; }}
    device spad: threshold_detector {{ efficiency = 0.5; }}
  }}
  node b {{ device spad: threshold_detector {{ efficiency = 0.5; }} }}
  link a -> b {{ quantum fiber(length = 35 km, attenuation = 0.2 dB/km); }}
  link a <-> b {{ classical fiber(length = 35 km); }}
}}
protocol bbm92() {{
  role alice {{
    clicks mine = send pairs({pulses}) to bob;
    report left_ms = now() / 1 ms;
    int[] theirs = recv int[] from bob;
    int[] both = common(detected(mine), theirs);
    send (both, bases(mine, both)) to bob;
    bit[] their_bases = recv bit[] from bob;
    int[] sifted = pick(both, where(bases(mine, both) == their_bases));
    send bits(mine, sifted) to bob;
    report sifted = len(sifted) / {pulses};
    report ordered = sum(pick(sifted, indices(max(len(sifted) - 1, 0)))
                         < pick(sifted, indices(max(len(sifted) - 1, 0)) + 1))
                     - max(len(sifted) - 1, 0);
  }}
  role bob {{
    clicks got = recv clicks from alice;
    report arrived_ms = now() / 1 ms;
    send detected(got) to alice;
    (int[] both, bit[] her_bases) = recv from alice;
    send bases(got, both) to alice;
    int[] sifted = pick(both, where(bases(got, both) == her_bases));
    bit[] hers = recv bit[] from alice;
    report ratio qber = sum(hers != bits(got, sifted)) / len(sifted);
  }}
}}
run bbm92 on lab with alice = a, bob = b {{ shots = 8; seed = 3; }}
"""


def program(mean: float = 0.4, pulses: int = PULSES) -> str:
    return BBM92.format(mean=mean, pulses=pulses)


def test_sifting_in_qnet_follows_the_closed_form(tmp_path: Path) -> None:
    """Half the coincidences are in matching bases; their errors come from multi-pair
    emission alone (no misalignment, no dark counts)."""
    for mean in (0.1, 0.8):
        result = simulate(program(mean), tmp_path)
        gain, error = closed_form(mean / 2, 0.5, 0.5 * 10 ** (-FIBER_DB / 10))
        within(result, "sifted", gain / 2)
        within(result, "qber", error)
        assert result.reports["ordered"].mean == 0  # the sifted pulses in increasing order


def test_pairs_take_their_pulses_time_and_arrive_with_their_last(tmp_path: Path) -> None:
    result = simulate(program(), tmp_path)
    delay_ms = 35e3 * 1.468 / 299_792_458.0 * 1e3
    within(result, "left_ms", PULSES / 10e6 * 1e3)
    within(result, "arrived_ms", (PULSES - 1) / 10e6 * 1e3 + delay_ms)


def test_a_pulse_the_side_did_not_detect_has_no_record(tmp_path: Path) -> None:
    """Alice's record holds the pulses in which her detectors clicked: asking for her bit
    at one where only Bob's did is an error, not a made-up bit."""
    text = program(mean=0.4, pulses=20_000).replace(
        "int[] both = common(detected(mine), theirs);", "int[] both = theirs;")
    with pytest.raises(RuntimeFailure) as failure:
        simulate(text, tmp_path, shots=1)
    assert failure.value.diagnostic.code == Code.RUNTIME_VALUE
    assert "was not detected by this receiver" in failure.value.diagnostic.message


def test_the_sender_of_pairs_keeps_the_clicks_of_its_own_photons(tmp_path: Path) -> None:
    """With lossless links and ideal detectors Alice clicks in a pulse with a pair in it:
    1 - 1/(1 + λ)², λ = μ/2 in each of her two polarisation modes."""
    result = simulate(program(mean=0.4).replace("efficiency = 0.5", "efficiency = 1")
                      .replace("report left_ms = now() / 1 ms;",
                               f"report mine = len(detected(mine)) / {PULSES};"), tmp_path)
    within(result, "mine", 1 - 1 / 1.2 ** 2)
    assert math.isfinite(result.reports["qber"].mean)
