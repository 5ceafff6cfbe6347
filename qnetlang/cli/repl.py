"""`qnetc repl`: declare networks and protocols, then check, run and compile them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from qnetlang.cli.common import (
    EXIT_ERRORS,
    EXIT_OK,
    add_color_option,
    add_module_options,
    module_options,
)
from qnetlang.diagnostics import use_color


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "repl", help="an interactive session (reads a script when stdin is not a terminal)",
        description="Declarations accumulate in a session; :help lists the commands. On a "
                    "terminal the input is highlighted, completed and kept in a history; "
                    "piped, the REPL runs the script and exits 1 if any input had errors.")
    parser.add_argument("files", nargs="*", metavar="FILE", help="files to :load first")
    add_color_option(parser)
    add_module_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from qnetlang.repl import Session, Shell, feed

    shell = Shell(Session(module_options(args)), color=use_color(sys.stderr, args.color))
    for name in args.files:
        shell.handle(f":load {name!r}" if " " in name else f":load {name}")
    if sys.stdin.isatty() and sys.stdout.isatty():
        from qnetlang.repl.terminal import interact, prompt_session

        print("qnetc repl: declarations accumulate; :help for the commands, :quit to leave")
        interact(shell, prompt_session(shell))
        return EXIT_OK
    feed(shell, sys.stdin)
    return EXIT_ERRORS if shell.errors else EXIT_OK
