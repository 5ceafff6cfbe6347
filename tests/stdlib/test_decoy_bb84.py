"""std.decoy_bb84 against the closed forms of the GYS link (Gobby, Yuan and Shields 2004,
as in Ma, Qi, Zhao and Lo 2005): the gains and error rates it measures from a simulated
train, the bounds on the single photons and the key rate it derives from them.

Each shot sends 10^7 pulses over 50 km (0.21 dB/km), to a receiver of efficiency 0.045,
dark yield 1.7e-6 (0.85e-6 per detector) and misalignment 3.3 %, at μ = 0.48 and ν = 0.1;
each measured value is within 4 standard errors (over 12 shots) of its closed form.
"""

from __future__ import annotations

from pathlib import Path

import math

from qnetlang.physical.keyrate import Link, binary_entropy, vacuum_weak_bounds, vacuum_weak_rate
from tests.runtime.helpers import simulate, within

KM, MU, NU, F = 50.0, 0.48, 0.1, 1.16
GYS = Link(attenuation=0.21, receiver=0.045, dark_yield=1 - (1 - 0.85e-6) ** 2,
           misalignment=0.033)

PROGRAM = f"""
import std.decoy_bb84;
network gys {{
  node alice {{
    device laser: weak_coherent_source {{
      rate = 1 GHz; mean_photons = {MU}; decoy = {NU};
      decoy_probability = 0.25; vacuum_probability = 0.25;
    }}
  }}
  node bob {{
    device spad: threshold_detector {{ efficiency = 0.045; dark_count = 0.85e-6; }}
    device optics: analyser {{ misalignment = 0.033; }}
  }}
  link alice -> bob {{ quantum fiber(length = {KM} km, attenuation = 0.21 dB/km); }}
  link alice <-> bob {{ classical fiber(length = {KM} km); }}
}}
run gys: decoy_bb84(n = 10000000, f = {F}) on gys with alice = alice, bob = bob {{
  shots = SHOTS;
  seed = 2005;
}}
"""


def test_the_estimate_follows_the_closed_forms(tmp_path: Path) -> None:
    result = simulate(PROGRAM.replace("SHOTS", "12"), tmp_path)
    expected = {
        "signal_gain": GYS.gain(MU, KM), "decoy_gain": GYS.gain(NU, KM),
        "dark_yield": GYS.dark_yield, "signal_error": GYS.error(MU, KM),
        "decoy_error": GYS.error(NU, KM),
    }
    single_yield, single_error = vacuum_weak_bounds(
        MU, NU, expected["signal_gain"], expected["decoy_gain"], expected["decoy_error"],
        GYS.dark_yield)
    expected |= {"single_yield": single_yield, "single_error": single_error,
                 "key_rate": vacuum_weak_rate(GYS, MU, NU, KM, F)}
    for report, value in expected.items():
        within(result, report, value)
    assert result.reports["key_rate"].mean > 0


def test_both_end_with_the_same_key_as_long_as_the_estimate(tmp_path: Path) -> None:
    """Cascade corrects every error (Bob's hash of Alice's final key matches his), the
    errors it finds are the signal's error rate of the key, and the final key is as long
    as the single photons' share less what was disclosed, bit for bit."""
    result = simulate(PROGRAM.replace("SHOTS", "1"), tmp_path)
    value = {name: summary.mean for name, summary in result.reports.items()}
    assert value["verified"] == value["identical"] == 1
    corrected, bits = value["corrected"], value["key_bits"]
    expected = bits * GYS.error(MU, KM)
    assert abs(corrected - expected) <= 4 * math.sqrt(expected) + 1
    single_gain = value["single_yield"] * MU * math.exp(-MU)
    secret = bits * single_gain / value["signal_gain"] * (1 - binary_entropy(value["single_error"]))
    assert value["final_bits"] == math.floor(secret - value["leaked"]) > 0
    # Cascade discloses about what f = 1.16 assumes: the key is as long as R says for the
    # signal pulses not tested (90 %), within 10 %
    estimated = value["key_rate"] * value["signal_pulses"] * 0.9
    assert abs(value["final_bits"] / estimated - 1) < 0.1
    leak = value["leaked"] / (bits * binary_entropy(value["signal_error"]))
    assert 1.0 < leak < 1.35
