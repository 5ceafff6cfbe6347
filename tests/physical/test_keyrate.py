"""Decoy-state key rates: the published GYS numbers from the closed forms, bounds that
bound, and the estimate from simulated counts centred on the closed form."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from qnetlang.physical.keyrate import (Link, best, cutoff, infinite_decoy_rate, plob,
                                       vacuum_weak_bounds, vacuum_weak_rate)
from tests.conftest import ROOT

GYS = Link(attenuation=0.21, receiver=0.045, dark_yield=1.7e-6, misalignment=0.033)


def test_the_published_gys_rates_and_cutoffs() -> None:
    """Ma, Qi, Zhao and Lo, PRA 72, 012326 (2005), with the GYS link and f = 1.22."""
    mean, rate = best(lambda m: infinite_decoy_rate(GYS, m, 100, 1.22))
    assert rate == pytest.approx(1.7186e-5, rel=5e-5)
    assert mean == pytest.approx(0.475, abs=1e-3)
    weak = best(lambda m: vacuum_weak_rate(GYS, m, 0.1, 100, 1.22), 0.11)[1]
    assert weak == pytest.approx(1.4988e-5, rel=5e-5)
    infinite_end = cutoff(lambda km: best(lambda m: infinite_decoy_rate(GYS, m, km, 1.22))[1],
                          100, 200)
    weak_end = cutoff(lambda km: best(lambda m: vacuum_weak_rate(GYS, m, 0.1, km, 1.22),
                                      0.11)[1], 100, 200)
    assert infinite_end == pytest.approx(142, abs=0.5)
    assert weak_end == pytest.approx(140, abs=0.5)


@pytest.mark.parametrize("km", [0, 50, 100, 140])
def test_the_vacuum_and_weak_decoy_bound_the_single_photons(km: float) -> None:
    yield_, error = GYS.single_photons(km)
    lower, upper = vacuum_weak_bounds(0.5, 0.1, GYS.gain(0.5, km), GYS.gain(0.1, km),
                                      GYS.error(0.1, km), GYS.dark_yield)
    assert lower <= yield_ and upper >= error
    assert lower > 0.9 * yield_  # and closely, with a weak decoy


def test_plob_is_minus_log2_of_one_minus_eta() -> None:
    assert plob(0.5) == 1.0
    assert plob(1e-3) == pytest.approx(1e-3 / math.log(2), rel=1e-3)
    with pytest.raises(ValueError):
        plob(1.5)
    with pytest.raises(ValueError):
        Link(attenuation=-0.2, receiver=0.045, dark_yield=1.7e-6, misalignment=0.033)


def test_the_estimate_names_the_classes_as_the_source_does() -> None:
    import numpy as np

    from qnetlang.physical.devices import (IntensityClass, Receiver, ThresholdDetector,
                                           Transmitter, WeakCoherentSource)
    from qnetlang.physical.keyrate import decoy_estimate
    from qnetlang.physical.trains import simulate_train
    source = WeakCoherentSource(1e9, (IntensityClass("vacuum", 0.0, 0.25),
                                      IntensityClass("signal", 0.5, 0.5),
                                      IntensityClass("decoy", 0.1, 0.25)))
    found = simulate_train(2_000_000, Transmitter(source),
                           Receiver((ThresholdDetector(dark_count=1e-4),) * 2), 0.05,
                           np.random.default_rng(1))
    estimate = decoy_estimate(found, "signal", "decoy", "vacuum", 1.16)
    assert estimate.gains["vacuum"] < 1e-3 < estimate.gains["decoy"] < estimate.gains["signal"]
    assert estimate.rate > 0
    with pytest.raises(ValueError, match="no intensity class `weak`"):
        decoy_estimate(found, "signal", "weak", "vacuum", 1.16)
    with pytest.raises(ValueError, match="not the vacuum"):
        decoy_estimate(found, "signal", "vacuum", "decoy", 1.16)


@pytest.mark.slow
def test_the_estimate_from_simulated_counts_is_centred_on_the_closed_form() -> None:
    """Eight trains at 50 km: their mean within 4 standard errors (from their spread)."""
    from examples.decoy_gys import simulated_rate
    mean = best(lambda m: vacuum_weak_rate(GYS, m, 0.1, 50, 1.22), 0.11)[0]
    estimates = [simulated_rate(50, mean, 3e5, seed) for seed in range(8)]
    closed = vacuum_weak_rate(GYS, mean, 0.1, 50, 1.22)
    error = statistics.stdev(estimates) / math.sqrt(len(estimates))
    assert abs(statistics.mean(estimates) - closed) < 4 * error
    assert error < 0.0125 * closed  # so that it would see a bias of 5 %


@pytest.mark.slow
def test_the_example_prints_the_table_and_draws_the_plot(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    from examples.decoy_gys import main
    pytest.importorskip("matplotlib")
    rows = main(["--detections", "2e4", "--plot", str(tmp_path / "gys.png")])
    assert (tmp_path / "gys.png").stat().st_size > 10_000
    out = capsys.readouterr().out
    assert "vacuum + weak at 100 km" in out and "1.4988e-05" in out
    assert len(rows) == 9 and all(row["simulated"] > 0 for row in rows[:-1])
    assert (ROOT / "examples" / "decoy_gys.py").exists()
