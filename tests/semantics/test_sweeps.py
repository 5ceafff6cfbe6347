"""A run's sweeps: the values each axis takes, written back as source text, the grid
they make, and the run built at the first point."""

from __future__ import annotations

import pytest

from qnetlang.pipeline import check
from qnetlang.semantics import Options
from qnetlang.source import SourceFile
from qnetlang.syntax.formatting import formatted
from qnetlang.syntax.parser import parse_source

PROGRAM = """
network lab(L: length = 1 km) {
  node a { qubits 2; }
  node b { qubits 2; }
  link a <-> b { classical fiber(length = L); quantum fiber(length = L); }
}

protocol p(n: int = 1, gap: time = 1 us, p: float = 0.5, name: string = "x",
           flags: bool[2] = [true, false]) {
  role first { for i in 0..n { wait gap; } report p = p; }
}

run p on lab with first = a { SWEEPS }
"""


def axes(sweeps: str, **given: str) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    text = PROGRAM.replace("SWEEPS", sweeps)
    result = check(SourceFile("s.qnet", text), None, Options(arguments=given))
    assert result.ir is not None, [d.message for d in result.diagnostics]
    return [(axis.names, axis.values) for axis in result.ir.runs[0].sweep]


def values(sweep: str) -> list[str]:
    ((_, rows),) = axes(sweep)
    return [row[0] for row in rows]


@pytest.mark.parametrize(("sweep", "expected"), [
    ("sweep p in 0.0 ..= 0.1 step 0.02;", ["0.0", "0.02", "0.04", "0.06", "0.08", "0.1"]),
    ("sweep p in 0.0 .. 0.1 step 0.02;", ["0.0", "0.02", "0.04", "0.06", "0.08"]),
    ("sweep p in 0.3 ..= 0.0 step -0.1;", ["0.3", "0.2", "0.1", "0.0"]),
    ("sweep p in 0.001 ..= 1 step * 10;", ["0.001", "0.01", "0.1", "1.0"]),
    ("sweep n in 1 ..= 4;", ["1", "2", "3", "4"]),
    ("sweep n in 1 ..= 16 step * 2;", ["1", "2", "4", "8", "16"]),
    ("sweep n in 10 .. 0 step -5;", ["10", "5"]),
    ("sweep L in 1 km ..= 41 km step 10 km;", ["1 km", "11 km", "21 km", "31 km", "41 km"]),
    ("sweep L in 500 m ..= 2 km step 500 m;", ["500 m", "1000 m", "1500 m", "2000 m"]),
    ("sweep L in [1 km, 500 m, 2 * 1 km];", ["1 km", "0.5 km", "2 km"]),
    ("sweep gap in 1 us ..= 1 ms step * 10;", ["1 us", "10 us", "100 us", "1000 us"]),
    ("sweep p in [0.5, 1 / 3, pi / 4];", ["0.5", "0.3333333333333333", "0.7853981633974483"]),
    ("sweep name in [\"a\", \"b\\\"c\"];", ['"a"', '"b\\"c"']),
    ("sweep flags in [[true, true], [false, true]];", ["[true, true]", "[false, true]"]),
])
def test_the_values_of_an_axis(sweep: str, expected: list[str]) -> None:
    assert values(sweep) == expected


def test_values_are_written_in_their_own_units_and_kept_exact() -> None:
    text = PROGRAM.replace("flags: bool[2] = [true, false]",
                           "pair: (length, time) = (1 km, 1 us)")
    sweep = "sweep pair in [(1 km, 2 us), (3 m, 4 ms)];"
    result = check(SourceFile("s.qnet", text.replace("SWEEPS", sweep)))
    assert result.ir is not None
    assert result.ir.runs[0].sweep[0].values == [("(1 km, 2 us)",), ("(0.003 km, 4000 us)",)]
    # a range's first value is as written, however small beside its step
    assert values("sweep gap in 1 us ..= 1 s step 250 ms;") == \
        ["1 us", "250001 us", "500001 us", "750001 us"]
    assert values("sweep p in [pi]; ") == ["3.141592653589793"]


def test_sweeps_make_a_grid_and_with_zips() -> None:
    found = axes("sweep n in [1, 2] with p in [0.1, 0.2]; sweep L in [1 km, 2 km, 3 km];")
    assert found == [(("n", "p"), [("1", "0.1"), ("2", "0.2")]),
                     (("L",), [("1 km",), ("2 km",), ("3 km",)])]


def test_a_parameter_given_from_outside_leaves_the_grid() -> None:
    sweeps = "sweep n in [1, 2] with p in [0.1, 0.2]; sweep L in [1 km, 2 km];"
    assert axes(sweeps, L="5 km", n="3") == [(("p",), [("0.1",), ("0.2",)])]


def test_the_run_is_built_at_the_first_point() -> None:
    text = PROGRAM.replace("SWEEPS", "sweep L in [3 km, 1 km]; sweep n in 4 ..= 5;")
    result = check(SourceFile("s.qnet", text))
    assert result.ir is not None
    run = result.ir.runs[0]
    assert run.arguments["n"] == 4
    assert {channel.length for channel in run.network.channels} == {3000.0}


def test_a_sweep_prints_as_written() -> None:
    text = PROGRAM.replace("SWEEPS", "\n  sweep L in 1 km..=9 km step*3 with n in [1,2, 3];\n"
                                     "  sweep p in 0.0 .. 1.0 step 0.5;\n")
    text = formatted(parse_source(SourceFile("s.qnet", text)))
    assert "  sweep L in 1 km ..= 9 km step * 3 with n in [1, 2, 3];\n" in text
    assert "  sweep p in 0.0 .. 1.0 step 0.5;\n" in text


def test_sweep_and_step_are_names_outside_a_sweep() -> None:
    text = PROGRAM.replace("n: int = 1", "step: int = 1, sweep: int = 2, n: int = 1").replace(
        "SWEEPS", "sweep step in 1 ..= 3 step 2; sweep sweep in [2, 3];").replace(
        "report p = p;", "int sweep = step; report p = p;")
    result = check(SourceFile("s.qnet", text))
    assert result.ir is not None, [d.message for d in result.diagnostics]
    assert [axis.values for axis in result.ir.runs[0].sweep] == [[("1",), ("3",)],
                                                                 [("2",), ("3",)]]


def test_a_swept_parameter_is_not_named_like_a_column() -> None:
    text = PROGRAM.replace("n: int = 1", "value: int = 1, n: int = 1").replace(
        "SWEEPS", "sweep value in [1, 2];")
    result = check(SourceFile("s.qnet", text))
    assert [d.code for d in result.diagnostics] == ["E0516"]
    assert "cannot be named `value`" in result.diagnostics[0].message


def test_a_half_open_range_with_equal_ends_is_empty() -> None:
    text = PROGRAM.replace("SWEEPS", "sweep n in 4 .. 4;")
    result = check(SourceFile("s.qnet", text))
    assert [d.message for d in result.diagnostics] == ["the sweep of `n` has no values"]


def test_the_duration_is_swept_and_given_like_a_parameter() -> None:
    """`duration` is a setting, swept in its own units: the run is built at the first
    point's duration, `--set duration=...` fixes it, and a setting may name a parameter
    of the protocol (`duration = gap * 4`), which a sweep of that parameter then moves."""
    sweep = "sweep duration in 1 ms ..= 3 ms step 1 ms;"
    assert axes(sweep) == [(("duration",), [("1 ms",), ("2 ms",), ("3 ms",)])]
    assert axes(sweep, duration="5 ms") == []
    text = PROGRAM.replace("SWEEPS", sweep)
    result = check(SourceFile("s.qnet", text))
    assert result.ir is not None and result.ir.runs[0].settings["duration"] == 1e-3
    given = check(SourceFile("s.qnet", text), None, Options(arguments={"duration": "5 ms"}))
    assert given.ir is not None and given.ir.runs[0].settings["duration"] == 5e-3
    derived = check(SourceFile("s.qnet", PROGRAM.replace(
        "SWEEPS", "duration = gap * 4; sweep gap in [1 us, 3 us];")))
    assert derived.ir is not None and derived.ir.runs[0].settings["duration"] == 4e-6
    twice = check(SourceFile("s.qnet", PROGRAM.replace("SWEEPS", "duration = 1 ms; " + sweep)))
    assert [d.message for d in twice.diagnostics] == ["`duration` is given a value and swept"]
