"""A node's threshold detector against its closed forms (docs/devices.md), on every engine.

Over a channel of transmittance T, a detector of efficiency η and dark-count
probability p_d per gate clicks with probability ηT + (1 − ηT) p_d; a dark
count gives a maximally mixed qubit, so among the clicks of a qubit sent in a
basis state and measured in its basis, (1 − ηT) p_d / 2 / P(click) are wrong,
and half of the heralded halves of a Bell pair that were dark counts disagree
with the other half.
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
CLICK = EFFICIENCY * TRANSMITTANCE + (1 - EFFICIENCY * TRANSMITTANCE) * DARK
WRONG = (1 - EFFICIENCY * TRANSMITTANCE) * DARK / 2


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
    within(result, "disagree", (1 - EFFICIENCY * TRANSMITTANCE) * DARK / 2 / CLICK)


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
