"""Every physical parameter changes what a simulation gives ("every setting acts").

The checks are driven by the parameter tables: a parameter added to
qnetlang.ir.parameters without an entry in EFFECTS fails here. Each check
simulates a small network once without the setting and once with it, and
compares both with the physics the parameter stands for (docs/runtime.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qnetlang.ir import parameters
from qnetlang.ir.parameters import Place
from tests.runtime.helpers import simulate, within
from tests.runtime.test_physics import MEMORY, chsh_program

SHOTS = 2000
SPEED_OF_LIGHT = 299_792_458.0


@dataclass(frozen=True)
class Probe:
    """A qubit prepared on node `a` and sent to node `b`, which measures it after `wait`."""

    state: str = "1"  # the ket the sender prepares
    gate: str = ""  # a gate the sender applies before sending, e.g. "x q;"
    basis: str = "z"
    wait: str = "0 s"

    def program(self, node_a: str = "", node_b: str = "", memory_b: str = "",
                channel: str = "") -> str:
        return f"""
network pair {{
  node a {{ qubits 1; {node_a} }}
  node b {{ qubits 1; memory {{ {memory_b} }} {node_b} }}
  link a -> b {{ quantum fiber({channel}); }}
}}
protocol probe() {{
  role sender {{
    qubit q = |{self.state}>;
    {self.gate}
    send q to receiver;
  }}
  role receiver {{
    qubit q = recv qubit from sender within 1 s else {{
      report arrived = 0;
      return;
    }};
    report arrived = 1;
    report arrival_us = now() / 1 us;
    wait {self.wait};
    report m = measure q in {self.basis};
  }}
}}
run probe on pair with sender = a, receiver = b;
"""


def acts(tmp_path: Path, probe: Probe, report: str, unset: float, expected: float,
         setting: dict[str, str], base: dict[str, str] | None = None) -> None:
    """`report` is `unset` with the `base` settings, and `expected` with `setting` (which
    repeats them) instead."""
    def mean(settings: dict[str, str]) -> float:
        result = simulate(probe.program(**settings), tmp_path, shots=SHOTS, seed=11,
                          engine="density")
        # floor: simulated time is kept in whole picoseconds
        within(result, report, unset if settings == (base or {}) else expected, floor=1e-5)
        return result.reports[report].mean

    assert mean(base or {}) != mean(setting)


def gate_error(tmp_path: Path) -> None:
    # |0>, then x: the gate depolarizes the qubit with p = 0.5, so it reads 1 w.p. 1 - p/2
    acts(tmp_path, Probe(state="0", gate="x q;"), "m", 1.0, 0.75,
         {"node_a": "gate_error = 0.5;"})


def readout_error(tmp_path: Path) -> None:
    acts(tmp_path, Probe(), "m", 1.0, 0.75, {"node_b": "readout_error = 0.25;"})


def t1(tmp_path: Path) -> None:
    # |1> relaxes to |0> while stored: it still reads 1 with probability exp(-t/T1)
    acts(tmp_path, Probe(wait="10 us"), "m", 1.0, math.exp(-1), {"memory_b": "t1 = 10 us;"})


def t2(tmp_path: Path) -> None:
    # |+> dephases while stored: x reads 1 with probability (1 - exp(-t/T2)) / 2
    acts(tmp_path, Probe(state="+", basis="x", wait="10 us"), "m", 0.0, (1 - math.exp(-1)) / 2,
         {"memory_b": "t2 = 10 us;"})


def depolarizing_time(tmp_path: Path) -> None:
    # the Bell pair of test_physics, held for t = T: fidelity 1/4 + 3/4 exp(-t/T)
    program = MEMORY.replace("DURATION", "10 us")
    kept = simulate(program.replace("{ depolarizing_time = T; }", "{ }"), tmp_path,
                    shots=200, seed=6, engine="density")
    decayed = simulate(program.replace("T;", "10 us;"), tmp_path, shots=200, seed=6,
                       engine="density")
    within(kept, "f", 1.0)
    within(decayed, "f", 0.25 + 0.75 * math.exp(-1))


FIBER = parameters.CHANNEL_MODELS["fiber"]["refractive_index"]


def length(tmp_path: Path) -> None:
    acts(tmp_path, Probe(), "arrival_us", 0.0, 100e3 * FIBER / SPEED_OF_LIGHT * 1e6,
         {"channel": "length = 100 km"})


def refractive_index(tmp_path: Path) -> None:
    acts(tmp_path, Probe(), "arrival_us", 1e3 * FIBER / SPEED_OF_LIGHT * 1e6,
         1e3 * 2 / SPEED_OF_LIGHT * 1e6, {"channel": "length = 1 km, refractive_index = 2"},
         base={"channel": "length = 1 km"})


def attenuation(tmp_path: Path) -> None:
    # 0.2 dB/km over 50 km: 10 dB, so one photon in ten arrives
    acts(tmp_path, Probe(), "arrived", 1.0, 0.1,
         {"channel": "length = 50 km, attenuation = 0.2 dB/km"},
         base={"channel": "length = 50 km"})


def loss(tmp_path: Path) -> None:
    acts(tmp_path, Probe(), "arrived", 1.0, 10 ** -0.3, {"channel": "loss = 3 dB"})


def depolarizing(tmp_path: Path) -> None:
    # the CHSH game of test_physics on a Werner pair of visibility v = 1 - p
    ideal = simulate(chsh_program(), tmp_path, shots=SHOTS, seed=4, engine="density")
    noisy = simulate(chsh_program(", depolarizing = 0.3"), tmp_path, shots=SHOTS, seed=4,
                     engine="density")
    within(ideal, "win", 0.5 + math.sqrt(2) / 4)
    within(noisy, "win", 0.5 + 0.7 * math.sqrt(2) / 4)


def dephasing(tmp_path: Path) -> None:
    # a Z error turns |+> into |->: x reads 1 with the channel's probability
    acts(tmp_path, Probe(state="+", basis="x"), "m", 0.0, 0.25, {"channel": "dephasing = 0.25"})


def detector(settings: str) -> str:
    return f"device spad: threshold_detector {{ {settings} }}"


def efficiency(tmp_path: Path) -> None:
    acts(tmp_path, Probe(), "arrived", 1.0, 0.6, {"node_b": detector("efficiency = 0.6;")})


# A channel that lets one photon in ten through, for the dark counts to show.
TENTH = {"channel": "loss = 10 dB"}


def dark_clicks(probability: float) -> float:
    """The clicks over TENTH: the photon, or, in the gates without it (0.9), a dark count
    of either detector."""
    return 0.1 + 0.9 * (1 - (1 - probability) ** 2)


def dark_count(tmp_path: Path) -> None:
    acts(tmp_path, Probe(), "arrived", 0.1, dark_clicks(0.2),
         {**TENTH, "node_b": detector("dark_count = 0.2;")}, base=TENTH)


def dark_count_rate(tmp_path: Path) -> None:
    # 10^8 dark counts per second in gates of 2 ns: 1 - exp(-0.2) per gate
    acts(tmp_path, Probe(), "arrived", 0.1, dark_clicks(-math.expm1(-0.2)),
         {**TENTH, "node_b": detector("dark_count_rate = 100 MHz; gate_width = 2 ns;")},
         base=TENTH)


def gate_width(tmp_path: Path) -> None:
    # the same rate in gates twice as wide
    one_ns = {**TENTH, "node_b": detector("dark_count_rate = 100 MHz; gate_width = 1 ns;")}
    acts(tmp_path, Probe(), "arrived", dark_clicks(-math.expm1(-0.1)),
         dark_clicks(-math.expm1(-0.2)),
         {**TENTH, "node_b": detector("dark_count_rate = 100 MHz; gate_width = 2 ns;")},
         base=one_ns)


def free_space(tmp_path: Path, settings: str) -> str:
    (tmp_path / "track.csv").write_text("time (s),distance (km)\n0,2000\n10,2000\n")
    (tmp_path / "loss.csv").write_text("distance (km),loss (dB)\n0,3\n3000,3\n")
    return Probe().program().replace("quantum fiber()", f"quantum free_space({settings})")


def track(tmp_path: Path) -> None:
    # the length the track gives at the time of sending: 2,000 km, not the 1,000 km set
    light_us = 1e6 / SPEED_OF_LIGHT
    for settings, expected in (("length = 1000 km", 1000e3 * light_us),
                               ('track = "track.csv"', 2000e3 * light_us)):
        result = simulate(free_space(tmp_path, settings), tmp_path, shots=SHOTS, seed=11)
        within(result, "arrival_us", expected, floor=1e-5)


def loss_table(tmp_path: Path) -> None:
    for settings, expected in (("length = 1000 km", 1.0),
                               ('length = 1000 km, loss_table = "loss.csv"', 10 ** -0.3)):
        result = simulate(free_space(tmp_path, settings), tmp_path, shots=SHOTS, seed=11)
        within(result, "arrived", expected)


# ---------------------------------------------------------------- pulse trains

TRAIN_PULSES = 20_000


def train_program(laser: str = "", bob: str = "", loss: str = "0 dB", n: int = TRAIN_PULSES,
                  source: str = "weak_coherent_source") -> str:
    """Alice sends a train; Bob reports what a setting changes, per pulse sent: the
    detections (`gain`), the shares of Z bases among them (his, `bob_z`, and hers,
    `alice_z`), the errors in matching bases (`error`), the square of the click times'
    spread around the arrivals (`spread_ns2`); Alice the shares of her classes and how
    long the train took (`lasting_us`)."""
    mean = "mean_photons = 0.5;" if source == "weak_coherent_source" and \
        "mean_photons" not in laser else ""
    classes = "" if source != "weak_coherent_source" else \
        f"report decoy = pulses_of(sent, 1) / {n}; report vacuum = pulses_of(sent, 2) / {n};"
    return f"""
network pair {{
  node a {{ device laser: {source} {{ {"rate = 100 MHz;" if "rate" not in laser else ""}
                                     {mean} {laser} }} }}
  node b {{ {bob} }}
  link a -> b {{ quantum fiber(loss = {loss}); }}
  link b -> a {{ classical fiber; }}
}}
protocol probe() {{
  role alice {{
    let sent = send pulses({n}) to bob;
    report lasting_us = now() / 1 us;
    {classes}
    (int[] at, bit[] theirs, bit[] values) = recv from bob;
    bit[] mine = bases(sent, at);
    report alice_z = sum(mine == 0) / max(len(at), 1);
    bool[] matching = mine == theirs;
    report error = sum(matching && (values != bits(sent, at))) / max(sum(matching), 1);
  }}
  role bob {{
    let got = recv clicks from alice;
    let at = detected(got);
    report gain = len(at) / {n};
    report bob_z = sum(bases(got) == 0) / max(len(at), 1);
    let late = click_times(got) - at * 10 ns;
    report spread_ns2 = sum(late / 1 ns * (late / 1 ns)) / max(len(at), 1);
    send (at, bases(got), bits(got)) to alice;
  }}
}}
run probe on pair with alice = a, bob = b;
"""


def train_acts(tmp_path: Path, report: str, unset: float, expected: float,
               setting: dict[str, Any], base: dict[str, Any] | None = None,
               sigmas: float = 4.0) -> None:
    """As `acts`, for a pulse train; the standard errors are over 16 shots."""
    def mean(settings: dict[str, str]) -> float:
        result = simulate(train_program(**settings), tmp_path, shots=16, seed=5)
        within(result, report, unset if settings == (base or {}) else expected, sigmas,
               floor=1e-9)
        return result.reports[report].mean

    assert mean(base or {}) != mean(setting)


def laser_rate(tmp_path: Path) -> None:
    # 20,000 pulses at 100 MHz take 200 us; at 1 GHz, 20 us
    train_acts(tmp_path, "lasting_us", 200.0, 20.0, {"laser": "rate = 1 GHz;"})


def mean_photons(tmp_path: Path) -> None:
    # a pulse of mean μ is detected with 1 - e^-μ (no loss, ideal detectors)
    train_acts(tmp_path, "gain", -math.expm1(-0.5), -math.expm1(-0.1),
               {"laser": "mean_photons = 0.1;"})


def decoy(tmp_path: Path) -> None:
    # every pulse a decoy of mean ν
    every = "decoy_probability = 1;"
    train_acts(tmp_path, "gain", -math.expm1(-0.05), -math.expm1(-0.2),
               {"laser": every + "decoy = 0.2;"}, base={"laser": every + "decoy = 0.05;"})


def decoy_probability(tmp_path: Path) -> None:
    train_acts(tmp_path, "decoy", 0.0, 0.3, {"laser": "decoy = 0.1; decoy_probability = 0.3;"},
               base={"laser": "decoy = 0.1; decoy_probability = 0;"})


def vacuum_probability(tmp_path: Path) -> None:
    train_acts(tmp_path, "vacuum", 0.0, 0.4, {"laser": "vacuum_probability = 0.4;"})


def laser_z_probability(tmp_path: Path) -> None:
    train_acts(tmp_path, "alice_z", 0.5, 0.8, {"laser": "z_probability = 0.8;"})


SINGLE = "single_photon_source"


def single_rate(tmp_path: Path) -> None:
    train_acts(tmp_path, "lasting_us", 200.0, 40.0,
               {"source": SINGLE, "laser": "rate = 500 MHz;"}, base={"source": SINGLE})


def single_efficiency(tmp_path: Path) -> None:
    train_acts(tmp_path, "gain", 1.0, 0.7, {"source": SINGLE, "laser": "efficiency = 0.7;"},
               base={"source": SINGLE})


def multi_photon(tmp_path: Path) -> None:
    # over 3 dB a photon arrives with 1/2; a second one, with probability 0.4, gives the
    # pulse a second chance: 0.5 + 0.4 * 0.25
    lossy = {"source": SINGLE, "loss": "3.0103 dB"}
    train_acts(tmp_path, "gain", 0.5, 0.6, {**lossy, "laser": "multi_photon = 0.4;"},
               base=lossy)


def single_z_probability(tmp_path: Path) -> None:
    train_acts(tmp_path, "alice_z", 0.5, 0.2, {"source": SINGLE, "laser": "z_probability = 0.2;"},
               base={"source": SINGLE})


def pairs_program(source: str) -> str:
    """Alice sends pairs from her SPDC source to Bob over a lossless fiber; she reports
    the share of pulses in which her own (ideal) detectors clicked, and how long the
    train took."""
    return f"""
network pair {{
  node a {{ device pairs: spdc_source {{ {source} }} }}
  node b {{ }}
  link a -> b {{ quantum fiber; }}
}}
protocol probe() {{
  role alice {{
    let mine = send pairs({TRAIN_PULSES}) to bob;
    report lasting_us = now() / 1 us;
    report gain = len(detected(mine)) / {TRAIN_PULSES};
  }}
  role bob {{ let got = recv clicks from alice; }}
}}
run probe on pair with alice = a, bob = b;
"""


def pairs_acts(tmp_path: Path, report: str, unset: float, expected: float, base: str,
               setting: str) -> None:
    """As `train_acts`, for pairs."""
    found = []
    for source, value in ((base, unset), (setting, expected)):
        result = simulate(pairs_program(source), tmp_path, shots=16, seed=5)
        within(result, report, value, floor=1e-9)
        found.append(result.reports[report].mean)
    assert found[0] != found[1]


def pairs_rate(tmp_path: Path) -> None:
    pairs_acts(tmp_path, "lasting_us", 200.0, 40.0, "rate = 100 MHz; mean_pairs = 0.2;",
               "rate = 500 MHz; mean_pairs = 0.2;")


def mean_pairs(tmp_path: Path) -> None:
    # each of Alice's polarisation modes holds a thermal number of photons of mean μ/2:
    # none in either with 1 / (1 + μ/2)²
    pairs_acts(tmp_path, "gain", 1 - 1 / 1.1 ** 2, 1 - 1 / 1.3 ** 2,
               "rate = 100 MHz; mean_pairs = 0.2;", "rate = 100 MHz; mean_pairs = 0.6;")


def analyser(settings: str) -> str:
    return f"device optics: analyser {{ {settings} }}"


def misalignment(tmp_path: Path) -> None:
    # a photon in the matching basis reaches the wrong detector with e_d; with μ = 0.5
    # two photons may reach both (a double click, a random bit): E = e_d (1 - e^-μ(...))
    # is checked on single photons
    single = {"source": SINGLE}
    train_acts(tmp_path, "error", 0.0, 0.05, {**single, "bob": analyser("misalignment = 0.05;")},
               base=single)


def analyser_z_probability(tmp_path: Path) -> None:
    train_acts(tmp_path, "bob_z", 0.5, 0.9, {"bob": analyser("z_probability = 0.9;")})


def analyser_efficiency(tmp_path: Path) -> None:
    single = {"source": SINGLE}
    train_acts(tmp_path, "gain", 1.0, 0.35, {**single, "bob": analyser("efficiency = 0.35;")},
               base=single)


def dead_time(tmp_path: Path) -> None:
    # every pulse holds photons (μ = 30), which reach the detector of its bit (all in Z):
    # after a click a detector sees the gate 10 later, then waits for its bit again
    # (1 more gate on average), so each detector clicks in 1 gate of 11
    saturated = {"laser": "mean_photons = 30; z_probability = 1;",
                 "bob": analyser("z_probability = 1;")}
    train_acts(tmp_path, "gain", 1.0, 2 / 11,
               {**saturated, "bob": saturated["bob"] + detector("dead_time = 100 ns;")},
               base=saturated)


def afterpulse(tmp_path: Path) -> None:
    # at a gain g of 1e-2, a click is followed in the next gate by an after-pulse with
    # a = 0.3, itself a click with after-pulses of its own, each in a gate that holds no
    # event with 1 - g: g / (1 - a (1 - g)) pulses detected, to O(g a) (0.3 %)
    weak = {"loss": "20 dB", "laser": "mean_photons = 1;", "n": 100_000}
    gain = -math.expm1(-1e-2)
    train_acts(tmp_path, "gain", gain, gain / (1 - 0.3 * (1 - gain)),
               {**weak, "bob": detector("afterpulse = 0.3;")}, base=weak)


def jitter(tmp_path: Path) -> None:
    # click times spread around the arrivals with the jitter's variance
    train_acts(tmp_path, "spread_ns2", 0.0, 0.25, {"bob": detector("jitter = 500 ps;")})


EFFECTS: dict[str, Callable[[Path], None]] = {
    "gate_error": gate_error, "readout_error": readout_error,
    "t1": t1, "t2": t2, "depolarizing_time": depolarizing_time,
    "length": length, "refractive_index": refractive_index, "attenuation": attenuation,
    "loss": loss, "depolarizing": depolarizing, "dephasing": dephasing,
    "efficiency": efficiency, "dark_count": dark_count, "dark_count_rate": dark_count_rate,
    "gate_width": gate_width, "track": track, "loss_table": loss_table,
    "dead_time": dead_time, "afterpulse": afterpulse, "jitter": jitter,
    "weak_coherent_source.rate": laser_rate, "weak_coherent_source.mean_photons": mean_photons,
    "weak_coherent_source.decoy": decoy,
    "weak_coherent_source.decoy_probability": decoy_probability,
    "weak_coherent_source.vacuum_probability": vacuum_probability,
    "weak_coherent_source.z_probability": laser_z_probability,
    "single_photon_source.rate": single_rate, "single_photon_source.efficiency": single_efficiency,
    "single_photon_source.multi_photon": multi_photon,
    "single_photon_source.z_probability": single_z_probability,
    "spdc_source.rate": pairs_rate, "spdc_source.mean_pairs": mean_pairs,
    "analyser.misalignment": misalignment, "analyser.z_probability": analyser_z_probability,
    "analyser.efficiency": analyser_efficiency,
}

# Settings of a kind of device are named by it where another place has the same name.
_KINDS = {place: kind for kind, place in parameters.DEVICE_KINDS.items()}
PARAMETERS = [name if place in (Place.NODE, Place.MEMORY, Place.CHANNEL, Place.DETECTOR)
              else f"{_KINDS[place]}.{name}"
              for place, table in parameters.TABLES.items() for name in table]


@pytest.mark.parametrize("name", PARAMETERS)
def test_the_parameter_changes_the_simulation(tmp_path: Path, name: str) -> None:
    assert name in EFFECTS, f"no test shows what `{name}` does to a simulation"
    EFFECTS[name](tmp_path)


def test_every_effect_is_of_a_parameter() -> None:
    assert set(EFFECTS) == set(PARAMETERS)
