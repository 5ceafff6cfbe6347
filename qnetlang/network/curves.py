"""Curves read from CSV files: a link's track (distance against time) and its loss table
(loss against distance), for the checker, the simulator and the physical layer alike.

A curve is a CSV file of two columns whose header names each column's unit in
parentheses, `time (s),distance (km)` and `distance (km),loss (dB)`: a number without
its unit would be read in some unit by guess. Between two rows a value is interpolated
linearly; outside the rows it is refused (ValueError), since nothing says what the link
does there. Reading and single values need no numpy (`qnetc check` loads none); a
numpy array of values is interpolated in one call.
"""

from __future__ import annotations

import bisect
import csv
import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from qnetlang import units
from qnetlang.units import Dimension, parse_unit

_HEADER = re.compile(r"\s*([^()]*?)\s*\(\s*([^()]+?)\s*\)\s*")
_EXAMPLES = {units.TIME: "time (s)", units.LENGTH: "distance (km)", units.LOSS: "loss (dB)"}


@dataclass(frozen=True)
class Curve:
    """y against x, piecewise linear between rows given in SI units (x increasing)."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    what: str  # `track`, `loss table`: for messages
    unit: str = ""  # the SI unit of x, for messages

    def __post_init__(self) -> None:
        if len(self.x) < 2 or len(self.x) != len(self.y) or \
                any(b <= a for a, b in zip(self.x, self.x[1:])) or \
                not all(math.isfinite(v) for v in self.x + self.y):
            raise ValueError(f"a {self.what} needs two rows or more, finite, the first "
                             "column increasing")

    def covers(self, at: float) -> bool:
        return self.x[0] <= at <= self.x[-1]

    def outside(self, low: float, high: float) -> ValueError:
        unit = f" {self.unit}" if self.unit else " (SI units)"
        asked = f"{low:g}{unit}" if low == high else f"{low:g} to {high:g}{unit}"
        return ValueError(f"the {self.what} covers {self.x[0]:g} to {self.x[-1]:g}{unit}, "
                          f"not {asked}")

    def at(self, value: float) -> float:
        """The curve at one point."""
        if not self.covers(value):
            raise self.outside(value, value)
        k = min(bisect.bisect_right(self.x, value), len(self.x) - 1)
        x0, x1, y0, y1 = self.x[k - 1], self.x[k], self.y[k - 1], self.y[k]
        return y0 + (y1 - y0) * (value - x0) / (x1 - x0)

    def __call__(self, at: Any) -> Any:
        """The curve at each of a numpy array of points (or at one)."""
        import numpy as np  # the physical layer's trains call with arrays

        values = np.asarray(at, dtype=float)
        if values.size and (values.min() < self.x[0] or values.max() > self.x[-1]):
            raise self.outside(float(values.min()), float(values.max()))
        return np.interp(values, self._arrays[0], self._arrays[1])

    @cached_property
    def _arrays(self) -> tuple[Any, Any]:
        import numpy as np

        return np.array(self.x), np.array(self.y)


MAX_BYTES = 64 * 2 ** 20  # a curve's file: a row per millisecond of a day is 30 MB


def read_curve(path: Path, x: Dimension, y: Dimension, what: str, shown: str = "") -> Curve:
    """A CSV of two columns whose header gives their units: `time (s),distance (km)`;
    `shown` is the SI unit of the first, for messages."""
    if not path.is_file():  # a folder, or a pipe that would never end
        raise ValueError(f"{path.name}: not a file" if path.exists() else
                         f"{path.name}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"{path.name}: larger than {MAX_BYTES // 2 ** 20} MB, the most a "
                         f"{what} may be")
    try:
        with path.open(newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
    except UnicodeDecodeError:
        raise ValueError(f"{path.name}: a {what} is text (UTF-8)") from None
    except csv.Error as error:
        raise ValueError(f"{path.name}: {error}") from None
    if not rows or len(rows[0]) != 2:
        raise ValueError(f"{path.name}: a {what} has two columns under a header")
    scales = []
    for cell, dimension in zip(rows[0], (x, y), strict=True):
        match = _HEADER.fullmatch(cell)
        if match is None:
            raise ValueError(f"{path.name}: the header `{cell}` names no unit: write it in "
                             f"parentheses, e.g. `{_EXAMPLES.get(dimension, 'time (s)')}`")
        try:
            unit = parse_unit(match.group(2))
        except KeyError:
            raise ValueError(f"{path.name}: unknown unit `{match.group(2)}`") from None
        if unit.dimension != dimension:
            raise ValueError(f"{path.name}: `{cell}` is a {unit.dimension}, not a {dimension}")
        scales.append(unit.scale)
    numbers = []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 2:
            raise ValueError(f"{path.name}, row {line}: every row has two numbers")
        try:
            numbers.append((float(row[0]) * scales[0], float(row[1]) * scales[1]))
        except ValueError:
            raise ValueError(f"{path.name}, row {line}: `{','.join(row)}` is not two "
                             "numbers") from None
    if len(numbers) < 2:
        raise ValueError(f"{path.name}: a {what} needs two rows or more")
    for line, (before, after) in enumerate(zip(numbers, numbers[1:]), start=3):
        if not after[0] > before[0]:
            raise ValueError(f"{path.name}, row {line}: the first column must increase")
    if not all(math.isfinite(v) for pair in numbers for v in pair):
        raise ValueError(f"{path.name}: every number is finite")
    return Curve(tuple(a for a, _ in numbers), tuple(b for _, b in numbers), what, shown)


FARTHEST = 1e9 * units.SPEED_OF_LIGHT  # m: light takes a billion s, the most a run keeps


def read_track(path: Path) -> Curve:
    """Distance (m) against time (s): not negative, and short of FARTHEST."""
    track = read_curve(path, units.TIME, units.LENGTH, "track", "s")
    if not all(0 <= distance <= FARTHEST for distance in track.y):
        raise ValueError(f"{path.name}: every distance must be 0 or more, and short enough "
                         "for light to cross in 10^9 s")
    return track


def read_loss_table(path: Path) -> Curve:
    """Loss (dB, not negative) against distance (m)."""
    table = read_curve(path, units.LENGTH, units.LOSS, "loss table", "m")
    if min(table.y) < 0:
        raise ValueError(f"{path.name}: a loss is not negative ({min(table.y):g} dB)")
    return table
