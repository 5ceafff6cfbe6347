"""`qnetc run FILE`: simulate every run of a file (or one) and print what it reported."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qnetlang.cli.common import (EXIT_ERRORS, EXIT_INTERRUPTED, EXIT_OK, Reporter, UsageError,
                                 assignment, add_argument_options, add_module_options,
                                 add_output_options, check_file, module_options, output_path)
from qnetlang.cli.compile import add_circuit_options, circuits_of
from qnetlang.quantum import ENGINE_NAMES

if TYPE_CHECKING:
    from qnetlang.runtime.limits import Limits
    from qnetlang.results import RunResult


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "run", help="simulate a protocol and print its reports",
        description="Checks a .qnet file, then simulates each of its runs (or the one named) "
                    "on the discrete-event simulator and prints every report's mean, standard "
                    "error and counts.")
    parser.add_argument("path", metavar="PATH")
    parser.add_argument("--run", metavar="NAME", help="only this run (its label or protocol)")
    parser.add_argument("--shots", type=_positive, help="shots (default: the run's `shots`)")
    parser.add_argument("--seed", type=_seed, help="seed, 0 or more (default: the run's `seed`, "
                                                 "else 0)")
    parser.add_argument("--engine", choices=ENGINE_NAMES,
                        help="quantum engine (default: density when the network has noise; "
                             "stabilizer for a Clifford program too wide for the others)")
    parser.add_argument("--jobs", type=_positive, default=1,
                        help="processes to run shots, or a sweep's points, in (results do not "
                             "depend on it)")
    parser.add_argument("--executor", default="local", metavar="local|dask[=ADDRESS]",
                        help="where batches of shots and sweep points run: this machine's "
                             "processes (local, the default: --jobs of them), or a Dask "
                             "cluster — the scheduler at ADDRESS, or without one a local "
                             "cluster of --jobs workers; the results do not depend on it")
    parser.add_argument("--max-steps", type=_positive, default=None, metavar="N",
                        help="instructions one batch of shots may execute, all roles "
                             "together, before the run stops with E0906 (default: 10,000,000)")
    parser.add_argument("--max-memory", type=_size, default=None, metavar="SIZE",
                        help="memory a run may take, e.g. 16GB or 512MiB; a run foreseen to "
                             "need more is refused with E0907 (default: half of this "
                             "machine's memory)")
    parser.add_argument("--time-limit", type=_seconds, default=None, metavar="SECONDS",
                        help="wall-clock seconds a run may take before it stops with E0906 "
                             "(default: no limit)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per run instead of a table")
    parser.add_argument("--trace", metavar="FILE",
                        help="write every send, arrival and timeout as JSON lines to FILE")
    parser.add_argument("--backend", type=_backend, default="sim",
                        help="sim: the built-in simulator (default); aer: compile the protocol "
                             "to one circuit and sample it on qiskit-aer; pattern: that circuit "
                             "as one MBQC pattern (noiseless); fake:NAME: on a noisy "
                             "device model; ibm:NAME: on IBM hardware (QISKIT_IBM_TOKEN)")
    parser.add_argument("--sweep", action="append", default=[], type=assignment,
                        metavar="NAME=VALUE",
                        help="run at these values of a parameter (`n=16,64,256`, or one "
                             "value a --sweep); other swept parameters make a grid of their "
                             "values; prints one row per point and report")
    parser.add_argument("--zip", action="store_true",
                        help="with --sweep: take the parameters' values in step, not as a grid")
    parser.add_argument("--csv", metavar="FILE", help="with --sweep: write the rows to FILE")
    parser.add_argument("--parquet", metavar="FILE",
                        help="with --sweep: write the rows to FILE as Parquet")
    parser.add_argument("--plot", metavar="FILE",
                        help="with --sweep: draw each report against the first swept "
                             "parameter (.png, .svg or .pdf)")
    parser.add_argument("--samples", metavar="FILE",
                        help="write every report's values shot by shot to FILE (.csv, or "
                             ".parquet): one row per value, with the point's parameters in "
                             "a sweep, its seed and the shot")
    parser.add_argument("--log-x", action="store_true", help="with --plot: a log x axis")
    parser.add_argument("--log-y", action="store_true", help="with --plot: a log y axis")
    parser.add_argument("--deferred", action="store_true",
                        help="with --backend aer: run the deferred-measurement circuit "
                             "instead of the dynamic one")
    add_circuit_options(parser)
    add_output_options(parser)
    add_argument_options(parser)
    add_module_options(parser)
    parser.set_defaults(handler=run)


def _backend(text: str) -> str:
    kind, colon, name = text.partition(":")
    if text in ("sim", "aer", "pattern") or (kind in ("fake", "ibm") and colon and name):
        return text
    raise argparse.ArgumentTypeError("use sim, aer, pattern, fake:NAME or ibm:NAME")


def _size(text: str) -> int:
    from qnetlang.runtime.limits import parse_size

    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _limits(args: argparse.Namespace) -> Limits:
    from qnetlang.runtime.limits import Limits

    chosen = {"max_steps": args.max_steps, "max_memory": args.max_memory,
              "max_seconds": args.time_limit}
    return Limits(**{name: value for name, value in chosen.items() if value is not None})


def _seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace) -> int:
    # The simulator needs numpy and the compiler qiskit; import them only when used.
    from qnetlang.compiler.backends import BackendError
    from qnetlang.compiler.lower import CompileError
    from qnetlang.driver import Program, QnetError
    from qnetlang.executors import ExecutorError, parse_executor
    from qnetlang.runtime.batch import RuntimeFailure

    try:
        executor = parse_executor(args.executor, args.jobs)
    except ValueError as error:
        raise UsageError(f"--executor {args.executor}: {error}") from None
    if executor is not None and args.backend != "sim":
        raise UsageError("--executor dask runs the simulator's batches and sweep points; "
                         "compiled circuits are sampled here")
    samples_path = _samples_path(args)
    reporter = Reporter(args)
    trace_path = output_path(args.trace, "--trace", [args.path]) if args.trace else None
    result = check_file(args.path, module_options(args))
    reporter.report(result)
    if not result.ok or result.ir is None:
        reporter.finish()
        return EXIT_ERRORS
    program = Program(result, None if args.path == "-" else Path(args.path),
                      module_options(args))
    runs = result.ir.runs
    if args.run is not None:
        runs = [r for r in runs if r.name == args.run]
        if not runs:
            names = ", ".join(r.name for r in result.ir.runs) or "none"
            raise UsageError(f"no run named `{args.run}` (the runs: {names})")
    if args.zip and not args.sweep:
        raise UsageError("--zip goes with --sweep")
    if (args.log_x or args.log_y) and not args.plot:
        raise UsageError("--log-x and --log-y go with --plot")
    # A run sweeps on the simulator when it has a `sweep`, or --sweep asks; the others
    # run as they are, after the sweeps.
    sweeping = [r.name for r in runs if args.sweep or (args.backend == "sim" and r.sweep)]
    if sweeping:
        try:
            code = _sweep(args, program, reporter, executor, sweeping, samples_path)
        except ExecutorError as error:
            raise UsageError(str(error)) from None
        if code != EXIT_OK:
            return code
        runs = [r for r in runs if r.name not in sweeping]
    elif args.csv or args.parquet or args.plot:
        raise UsageError("--csv, --parquet and --plot go with a sweep (a run's `sweep`, or "
                         "--sweep)")
    with contextlib.ExitStack() as stack:
        trace = stack.enter_context(trace_path.open("w", encoding="utf-8")) \
            if trace_path is not None else None
        for ir_run in runs:
            tracer = _tracer(trace, ir_run.name) if trace is not None else None
            try:
                if args.backend != "sim":
                    outcome = _on_circuits(ir_run, args, reporter)
                else:
                    outcome = program.simulate(
                        ir_run.name, shots=args.shots, seed=args.seed, engine=args.engine,
                        jobs=args.jobs, tracer=tracer, progress=_progress_bar(),
                        limits=_limits(args), executor=executor,
                        samples=samples_path is not None)
            except (RuntimeFailure, CompileError) as failure:  # on circuits
                reporter.report_diagnostic(failure.diagnostic)
                reporter.finish()
                return EXIT_ERRORS
            except QnetError as error:
                for diagnostic in error.diagnostics:
                    reporter.report_diagnostic(diagnostic, error.sources)
                reporter.finish()
                return EXIT_ERRORS
            except (BackendError, ExecutorError) as error:
                raise UsageError(str(error)) from None
            _print(outcome, args.json)
            if samples_path is not None:
                from qnetlang.results import write_columns

                write_columns(outcome.sample_columns(),
                              _per_run(samples_path, ir_run.name, len(runs)))
    reporter.finish()
    return EXIT_OK


def _samples_path(args: argparse.Namespace) -> Path | None:
    """Where --samples writes, refused before anything runs where it cannot."""
    if not args.samples:
        return None
    path = output_path(args.samples, "--samples", [args.path])
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise UsageError(f"--samples {args.samples}: name a .csv or .parquet file")
    if path.suffix.lower() == ".parquet" and importlib.util.find_spec("pyarrow") is None:
        raise UsageError("--samples FILE.parquet needs pyarrow: pip install 'qnetlang[data]'")
    if args.backend != "sim":
        raise UsageError("--samples keeps the simulator's values shot by shot: run it with "
                         "--backend sim")
    return path


def _sweep(args: argparse.Namespace, program: Any, reporter: Reporter,
           executor: Any, names: list[str], samples_path: Path | None) -> int:
    """Each of the runs at every point of its sweep and of --sweep's values, on the
    simulator."""
    from qnetlang.driver import QnetError, SweepInterrupted

    if args.backend != "sim" or args.trace:
        raise UsageError(f"run `{names[0]}` sweeps: a sweep runs on the simulator, without "
                         "--trace (--run chooses another run)")
    over: dict[str, list[str]] = {}
    for name, values in args.sweep:
        over.setdefault(name, []).extend(_items(values))
    fixed = {name for name, _ in args.arguments} & set(over)
    if fixed:
        raise UsageError(f"--set and --sweep both give {', '.join(sorted(fixed))}: "
                         "sweep it, or set it")
    csv_path = output_path(args.csv, "--csv", [args.path]) if args.csv else None
    parquet_path = output_path(args.parquet, "--parquet", [args.path]) if args.parquet else None
    if parquet_path is not None and importlib.util.find_spec("pyarrow") is None:
        raise UsageError("--parquet needs pyarrow: pip install 'qnetlang[data]'")
    plot_path = output_path(args.plot, "--plot", [args.path]) if args.plot else None
    if plot_path is not None and plot_path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UsageError(f"--plot {args.plot}: name a .png, .svg or .pdf file")
    if plot_path is not None and importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib: pip install 'qnetlang[plot]'")
    if args.zip and len({len(values) for values in over.values()}) > 1:
        raise UsageError("--zip needs as many values for each swept parameter")
    sweeps = []
    interrupted = None
    failure = None
    for name in names:
        try:
            sweeps.append(program.sweep(over or None, name, zipped=args.zip, shots=args.shots,
                                        seed=args.seed, engine=args.engine, jobs=args.jobs,
                                        executor=executor, samples=samples_path is not None,
                                        limits=_limits(args),
                                        progress=_progress_bar("points", least=2)))
        except (KeyError, ValueError) as error:  # an unknown run, a parameter named `mean`
            raise UsageError(str(error.args[0])) from None
        except QnetError as error:  # the points done before are kept, and written
            if error.sweep is not None and error.sweep.points:
                sweeps.append(error.sweep)
            failure = error
            break
        except SweepInterrupted as stop:  # what is done is kept, and written
            sweeps.append(stop.sweep)
            interrupted = f"interrupted: run `{name}` has {stop}"
            break
    for sweep in sweeps:
        if args.json:
            for values, outcome in sweep.points:
                print(json.dumps({**outcome.to_json(), "arguments": values}))
        else:
            print(sweep.table())
    for sweep in sweeps:
        if csv_path is not None:
            sweep.write_csv(_per_run(csv_path, sweep.run, len(sweeps)))
        if parquet_path is not None:
            sweep.write_parquet(_per_run(parquet_path, sweep.run, len(sweeps)))
        if samples_path is not None:
            from qnetlang.results import write_columns

            write_columns(sweep.sample_columns(), _per_run(samples_path, sweep.run, len(sweeps)))
    if plot_path is not None:
        from qnetlang.plots import plot_sweep

        for sweep in sweeps:
            plot_sweep(sweep, _per_run(plot_path, sweep.run, len(sweeps)), log_x=args.log_x,
                       log_y=args.log_y)
    if failure is not None:
        for diagnostic in failure.diagnostics:  # with the point's own `--set` sources
            reporter.report_diagnostic(diagnostic, failure.sources)
        reporter.finish()
        return EXIT_ERRORS
    if interrupted is not None:
        reporter.finish()
        print(f"qnetc: {interrupted}; the points done are printed and written",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _items(text: str) -> list[str]:
    """`--sweep NAME=a, b, c`: the values, split at the commas outside brackets and
    parentheses (`[1, 2]` stays one value)."""
    items, depth, start = [], 0, 0
    for position, character in enumerate(text):
        depth += (character in "([") - (character in ")]")
        if character == "," and depth == 0:
            items.append(text[start:position].strip())
            start = position + 1
    items.append(text[start:].strip())
    return [item for item in items if item]


def _per_run(path: Path, run: str, runs: int) -> Path:
    """The file asked for, or for one of several runs `NAME.RUN.SUFFIX`."""
    return path if runs == 1 else path.with_name(f"{path.stem}.{run}{path.suffix}")


def _on_circuits(ir_run: Any, args: argparse.Namespace, reporter: Reporter) -> RunResult:
    from qnetlang.compiler.backends import run_circuits, run_patterns
    from qnetlang.results import shots_and_seed

    shots, seed = shots_and_seed(ir_run, args.shots, args.seed)
    circuits = circuits_of(ir_run, args, reporter, args.backend)
    if args.backend == "pattern":
        return run_patterns(ir_run, circuits, shots=shots, seed=seed)
    return run_circuits(ir_run, circuits, shots=shots, seed=seed, backend=args.backend,
                        form="deferred" if args.deferred else "dynamic")


def _tracer(stream: Any, run_name: str) -> Any:
    def write(record: dict[str, Any]) -> None:
        stream.write(json.dumps({"run": run_name, **record}) + "\n")

    return write


def _print(outcome: RunResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps(outcome.to_json()))
    else:
        print(outcome.table())


def _progress_bar(unit: str = "shots", least: int = 2000) -> Any:
    """A bar on stderr for work of at least `least` units, on a terminal only."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None

    def show(done: int, total: int) -> None:
        if total < least:
            return
        width = 30
        filled = width * done // total
        end = "\n" if done == total else ""
        sys.stderr.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total} "
                         f"{unit}{end}")
        sys.stderr.flush()

    return show
