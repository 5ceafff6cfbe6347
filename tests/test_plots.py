"""Sweeps drawn (qnetlang/plots.py): read back from the SVG's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.plots import axis, plot_sweep
from qnetlang.results import RunResult, Summary, Sweep


def test_values_become_positions_and_a_unit() -> None:
    assert axis(["1 km", "10 km", "2.5e1 km"]) == ([1.0, 10.0, 25.0], "km", None)
    assert axis([16, 64]) == ([16.0, 64.0], None, None)
    assert axis(["1 km", "2 ms"]) == ([0, 1], None, ["1 km", "2 ms"])
    assert axis(["pi / 4", "pi / 2"]) == ([0, 1], None, ["pi / 4", "pi / 2"])


def point(mean: float) -> RunResult:
    result = RunResult("r", "p", "sim", "statevector", 100, 1)
    result.reports = {"fidelity": Summary(mean, 0.01, 100, {})}
    return result


def test_a_line_per_value_of_the_second_parameter(tmp_path: Path) -> None:
    sweep = Sweep("chain", ["length", "t2"],
                  [({"length": f"{km} km", "t2": t2}, point(1 - km / 100))
                   for t2 in ("1 ms", "10 ms") for km in (10, 20, 40)])
    path = tmp_path / "chain.svg"
    plot_sweep(sweep, path, log_x=True)
    drawing = path.read_text()
    assert "length (km)" in drawing and "fidelity" in drawing
    assert "t2 = 1 ms" in drawing and "t2 = 10 ms" in drawing and "run chain" in drawing
    with pytest.raises(ValueError, match="png"):
        plot_sweep(sweep, tmp_path / "chain.gif")


def test_a_parameter_named_like_a_column_is_refused() -> None:
    with pytest.raises(ValueError, match="mean"):
        Sweep("r", ["mean"])
