"""qnetlang as a library: load a program, choose a run, simulate it, compile it, sample
its circuit. One function per stage, with the defaults `qnetc` uses, so that a notebook,
a script and the command line get the same numbers for the same program and seed.

    import qnetlang
    program = qnetlang.load("examples/teleport.qnet")
    result = program.simulate(shots=2000, seed=1)
    result.reports["recovered"].mean

A program with errors raises ProgramError, which carries the diagnostics; a run that
fails while it runs raises RunFailed (E09xx), one that cannot be compiled CompileFailed
(E1001); all three are QnetError.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qnetlang.diagnostics import Diagnostic, HumanRenderer, Note
from qnetlang.ir import nodes as ir
from qnetlang.pipeline import CheckResult, check, decode
from qnetlang.semantics import Options
from qnetlang.semantics.sweeps import source_text
from qnetlang.source import SourceFile

if TYPE_CHECKING:
    from qnetlang.compiler.circuit import Circuit
    from qnetlang.executors import DaskExecutor
    from qnetlang.results import Sweep
    from qnetlang.runtime.limits import Limits
    from qnetlang.results import RunResult

class QnetError(Exception):
    """A diagnostic that stops the work asked for; `diagnostics` has every one of them,
    and str() renders them as `qnetc` prints them."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, SourceFile]) -> None:
        self.diagnostics = diagnostics
        self.sources = sources
        self.sweep: Sweep | None = None  # a sweep's points done before the one that failed
        renderer = HumanRenderer(sources)
        super().__init__("\n".join(renderer.render(d) for d in diagnostics).rstrip())

    def __reduce__(self) -> tuple[Any, ...]:  # back from a Dask worker whole
        return (type(self), (self.diagnostics, self.sources))


class ProgramError(QnetError):
    """The program has errors: it does not parse, or a check refuses it."""


class RunFailed(QnetError):
    """A run stopped while it ran (an assertion, a value out of range, a limit)."""


class CompileFailed(QnetError):
    """A run outside the compilable subset (E1001)."""


Value = bool | int | float | str | Sequence[Any]  # a parameter's value given from Python


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C: `sweep` has the points finished before it."""

    def __init__(self, sweep: Sweep, planned: int) -> None:
        super().__init__(f"{len(sweep.points)} of {planned} points done")
        self.sweep = sweep
        self.planned = planned


def load(path: str | Path, *, search_path: Sequence[str | Path] = (),
         arguments: Mapping[str, Value] | None = None) -> Program:
    """The checked program of a .qnet file; its imports are looked up beside it, then in
    the standard library and `search_path`. `arguments` give parameters of its runs
    other values, as `qnetc run --set` does."""
    path = Path(path)
    source = decode(path.read_bytes(), str(path))
    if isinstance(source, CheckResult):
        raise ProgramError(source.diagnostics, source.sources)
    return _checked(source, path, Options([Path(p) for p in search_path],
                                          _texts(arguments or {})))


def loads(text: str, *, name: str = "<string>", search_path: Sequence[str | Path] = (),
          arguments: Mapping[str, Value] | None = None) -> Program:
    """The checked program of .qnet source text (imports are looked up in the working
    folder, the standard library and `search_path`)."""
    return _checked(SourceFile(name, text), None,
                    Options([Path(p) for p in search_path], _texts(arguments or {})))


def _checked(source: SourceFile, path: Path | None, options: Options) -> Program:
    result = check(source, path, options)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors or result.ir is None:
        raise ProgramError(errors or result.diagnostics, result.sources)
    return Program(result, path, options)


def _simulate_point(task: tuple[dict[str, str], int],
                    shared: tuple[str, str, Path | None, Options, str, int | None,
                                  str | None, bool, Limits | None]) -> RunResult:
    """One point of a sweep on a worker (a Dask worker, or one of `--jobs` processes): the
    program checked there with the point's values, and its run simulated at the point's
    seed."""
    arguments, seed = task
    text, name, path, options, run, shots, engine, samples, limits = shared
    given = replace(options, arguments={**options.arguments, **arguments})
    program = _checked(SourceFile(name, text), path, given)
    return program.simulate(run, shots=shots, seed=seed, engine=engine, samples=samples,
                            limits=limits)


def _close(results: Iterable[Any]) -> None:
    """Stops a sweep's remaining points (a generator's pool of workers shuts down)."""
    close = getattr(results, "close", None)
    if close is not None:
        close()


def point_seed(seed: int, point: Mapping[str, Value]) -> int:
    """The seed of one point of a sweep: the run's seed and the point's values, mixed
    (the run's seed itself for the one point of a run that sweeps nothing)."""
    import numpy as np

    if not point:
        return seed
    text = ";".join(f"{name}={source_text(value)}" for name, value in sorted(point.items()))
    sequence = np.random.SeedSequence([seed, zlib.crc32(text.encode("utf-8"))])
    return int(sequence.generate_state(1)[0])


def _axis_span(run: ir.Run, over: Mapping[str, Any]) -> Any:
    """Where the run sweeps; None when `over` gives values too, which may be the ones at
    fault (a note cannot point at the command line)."""
    return None if over else next((axis.span for axis in run.sweep), None)


def _texts(arguments: Mapping[str, Value]) -> dict[str, str]:
    return {name: source_text(value) for name, value in arguments.items()}


@dataclass
class Program:
    """A program that checked clean: its runs, and what can be done with each."""

    checked: CheckResult
    path: Path | None = None
    options: Options = field(default_factory=Options)

    def given(self, **arguments: Value) -> Program:
        """The program again with these parameters of its runs set (checked anew)."""
        options = replace(self.options, arguments={**self.options.arguments,
                                                   **_texts(arguments)})
        return _checked(self.checked.source, self.path, options)

    @property
    def runs(self) -> list[str]:
        """The names of the runs, in the order of the file (a run's label, or else its
        protocol's name)."""
        return [run.name for run in self._ir.runs]

    @property
    def warnings(self) -> list[Diagnostic]:
        """What the checker warned of or noted (the program has no errors)."""
        return list(self.checked.diagnostics)

    @property
    def _ir(self) -> ir.Program:
        assert self.checked.ir is not None
        return self.checked.ir

    def run(self, name: str | None = None) -> ir.Run:
        """The run named `name`; without a name, the file's only run. Raises KeyError for
        a name the file does not have, ValueError when a name is needed."""
        runs = self._ir.runs
        if name is None:
            if len(runs) != 1:
                raise ValueError(f"the program has {len(runs)} runs: name one of "
                                 f"{', '.join(self.runs) or 'none'}")
            return runs[0]
        for run in runs:
            if run.name == name:
                return run
        raise KeyError(f"no run named `{name}` (the runs: {', '.join(self.runs) or 'none'})")

    def points(self, over: Mapping[str, Sequence[Value]] | None = None,
               run: str | None = None, *, zipped: bool = False) -> list[dict[str, Value]]:
        """The points a sweep of the run visits: the grid of its `sweep` statements, with
        `over`'s values in place of (or besides) them — a grid of its own, or taken in
        step with `zipped` — and the swept parameters in that order (`over`'s first)."""
        chosen = self.run(run)
        axes: list[list[dict[str, Value]]] = []
        if over:
            names = list(over)
            columns = [[over[name]] if isinstance(over[name], str) or
                       not isinstance(over[name], Iterable) else list(over[name])
                       for name in names]
            if zipped and len({len(column) for column in columns}) > 1:
                raise ValueError("zipped parameters need as many values each: " + ", ".join(
                    f"{n} has {len(c)}" for n, c in zip(names, columns, strict=True)))
            if zipped:
                axes.append([dict(zip(names, row, strict=True))
                             for row in zip(*columns, strict=True)])
            else:
                axes += [[{name: value} for value in column]
                         for name, column in zip(names, columns, strict=True)]
        for axis in chosen.sweep:  # a name given in `over` leaves its axis
            kept = [i for i, name in enumerate(axis.names) if name not in (over or {})]
            if kept and len(kept) < len(axis.names):
                raise ValueError(" and ".join(f"`{n}`" for n in axis.names) + " are swept "
                                 "in step (`with`): sweep all of them from outside, or none")
            if kept:
                axes.append([{axis.names[i]: row[i] for i in kept} for row in axis.values])
        points = [{name: value for part in combination for name, value in part.items()}
                  for combination in itertools.product(*axes)]
        if not points:
            raise ValueError("the sweep has no points: a parameter is given no values")
        return points

    def _one_point(self, run: str | None) -> ir.Run:
        """The run, which must not sweep: simulating or compiling it runs one point."""
        chosen = self.run(run)
        if chosen.sweep:
            names = [name for axis in chosen.sweep for name in axis.names]
            raise ValueError(f"run `{chosen.name}` sweeps {', '.join(names)}: sweep() runs "
                             f"every point; given({names[0]}=...) fixes a value")
        return chosen

    def sweep(self, over: Mapping[str, Sequence[Value]] | None = None,
              run: str | None = None, *, zipped: bool = False, shots: int | None = None,
              seed: int | None = None, engine: str | None = None, jobs: int = 1,
              executor: DaskExecutor | None = None,
              progress: Callable[[int, int], None] | None = None,
              samples: bool = False, limits: Limits | None = None) -> Sweep:
        """The run at every point of its sweep (see `points`). Each point has a seed of
        its own, drawn from the run's seed and the point's values, so that its numbers do
        not depend on the other points or their order; a run that sweeps nothing is one
        point, at the run's seed, as `simulate` runs it. `progress(done, points)` follows
        it; interrupted (Ctrl-C), it raises SweepInterrupted with the points done. A point
        that fails raises its error (which says which point it is) with the points done
        before it as its `sweep`. With `jobs` > 1 the points run side by side, each in
        one process."""
        from qnetlang.executors import local_map
        from qnetlang.results import Sweep, shots_and_seed
        from qnetlang.runtime.limits import Limits

        chosen = self.run(run)
        points = self.points(over, chosen.name, zipped=zipped)
        _, base = shots_and_seed(chosen, shots, seed)
        found = Sweep(chosen.name, list(points[0]))
        source = self.checked.source
        shared = (source.text, source.name, self.path, self.options, chosen.name, shots,
                  engine, samples, limits)
        tasks = [(_texts(point), point_seed(base, point)) for point in points]
        if executor is None and 1 < jobs <= len(points):  # points side by side, each
            limits = limits or Limits()  # with its share of the memory
            shared = (*shared[:-1], replace(limits, max_memory=limits.max_memory // jobs))
            results: Iterable[RunResult] = local_map(_simulate_point, tasks, shared, jobs)
        elif executor is None:
            results = (
                (self.given(**point) if point else self).simulate(chosen.name, shots=shots,
                                             seed=point_seed(base, point), engine=engine,
                                             jobs=jobs, samples=samples, limits=limits)
                for point in points)
        else:  # each point a task: the program's text goes to each worker once
            results = executor.map(_simulate_point, tasks, shared)
        try:
            for point, result in zip(points, results, strict=True):
                found.points.append((point, result))
                if progress is not None:
                    progress(len(found.points), len(points))
        except KeyboardInterrupt:
            _close(results)
            raise SweepInterrupted(found, len(points)) from None
        except QnetError as error:  # say which point: the others may be fine
            _close(results)
            point = points[len(found.points)]
            where = ", ".join(f"{name} = {source_text(value)}" for name, value in point.items())
            failed = type(error)([replace(d, notes=(*d.notes, Note(
                f"at the sweep's point {where}", _axis_span(chosen, over or {}))))
                for d in error.diagnostics], error.sources)
            failed.sweep = found
            raise failed from None
        return found

    def simulate(self, run: str | None = None, *, shots: int | None = None,
                 seed: int | None = None, engine: str | None = None, jobs: int = 1,
                 limits: Limits | None = None, tracer: Any = None,
                 progress: Any = None, executor: DaskExecutor | None = None,
                 samples: bool = False) -> RunResult:
        """The run on the discrete-event simulator. Shots and seed default to the run's
        `shots` and `seed` settings, else 1000 and 0; the engine to the density matrix
        where the network has noise, else the state vector. With `samples`, the result
        keeps every report's values shot by shot (`samples_frame()`)."""
        from qnetlang.runtime.batch import RuntimeFailure
        from qnetlang.results import shots_and_seed
        from qnetlang.runtime.runner import run_shots

        chosen = self._one_point(run)
        shots, seed = shots_and_seed(chosen, shots, seed)
        try:
            return run_shots(chosen, shots=shots, seed=seed, engine=engine, jobs=jobs,
                             limits=limits, tracer=tracer, progress=progress,
                             executor=executor, samples=samples)
        except RuntimeFailure as failure:
            raise RunFailed([failure.diagnostic], self.checked.sources) from None

    def circuits(self, run: str | None = None, *, randomness: str = "coin",
                 reuse: bool = False) -> list[Circuit]:
        """The run as circuits: one, or one per combination of random choices with
        randomness="enumerate"; narrowed by qubit reuse with `reuse`."""
        from qnetlang.compiler.lower import CompileError, lower_run
        from qnetlang.compiler.reuse import reuse_qubits

        try:
            circuits = lower_run(self.run(run), randomness)  # refuses a sweep (E1001)
        except CompileError as refusal:
            raise CompileFailed([refusal.diagnostic], self.checked.sources) from None
        return [reuse_qubits(circuit) for circuit in circuits] if reuse else circuits

    def compile(self, run: str | None = None, *, target: str = "qasm3",
                randomness: str = "coin", reuse: bool = False) -> list[str]:
        """Each circuit of the run as text: `qasm3` (the dynamic form), `qasm2` (the
        deferred form), `text` (a drawing), `qiskit` (a snippet) or `pattern`."""
        from qnetlang.compiler.emit import emit
        from qnetlang.compiler.lower import CompileError

        try:
            return [emit(circuit, target)
                    for circuit in self.circuits(run, randomness=randomness, reuse=reuse)]
        except CompileError as refusal:
            raise CompileFailed([refusal.diagnostic], self.checked.sources) from None

    def sample(self, run: str | None = None, *, backend: str = "aer",
               deferred: bool = False, shots: int | None = None, seed: int | None = None,
               randomness: str = "coin", reuse: bool = False) -> RunResult:
        """The run's circuits sampled on `backend` — `aer`, `pattern`, `fake:NAME` or
        `ibm:NAME` — with the same reports, and the same schema, as `simulate`."""
        from qnetlang.compiler.backends import run_circuits, run_patterns
        from qnetlang.compiler.lower import CompileError
        from qnetlang.runtime.batch import RuntimeFailure
        from qnetlang.results import shots_and_seed

        chosen = self.run(run)
        shots, seed = shots_and_seed(chosen, shots, seed)
        circuits = self.circuits(run, randomness=randomness, reuse=reuse)
        try:
            if backend == "pattern":
                return run_patterns(chosen, circuits, shots=shots, seed=seed)
            return run_circuits(chosen, circuits, shots=shots, seed=seed, backend=backend,
                                form="deferred" if deferred else "dynamic")
        except RuntimeFailure as failure:
            raise RunFailed([failure.diagnostic], self.checked.sources) from None
        except CompileError as refusal:  # a circuit with no pattern form
            raise CompileFailed([refusal.diagnostic], self.checked.sources) from None
