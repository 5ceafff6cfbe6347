"""Known results of quantum networking, reproduced by the simulator.

Each check has a fixed seed and a tolerance of 4 standard errors of the
reported mean (plus 1e-9 where the density-matrix engine is exact).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.runtime.helpers import simulate, within

TELEPORT = (ROOT / "stdlib" / "teleport.qnet").read_text().replace("module std.teleport;", "")
CHSH = (ROOT / "stdlib" / "chsh.qnet").read_text().replace("module std.chsh;", "")


def teleport_network(noise: str = "") -> str:
    return f"""
network lab {{
  node alice {{ qubits 2; }}
  node bob {{ qubits 2; }}
  node charlie {{ qubits 2; }}
  link alice <-> bob {{ classical fiber(length = 20 km); }}
  link charlie -> alice {{ quantum fiber(length = 10 km); }}
  link charlie -> bob {{ quantum fiber(length = 10 km{noise}); }}
}}
"""


@pytest.mark.parametrize("theta", [0.0, math.pi / 5, math.pi / 2, 2.5])
@pytest.mark.parametrize("engine", ["statevector", "density"])
def test_teleportation_recovers_the_state_on_ideal_links(tmp_path: Path, theta: float,
                                                         engine: str) -> None:
    program = TELEPORT + teleport_network() + f"""
run teleport(theta = {theta}) on lab with source = charlie, sender = alice, receiver = bob;
"""
    result = simulate(program, tmp_path, shots=300, seed=1, engine=engine)
    assert result.reports["recovered"].mean == 1.0


@pytest.mark.parametrize("engine", ["statevector", "density"])
def test_teleportation_through_a_werner_pair(tmp_path: Path, engine: str) -> None:
    p = 0.2  # depolarizing on one half of the pair: a Werner pair of fidelity 1 - 3p/4
    fidelity = 1 - 3 * p / 4
    program = TELEPORT + teleport_network(f", depolarizing = {p}") + """
run teleport(theta = 1.1) on lab with source = charlie, sender = alice, receiver = bob;
"""
    result = simulate(program, tmp_path, shots=4000, seed=2, engine=engine)
    within(result, "recovered", (2 * fidelity + 1) / 3)


def chsh_program(noise: str = "") -> str:
    return CHSH + f"""
network triangle {{
  node source {{ qubits 2; }}
  node referee {{ qubits 0; }}
  node alice {{ qubits 1; }}
  node bob {{ qubits 1; }}
  link source -> alice {{ quantum fiber(length = 1 km); }}
  link source -> bob {{ quantum fiber(length = 1 km{noise}); }}
  link referee <-> alice {{ classical fiber(length = 1 km); }}
  link referee <-> bob {{ classical fiber(length = 1 km); }}
}}
run chsh on triangle with source = source, referee = referee, alice = alice, bob = bob;
"""


def test_chsh_wins_with_cos_squared_pi_over_8(tmp_path: Path) -> None:
    result = simulate(chsh_program(), tmp_path, shots=4000, seed=3)
    within(result, "win", math.cos(math.pi / 8) ** 2)


def test_chsh_with_a_werner_pair_of_visibility_v(tmp_path: Path) -> None:
    v = 0.7
    result = simulate(chsh_program(f", depolarizing = {1 - v}"), tmp_path, shots=4000, seed=4,
                      engine="density")
    within(result, "win", 0.5 + v * math.sqrt(2) / 4)


SWAP = """
network line {
  node a { qubits 2; }
  node r { qubits 2; }
  node b { qubits 2; }
  link a -> r { quantum fiber(length = 5 km, depolarizing = P1); }
  link b -> r { quantum fiber(length = 5 km, depolarizing = P2); }
  link r -> b { classical fiber(length = 5 km); }
  link b -> a { quantum fiber(length = 10 km); }
}
protocol swap_check() {
  role alice {
    qubit keep, out;
    h keep;
    cx keep, out;
    send out to repeater;
    qubit theirs = recv qubit from bob;
    report f = fidelity(keep, theirs);
  }
  role repeater {
    qubit left = recv qubit from alice;
    qubit right = recv qubit from bob;
    cx left, right;
    h left;
    send (measure left, measure right) to bob;
  }
  role bob {
    qubit keep, out;
    h keep;
    cx keep, out;
    send out to repeater;
    (bit m0, bit m1) = recv from repeater;
    if (m1) x keep;
    if (m0) z keep;
    send keep to alice;
  }
}
run swap_check on line with alice = a, repeater = r, bob = b;
"""


@pytest.mark.parametrize(("p1", "p2"), [(0.0, 0.0), (0.2, 0.1), (0.4, 0.3)])
def test_swapping_two_werner_pairs(tmp_path: Path, p1: float, p2: float) -> None:
    f1, f2 = 1 - 3 * p1 / 4, 1 - 3 * p2 / 4
    program = SWAP.replace("P1", str(p1)).replace("P2", str(p2))
    result = simulate(program, tmp_path, shots=200, seed=5, engine="density")
    within(result, "f", f1 * f2 + (1 - f1) * (1 - f2) / 3)


MEMORY = """
network store {
  node noisy { qubits 2; memory { depolarizing_time = T; } }
  node clean { qubits 2; }
  link noisy -> clean { quantum fiber(length = 0 m); }
}
protocol hold() {
  role holder {
    qubit x, y;
    h x;
    cx x, y;
    send y to checker;
    wait DURATION;
    send x to checker;
  }
  role checker {
    qubit y = recv qubit from holder;
    qubit x = recv qubit from holder;
    report f = fidelity(x, y);
  }
}
run hold on store with holder = noisy, checker = clean;
"""


@pytest.mark.parametrize("engine", ["density", "statevector"])
@pytest.mark.parametrize("t_over_T", [0.0, 0.5, 2.0])
def test_bell_pair_in_a_depolarizing_memory(tmp_path: Path, t_over_T: float,
                                            engine: str) -> None:
    program = MEMORY.replace("DURATION", f"{t_over_T * 10} us").replace("T;", "10 us;")
    result = simulate(program, tmp_path, shots=2000, seed=6, engine=engine)
    within(result, "f", 0.25 + 0.75 * math.exp(-t_over_T))


def test_a_message_over_100_km_of_fiber(tmp_path: Path) -> None:
    program = """
network span {
  node a { qubits 0; }
  node b { qubits 0; }
  link a -> b { classical fiber(length = 100 km); }
}
protocol ping() {
  role sender { send 1 to receiver; }
  role receiver {
    bit x = recv bit from sender;
    report arrival_us = now() / 1 us;
  }
}
run ping on span with sender = a, receiver = b;
"""
    result = simulate(program, tmp_path, shots=3, seed=0)
    assert result.reports["arrival_us"].mean == pytest.approx(100e3 * 1.468 / 299_792_458 * 1e6,
                                                              abs=1e-6)
    assert result.reports["arrival_us"].mean == pytest.approx(489.6, abs=0.1)  # 489.672 us


def test_photon_loss_follows_the_attenuation(tmp_path: Path) -> None:
    program = """
network span {
  node a { qubits 1; }
  node b { qubits 1; }
  link a -> b { quantum fiber(length = 50 km, attenuation = 0.2 dB/km, loss = 1 dB); }
}
protocol send_one() {
  role sender {
    qubit q;
    send q to receiver;
  }
  role receiver {
    qubit q = recv qubit from sender within 1 ms else {
      report arrived = 0;
      return;
    };
    report arrived = 1;
    measure q;
  }
}
run send_one on span with sender = a, receiver = b;
"""
    result = simulate(program, tmp_path, shots=5000, seed=7)
    within(result, "arrived", 10 ** (-11 / 10))
