"""Channels that move: a free-space link whose length follows a track over time, and
whose loss comes from a table of loss against distance or from a model of the beam.

A track and a loss table are CSV files of two columns whose header names each
column's unit in parentheses, `time (s),distance (km)` and `distance (km),loss (dB)`:
a number without its unit would be read in some unit by guess. Between two rows a
value is interpolated linearly; outside the rows it is refused (ValueError), since
nothing says what the link does there.

The beam model (`Beam`) is a Gaussian beam's diffraction into a receiving telescope,
an atmosphere whose loss at the zenith grows with the air mass (1 / cos of the
zenith angle, the angle following from the distance and the satellite's altitude),
and a fixed loss (pointing, optics).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qnetlang import units
from qnetlang.units import Dimension, parse_unit

LIGHT = 299_792_458.0  # m/s, in vacuum: the delay of free space
EARTH_RADIUS = 6_371_000.0  # m, the mean radius
_HEADER = re.compile(r"\s*([^()]*?)\s*\(\s*([^()]+?)\s*\)\s*")


@dataclass(frozen=True)
class Curve:
    """y against x, piecewise linear between rows given in SI units (x increasing)."""

    x: np.ndarray
    y: np.ndarray
    what: str  # `distance against time`, for messages

    def __post_init__(self) -> None:
        if len(self.x) < 2 or len(self.x) != len(self.y) or np.any(np.diff(self.x) <= 0) \
                or not np.all(np.isfinite(self.x)) or not np.all(np.isfinite(self.y)):
            raise ValueError(f"a {self.what} needs two rows or more, finite, the first "
                             "column increasing")

    def __call__(self, at: np.ndarray | float) -> np.ndarray:
        values = np.asarray(at, dtype=float)
        if np.any((values < self.x[0]) | (values > self.x[-1])):
            raise ValueError(f"the {self.what} covers {self.x[0]:g} to {self.x[-1]:g} "
                             f"(SI units), not {values.min():g} to {values.max():g}")
        return np.interp(values, self.x, self.y)


def read_curve(path: Path, x: Dimension, y: Dimension, what: str) -> Curve:
    """A CSV of two columns whose header gives their units: `time (s),distance (km)`."""
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    if not rows or len(rows[0]) != 2:
        raise ValueError(f"{path.name}: a {what} has two columns under a header")
    scales = []
    for cell, dimension in zip(rows[0], (x, y), strict=True):
        match = _HEADER.fullmatch(cell)
        if match is None:
            raise ValueError(f"{path.name}: the header `{cell}` names no unit: write it in "
                             "parentheses, e.g. `time (s)`")
        try:
            unit = parse_unit(match.group(2))
        except KeyError:
            raise ValueError(f"{path.name}: unknown unit `{match.group(2)}`") from None
        if unit.dimension != dimension:
            raise ValueError(f"{path.name}: `{cell}` is a {unit.dimension}, not a {dimension}")
        scales.append(unit.scale)
    try:
        table = np.array([[float(cell) for cell in row] for row in rows[1:] if row], dtype=float)
    except ValueError as error:
        raise ValueError(f"{path.name}: {error}") from None
    if table.ndim != 2 or table.shape[1:] != (2,):
        raise ValueError(f"{path.name}: every row has two numbers")
    return Curve(table[:, 0] * scales[0], table[:, 1] * scales[1], what)


def read_track(path: Path) -> Curve:
    """Distance (m) against time (s)."""
    return read_curve(path, units.TIME, units.LENGTH, "track")


def read_loss_table(path: Path) -> Curve:
    """Loss (dB) against distance (m)."""
    return read_curve(path, units.LENGTH, units.LOSS, "loss table")


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
