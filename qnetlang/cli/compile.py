"""`qnetc compile FILE --target T`: the checked program in another form.

Targets so far: `ir`, the intermediate representation as JSON.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from qnetlang.cli.common import (EXIT_ERRORS, EXIT_OK, Reporter, UsageError,
                                 add_module_options, add_output_options, check_file,
                                 module_options)
from qnetlang.cli.fmt import write_atomically
from qnetlang.ir import dump
from qnetlang.ir import nodes as ir

TARGETS = ("ir",)


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "compile", help="translate a checked program (to its IR)",
        description="Checks a .qnet file and writes it in the chosen form.")
    parser.add_argument("path", metavar="PATH")
    parser.add_argument("--target", choices=TARGETS, default="ir",
                        help="ir: the intermediate representation as JSON (docs/ir.md)")
    parser.add_argument("--run", metavar="NAME", help="only this run (its label or protocol)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    add_output_options(parser)
    add_module_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    reporter = Reporter(args)
    result = check_file(args.path, module_options(args))
    reporter.report(result)
    reporter.finish()
    if not result.ok or result.ir is None:
        return EXIT_ERRORS
    program = result.ir
    if args.run is not None:
        runs = [r for r in program.runs if r.name == args.run]
        if not runs:
            names = ", ".join(r.name for r in program.runs) or "none"
            raise UsageError(f"no run named `{args.run}` (the runs: {names})")
        program = ir.Program(runs)
    text = dump.dumps(program)
    if args.output:
        output = Path(args.output)
        if output.exists():
            write_atomically(output, text)
        else:
            output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK
