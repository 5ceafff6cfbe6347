"""`qnetc`: argument parsing, exit codes and the guard against internal errors.

Exit codes: 0 success, 1 the program has errors (or `fmt --check` found a file
to reformat), 2 the command line is wrong, 3 an internal error (a bug).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import traceback
from collections.abc import Sequence

from qnetlang import __version__
from qnetlang.cli import check, compile, fmt, lsp, repl, run, show
from qnetlang.cli.common import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError

_COMMANDS = (check, run, compile, fmt, show, repl, lsp)
GC_THRESHOLD = 50_000  # allocations between collections of the youngest generation (700 by default)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qnetc", description="The qnetlang toolchain for quantum network protocols.")
    parser.add_argument("--version", action="version", version=f"qnetc {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return int(args.handler(args))
    except UsageError as error:
        print(f"qnetc: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("qnetc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence, reported as a bug
        print(f"error: internal compiler error: {type(error).__name__}: {error}", file=sys.stderr)
        print("note: this is a bug in qnetc, not in your program; please report it with the "
              "input that caused it", file=sys.stderr)
        if os.environ.get("QNETC_BACKTRACE"):
            traceback.print_exc()
        else:
            print("note: set QNETC_BACKTRACE=1 to see where it happened", file=sys.stderr)
        return EXIT_INTERNAL


def entry_point() -> None:
    """The console-script entry point. The modules loaded so far live as long as the
    process, so the garbage collector leaves them out of its passes (gc.freeze), and it
    runs less often: checking a large network makes many objects and few cycles."""
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    sys.exit(main())
