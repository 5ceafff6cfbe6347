"""A run's `sweep`s: each axis's values, checked against the swept parameter and written
back as .qnet source text.

The values travel as text because a point of a sweep is the run checked again with
those values given, as `qnetc run --set` gives them: the same text is what tables,
CSV files and plots show, and what a Dask worker receives. The run's own IR is built
at the sweep's first point, so `qnetc check` checks one whole point before any runs.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

from qnetlang import types as t
from qnetlang.codes import Code
from qnetlang.diagnostics import Note, did_you_mean
from qnetlang.ir import nodes as ir
from qnetlang.semantics.context import Context
from qnetlang.semantics.lower import Lowerer, LoweringError
from qnetlang.runtime.events import MAX_SECONDS
from qnetlang.semantics.typecheck import expect
from qnetlang.syntax import ast
from qnetlang.syntax.printer import quote
from qnetlang.syntax.visitor import walk
from qnetlang.units import (ATTENUATION, FREQUENCY, LENGTH, LOSS, SPEED, TIME, Dimension,
                            parse_unit)

MAX_POINTS = 100_000  # points of a run's grid: each is a run of its own
_SI_UNITS = {LENGTH: "m", TIME: "s", FREQUENCY: "Hz", LOSS: "dB", ATTENUATION: "dB/m",
             SPEED: "m/s"}
_LITERALS = (ast.IntLit, ast.FloatLit, ast.Quantity, ast.BoolLit, ast.StringLit)


@dataclass
class SweptRun:
    """The axes of a run's grid, and the first point's values of the swept parameters
    of its protocol and of its network (which the run's IR is built with)."""

    axes: list[ir.SweepAxis] = field(default_factory=list)
    protocol: dict[str, Any] = field(default_factory=dict)
    network: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


# The run settings a sweep (or `--set`) may vary like a parameter: the simulated time.
SWEPT_SETTINGS: dict[str, t.Type] = {"duration": t.Quantity(TIME)}


def sweep_of(ctx: Context, run: ast.Run, protocol: ast.Protocol,
             network: ast.Network) -> SweptRun | None:
    """The run's sweep; None after an error (reported). A parameter given a value with
    `--set` is not swept: its axis is dropped (and it leaves a zipped group)."""
    params = {param.name: param for param in network.params}
    params.update({param.name: param for param in protocol.params})  # as `--set` prefers
    given = set(ctx.options.arguments)
    written = {arg.name for arg in run.args + run.network_args}
    settings = {setting.name for setting in run.settings}
    swept = SweptRun()
    seen: dict[str, ast.SweepAxis] = {}
    failed = False
    for sweep in run.sweeps:
        columns: list[tuple[ast.SweepAxis, list[tuple[Any, str]]]] = []
        for axis in sweep.axes:
            param = params.get(axis.name)
            if axis.name in seen:
                ctx.error(Code.DUPLICATE_NAME, f"`{axis.name}` is swept twice", axis.span,
                          notes=[Note("swept first here", seen[axis.name].span)])
                failed = True
                continue
            seen[axis.name] = axis
            if axis.name in ir.RESULT_COLUMNS:
                ctx.error(Code.BAD_SWEEP, f"a swept parameter cannot be named `{axis.name}`: "
                          "the sweep's tables have a column of that name", axis.span,
                          help=f"rename the parameter (the columns: "
                               f"{', '.join(ir.RESULT_COLUMNS)})")
                failed = True
                continue
            if param is None and axis.name not in SWEPT_SETTINGS:
                ctx.error(Code.UNKNOWN_ARGUMENT, f"the run has no parameter `{axis.name}` to "
                          "sweep", axis.span,
                          help=did_you_mean(axis.name, [*params, *SWEPT_SETTINGS]) or
                          f"the parameters of its protocol and network: "
                          f"{', '.join(sorted(params)) or 'none'}, and the setting "
                          f"`duration`")
                failed = True
                continue
            where = "arguments" if axis.name in written else "settings" \
                if param is None and axis.name in settings else None
            if where is not None and axis.name not in given:
                ctx.error(Code.DUPLICATE_NAME, f"`{axis.name}` is given a value and swept",
                          axis.span, help=f"remove `{axis.name} = ...` from the run's "
                                          f"{where}, or the sweep")
                failed = True
                continue
            symbol = ctx.symbol(param) if param is not None else None
            type_ = symbol.type if symbol is not None else SWEPT_SETTINGS.get(axis.name)
            if type_ is None:
                failed = True
                continue
            try:
                values = _Axis(ctx, axis, type_).values()
                if param is None:
                    _check_setting(ctx, axis, values)
            except LoweringError:
                failed = True
                continue
            if axis.name not in given:
                columns.append((axis, values))
        if not columns:
            continue
        lengths = {len(values) for _, values in columns}
        if len(lengths) > 1:
            counts = ", ".join(f"`{axis.name}` has {len(values)}" for axis, values in columns)
            ctx.error(Code.BAD_SWEEP, "parameters swept in step need as many values each: "
                      f"{counts}", sweep.span,
                      help="give them lists of one length, or sweep them in separate "
                           "`sweep` statements to make a grid")
            failed = True
            continue
        names = tuple(axis.name for axis, _ in columns)
        rows = [tuple(text for _, text in row)
                for row in zip(*(values for _, values in columns), strict=True)]
        swept.axes.append(ir.SweepAxis(names, rows, span=sweep.span))
        for axis, values in columns:
            first = swept.protocol if any(p.name == axis.name for p in protocol.params) \
                else swept.network if axis.name in params else swept.settings
            first[axis.name] = values[0][0]
    if failed:
        return None
    points = math.prod(len(axis.values) for axis in swept.axes)
    if points > MAX_POINTS:
        ctx.error(Code.BAD_SWEEP, f"the run's sweep has {points:,} points, more than qnetc "
                  f"runs in one go ({MAX_POINTS:,})", run.sweeps[0].span,
                  help="sweep fewer values, or split the grid among several runs")
        return None
    return swept


def _check_setting(ctx: Context, axis: ast.SweepAxis, values: list[tuple[Any, str]]) -> None:
    """A swept run setting takes only values the setting itself takes (`duration`: a time
    greater than 0 and at most MAX_SECONDS), each checked before any point runs."""
    for value, text in values:
        if not 0 < value <= MAX_SECONDS:
            raise Lowerer(ctx).fail(Code.BAD_SWEEP, f"the sweep of `{axis.name}` has `{text}`: "
                                    f"the run's duration is a time greater than 0 and at "
                                    f"most {MAX_SECONDS:g} s", axis)


class _Axis:
    """One `name in values` of a sweep: its values, each with its text."""

    def __init__(self, ctx: Context, axis: ast.SweepAxis, type_: t.Type) -> None:
        self.ctx = ctx
        self.axis = axis
        self.type = type_
        self.lowerer = Lowerer(ctx)
        self.units = _display_units(axis)

    def fail(self, message: str, node: ast.Node, **extra: Any) -> LoweringError:
        return self.lowerer.fail(Code.BAD_SWEEP, message, node, **extra)

    def values(self) -> list[tuple[Any, str]]:
        found = self.stepped() if isinstance(self.axis.values, ast.Range) else self.listed()
        if not found:
            raise self.fail(f"the sweep of `{self.axis.name}` has no values", self.axis)
        seen: set[str] = set()
        for _, text in found:
            if text in seen:
                raise self.fail(f"the sweep of `{self.axis.name}` has `{text}` twice",
                                self.axis, help="each value is a point of its own: give each "
                                                "once")
            seen.add(text)
        if len(found) > MAX_POINTS:
            raise self.fail(f"the sweep of `{self.axis.name}` has {len(found):,} values, more "
                            f"than qnetc runs in one go ({MAX_POINTS:,})", self.axis,
                            help="sweep a coarser step")
        return found

    def listed(self) -> list[tuple[Any, str]]:
        values = self.axis.values
        assert isinstance(values, ast.Expr)
        found = self.ctx.type_of(values)
        if t.is_error(found):
            raise LoweringError("reported")
        if not isinstance(found, t.Array):
            raise self.fail(f"a sweep takes a list of values or a range, not "
                            f"{t.describe(found)}", values,
                            help=f"e.g. `sweep {self.axis.name} in [a, b, c];` or "
                                 f"`sweep {self.axis.name} in a ..= b step s;`")
        errors = len(self.ctx.diagnostics)
        expect(self.ctx, self.type, found.element, values, f"the values of `{self.axis.name}`")
        if len(self.ctx.diagnostics) > errors:
            raise LoweringError("reported")
        constant = self.lowerer.constant(values, f"the values of `{self.axis.name}`")
        items = values.items if isinstance(values, ast.ArrayExpr) else None
        texts = []
        for index, value in enumerate(constant):
            item = items[index] if items is not None else None
            plain = item is not None and _is_literal(item) and not isinstance(
                item, ast.Quantity) and self.type in (t.INT, t.BOOL, t.STRING, t.FLOAT)
            texts.append(self.text_of(item) if plain else
                         value_text(value, self.type, self.units, None))
        return list(zip(constant, texts, strict=True))

    def stepped(self) -> list[tuple[Any, str]]:
        bounds = self.axis.values
        assert isinstance(bounds, ast.Range)
        name = self.axis.name
        if not (self.type == t.INT or isinstance(self.type, t.Quantity)):
            raise self.fail(f"`{name}` is {t.describe(self.type)}: a range sweeps numbers",
                            bounds, help=f"list its values: `sweep {name} in [a, b];`")
        parts = [("start", bounds.start), ("end", bounds.stop)]
        if self.axis.step is not None:
            parts.append(("step", self.axis.step))
        numbers: dict[str, float] = {}
        for part, expr in parts:
            found = self.ctx.type_of(expr)
            if t.is_error(found):
                raise LoweringError("reported")
            wanted = t.FLOAT if part == "step" and self.axis.geometric else self.type
            errors = len(self.ctx.diagnostics)
            expect(self.ctx, wanted, found, expr, f"the range's {part}")
            if len(self.ctx.diagnostics) > errors:
                raise LoweringError("reported")
            value = self.lowerer.constant(expr, f"the range's {part}")
            if not math.isfinite(value):
                raise self.fail(f"the range's {part} is {value}", expr)
            numbers[part] = float(value)
        start, end = numbers["start"], numbers["end"]
        step = numbers.get("step")
        if step is None:
            if self.type != t.INT:
                raise self.fail(f"a range of {t.describe(self.type)} needs a step", bounds,
                                help="add one: `step 0.1` adds it each time, `step * 10` "
                                     "multiplies by it")
            if end < start:
                raise self.fail(f"the range falls from {start:g} to {end:g}: it needs a "
                                "negative step", bounds, help="add `step -1`")
            step = 1.0
        if self.axis.geometric:
            values = self.geometric(start, end, step)
        else:
            values = self.linear(start, end, step)
        if self.type == t.INT:
            if any(value != round(value) for value in values):
                raise self.fail(f"`{name}` is an int, but its range reaches values that are "
                                "not whole", self.axis)
            return [(int(round(v)), str(int(round(v)))) for v in values]
        return [(value, value_text(value, self.type, self.units, 12)) for value in values]

    def linear(self, start: float, end: float, step: float) -> list[float]:
        assert self.axis.step is not None or step == 1.0
        at = self.axis.step if self.axis.step is not None else self.axis
        if step == 0:
            raise self.fail("a range's step cannot be zero", at)
        if (end - start) * step < 0:
            shown = value_text(step, self.type, self.units, 12)
            raise self.fail(f"the step {shown} leads away from the range's end", at,
                            help="the range rises: give a positive step" if end > start
                            else "the range falls: give a negative step")
        count = self._count((end - start) / step)
        if count == 0:
            return []
        tiny = 1e-9 * abs(step)  # rounding where a range crosses zero
        return [start] + [value if abs(value) > tiny else 0.0
                          for value in (start + index * step for index in range(1, count))]

    def geometric(self, start: float, end: float, ratio: float) -> list[float]:
        assert self.axis.step is not None
        if start <= 0 or end <= 0:
            raise self.fail("a range stepped by multiplying needs ends above zero",
                            self.axis.values)
        if ratio <= 0 or ratio == 1:
            raise self.fail(f"a range's ratio must be above zero and other than 1: it is "
                            f"{_number(ratio, 12)}", self.axis.step)
        if (end - start) * (ratio - 1) < 0:
            raise self.fail(f"the ratio {_number(ratio, 12)} leads away from the range's end",
                            self.axis.step, help="the range rises: give a ratio above 1"
                            if end > start else "the range falls: give a ratio below 1")
        count = self._count(math.log(end / start) / math.log(ratio))
        return [start * ratio ** index for index in range(count)]

    def _count(self, steps: float) -> int:
        """Values in a range `steps` steps long (its end counted when the range takes it,
        within rounding: 0.0 ..= 0.1 step 0.02 has six)."""
        assert isinstance(self.axis.values, ast.Range)
        if steps > MAX_POINTS:
            raise self.fail(f"the sweep of `{self.axis.name}` has more than {MAX_POINTS:,} "
                            "values", self.axis, help="sweep a coarser step")
        if self.axis.values.inclusive:
            return math.floor(steps + 1e-9) + 1
        return max(0, math.ceil(steps - 1e-9))

    def text_of(self, node: ast.Node) -> str:
        span = node.span
        assert span is not None
        return self.ctx.sources[span.file].text[span.start:span.end]


def _is_literal(node: ast.Expr) -> bool:
    if isinstance(node, ast.Unary) and node.op == "-":
        node = node.operand
    return isinstance(node, _LITERALS)


def _display_units(axis: ast.SweepAxis) -> dict[Dimension, str]:
    """The unit a swept quantity of each dimension is written in: the first unit of that
    dimension the axis is written with (the SI unit for the others)."""
    units: dict[Dimension, str] = {}
    for literal in walk(axis):  # parents first, then children in the order written
        if isinstance(literal, ast.Quantity):
            units.setdefault(parse_unit(literal.unit).dimension, literal.unit)
    return units


def value_text(value: Any, type_: t.Type, units: dict[Dimension, str],
               digits: int | None) -> str:
    """A constant of a type as .qnet source; a quantity in the unit of its dimension in
    `units` (else SI), rounded to `digits` significant digits (which hides a range's
    rounding: 0.3, not 0.30000000000000004), or exactly with None."""
    if isinstance(type_, t.Array):
        return "[" + ", ".join(value_text(item, type_.element, units, digits)
                               for item in value) + "]"
    if isinstance(type_, t.Tuple):
        return "(" + ", ".join(value_text(item, kind, units, digits)
                               for item, kind in zip(value, type_.items, strict=True)) + ")"
    if type_ == t.BOOL:
        return "true" if value else "false"
    if type_ == t.STRING:
        return quote(str(value))
    if isinstance(type_, t.Quantity):
        unit = units.get(type_.dimension) or _SI_UNITS.get(type_.dimension)
        if unit is None:  # a float, written as one
            text = _number(float(value), digits)
            return text if any(c in text for c in ".en") else text + ".0"
        scale = parse_unit(unit).scale
        # Exact in SI; in another unit the division's rounding undone by 15 digits (4 ms
        # in us is 4000, not 4000.0000000000005).
        return f"{_number(float(value) / scale, digits or (None if scale == 1 else 15))} {unit}"
    return str(int(value))


def _number(value: float, digits: int | None) -> str:
    """`value` to `digits` significant digits, or with None exactly."""
    return repr(value) if digits is None else f"{value:.{digits}g}"


def source_text(value: Any) -> str:
    """A Python value as .qnet source: `True` is `true`, a list `[...]`; a string is
    taken as written (`"10 km"`, `"pi / 4"`)."""
    if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):  # numpy's integers too
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str):
        return value
    if not isinstance(value, (list, tuple)) and not hasattr(value, "__array__"):
        raise TypeError(f"{value!r} is not a value of the language: give a number, a truth "
                        "value, a list of them, or .qnet source as a string")
    return "[" + ", ".join(source_text(item) for item in value) + "]"
