"""What the subcommands share: exit codes, finding files, printing diagnostics."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from qnetlang.diagnostics import Diagnostic, HumanRenderer, render_json, summarize, use_color
from qnetlang.pipeline import CheckResult, check, decode
from qnetlang.semantics import Options
from qnetlang.source import SourceFile

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells count SIGINT
STDIN = "-"


class UsageError(Exception):
    """A mistake on the command line (exit 2), such as a file that does not exist."""


def output_path(text: str, option: str, inputs: list[str]) -> Path:
    """A file a command is asked to write: in a folder that exists, not a folder itself,
    and never one of the files it reads (their text would be lost)."""
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"{option} {text}: is a folder; name a file")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {text}: the folder {path.parent} does not exist")
    for source in inputs:
        if source != "-" and path.exists() and Path(source).exists() and \
                path.samefile(source):
            raise UsageError(f"{option} {text}: is the program being read; name another file")
    return path


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--error-format", choices=("human", "json"), default="human",
                        help="human-readable diagnostics on stderr (default), or one JSON "
                             "object per line on stdout")
    add_color_option(parser)


def add_color_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour: on a terminal unless NO_COLOR is set (auto)")


def add_module_options(parser: argparse.ArgumentParser) -> None:
    # dest: not `path`, the name of the file argument (`FILE --path DIR` appended to it)
    parser.add_argument("--path", action="append", default=[], metavar="DIR",
                        dest="search_path",
                        help="a folder to search for imported modules (repeatable)")


def add_argument_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", action="append", default=[], type=assignment,
                        metavar="NAME=VALUE", dest="arguments",
                        help="give a parameter of the file's runs this value instead of the "
                             "one written (repeatable), e.g. --set n=64 --set "
                             "'length=10 km'")


def assignment(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip().isidentifier() or not value.strip():
        raise argparse.ArgumentTypeError(f"`{text}`: write NAME=VALUE, e.g. n=64")
    return name.strip(), value.strip()


def module_options(args: argparse.Namespace) -> Options:
    return Options(search_path=[Path(folder) for folder in args.search_path],
                   arguments=dict(getattr(args, "arguments", [])))


def expand_paths(paths: Iterable[str]) -> Iterator[str]:
    """Files as given, and every .qnet file below each folder given, in a stable order."""
    for name in paths:
        if name == STDIN:
            yield name
            continue
        path = Path(name)
        if path.is_dir():
            found = sorted(str(p) for p in path.rglob("*.qnet") if p.is_file())
            if not found:
                raise UsageError(f"no .qnet files in `{name}`")
            yield from found
        elif path.exists():
            yield name
        else:
            raise UsageError(f"cannot read `{name}`: no such file or folder")


def read(name: str) -> SourceFile | CheckResult:
    """A source to check, or a failed result for a file that is not UTF-8."""
    if name == STDIN:
        return decode(sys.stdin.buffer.read(), "<stdin>")
    path = Path(name)
    if path.exists() and not path.is_file():  # a folder is expanded earlier; not a device
        raise UsageError(f"cannot read `{name}`: not a regular file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read `{name}`: {error.strerror or error}") from None
    return decode(data, name)


def check_file(name: str, options: Options | None = None) -> CheckResult:
    loaded = read(name)
    if isinstance(loaded, CheckResult):
        return loaded
    return check(loaded, None if name == STDIN else Path(name), options)


class Reporter:
    """Prints diagnostics in the chosen format and counts them."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.json = args.error_format == "json"
        self.color = use_color(sys.stderr, args.color)
        self.printed: list[Diagnostic] = []
        self.sources: dict[str, SourceFile] = {}

    def report(self, result: CheckResult) -> None:
        self.sources = result.sources or {result.source.name: result.source}
        renderer = HumanRenderer(self.sources, color=self.color)
        for diagnostic in result.diagnostics:
            self.printed.append(diagnostic)
            if self.json:
                print(render_json(diagnostic), flush=False)
            else:
                sys.stderr.write(renderer.render(diagnostic) + "\n")

    def report_diagnostic(self, diagnostic: Diagnostic, sources: dict | None = None) -> None:
        """A diagnostic of a later stage (running, compiling), rendered like the others."""
        self.printed.append(diagnostic)
        if self.json:
            print(render_json(diagnostic), flush=False)
        else:
            renderer = HumanRenderer(sources or self.sources, color=self.color)
            sys.stderr.write(renderer.render(diagnostic) + "\n")

    def finish(self) -> None:
        if not self.json:
            for line in summarize(self.printed).lines:
                print(line, file=sys.stderr)
        sys.stdout.flush()

    @property
    def errors(self) -> bool:
        return any(d.is_error for d in self.printed)
