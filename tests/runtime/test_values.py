"""Array values: an element stored into an array nothing shares is written in place, and
an array that was copied, sent or reported keeps its value when the original changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qnetlang.ir.evaluate import EvaluationError, apply_binary, apply_builtin, apply_unary
from qnetlang.runtime.values import batch_operations, put
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


# ---------------------------------------------------------------- one integer semantics

_EDGES = st.sampled_from([0, 1, -1, 2, 3, 62, 63, 64, 3037000499, 3037000500, 2 ** 62,
                          2 ** 63 - 1, -2 ** 63, -2 ** 63 + 1])
_INTEGERS = st.one_of(_EDGES, st.integers(-2 ** 63, 2 ** 63 - 1), st.booleans())


def _folded(op: str, *operands: int) -> object:
    try:
        if op in ("floor", "abs", "int"):
            return apply_builtin(op, list(operands))
        if len(operands) == 1:
            return apply_unary(op, operands[0])
        return apply_binary(op, *operands)
    except EvaluationError:
        return "error"


def _run(op: str, *operands: int) -> object:
    ops = batch_operations(None)
    columns = [np.array([value], dtype=bool if isinstance(value, bool) else np.int64)
               for value in operands]
    try:
        if op in ("floor", "abs", "int"):
            value = ops.builtin(op, columns)
        elif len(columns) == 1:
            value = ops.unary(op, columns[0])
        else:
            value = ops.binary(op, *columns)
    except EvaluationError:
        return "error"
    return value.item()


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.sampled_from(["+", "-", "*", "**", "%", "&", "|", "^", "<", "=="]), _INTEGERS,
       _INTEGERS)
def test_whole_numbers_mean_the_same_folded_and_while_running(op: str, left: int,
                                                              right: int) -> None:
    """A constant folded by the checker and the same expression on run-time values give
    the same whole number, or both an overflow error: there is one `int` (and a `bool`
    in arithmetic is 0 or 1 on both sides)."""
    if op == "**":
        right = abs(right) % 70
    assert _folded(op, left, right) == _run(op, left, right)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.sampled_from(["-", "~", "abs", "int"]), _INTEGERS)
def test_unary_whole_numbers_mean_the_same_folded_and_while_running(op: str,
                                                                    value: int) -> None:
    assert _folded(op, value) == _run(op, value)


def test_sum_of_an_array_overflows_as_its_additions_would() -> None:
    ops = batch_operations(None)
    values = np.array([[2 ** 62, 2 ** 62 - 1, 0], [2 ** 62, 2 ** 62, -1], [2 ** 62, 2 ** 62, 0]])
    with pytest.raises(EvaluationError, match="overflow"):
        ops.builtin("sum", [values])
    assert ops.builtin("sum", [values[:2]]).tolist() == [2 ** 63 - 1, 2 ** 63 - 1]
    masked = batch_operations(np.array([True, True, False]))
    assert masked.builtin("sum", [values])[:2].tolist() == [2 ** 63 - 1, 2 ** 63 - 1]


def test_an_element_read_keeps_its_value_when_the_array_changes(tmp_path: Path) -> None:
    """An element read into a variable is a copy: the array it came from may then change
    in place (a counter of a pool, `taken[k] += n`) without changing it."""
    program = """
network one { node a { qubits 1; } }
protocol p() {
  role a {
    int[4] taken;
    int k = 1 + random();  // an index of each shot's own
    taken[k] = 30;
    int start = taken[k];
    taken[k] += 10;
    report start = start;
    report now_taken = taken[k];
    taken[3] = 5;  // the same index in every shot
    int before = taken[3];
    taken[3] += 10;
    report before = before;
  }
}
run p on one with a = a { shots = 64; }
"""
    for shots in (1, 64):
        result = simulate(program, tmp_path, shots=shots, seed=1)
        assert result.reports["start"].counts == {"30": shots}
        assert result.reports["now_taken"].counts == {"40": shots}
        assert result.reports["before"].counts == {"5": shots}
