"""Units of measure: each unit's dimension and its factor to SI.

Decibels are a dimension of their own (a logarithmic ratio), so that
`0.2 dB/km * 10 km` is `2 dB` and adding a loss to a length is an error.
Angles are dimensionless: `deg` is a factor of pi/180.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Dimension:
    """Exponents of the base dimensions: length, time and (log-scale) loss."""

    length: int = 0
    time: int = 0
    loss: int = 0

    def __mul__(self, other: Dimension) -> Dimension:
        return Dimension(self.length + other.length, self.time + other.time,
                         self.loss + other.loss)

    def __truediv__(self, other: Dimension) -> Dimension:
        return Dimension(self.length - other.length, self.time - other.time,
                         self.loss - other.loss)

    def __str__(self) -> str:
        return DIMENSION_NAMES.get(self) or _exponents(self)


def _exponents(dimension: Dimension) -> str:
    parts = [f"{name}^{power}" if power != 1 else name
             for name, power in (("length", dimension.length), ("time", dimension.time),
                                 ("loss", dimension.loss)) if power]
    return "*".join(parts) or "dimensionless"


DIMENSIONLESS = Dimension()
LENGTH = Dimension(length=1)
TIME = Dimension(time=1)
FREQUENCY = Dimension(time=-1)
LOSS = Dimension(loss=1)
ATTENUATION = Dimension(length=-1, loss=1)
SPEED = Dimension(length=1, time=-1)

DIMENSION_NAMES = {
    DIMENSIONLESS: "dimensionless",
    LENGTH: "length",
    TIME: "time",
    FREQUENCY: "frequency",
    LOSS: "loss (dB)",
    ATTENUATION: "attenuation (dB per length)",
    SPEED: "speed",
}


@dataclass(frozen=True)
class Unit:
    dimension: Dimension
    scale: float  # multiply by this to get SI (metres, seconds, hertz, dB, radians)


BASE_UNITS: dict[str, Unit] = {
    "m": Unit(LENGTH, 1.0),
    "km": Unit(LENGTH, 1e3),
    "cm": Unit(LENGTH, 1e-2),
    "mm": Unit(LENGTH, 1e-3),
    "um": Unit(LENGTH, 1e-6),
    "µm": Unit(LENGTH, 1e-6),
    "nm": Unit(LENGTH, 1e-9),
    "s": Unit(TIME, 1.0),
    "ms": Unit(TIME, 1e-3),
    "us": Unit(TIME, 1e-6),
    "µs": Unit(TIME, 1e-6),
    "ns": Unit(TIME, 1e-9),
    "ps": Unit(TIME, 1e-12),
    "min": Unit(TIME, 60.0),
    "h": Unit(TIME, 3600.0),
    "Hz": Unit(FREQUENCY, 1.0),
    "kHz": Unit(FREQUENCY, 1e3),
    "MHz": Unit(FREQUENCY, 1e6),
    "GHz": Unit(FREQUENCY, 1e9),
    "THz": Unit(FREQUENCY, 1e12),
    "dB": Unit(LOSS, 1.0),
    "rad": Unit(DIMENSIONLESS, 1.0),
    "deg": Unit(DIMENSIONLESS, math.pi / 180),
}

# Units allowed after a "/" in a compound unit such as dB/km or km/s.
DENOMINATOR_UNITS = ("km", "cm", "mm", "m", "ps", "ns", "us", "µs", "ms", "s", "min", "h", "Hz")


def parse_unit(text: str) -> Unit:
    """The unit written as `text` (`km`, `dB/km`); raises KeyError for an unknown one."""
    numerator, _, denominator = text.partition("/")
    unit = BASE_UNITS[numerator]
    if not denominator:
        return unit
    if denominator not in DENOMINATOR_UNITS:
        raise KeyError(text)
    below = BASE_UNITS[denominator]
    return Unit(unit.dimension / below.dimension, unit.scale / below.scale)


def format_seconds(seconds: float) -> str:
    """A duration in the largest unit that keeps it at least 1: `146.9 us`."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9), ("ps", 1e-12)):
        if seconds >= scale:
            return f"{seconds / scale:.6g} {unit}"
    return "0 s"


SPEED_OF_LIGHT = 299_792_458.0  # m/s, in vacuum
