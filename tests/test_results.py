"""How reports sum up (qnetlang/results.py): means, totals and ratios of totals, each with
its standard error, on the simulator and on the compiled circuit alike."""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnetlang
from qnetlang.results import Tally

# A shot flips a coin: heads, it keeps 2 bits in 2 us; tails, none in 1 us. The mean of
# the shots' rates is 0.5 bit/us; the rate of the whole run is E[bits]/E[time] = 2/3.
RATES = """
network solo { node a { qubits 1; } }
protocol rates {
  role a {
    qubit c = |+>;
    bit heads = measure c;
    int bits = 2 * heads;
    int micros = 1 + heads;
    report per_shot_rate = bits / micros;
    report ratio rate = bits / micros;
    report total kept = bits;
  }
}
run rates on solo with a = a { shots = 4000; seed = 5; }
"""


@pytest.mark.parametrize("where", ["simulator", "aer"])
def test_a_ratio_of_totals_is_not_a_mean_of_ratios(where: str) -> None:
    program = qnetlang.loads(RATES)
    result = program.simulate() if where == "simulator" else program.sample()
    reports = result.reports
    assert reports["rate"].kind == "ratio" and reports["kept"].kind == "total"
    assert abs(reports["per_shot_rate"].mean - 0.5) <= 4 * reports["per_shot_rate"].stderr
    assert abs(reports["rate"].mean - 2 / 3) <= 4 * reports["rate"].stderr
    assert abs(reports["kept"].mean - 4000) <= 4 * reports["kept"].stderr  # 2 bits x 4000 / 2
    assert result.to_json()["reports"]["rate"]["kind"] == "ratio"
    assert "ratio" in result.to_json()["reports"]["rate"]


def test_the_standard_errors_match_their_spread() -> None:
    """Over many repetitions the stated standard errors are the spread of the values."""
    rng = np.random.default_rng(11)
    totals, ratios, total_errors, ratio_errors = [], [], [], []
    for _ in range(400):
        heads = rng.integers(2, size=300)
        kept = Tally.of(2 * heads).summary("total")
        rate = Tally.of(2 * heads, 1 + heads).summary("ratio")
        totals.append(kept.mean)
        ratios.append(rate.mean)
        total_errors.append(kept.stderr)
        ratio_errors.append(rate.stderr)
    assert np.std(totals) == pytest.approx(np.mean(total_errors), rel=0.15)
    assert np.std(ratios) == pytest.approx(np.mean(ratio_errors), rel=0.15)


def test_a_ratio_of_nothing_is_not_a_number() -> None:
    empty = Tally.of(np.zeros(4), np.zeros(4)).summary("ratio")
    assert math.isnan(empty.mean)
    assert empty.to_json() == {"kind": "ratio", "ratio": None, "stderr": None, "n": 4,
                               "counts": {}}


def test_tallies_merged_batch_by_batch_are_the_whole_runs() -> None:
    """A run keeps tallies, not values: merged in pieces of any size they give the
    statistics of all the values at once (to rounding), counts and a ratio's delta
    method included; an empty piece changes nothing."""
    rng = np.random.default_rng(3)
    top = rng.integers(0, 5, 10_000)
    bottom = top + rng.integers(1, 4, 10_000)
    whole = Tally.of(top, bottom)
    merged = Tally()
    for start, stop in ((0, 1), (1, 1), (1, 1024), (1024, 7000), (7000, 10_000)):
        merged.merge(Tally.of(top[start:stop], bottom[start:stop]))
    assert (merged.n, merged.total, merged.below, merged.counts) == \
        (whole.n, whole.total, whole.below, whole.counts)
    for kind in ("mean", "total", "ratio"):
        expected, found = whole.summary(kind), merged.summary(kind)
        assert found.mean == pytest.approx(expected.mean, rel=1e-12)
        assert found.stderr == pytest.approx(expected.stderr, rel=1e-9)
    mean = whole.summary("mean")
    assert mean.stderr == pytest.approx(top.std(ddof=1) / math.sqrt(len(top)), rel=1e-12)
    residual = top - whole.summary("ratio").mean * bottom
    assert whole.summary("ratio").stderr == pytest.approx(
        residual.std(ddof=1) / (math.sqrt(len(top)) * bottom.mean()), rel=1e-12)
    floats = Tally.of(np.array([0.5, 1.5]))
    floats.merge(Tally.of(np.array([2, 3])))
    assert floats.counts is None and floats.summary().counts == {}
