"""Lists (`bit[]`, `int[]`, ...): their built-ins against direct computations, and
their operators element by element, shot by shot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qnetlang.codes import Code
from qnetlang.ir.evaluate import EvaluationError
from qnetlang.runtime.batch import RuntimeFailure
from qnetlang.runtime.values import PerShot, _flip, _parities, _permutation, _toeplitz
from tests.runtime.helpers import simulate, within


@pytest.mark.parametrize(("n", "m"), [(1, 1), (7, 3), (64, 64), (300, 17), (1000, 999)])
def test_a_toeplitz_hash_is_the_matrix_product(n: int, m: int) -> None:
    rng = np.random.default_rng(n * m)
    bits, seed = rng.integers(0, 2, n), rng.integers(0, 2, n + m - 1)
    matrix = np.array([[seed[i - j + n - 1] for j in range(n)] for i in range(m)])
    assert np.array_equal(_toeplitz(bits, seed, m), matrix @ bits % 2)


def test_a_toeplitz_hash_of_a_million_bits_is_exact() -> None:
    """The FFT's counts reach 10^6: rounded, they are the exact ones (checked on rows)."""
    rng = np.random.default_rng(3)
    n, m = 1 << 20, 2000
    bits, seed = rng.integers(0, 2, n), rng.integers(0, 2, n + m - 1)
    hashed = _toeplitz(bits, seed, m)
    for i in (0, 1, 999, m - 1):
        assert hashed[i] == seed[i:i + n][::-1] @ bits % 2


def test_a_toeplitz_hash_takes_its_seed_length() -> None:
    with pytest.raises(EvaluationError, match="takes 12 seed bits"):
        _toeplitz(np.zeros(10), np.zeros(11), 3)


def test_parities_of_ranges_in_an_order() -> None:
    rng = np.random.default_rng(5)
    bits, order = rng.integers(0, 2, 50), rng.permutation(50)
    starts = rng.integers(0, 50, 40)
    ends = starts + rng.integers(0, 50 - starts + 1)
    found = _parities(bits, order, starts, ends)
    assert list(found) == [bits[order[s:e]].sum() % 2 for s, e in zip(starts, ends)]
    with pytest.raises(EvaluationError, match="not within"):
        _parities(bits, order, np.array([3]), np.array([2]))


def test_a_permutation_is_decided_by_its_seed() -> None:
    first = _permutation(1000, 42)
    assert sorted(first) == list(range(1000))
    assert np.array_equal(first, _permutation(1000, 42))
    assert not np.array_equal(first, _permutation(1000, 43))


def test_flip_flips_a_position_once_for_each_time_it_is_named() -> None:
    bits = np.array([0, 1, 0, 1], np.int8)
    assert list(_flip(bits, np.array([0, 1, 1, 3]))) == [1, 1, 0, 0]
    assert list(bits) == [0, 1, 0, 1]  # a copy


LISTS = """
protocol p() {{
  role r {{
    {body}
  }}
}}
network lab {{ node x {{ }} }}
run p on lab with r = x {{ shots = {shots}; seed = 9; }}
"""


def run(body: str, tmp_path: Path, shots: int = 400):  # type: ignore[no-untyped-def]
    return simulate(LISTS.format(body=body, shots=shots), tmp_path)


def test_coins_come_up_with_their_probability_in_each_shot(tmp_path: Path) -> None:
    result = run("let c = coins(100, 0.3); report share = sum(c) / len(c);", tmp_path)
    within(result, "share", 0.3)
    assert result.reports["share"].stderr > 0  # each shot its own coins


def test_operators_and_functions_apply_element_by_element(tmp_path: Path) -> None:
    result = run("""
    int[] i = indices(10);
    report evens = sum(i % 2 == 0);
    report scaled = sum(i * 2 + 1);
    report halves = sum(floor(i / 2));
    report capped = sum(min(i, 3));
    report picked = sum(pick(i, where(i > 6)));
    report joined = len(concat(i, list([1, 2])));
    report negated = sum(!(i < 5));
    report element = i[7];
    """, tmp_path, shots=2)
    means = {name: summary.mean for name, summary in result.reports.items()}
    assert means == {"evens": 5, "scaled": 100, "halves": 20, "capped": 24, "picked": 24,
                     "joined": 12, "negated": 5, "element": 7}


def test_a_list_differs_between_shots_and_branches(tmp_path: Path) -> None:
    """A list assigned in one branch keeps its other value in the shots that did not take
    it; its length is each shot's own."""
    result = run("""
    let c = coins(3, 0.5);
    int[] kept = indices(2);
    if (c[0]) {
      kept = indices(5);
    }
    report length = len(kept);
    report first = c[0];
    """, tmp_path)
    means = {name: summary.mean for name, summary in result.reports.items()}
    assert means["length"] == pytest.approx(2 + 3 * means["first"])


def test_a_shared_list_is_one_row_for_every_shot() -> None:
    shared = PerShot.constant([1, 2, 3])
    assert len(shared.rows) == 1 and not shared.rows[0].flags.writeable


@pytest.mark.parametrize("expression", ["indices(2) + indices(3)", "max(indices(1), indices(3))",
                                        "min(list([]), indices(2))"])
def test_lists_of_different_lengths_do_not_combine(tmp_path: Path, expression: str) -> None:
    with pytest.raises(RuntimeFailure) as failure:
        run(f"report v = sum({expression});", tmp_path, shots=1)
    assert failure.value.diagnostic.code == Code.RUNTIME_VALUE
    assert "different lengths" in failure.value.diagnostic.message


QUEUE_PROGRAM = """
network one { node a { qubits 1; } }
protocol p() {
  role a {
    int[] q;
    int n = 3;
    if (random() == 1) n = 5;  // queues of their own length in each shot
    for k in 0..n { q = push(q, 10 * k); }
    report head = q[0];
    q = drop(q, 1);
    report left = len(q);
    report at = find(q, 20);
    report missing = find(q, 0);
    report least = min(q);
    report most = max(q);
    float[] u = uniforms(n);
    report inside = min(u) >= 0.0 && max(u) < 1.0;
    report spread = max(u) - min(u);
  }
}
run p on one with a = a { shots = 400; }
"""


def test_a_list_is_a_queue_and_a_table_of_keys(tmp_path: Path) -> None:
    """`push` appends, `q[0]` is the head, `drop` the rest; `find` looks a key up (-1
    when it is not there); `min` and `max` of one list reduce it, each shot its own."""
    result = simulate(QUEUE_PROGRAM, tmp_path, seed=2)
    reports = result.reports
    assert reports["head"].counts == {"0": 400}
    assert set(reports["left"].counts) == {"2", "4"}
    assert reports["at"].counts == {"1": 400} and reports["missing"].counts == {"-1": 400}
    assert reports["least"].counts == {"10": 400}
    shots_of_five = reports["left"].counts["4"]
    assert reports["most"].counts == {"20": 400 - shots_of_five, "40": shots_of_five}
    assert reports["inside"].mean == 1.0
    # the spread of 3 or 5 uniform numbers: (n - 1) / (n + 1), 1/2 or 2/3, in equal shares
    within(result, "spread", (0.5 + 2 / 3) / 2)


@pytest.mark.parametrize(("expression", "message"), [
    ("len(drop(q, 3))", "cannot drop 3 of a list of 2"),
    ("min(drop(q, 2))", "the least element of an empty list"),
    ("max(drop(q, 2))", "the greatest element of an empty list")])
def test_a_queue_refuses_what_it_does_not_hold(tmp_path: Path, expression: str,
                                               message: str) -> None:
    program = f"""
network one {{ node a {{ qubits 1; }} }}
protocol p() {{
  role a {{
    int[] q = push(push(list([1]), 2), 3);
    q = drop(q, 1);
    report x = {expression};
  }}
}}
run p on one with a = a {{ shots = 2; }}
"""
    with pytest.raises(RuntimeFailure, match=message) as failure:
        simulate(program, tmp_path)
    assert failure.value.diagnostic.code == Code.RUNTIME_VALUE
