"""What the REPL does with each input: declarations into the session, or a `:command`.

The shell writes results to `out` and diagnostics to `err`, never a traceback:
the same for a terminal (terminal.py) and for a script piped in (`feed`).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from qnetlang.cli.common import assignment
from qnetlang.diagnostics import Diagnostic, HumanRenderer
from qnetlang.driver import Program, QnetError
from qnetlang.quantum import ENGINE_NAMES
from qnetlang.repl.session import Session, unfinished
from qnetlang.source import SourceFile

HELP = """\
Type declarations (network, protocol, def, const, run, import): they accumulate in the
session, and one with the name of an earlier one replaces it. Input continues while a
block is open; an empty line ends it anyway.

  :load FILE                          add a file's declarations
  :run [NAME] [--shots N] [--seed S] [--engine E] [--set NAME=VALUE]...
                                      simulate a run (the last one by default);
                                      a run with a `sweep` runs every point
  :check                              check the session and list what it holds
  :list                               print the session's declarations
  :ir [NAME]                          the IR of a run (all runs by default)
  :qasm [NAME]                        OpenQASM 3 of a run (needs qnetlang[compile])
  :reset                              forget every declaration
  :help                               this text
  :quit                               leave (also :q, Ctrl-D)

A command may be shortened to any prefix that names only it (:ch, :l).
"""

COMMANDS = ("load", "run", "check", "list", "ir", "qasm", "reset", "help", "quit")
ALIASES = {"q": "quit", "h": "help", "?": "help"}  # besides any unambiguous prefix


class ReplError(Exception):
    """A command used wrongly: said in one line, and the session goes on."""


class _Arguments(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ReplError(message)


def _run_arguments() -> _Arguments:
    parser = _Arguments(prog=":run", add_help=False)
    parser.add_argument("name", nargs="?")
    parser.add_argument("--shots", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--engine", choices=ENGINE_NAMES)
    parser.add_argument("--set", action="append", default=[], type=assignment,
                        metavar="NAME=VALUE")
    return parser


@dataclass
class Shell:
    session: Session
    out: TextIO = sys.stdout
    err: TextIO = sys.stderr
    color: bool = False
    errors: int = 0  # inputs that ended in an error

    def handle(self, text: str) -> bool:
        """Runs one input; False when the user asked to quit."""
        stripped = text.strip()
        if not stripped:
            return True
        try:
            if stripped.startswith(":"):
                return self.command(stripped[1:])
            self.declare(text)
        except ReplError as error:
            self.errors += 1
            self.err.write(f"error: {error}\n")
        except Exception as error:  # noqa: BLE001 - a bug must not end the session
            self.errors += 1
            self.err.write(f"error: internal error: {type(error).__name__}: {error}\n"
                           "note: this is a bug in qnetc; the session goes on\n")
        return True

    # ---------------------------------------------------------------- declarations

    def declare(self, text: str, origin: str | None = None) -> None:
        outcome = self.session.declare(text, origin)
        self.show(outcome.diagnostics)
        if not outcome.accepted:
            self.errors += 1
            return
        for what, labels in (("added", outcome.added), ("replaced", outcome.replaced)):
            if labels:
                self.out.write(f"{what} {', '.join(labels)}\n")

    def show(self, diagnostics: Iterable[Diagnostic],
             sources: dict[str, SourceFile] | None = None) -> None:
        renderer = HumanRenderer({**self.session.sources(), **(sources or {})},
                                 color=self.color)
        for diagnostic in diagnostics:
            self.err.write(renderer.render(self.session.placed(diagnostic)) + "\n")

    # ---------------------------------------------------------------- commands

    def command(self, line: str) -> bool:
        try:
            words = shlex.split(line)
        except ValueError as error:
            raise ReplError(str(error)) from None
        if not words:
            raise ReplError("a command name must follow `:` (try :help)")
        name, arguments = ALIASES.get(words[0], words[0]), words[1:]
        matches = [c for c in COMMANDS if c.startswith(name)]
        if name not in COMMANDS and len(matches) != 1:
            raise ReplError(f"unknown command `:{name}` (try :help)")
        name = name if name in COMMANDS else matches[0]
        if name == "quit":
            return False
        handlers: dict[str, Callable[[list[str]], None]] = {
            "load": self.load, "run": self.run, "check": self.check, "list": self.list,
            "ir": self.ir, "qasm": self.qasm, "reset": self.reset, "help": self.help}
        handlers[name](arguments)
        return True

    def help(self, arguments: list[str]) -> None:
        self.out.write(HELP)

    def reset(self, arguments: list[str]) -> None:
        self.session.reset()
        self.out.write("the session is empty\n")

    def load(self, arguments: list[str]) -> None:
        if len(arguments) != 1:
            raise ReplError("usage: :load FILE")
        path = Path(arguments[0]).expanduser()
        try:
            text = SourceFile.read(path).text
        except (OSError, ValueError) as error:
            raise ReplError(f"cannot read `{path}`: {getattr(error, 'strerror', None) or error}"
                            ) from None
        folder = path.resolve().parent  # its relative imports resolve as for `qnetc check`
        if folder not in self.session.options.search_path:
            self.session.options.search_path.append(folder)
        self.declare(text, str(path))

    def list(self, arguments: list[str]) -> None:
        if not self.session.entries:
            self.out.write("(the session is empty)\n")
            return
        text = self.session.text()
        if self.color:
            from qnetlang.highlight import paint

            text = paint(text)
        self.out.write(text)

    def check(self, arguments: list[str]) -> None:
        result = self.session.check()
        self.show(result.diagnostics)
        kinds: dict[str, int] = {}
        for entry in self.session.entries:
            kinds[entry.key[0]] = kinds.get(entry.key[0], 0) + 1
        held = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in kinds.items())
        self.out.write(f"ok: {held or 'nothing yet'}\n")

    def _runs(self, name: str | None, every: bool = False) -> list:
        result = self.session.result or self.session.check()
        if result.ir is None or not result.ir.runs:
            raise ReplError("the session has no run yet: declare one (`run p on net with ...;`)")
        runs = result.ir.runs
        if name is None:
            return runs if every else [runs[-1]]
        chosen = [r for r in runs if r.name == name]
        if not chosen:
            raise ReplError(f"no run named `{name}` (the runs: "
                            f"{', '.join(r.name for r in runs)})")
        return chosen

    def _program(self, given: dict[str, str] | None = None) -> Program:
        """The session as the library's Program (with `given` values, checked anew)."""
        result = self.session.result or self.session.check()
        program = Program(result, None, self.session.options)
        return program.given(**given) if given else program

    def run(self, arguments: list[str]) -> None:
        options = _run_arguments().parse_args(arguments)
        if options.shots is not None and options.shots < 1:
            raise ReplError("--shots must be at least 1")
        (chosen,) = self._runs(options.name)
        try:
            program = self._program(dict(options.set))
            if program.run(chosen.name).sweep:
                sweep = program.sweep(None, chosen.name, shots=options.shots,
                                      seed=options.seed, engine=options.engine)
                self.out.write(sweep.table())
                return
            result = program.simulate(chosen.name, shots=options.shots, seed=options.seed,
                                      engine=options.engine)
        except QnetError as error:
            self.errors += 1
            self.show(error.diagnostics, error.sources)
            return
        self.out.write(result.table())

    def ir(self, arguments: list[str]) -> None:
        from qnetlang.ir import dump
        from qnetlang.ir import nodes as ir

        if len(arguments) > 1:
            raise ReplError("usage: :ir [NAME]")
        runs = self._runs(arguments[0] if arguments else None, every=True)
        self.out.write(dump.dumps(ir.Program(runs)))

    def qasm(self, arguments: list[str]) -> None:
        if len(arguments) > 1:
            raise ReplError("usage: :qasm [NAME]")
        (chosen,) = self._runs(arguments[0] if arguments else None)
        try:
            for text in self._program().compile(chosen.name, target="qasm3"):
                self.out.write(text)
        except ImportError:
            raise ReplError("OpenQASM needs qiskit: pip install 'qnetlang[compile]'") from None
        except QnetError as error:
            self.errors += 1
            self.show(error.diagnostics, error.sources)


def feed(shell: Shell, lines: Iterable[str]) -> None:
    """Runs a script, line by line as typed: a `:command` is one line; declarations
    continue until they are complete or a blank line ends them."""
    pending = ""
    for line in lines:
        if not pending and line.lstrip().startswith(":"):
            if not shell.handle(line):
                return
            continue
        pending += line if line.endswith("\n") else line + "\n"
        if not line.strip() or not unfinished(pending):
            shell.handle(pending)
            pending = ""
    if pending.strip():
        shell.handle(pending)
