"""A node's threshold detectors against their closed forms (docs/devices.md), on every
engine.

Over a channel of transmittance T, a receiver whose two detectors have
efficiency η and dark-count probability p per gate each clicks with probability
ηT + (1 − ηT) D, where D = 1 − (1 − p)² is the chance of a dark count in either.
A dark click, or a second click beside the photon's (squashed), gives a random
bit, so among the clicks of a qubit sent in a basis state and measured in its
basis, [(1 − ηT) D + ηT p] / 2 / P(click) are wrong; so are as many of the
heralded halves of a Bell pair, against the other half. The rate-and-gate form
of the dark counts is checked with the other parameters (test_parameters.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.codes import Code
from qnetlang.runtime.batch import RuntimeFailure
from tests.runtime.helpers import simulate, within

ENGINES = ["statevector", "density", "stabilizer", "mbqc"]
TRANSMITTANCE = 10 ** -0.5  # 5 dB
EFFICIENCY, DARK = 0.6, 0.05
EITHER = 1 - (1 - DARK) ** 2
CLICK = EFFICIENCY * TRANSMITTANCE + (1 - EFFICIENCY * TRANSMITTANCE) * EITHER
WRONG = ((1 - EFFICIENCY * TRANSMITTANCE) * EITHER + EFFICIENCY * TRANSMITTANCE * DARK) / 2


def probe(detector: str, state: str = "0", basis: str = "z", within_: bool = True) -> str:
    recv = "recv qubit from sender within 1 ms else { report clicked = 0; return; }" \
        if within_ else "recv qubit from sender"
    return f"""
network lab {{
  node a {{ qubits 1; }}
  node b {{ qubits 1; {detector} }}
  link a -> b {{ quantum fiber(length = 1 km, loss = 5 dB); }}
}}
protocol probe() {{
  role sender {{
    qubit q = |{state}>;
    send q to receiver;
  }}
  role receiver {{
    qubit q = {recv};
    report clicked = 1;
    report wrong = measure q in {basis};
  }}
}}
run probe on lab with sender = a, receiver = b;
"""


SPAD = f"device spad: threshold_detector {{ efficiency = {EFFICIENCY}; dark_count = {DARK}; }}"


@pytest.mark.parametrize("engine", ENGINES)
def test_clicks_and_errors_follow_the_closed_forms(tmp_path: Path, engine: str) -> None:
    result = simulate(probe(SPAD), tmp_path, shots=20_000, seed=5, engine=engine)
    within(result, "clicked", CLICK)
    within(result, "wrong", WRONG / CLICK)  # reported in the shots that clicked


def test_a_dark_count_is_random_in_every_basis(tmp_path: Path) -> None:
    # |+> measured in x: only the dark counts are wrong, half of them
    result = simulate(probe(SPAD, state="+", basis="x"), tmp_path, shots=20_000, seed=6)
    within(result, "wrong", WRONG / CLICK)


def test_a_dark_count_is_correlated_with_nothing(tmp_path: Path) -> None:
    program = f"""
network lab {{
  node a {{ qubits 2; }}
  node b {{ qubits 1; {SPAD} }}
  link a -> b {{ quantum fiber(length = 1 km, loss = 5 dB); }}
  link b -> a {{ classical fiber(length = 1 km); }}
}}
protocol pair() {{
  role sender {{
    qubit keep = |0>;
    qubit out = |0>;
    h keep;
    cx keep, out;
    send out to receiver;
    bool clicked = recv bool from receiver;
    bit mine = measure keep;
    if (clicked) {{
      bit theirs = recv bit from receiver;
      report disagree = mine ^ theirs;
    }}
  }}
  role receiver {{
    qubit q = recv qubit from sender within 1 ms else {{
      send false to sender;
      return;
    }};
    send true to sender;
    send measure q to sender;
  }}
}}
run pair on lab with sender = a, receiver = b;
"""
    result = simulate(program, tmp_path, shots=20_000, seed=7, engine="density")
    within(result, "disagree", WRONG / CLICK)


def test_a_message_of_two_qubits_opens_one_gate(tmp_path: Path) -> None:
    # over a lossless channel: both qubits are detected, or both missed, or both dark
    spad = "device spad: threshold_detector { efficiency = 0.5; dark_count = 0.2; }"
    program = probe(spad).replace("qubits 1", "qubits 2").replace(
        "qubit q = |0>;\n    send q", "qubit[2] q;\n    send q").replace(
        "qubit q = recv qubit", "qubit[2] q = recv qubit[2]").replace(
        "report wrong = measure q in z;", "report wrong = measure q[0] ^ measure q[1];")
    program = program.replace("loss = 5 dB", "loss = 0 dB")
    result = simulate(program, tmp_path, shots=20_000, seed=10)
    within(result, "clicked", 0.5 + 0.5 * (1 - 0.8 ** 2))
    # a mixed pair disagrees half the time; a mixed pair comes of a dark click (0.5 x 0.36)
    # or of a second click beside the photon (0.5 x 0.2)
    within(result, "wrong", (0.5 * 0.36 + 0.5 * 0.2) / 2 / (0.5 + 0.5 * 0.36))


def test_an_ideal_detector_changes_nothing(tmp_path: Path) -> None:
    ideal = "device spad: threshold_detector { efficiency = 1; dark_count = 0; }"
    with_it = simulate(probe(ideal, state="+"), tmp_path, shots=500, seed=8)
    without = simulate(probe("", state="+"), tmp_path, shots=500, seed=8)
    assert with_it.reports == without.reports


def test_a_missed_qubit_names_the_detector(tmp_path: Path) -> None:
    spad = "device spad: threshold_detector { efficiency = 0.5; }"
    with pytest.raises(RuntimeFailure) as failure:
        simulate(probe(spad, within_=False), tmp_path, shots=50, seed=9)
    assert failure.value.diagnostic.code == Code.QUBIT_LOST
    assert "missed by detector `spad`" in failure.value.diagnostic.message
