"""Channels that move: tracks and loss tables read with their units, a beam's loss from
its closed form, and the Micius pass's key rate where its distance is shortest."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from qnetlang.network.curves import read_loss_table, read_track
from qnetlang.physical.channels import EARTH_RADIUS, LIGHT, Beam, FreeSpaceLink
from qnetlang.physical.devices import (IntensityClass, Receiver, ThresholdDetector,
                                       Transmitter, WeakCoherentSource)
from qnetlang.physical.trains import simulate_train
from tests.conftest import ROOT

DATA = ROOT / "examples" / "data"
MICIUS = FreeSpaceLink(read_track(DATA / "micius2017_track.csv"),
                       read_loss_table(DATA / "micius2017_link_efficiency.csv"))


def test_the_micius_track_and_table_are_read_in_si_units() -> None:
    assert float(MICIUS.distance(0.0)) == pytest.approx(1196.303e3)
    assert float(MICIUS.distance(0.05)) == pytest.approx((1196.303e3 + 1195.865e3) / 2)
    assert float(MICIUS.delay(0.0)) == pytest.approx(1196.303e3 / LIGHT)
    shortest = min(MICIUS.track.y)
    assert shortest == pytest.approx(645e3, abs=1e3)
    assert float(MICIUS.loss(645e3)) == pytest.approx(29.754)
    with pytest.raises(ValueError, match="track covers 0 to 274"):
        MICIUS.distance(300.0)


@pytest.mark.parametrize("header, reason", [
    ("time,distance", "names no unit"),
    ("time (s),distance (dB)", "not a length"),
    ("time (fortnights),distance (km)", "unknown unit"),
])
def test_a_track_says_its_units(tmp_path: Path, header: str, reason: str) -> None:
    path = tmp_path / "track.csv"
    path.write_text(f"{header}\n0,500\n1,501\n")
    with pytest.raises(ValueError, match=reason):
        read_track(path)
    path.write_text("time (s),distance (km)\n0,500\n0,501\n")
    with pytest.raises(ValueError, match="row 3: the first column must increase"):
        read_track(path)


def test_a_beam_loses_by_diffraction_and_air_mass() -> None:
    beam = Beam(wavelength=850e-9, waist=0.15, aperture=0.6, altitude=500e3,
                zenith_loss=3.0, fixed_loss=2.0)
    assert float(beam.zenith_cosine(np.array(500e3))) == pytest.approx(1.0)
    rayleigh = math.pi * 0.15 ** 2 / 850e-9
    width = 0.15 * math.sqrt(1 + (500e3 / rayleigh) ** 2)
    caught = 1 - math.exp(-2 * 0.6 ** 2 / width ** 2)
    assert float(beam.loss(500e3)) == pytest.approx(-10 * math.log10(caught) + 3 + 2)
    # a small telescope catches a share 2 a² / w² of the beam: doubling the distance
    # costs 10 log10(w(2L)² / w(L)²), near 6.02 dB far beyond the Rayleigh range; the
    # air mass is 1 / cos z, z from the triangle Earth's centre - station - satellite
    far = Beam(wavelength=850e-9, waist=0.15, aperture=0.001, altitude=500e3)
    cosine = float(far.zenith_cosine(np.array(1000e3)))
    h, r, d = 500e3, EARTH_RADIUS, 1000e3
    assert cosine == pytest.approx(((r + h) ** 2 - r ** 2 - d ** 2) / (2 * r * d))
    spread = 10 * math.log10((1 + (1000e3 / rayleigh) ** 2) / (1 + (500e3 / rayleigh) ** 2))
    assert float(far.loss(1000e3) - far.loss(500e3)) == pytest.approx(spread, abs=1e-4)
    assert spread == pytest.approx(20 * math.log10(2), abs=0.1)
    thin = Beam(wavelength=850e-9, waist=0.15, aperture=10.0, altitude=500e3, zenith_loss=3.0)
    assert float(thin.loss(1000e3)) == pytest.approx(3.0 / cosine, abs=1e-6)  # all caught
    with pytest.raises(ValueError, match="horizon"):
        far.loss(5000e3)


def test_the_micius_pass_where_it_comes_closest() -> None:
    """One second around the shortest distance: the sifted rate of QNET's convention
    (signal pulses in matching bases, 90 % kept) within 4 standard errors of the closed
    form 10^8 × 1/2 × 1/2 × (1 - e^(-η μ)) × 0.9 averaged over that second."""
    middle = float(MICIUS.track.x[np.argmin(MICIUS.track.y)])
    start = middle - 0.5
    source = WeakCoherentSource(1e8, (IntensityClass("signal", 0.8, 0.5),
                                      IntensityClass("decoy", 0.1, 0.25),
                                      IntensityClass("vacuum", 0.0, 0.25)))
    detector = ThresholdDetector(efficiency=0.5)
    found = simulate_train(10 ** 8, Transmitter(source), Receiver((detector, detector)),
                           lambda t: MICIUS.transmittance(t), np.random.default_rng(3),
                           start=start, step=0.01, delay=MICIUS.delay)
    sifted = ((found.intensity == 0) & (found.alice_basis == found.bob_basis)).sum()
    times = start + (np.arange(1000) + 0.5) / 1000
    expected = float(np.mean(1e8 * 0.25 * -np.expm1(-MICIUS.transmittance(times) * 0.5 * 0.8)))
    assert abs(sifted - expected) < 4 * math.sqrt(expected)
    assert 0.9 * expected == pytest.approx(9.52e3, rel=0.02)  # QNET's model at 645 km
    arrival = found.time - (start + found.index / 1e8)
    assert np.allclose(arrival, MICIUS.delay(start + found.index / 1e8))


@pytest.mark.slow
def test_the_whole_micius_pass_follows_the_model_second_by_second(tmp_path: Path) -> None:
    """Each second of the simulated pass within 15 % of the closed form (the issue's
    tolerance; the Poisson spread is 3 % at the far ends), 1.59 Mbit in all as QNET's
    model has it, and the figure drawn."""
    from examples.micius_pass import main
    pytest.importorskip("matplotlib")
    sifted, model = main(["--plot", str(tmp_path / "micius.png")])
    assert len(sifted) == 274
    assert np.max(np.abs(sifted / model - 1)) < 0.15
    assert sifted.sum() / 1e6 == pytest.approx(1.59, abs=0.01)
    assert (tmp_path / "micius.png").stat().st_size > 10_000


def test_the_micius_example_runs_a_part_of_the_pass() -> None:
    from examples.micius_pass import main
    sifted, model = main(["--seconds", "5"])
    assert len(sifted) == 5 and np.all(np.abs(sifted / model - 1) < 0.15)
