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

import pytest

from qnetlang.ir import parameters
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


EFFECTS: dict[str, Callable[[Path], None]] = {
    "gate_error": gate_error, "readout_error": readout_error,
    "t1": t1, "t2": t2, "depolarizing_time": depolarizing_time,
    "length": length, "refractive_index": refractive_index, "attenuation": attenuation,
    "loss": loss, "depolarizing": depolarizing, "dephasing": dephasing,
    "efficiency": efficiency, "dark_count": dark_count, "dark_count_rate": dark_count_rate,
    "gate_width": gate_width, "track": track, "loss_table": loss_table,
}

PARAMETERS = [name for table in parameters.TABLES.values() for name in table]


@pytest.mark.parametrize("name", PARAMETERS)
def test_the_parameter_changes_the_simulation(tmp_path: Path, name: str) -> None:
    assert name in EFFECTS, f"no test shows what `{name}` does to a simulation"
    EFFECTS[name](tmp_path)


def test_every_effect_is_of_a_parameter() -> None:
    assert set(EFFECTS) == set(PARAMETERS)
