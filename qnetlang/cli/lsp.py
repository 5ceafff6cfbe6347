"""`qnetc lsp`: the language server for editors, over stdio (needs qnetlang[lsp])."""

from __future__ import annotations

import argparse
from typing import Any

from qnetlang.cli.common import EXIT_OK, UsageError


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "lsp", help="the language server, over stdio (for editors)",
        description="Speaks the Language Server Protocol on stdin and stdout: the checker's "
                    "diagnostics as you type, hover, go to definition and completion. "
                    "Needs pygls: pip install 'qnetlang[lsp]'.")
    parser.add_argument("--check", action="store_true",
                        help="only say whether the server can start (exit 0) or not (exit 2)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from qnetlang.lsp.server import main
    except ImportError:
        raise UsageError("the language server needs pygls: pip install 'qnetlang[lsp]'") \
            from None
    if not args.check:
        main()
    return EXIT_OK
