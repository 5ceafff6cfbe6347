"""Channels that move: a free-space link whose length follows a track over time, and
whose loss comes from a table of loss against distance or from a model of the beam.

A track and a loss table are curves read from CSV files with their units
(qnetlang.network.curves, which `.qnet` channels read too).

The beam model (`Beam`) is a Gaussian beam's diffraction into a receiving telescope,
an atmosphere whose loss at the zenith grows with the air mass (1 / cos of the
zenith angle, the angle following from the distance and the satellite's altitude),
and a fixed loss (pointing, optics).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qnetlang.network.curves import Curve
from qnetlang.units import SPEED_OF_LIGHT

LIGHT = SPEED_OF_LIGHT  # free space delays light as vacuum does
EARTH_RADIUS = 6_371_000.0  # m, the mean radius


@dataclass(frozen=True)
class Beam:
    """A Gaussian beam from a satellite at `altitude` to a telescope of radius `aperture`:
    diffraction η = 1 - exp(-2 a² / w(L)²), w(L) = w0 sqrt(1 + (L / z_R)²) with
    z_R = π w0² / λ; the atmosphere's loss at the zenith times the air mass; and a
    fixed loss (pointing, optics)."""

    wavelength: float  # m
    waist: float  # w0, m
    aperture: float  # the receiving telescope's radius, m
    altitude: float  # m
    zenith_loss: float = 0.0  # dB, the atmosphere's straight up
    fixed_loss: float = 0.0  # dB

    def __post_init__(self) -> None:
        for name in ("wavelength", "waist", "aperture", "altitude"):
            if not 0 < getattr(self, name) < math.inf:
                raise ValueError(f"`{name}` must be greater than 0, not {getattr(self, name)}")
        for name in ("zenith_loss", "fixed_loss"):
            if not 0 <= getattr(self, name) < math.inf:
                raise ValueError(f"`{name}` is a loss in dB, not negative: {getattr(self, name)}")

    def zenith_cosine(self, distance: np.ndarray) -> np.ndarray:
        """cos of the zenith angle at the ground station, for a satellite at `distance`
        (law of cosines in the triangle of the Earth's centre, station and satellite)."""
        h, r = self.altitude, EARTH_RADIUS
        return (h * h + 2 * r * h - distance * distance) / (2 * r * distance)

    def loss(self, distance: np.ndarray | float) -> np.ndarray:
        """The link's loss in dB at each distance (m)."""
        length = np.asarray(distance, dtype=float)
        cosine = self.zenith_cosine(length)
        if np.any(length < self.altitude) or np.any(cosine <= 0):
            raise ValueError("a satellite is seen between the zenith (its altitude away) "
                             "and the horizon")
        rayleigh = math.pi * self.waist ** 2 / self.wavelength
        width = self.waist * np.sqrt(1 + (length / rayleigh) ** 2)
        caught = -np.expm1(-2 * self.aperture ** 2 / width ** 2)
        return -10 * np.log10(caught) + self.zenith_loss / cosine + self.fixed_loss


@dataclass(frozen=True)
class FreeSpaceLink:
    """A link whose length follows `track` (time → m) and whose loss comes from `loss`
    (a table of distance → dB, or a `Beam`); light takes length / c."""

    track: Curve
    loss: Curve | Beam

    def distance(self, time: np.ndarray | float) -> np.ndarray:
        return self.track(time)

    def delay(self, time: np.ndarray | float) -> np.ndarray:
        return self.distance(time) / LIGHT

    def loss_db(self, time: np.ndarray | float) -> np.ndarray:
        distance = self.distance(time)
        return self.loss.loss(distance) if isinstance(self.loss, Beam) else self.loss(distance)

    def transmittance(self, time: np.ndarray | float) -> np.ndarray:
        return 10 ** (-self.loss_db(time) / 10)

