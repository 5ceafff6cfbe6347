"""What a run gives: each report's statistics, in one schema for every back end.

Below both the simulator (runtime/) and the compiler's back ends (compiler/backends.py),
which fill it in, and above nothing: the command line, the REPL and the library
print and convert it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qnetlang.ir import nodes as ir
from qnetlang.semantics.sweeps import source_text
from qnetlang.units import format_seconds

DEFAULT_SHOTS = 1000
DEFAULT_SEED = 0


def shots_and_seed(run: ir.Run, shots: int | None, seed: int | None) -> tuple[int, int]:
    """The shots and seed asked for, else the run's `shots` and `seed`, else the defaults:
    every back end counts them alike."""
    return (shots if shots is not None else int(run.settings.get("shots", DEFAULT_SHOTS)),
            seed if seed is not None else int(run.settings.get("seed", DEFAULT_SEED)))


def shown(value: float) -> str:
    """A number for a table: four decimals, or four significant digits where decimals
    would hide it (a key rate of 2.2e-4 per pulse, a dark yield of 1.7e-6)."""
    if value != 0 and math.isfinite(value) and abs(value) < 1e-3:
        return f"{value:.3e}"
    return f"{value:.4f}"


@dataclass
class Summary:
    """One report over all shots: its value — the mean of its values, their total, or
    the ratio of two totals, as its `kind` says — with the standard error of that value,
    the number of values and, for whole numbers, how often each came."""

    mean: float
    stderr: float
    n: int
    counts: dict[str, int]
    kind: str = "mean"

    def to_json(self) -> dict[str, Any]:
        """`{"mean", "stderr", "n", "counts"}`; a total or a ratio says its kind and
        names its value so (`{"kind": "ratio", "ratio": ...}`); a value that is not a
        number (a ratio of totals of 0) is null."""
        value = self.mean if math.isfinite(self.mean) else None
        stderr = self.stderr if math.isfinite(self.stderr) else None
        if self.kind == "mean":
            return {"mean": value, "stderr": stderr, "n": self.n, "counts": self.counts}
        return {"kind": self.kind, self.kind: value, "stderr": stderr, "n": self.n,
                "counts": self.counts}


def denominator_of(name: str) -> str:
    """Where a ratio report's denominators are kept beside its numerators (a report's
    name cannot have a `/`)."""
    return f"{name}/"


def report_kinds(run: ir.Run) -> dict[str, str]:
    """Each report's kind, from the run's code."""
    return {instr.name: instr.kind for role in run.roles.values() for instr in role.code
            if isinstance(instr, ir.Report)}


def summarise(samples: dict[str, list[np.ndarray]], kinds: dict[str, str]) -> dict[str, Summary]:
    """Each report's values (in pieces, as batches or circuits gave them) summed up as its
    kind says: a mean, a total, or a ratio of totals (numerators under the report's name,
    denominators beside them)."""
    return summaries(tallies_of(samples), kinds)


def summaries(tallies: dict[str, Tally], kinds: dict[str, str]) -> dict[str, Summary]:
    """Each report's summary, as its kind says, in the order of the reports' names."""
    return {name: tally.summary(kinds.get(name, "mean"))
            for name, tally in sorted(tallies.items())}


def tallies_of(samples: dict[str, list[np.ndarray]]) -> dict[str, Tally]:
    """Each report's tally; a ratio's denominators join its numerators' tally."""
    return {name: Tally.of(np.concatenate(parts),
                           np.concatenate(samples[denominator_of(name)])
                           if denominator_of(name) in samples else None)
            for name, parts in samples.items() if not name.endswith("/")}


@dataclass
class Tally:
    """A report's values summed up as they come, batch by batch, so that a run's memory
    does not grow with its shots: how many, their total, the sum of their squared
    deviations from the mean (merged as Chan, Golub and LeVeque do: no cancellation),
    how often each whole value came (None when the values are not whole), and for a
    ratio the same of its denominators and the numerators' co-moment with them."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0
    counts: dict[int, int] | None = field(default_factory=dict)
    below: float = 0.0  # a ratio's denominators: their total,
    below_squares: float = 0.0  # their squared deviations,
    co: float = 0.0  # and the sum of the products of both deviations

    @classmethod
    def of(cls, values: np.ndarray, denominators: np.ndarray | None = None) -> Tally:
        top = values.astype(float)
        n = len(top)
        tally = cls(n, float(top.sum()))
        if n:
            deviations = top - tally.total / n
            tally.squares = float(deviations @ deviations)
        if np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.bool_):
            keys, numbers = np.unique(values.astype(np.int64), return_counts=True)
            tally.counts = {int(k): int(c) for k, c in zip(keys, numbers, strict=True)}
        else:
            tally.counts = None
        if denominators is not None:
            bottom = denominators.astype(float)
            tally.below = float(bottom.sum())
            if n:
                below_deviations = bottom - tally.below / n
                tally.below_squares = float(below_deviations @ below_deviations)
                tally.co = float(deviations @ below_deviations)
        return tally

    def merge(self, other: Tally) -> None:
        """This tally and `other`'s, as one (in the order merged: the same for any
        number of processes, since batches merge in their order)."""
        n = self.n + other.n
        if other.n and self.n:
            weight = self.n * other.n / n
            top = other.total / other.n - self.total / self.n
            bottom = other.below / other.n - self.below / self.n
            self.squares += other.squares + top * top * weight
            self.below_squares += other.below_squares + bottom * bottom * weight
            self.co += other.co + top * bottom * weight
        elif other.n:
            self.squares, self.below_squares, self.co = \
                other.squares, other.below_squares, other.co
        self.n = n
        self.total += other.total
        self.below += other.below
        if self.counts is None or other.counts is None:
            self.counts = None
        else:
            for value, count in other.counts.items():
                self.counts[value] = self.counts.get(value, 0) + count

    def summary(self, kind: str = "mean") -> Summary:
        """The value of the report's kind and its standard error: a mean and its
        standard error; a total and sqrt(n) times the spread; a ratio of totals — the
        ratio of means, not the mean of ratios, which short shots bias — with the delta
        method's error, the spread of N - R D over sqrt(n) times the mean denominator."""
        n = self.n
        spread = math.sqrt(max(self.squares, 0.0) / (n - 1)) if n > 1 else 0.0
        if kind == "total":
            return Summary(self.total, math.sqrt(n) * spread, n, {}, "total")
        if kind == "ratio":
            if n == 0 or self.below == 0:
                return Summary(math.nan, math.nan, n, {}, "ratio")
            value = self.total / self.below
            residual = self.squares - 2 * value * self.co + value * value * self.below_squares
            error = math.sqrt(max(residual, 0.0) / (n - 1)) if n > 1 else 0.0
            return Summary(value, error / (math.sqrt(n) * abs(self.below / n)), n, {}, "ratio")
        counts = {str(value): count for value, count in sorted((self.counts or {}).items())}
        return Summary(self.total / n if n else 0.0, spread / math.sqrt(n) if n > 1 else 0.0,
                       n, counts)


@dataclass
class Samples:
    """One report's values shot by shot: shot `shots[i]` made `values[i]` (a shot that
    reports twice has two entries, one that never reports none)."""

    shots: np.ndarray
    values: np.ndarray


@dataclass
class RunResult:
    run: str
    protocol: str
    backend: str
    engine: str
    shots: int
    seed: int
    reports: dict[str, Summary] = field(default_factory=dict)
    sim_time_s: float = 0.0
    events: int = 0
    wall_s: float = 0.0
    samples: dict[str, Samples] | None = None  # shot by shot, when they were asked for

    def sample_columns(self) -> dict[str, np.ndarray]:
        """The per-shot values as columns: the seed, the shot, the report and its value,
        one row per value made (a ratio's denominators under `NAME/`). Raises ValueError
        when the run was not asked to keep them (`samples=True`, `--samples`)."""
        if self.samples is None:
            raise ValueError(f"run `{self.run}` kept no per-shot values: simulate it with "
                             "samples=True")
        names = list(self.samples)
        sizes = [len(self.samples[name].shots) for name in names]
        values = [self.samples[name].values for name in names]
        return {"seed": np.full(sum(sizes), self.seed, dtype=np.int64),
                "shot": np.concatenate([self.samples[n].shots for n in names] or [[]]),
                "report": np.repeat(np.array(names, dtype=object), sizes),
                "value": np.concatenate(values) if values else np.array([])}

    def samples_frame(self) -> Any:
        """The per-shot values as a pandas DataFrame (see `sample_columns`)."""
        return _pandas("RunResult.samples_frame").DataFrame(self.sample_columns())

    def to_json(self) -> dict[str, Any]:
        """The result in the schema every backend prints (docs/runtime.md)."""
        return {
            "run": self.run, "protocol": self.protocol, "backend": self.backend,
            "engine": self.engine, "shots": self.shots, "seed": self.seed,
            "reports": {name: summary.to_json() for name, summary in self.reports.items()},
            "sim_time_s": self.sim_time_s, "events": self.events, "wall_s": self.wall_s,
        }

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per report: the run, its back end, shots and seed,
        the report's name, mean, standard error and count of values (pandas is the
        `data` extra)."""
        pandas = _pandas("RunResult.to_frame")
        rows = [{"run": self.run, "protocol": self.protocol, "backend": self.backend,
                 "engine": self.engine, "shots": self.shots, "seed": self.seed,
                 "report": name, "kind": summary.kind, "mean": summary.mean,
                 "stderr": summary.stderr, "count": summary.n}
                for name, summary in self.reports.items()]
        return pandas.DataFrame(rows, columns=["run", "protocol", "backend", "engine",
                                               "shots", *STATISTICS])

    def table(self) -> str:
        """The result for a terminal: a line on the run, then one per report (a total
        or a ratio says so beside its name; its value stands in the mean's column)."""
        where = f"engine {self.engine}" if self.backend == "sim" \
            else f"backend {self.backend}, {self.engine} circuit"
        lines = [f"run {self.run}: protocol {self.protocol}, {self.shots} shots, {where}, "
                 f"seed {self.seed}"]
        if self.reports:
            names = {name: name if summary.kind == "mean" else f"{name} ({summary.kind})"
                     for name, summary in self.reports.items()}
            width = max(len("report"), *(len(shown) for shown in names.values()))
            lines.append(f"  {'report':<{width}}  {'mean':>10}  {'stderr':>9}  {'n':>7}  counts")
            for name, summary in self.reports.items():
                counts = ", ".join(f"{k}: {v}" for k, v in summary.counts.items()) \
                    if 0 < len(summary.counts) <= 8 else ""
                lines.append(f"  {names[name]:<{width}}  {shown(summary.mean):>10}  "
                             f"{shown(summary.stderr):>9}  {summary.n:>7}  {counts}")
        else:
            lines.append("  (no reports)")
        if self.backend == "sim":
            lines.append(f"  simulated time per shot {format_seconds(self.sim_time_s)}, "
                         f"{self.events:,} events, {self.wall_s:.2f} s")
        else:
            lines.append(f"  {self.wall_s:.2f} s")
        return "\n".join(lines) + "\n"


STATISTICS = ("seed", "report", "kind", "mean", "stderr", "count")  # after a sweep's own


@dataclass
class Sweep:
    """A run at several points of its parameters: each point's values and its result."""

    run: str
    parameters: list[str]
    points: list[tuple[dict[str, Any], RunResult]] = field(default_factory=list)

    def __post_init__(self) -> None:
        clash = set(self.parameters) & set(ir.RESULT_COLUMNS)
        if clash:
            raise ValueError(f"a swept parameter cannot be named {', '.join(sorted(clash))}: "
                             "the rows have columns of that name")

    @property
    def columns(self) -> list[str]:
        return [*self.parameters, *STATISTICS]

    def rows(self) -> list[dict[str, Any]]:
        """One row per point and report: the parameters' values (as given), the point's
        seed, the report's name, mean, standard error and count of values."""
        return [{**values, "seed": result.seed, "report": name, "kind": summary.kind,
                 "mean": summary.mean, "stderr": summary.stderr, "count": summary.n}
                for values, result in self.points for name, summary in result.reports.items()]

    def to_frame(self) -> Any:
        """The rows as a pandas DataFrame (pandas is the `data` extra)."""
        return _pandas("Sweep.to_frame").DataFrame(self.rows(), columns=self.columns)

    def sample_columns(self) -> dict[str, np.ndarray]:
        """Every point's per-shot values (RunResult.sample_columns), after the point's
        parameters."""
        parts = []
        for values, result in self.points:
            columns = result.sample_columns()
            size = len(columns["shot"])
            parts.append({**{name: _filled(size, values[name]) for name in self.parameters},
                          **columns})
        names = [*self.parameters, "seed", "shot", "report", "value"]
        return {name: np.concatenate([part[name] for part in parts]) if parts
                else np.array([]) for name in names}

    def samples_frame(self) -> Any:
        """The per-shot values of every point as a pandas DataFrame."""
        return _pandas("Sweep.samples_frame").DataFrame(self.sample_columns())

    def write_csv(self, path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=self.columns)
            writer.writeheader()
            writer.writerows(self.rows())

    def write_parquet(self, path: Path) -> None:
        """The rows as a Parquet file (pandas and pyarrow: the `data` extra)."""
        frame = self.to_frame()
        for name in self.parameters:  # values as written: text, or numbers of one kind
            if frame[name].map(type).nunique() > 1:
                frame[name] = frame[name].map(str)
        frame.to_parquet(path, index=False)

    def table(self) -> str:
        """The rows for a terminal: aligned columns, numbers as `shown` writes them."""
        rows = [[str(row[name]) if name not in ("mean", "stderr") else shown(row[name])
                 for name in self.columns] for row in self.rows()]
        widths = [max(len(name), *(len(row[i]) for row in rows)) if rows else len(name)
                  for i, name in enumerate(self.columns)]
        points = f"{len(self.points)} point{'s' * (len(self.points) != 1)}"
        lines = [f"sweep of run {self.run} over {', '.join(self.parameters)}: {points}",
                 "  " + "  ".join(name.ljust(width) for name, width in
                                  zip(self.columns, widths, strict=True)).rstrip()]
        lines += ["  " + "  ".join(cell.ljust(width) for cell, width in
                                   zip(row, widths, strict=True)).rstrip() for row in rows]
        return "\n".join(lines) + "\n"


def _filled(size: int, value: Any) -> np.ndarray:
    """A column of one value (a list stays one value, written as .qnet source)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        value = source_text(value)
    return np.full(size, value, dtype=object)


def write_columns(columns: dict[str, np.ndarray], path: Path) -> None:
    """Columns of equal length as a CSV file, or as Parquet for a `.parquet` path (pandas
    and pyarrow, the `data` extra)."""
    if path.suffix.lower() == ".parquet":
        frame = _pandas("a Parquet file").DataFrame(columns)
        for name in frame.columns:  # values as written: text, or numbers of one kind
            if frame[name].dtype == object and frame[name].map(type).nunique() > 1:
                frame[name] = frame[name].map(str)
        frame.to_parquet(path, index=False)
        return
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        writer.writerows(zip(*(column.tolist() for column in columns.values()), strict=True))


def _pandas(what: str) -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(f"{what} needs pandas: pip install 'qnetlang[data]'") from None
    return pandas
