"""`qnetc check FILE...`: find the mistakes in programs without running them."""

from __future__ import annotations

import argparse
from typing import Any

from qnetlang.cli.common import (EXIT_ERRORS, EXIT_OK, Reporter, add_module_options,
                                 add_output_options, check_file, expand_paths, module_options)


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "check", help="check programs for mistakes without running them",
        description="Checks .qnet files (or every .qnet file in a folder; - reads stdin) and "
                    "reports every mistake found. Exit 0 when clean, 1 with errors.")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    add_output_options(parser)
    add_module_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    reporter = Reporter(args)
    options = module_options(args)
    for name in expand_paths(args.paths):
        reporter.report(check_file(name, options))
    reporter.finish()
    return EXIT_ERRORS if reporter.errors else EXIT_OK
