"""`qnetc fmt FILE...`: rewrite programs in the canonical layout.

A file is only rewritten when it parses, when the new text parses back to the
same program with the same comments, and then atomically (a temporary file in
the same folder renamed over the original), so nothing a user wrote is lost.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from qnetlang.cli.common import (EXIT_ERRORS, EXIT_OK, STDIN, Reporter, add_output_options,
                                 check_file, expand_paths)
from qnetlang.pipeline import CheckResult, too_deep
from qnetlang.syntax.formatting import formatted


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "fmt", help="reformat programs in the canonical layout",
        description="Reformats .qnet files in place (- reads stdin and writes stdout). Files "
                    "with syntax errors are reported and left untouched.")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if any file would be reformatted")
    add_output_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    reporter = Reporter(args)
    changed: list[str] = []
    for name in expand_paths(args.paths):
        result = check_file(name)
        if not result.ok:
            reporter.report(result)
            continue
        try:
            text = formatted(result)
        except RecursionError:
            reporter.report(CheckResult(result.source, None, [too_deep(result.source)]))
            continue
        if name == STDIN:
            sys.stdout.write(text)
        elif text != result.source.text:
            changed.append(name)
            if args.check:
                print(f"would reformat {name}", file=sys.stderr)
            else:
                write_atomically(Path(name), text)
    reporter.finish()
    if changed and not args.check:
        print(f"reformatted {len(changed)} file{'s' * (len(changed) != 1)}", file=sys.stderr)
    if reporter.errors or (args.check and changed):
        return EXIT_ERRORS
    return EXIT_OK


def write_atomically(path: Path, text: str) -> None:
    """Replaces a file's contents so that a reader sees either the old or the new text."""
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
