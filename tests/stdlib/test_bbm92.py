"""std.bbm92 against the closed forms of Ma, Fung and Lo (PRA 76, 012307, 2007) for a
down-conversion source with multi-pair emission (tests/physical/test_pairs.py): the
coincidences in matching bases and their error rate, measured by the protocol's own
sifting and sampling in .qnet. Fixed seeds; tolerances of 4 standard errors (over 8
shots)."""

from __future__ import annotations

from pathlib import Path

from qnetlang.physical.keyrate import binary_entropy
from tests.physical.test_pairs import closed_form
from tests.runtime.helpers import simulate, within

F = 1.16
ETA_A, ETA_B = 0.5, 0.5 * 10 ** (-5 / 10)  # Bob's detector behind 25 km at 0.2 dB/km

PROGRAM = """
import std.bbm92;
network lab {{
  node alice {{
    device pairs: spdc_source {{ rate = 10 MHz; mean_pairs = {mean}; }}
    device spad: threshold_detector {{ efficiency = 0.5; }}
  }}
  node bob {{ device spad: threshold_detector {{ efficiency = 0.5; }} }}
  link alice -> bob {{ quantum fiber(length = 25 km, attenuation = 0.2 dB/km); }}
  link alice <-> bob {{ classical fiber(length = 25 km); }}
}}
run lab: bbm92(n = 400000, sample = 1, f = {f}) on lab with alice = alice, bob = bob {{
  shots = 8;
  seed = 92;
}}
"""


def key_rate(mean: float) -> float:
    gain, error = closed_form(mean / 2, ETA_A, ETA_B)
    return max(0.0, gain / 2 * (1 - (1 + F) * binary_entropy(error)))


def test_sifting_and_the_error_rate_follow_the_closed_form(tmp_path: Path) -> None:
    for mean in (0.05, 0.4):
        result = simulate(PROGRAM.format(mean=mean, f=F), tmp_path)
        gain, error = closed_form(mean / 2, ETA_A, ETA_B)
        within(result, "coincidences", gain)  # in either bases: Z and X alike
        within(result, "sifted", gain / 2)
        within(result, "qber", error)


def test_the_key_rate_has_an_optimal_brightness(tmp_path: Path) -> None:
    """Too few pairs give few coincidences, too many give errors: the closed form's key
    rate peaks in between, and so does the protocol's, within 4 standard errors."""
    means = (0.02, 0.1, 0.4)
    expected = [key_rate(mean) for mean in means]
    assert expected[1] > expected[0] and expected[1] > expected[2]
    for mean, rate in zip(means, expected, strict=True):
        result = simulate(PROGRAM.format(mean=mean, f=F), tmp_path)
        within(result, "key_rate", rate, floor=2e-5)
