"""Sweeps as pictures: each report's mean against the first swept parameter, with error
bars of one standard error, and a line per value of the other swept parameters.

A parameter's values are read as written (`"10 km"`, `64`): a number with one unit
after it puts the number on the axis and the unit in its label; other values (an
expression, a list) are placed one after another and named at their ticks.
matplotlib is the `plot` extra; the figure is drawn without pyplot's global state,
and an SVG keeps its text as text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qnetlang.results import Sweep
from qnetlang.units import parse_unit

_NUMBER_AND_UNIT = re.compile(
    r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]\w*(?:/[A-Za-z]\w*)?)?\s*")
FORMATS = (".png", ".svg", ".pdf")


def axis(values: Sequence[Any]) -> tuple[list[float], str | None, list[str] | None]:
    """(positions, unit, tick labels): numbers where every value is a number, each with
    a unit of one dimension (`500 m`, `2 km`: in the first one's unit, km) or none; else
    positions 0, 1, ... with the values as labels."""
    categories = list(range(len(values))), None, [str(v) for v in values]
    parsed = []
    for value in values:
        match = _NUMBER_AND_UNIT.fullmatch(str(value)) if not isinstance(value, bool) else None
        if match is None:
            return categories
        unit = None
        if match.group(2) is not None:
            try:
                unit = parse_unit(match.group(2))
            except KeyError:
                return categories
        parsed.append((float(match.group(1)), match.group(2), unit))
    if not parsed or len({unit.dimension if unit else None for _, _, unit in parsed}) > 1:
        return categories
    shown, first = parsed[0][1], parsed[0][2]
    if first is None:
        return [number for number, _, _ in parsed], None, None
    return [number * unit.scale / first.scale for number, _, unit in parsed], shown, None


def plot_sweep(sweep: Sweep, path: Path, *, reports: Sequence[str] | None = None,
               log_x: bool = False, log_y: bool = False) -> None:
    """Writes the figure to `path` (.png, .svg or .pdf): one panel per report."""
    try:
        from matplotlib import rc_context
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'qnetlang[plot]'") from None
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"{path}: a plot is a {', '.join(FORMATS)} file")
    names = list(reports) if reports else sorted({name for _, result in sweep.points
                                                  for name in result.reports})
    first, others = sweep.parameters[0], sweep.parameters[1:]
    lines: dict[str, list[tuple[Any, Any]]] = {}  # a line per value of the other parameters
    for values, result in sweep.points:
        label = ", ".join(f"{name} = {values[name]}" for name in others)
        lines.setdefault(label, []).append((values[first], result))
    with rc_context({"svg.fonttype": "none"}):
        figure = Figure(figsize=(6.4, 2.2 + 2.4 * len(names)), layout="constrained")
        for row, name in enumerate(names):
            axes = figure.add_subplot(len(names), 1, row + 1)
            for label, points in lines.items():
                xs, unit, ticks = axis([value for value, _ in points])
                kept = sorted(((x, result.reports[name]) for x, (_, result) in
                               zip(xs, points, strict=True) if name in result.reports
                               and math.isfinite(result.reports[name].mean)),
                              key=lambda point: point[0])
                axes.errorbar([x for x, _ in kept], [s.mean for _, s in kept],
                              yerr=[s.stderr for _, s in kept], marker="o", capsize=3,
                              label=label or None)
                if ticks:
                    axes.set_xticks(xs, ticks)
            axes.set_xlabel(f"{first} ({unit})" if unit else first)
            kind = next((result.reports[name].kind for _, result in sweep.points
                         if name in result.reports), "mean")
            axes.set_ylabel(name if kind == "mean" else f"{name} ({kind})")
            if log_x:
                axes.set_xscale("log")
            if log_y:
                axes.set_yscale("log")
            if others:
                axes.legend()
        figure.suptitle(f"run {sweep.run}")
        figure.savefig(path)
