"""Array values: an element stored into an array nothing shares is written in place, and
an array that was copied, sent or reported keeps its value when the original changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qnetlang.runtime.values import put
from tests.runtime.helpers import simulate

PROGRAM = """
network lab {
  node a { qubits 1; }
  node b { qubits 1; }
  link a <-> b { classical fiber(length = 1 km); }
}

protocol p {
  role first {
    bit[4] bits;
    for i in 0..4 {
      bits[i] = random();
    }
    bit[4] copy = bits;
    send bits to second;
    for i in 0..4 {
      bits[i] = 1;
    }
    int same = 0;
    for i in 0..4 {
      same += copy[i] == bits[i];
    }
    report ones = same;
    report all_set = bits[0] & bits[1] & bits[2] & bits[3];
    bit[4] echoed = recv bit[4] from second;
    int kept = 0;
    for i in 0..4 {
      kept += echoed[i] == copy[i];
    }
    report kept = kept;
  }
  role second {
    bit[4] got = recv bit[4] from first;
    send got to first;
  }
}

run p on lab with first = a, second = b;
"""


def test_copies_and_messages_keep_their_values(tmp_path: Path) -> None:
    result = simulate(PROGRAM, tmp_path, shots=400, seed=3)
    assert result.reports["kept"].mean == 4  # the message was not changed by bits[i] = 1
    assert result.reports["all_set"].mean == 1
    # copy holds the random bits: the count of ones among them, about 2 on average
    assert 1.7 < result.reports["ones"].mean < 2.3


def test_put_in_place_only_when_allowed() -> None:
    rows = np.zeros((3, 2), dtype=np.int64)
    assert put(rows, 1, 5, None, 3, in_place=True) is rows and rows[:, 1].tolist() == [5] * 3
    copied = put(rows, 0, 7, np.array([True, False, True]), 3)
    assert copied is not rows and copied[:, 0].tolist() == [7, 0, 7] and rows[0, 0] == 0
    widened = put(rows, 0, 0.5, None, 3, in_place=True)  # an int array cannot hold 0.5
    assert widened is not rows and widened.dtype == np.float64
