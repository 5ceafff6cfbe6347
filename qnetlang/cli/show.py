"""`qnetc show FILE`: print a program with its syntax highlighted."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from qnetlang.cli.common import EXIT_ERRORS, EXIT_OK, Reporter, add_color_option, read
from qnetlang.diagnostics import use_color
from qnetlang.pipeline import CheckResult


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "show", help="print a program with its syntax highlighted",
        description="Prints a .qnet file (- reads stdin), coloured on a terminal.")
    parser.add_argument("path", metavar="FILE")
    add_color_option(parser)
    parser.add_argument("--lines", metavar="A:B", type=_line_range,
                        help="only lines A to B (1-based, inclusive; either may be left out)")
    parser.add_argument("-n", "--number", action="store_true", help="number the lines")
    parser.set_defaults(handler=run, error_format="human")


def _line_range(text: str) -> tuple[int, int | None]:
    first, colon, last = text.partition(":")
    try:
        start = int(first) if first else 1
        end = int(last) if last else None if colon else start
    except ValueError:
        raise argparse.ArgumentTypeError("use A:B, A:, :B or A") from None
    if start < 1 or (end is not None and end < start):
        raise argparse.ArgumentTypeError("lines count from 1, and B is not before A")
    return start, end


def run(args: argparse.Namespace) -> int:
    loaded = read(args.path)
    if isinstance(loaded, CheckResult):  # not UTF-8: a diagnostic, as `check` gives
        reporter = Reporter(args)
        reporter.report(loaded)
        reporter.finish()
        return EXIT_ERRORS
    text = loaded.text
    if use_color(sys.stdout, args.color):
        from qnetlang.highlight import paint

        text = paint(text)
    lines = text.splitlines()
    start, end = args.lines or (1, None)
    width = len(str(len(lines)))
    for number in range(start, min(end or len(lines), len(lines)) + 1):
        line = lines[number - 1]
        print(f"{number:>{width}} | {line}" if args.number else line)
    return EXIT_OK
