"""`qnetc compile FILE --target T`: the checked program in another form.

`ir` is the intermediate representation as JSON; `qasm3` the whole protocol
as one dynamic circuit in OpenQASM 3; `qasm2` the deferred-measurement
standard circuit in OpenQASM 2; `text` a drawing; `qiskit` a Python snippet
that builds the circuit; `pattern` the circuit as an MBQC measurement pattern.
`qasm3`, `qasm2`, `text` and `qiskit` need qiskit (the `compile` extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from qnetlang.cli.common import (EXIT_ERRORS, EXIT_OK, Reporter, UsageError,
                                 add_argument_options, add_module_options, add_output_options,
                                 check_file, module_options, output_path)
from qnetlang.cli.fmt import write_atomically
from qnetlang.ir import dump
from qnetlang.ir import nodes as ir

TARGETS = ("ir", "qasm3", "qasm2", "text", "qiskit", "pattern")
RANDOMNESS = ("coin", "enumerate")


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "compile", help="the protocol as one circuit (OpenQASM 3 or 2, a pattern) or its IR",
        description="Checks a .qnet file and writes it in the chosen form.")
    parser.add_argument("path", metavar="PATH")
    parser.add_argument("--target", choices=TARGETS, default="qasm3",
                        help="qasm3 (default): one dynamic circuit; qasm2: the deferred "
                             "standard circuit; text: a drawing; qiskit: a Python snippet; "
                             "pattern: an MBQC measurement pattern; "
                             "ir: the intermediate representation as JSON (docs/ir.md)")
    add_circuit_options(parser)
    parser.add_argument("--run", metavar="NAME", help="only this run (its label or protocol)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    add_output_options(parser)
    add_argument_options(parser)
    add_module_options(parser)
    parser.set_defaults(handler=run)


def add_circuit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--randomness", choices=RANDOMNESS, default="coin",
                        help="random() as a quantum coin, an ancilla measured in |+> "
                             "(default), or one circuit per combination of choices")
    parser.add_argument("--reuse", action="store_true",
                        help="reset and reuse measured qubits to make the circuit narrower")


def circuits_of(ir_run: ir.Run, args: argparse.Namespace, reporter: Reporter,
                destination: str) -> list[Any]:
    """The run's circuits, as the options ask, with a warning for whatever `destination`
    (an emit target or a backend) leaves out."""
    from qnetlang.compiler.lower import lower_run
    from qnetlang.compiler.reuse import reuse_qubits
    from qnetlang.compiler.support import left_out

    circuits = lower_run(ir_run, args.randomness)
    if args.reuse:
        before = len(circuits[0].qubits)
        circuits = [reuse_qubits(c) for c in circuits]
        print(f"qnetc: --reuse: width {before} -> {len(circuits[0].qubits)} qubits",
              file=sys.stderr)
    for warning in left_out(ir_run, circuits, destination):
        reporter.report_diagnostic(warning)
    return circuits


def run(args: argparse.Namespace) -> int:
    reporter = Reporter(args)
    result = check_file(args.path, module_options(args))
    reporter.report(result)
    if not result.ok or result.ir is None:
        reporter.finish()
        return EXIT_ERRORS
    program = result.ir
    if args.run is not None:
        runs = [r for r in program.runs if r.name == args.run]
        if not runs:
            reporter.finish()
            names = ", ".join(r.name for r in program.runs) or "none"
            raise UsageError(f"no run named `{args.run}` (the runs: {names})")
        program = ir.Program(runs)
    if args.target == "ir":
        programs = [("", dump.dumps(program))]
    else:
        found = _circuit_programs(program, args, reporter)
        if found is None:
            return EXIT_ERRORS
        programs = found
    reporter.finish()
    if not args.output:
        sys.stdout.write("\n".join(text for _, text in programs))
        return EXIT_OK
    output = output_path(args.output, "-o", [args.path])
    if len(programs) == 1 or args.target not in ("qasm3", "qasm2"):
        _write(output, "\n".join(text for _, text in programs))
        return EXIT_OK
    for name, text in programs:  # one program per file, as OpenQASM readers expect
        path = output_path(str(output.with_name(f"{output.stem}.{name}{output.suffix}")),
                           "-o", [args.path])
        _write(path, text)
        print(f"qnetc: wrote {path}", file=sys.stderr)
    return EXIT_OK


def _write(path: Path, text: str) -> None:
    if path.exists():
        write_atomically(path, text)
    else:
        path.write_text(text, encoding="utf-8")


def _circuit_programs(program: ir.Program, args: argparse.Namespace,
                      reporter: Reporter) -> list[tuple[str, str]] | None:
    """Each circuit's text, with its name: the run's, and the circuit's number when the
    run has several (`honest`, `chsh.3`)."""
    from qnetlang.compiler.emit import banner, emit
    from qnetlang.compiler.lower import CompileError

    comment = "#" if args.target == "qiskit" else "//"
    parts = []
    for ir_run in program.runs:
        try:
            circuits = circuits_of(ir_run, args, reporter, args.target)
        except CompileError as error:
            reporter.report_diagnostic(error.diagnostic)
            reporter.finish()
            return None
        for index, circuit in enumerate(circuits):
            form = " (the dynamic circuit; deferring its measurements adds ancillas)" \
                if args.target == "qasm2" else ""
            print(f"qnetc: run `{ir_run.name}`: {len(circuit.qubits)} qubits, "
                  f"{len(circuit.bits)} bits, depth {circuit.depth}, {len(circuit.ops)} "
                  f"operations{form}", file=sys.stderr)
            header = f"{comment} run `{ir_run.name}`\n"
            if len(circuits) > 1:
                header += banner(circuit, index, len(circuits), comment)
            name = ir_run.name if len(circuits) == 1 else f"{ir_run.name}.{index + 1}"
            try:
                parts.append((name, header + emit(circuit, args.target)))
            except CompileError as error:
                reporter.report_diagnostic(error.diagnostic)
                reporter.finish()
                return None
    return parts
