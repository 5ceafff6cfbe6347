"""Drives `qnetc` in-process on one input and checks the promises its commands make.

The promises, for any input at all:

- every command exits 0, 1 or 2: never 3 (an internal error), never with an
  exception that escapes `main`, never printing a traceback;
- every diagnostic has a place (a span whose line and column are at least 1)
  and a code such as E0123, W0704 or N0806, and its words never show the
  checker's placeholder type `<error>`;
- `fmt` keeps the meaning: its output parses to the same tree, keeps every
  comment, checks to the same diagnostic codes and is left as it is by a
  second `fmt`;
- one seed gives the same bytes: a run repeated, and a run in one process
  against the same run in two, print the same JSON (but for the wall time);
- nothing hangs: each command runs under a wall-clock watchdog and a memory
  bound, and one that exceeds either has failed.

`campaign` runs many generated inputs and tallies the outcomes; `python -m
tests.fuzz` is its command line.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import resource
import signal
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qnetlang.cli.compile import TARGETS
from qnetlang.cli.main import main
from qnetlang.quantum import ENGINE_NAMES
from qnetlang.source import SourceFile
from qnetlang.syntax.delimiters import scan
from qnetlang.syntax.parser import parse_source
from tests.fuzz.generate import RandomChoices, generated_program, lexemes, mutant

CODE = re.compile(r"[EWN]\d{4}")
INTERNAL_FRAME = re.compile(r'File "([^"]*qnetlang[^"]*)", line (\d+), in (\S+)')
BACKTRACE = "QNETC_BACKTRACE"
ERROR_TYPE = "<error>"  # the checker's placeholder type, which no message should show
WALL_TIME = re.compile(r', "wall_s": [-+0-9.eE]+')
TIMEOUT_S = 30.0
MEMORY_BYTES = 3 << 30  # the resident memory a command may add
ADDRESS_SPACE_BYTES = 12 << 30  # the address space it may add, against one huge allocation
SHOTS = 16
SEED = "7"
JOB_SHOTS = 1030  # more than one batch of shots (runtime.runner.BATCH), or --jobs does nothing
BACKENDS = ("aer", "pattern")
TOO_LONG_TO_FOLLOW = "N0807"


class Hang(BaseException):
    """Raised by the watchdog; a BaseException so that `main`'s guard does not catch it."""


class TooMuchMemory(BaseException):
    """Raised by the watchdog when a command's memory grows past the bound."""


@dataclass(frozen=True)
class Failure:
    """A broken promise: what kind, which command, and what was seen."""

    kind: str
    command: tuple[str, ...]
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] qnetc {' '.join(self.command)}: {self.detail}"


ENGINES: tuple[str | None, ...] = (*ENGINE_NAMES, None)  # None: the run's own choice


@dataclass(frozen=True)
class Plan:
    """Which commands a clean input goes through, beyond `check` and `fmt`."""

    engines: tuple[str | None, ...] = ENGINES
    targets: tuple[str, ...] = TARGETS
    backends: tuple[str, ...] = BACKENDS
    repeat: bool = True
    jobs: bool = True
    circuit_options: bool = True


FULL_PLAN = Plan()


def light_plan(index: int) -> Plan:
    """One engine and one target per input, turning with `index`, and the costly
    comparisons now and then: over many inputs every combination is exercised."""
    return Plan(engines=(ENGINES[index % len(ENGINES)],),
                targets=(TARGETS[index % len(TARGETS)],),
                backends=(BACKENDS[index // 7 % len(BACKENDS)],) if index % 7 == 0 else (),
                jobs=index % 23 == 0, circuit_options=index % 5 == 0)


@dataclass
class Call:
    """One `qnetc` command as it ended: exit code (None if it never returned) and output."""

    argv: tuple[str, ...]
    exit: int | None
    stdout: str
    stderr: str
    seconds: float

    @property
    def diagnostics(self) -> list[dict[str, object]]:
        """The JSON diagnostics among the lines of standard output."""
        found = []
        for line in self.stdout.split("\n"):
            if line.startswith('{"severity"'):
                found.append(json.loads(line))
        return found


@dataclass
class Outcome:
    """What became of one input."""

    check_exit: int | None = None
    exits: Counter[int] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    too_long: bool = False
    slowest: tuple[float, tuple[str, ...]] = (0.0, ())


@contextlib.contextmanager
def watchdog(seconds: float, memory: int) -> Iterator[None]:
    """Raises Hang in this thread once `seconds` have passed, or TooMuchMemory once the
    resident memory has grown by `memory` bytes (where SIGALRM exists).

    It looks ten times a second, from Python code: a command stopped while memory is
    left can unwind (one that exhausts the address space may never get out of its
    allocation failures), and a Hang raised inside a finalizer, which is lost, is
    raised again a tenth of a second later.
    """
    if not hasattr(signal, "setitimer"):
        yield
        return
    deadline = time.monotonic() + seconds
    ceiling = resident_bytes() + memory

    def look(signum: int, frame: object) -> None:
        if time.monotonic() >= deadline:
            raise Hang
        if resident_bytes() > ceiling:
            raise TooMuchMemory

    previous = signal.signal(signal.SIGALRM, look)
    signal.setitimer(signal.ITIMER_REAL, 0.1, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def resident_bytes() -> int:
    """The memory this process occupies (0 where /proc does not say)."""
    statm = Path("/proc/self/statm")
    return int(statm.read_text().split()[1]) * resource.getpagesize() if statm.exists() else 0


@contextlib.contextmanager
def address_space_bound(extra: int) -> Iterator[None]:
    """Caps the address space at its present size plus `extra` bytes: the backstop for
    one huge allocation in C, which the watchdog cannot interrupt."""
    statm = Path("/proc/self/statm")
    if not statm.exists():
        yield
        return
    size = int(statm.read_text().split()[0]) * resource.getpagesize()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def backtraces() -> Iterator[None]:
    """Asks `qnetc` for the traceback of an internal error, to say where it happened."""
    previous = os.environ.get(BACKTRACE)
    os.environ[BACKTRACE] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[BACKTRACE]
        else:
            os.environ[BACKTRACE] = previous


class Harness:
    """Runs the commands on inputs written into `folder`, one input at a time."""

    def __init__(self, folder: Path, timeout: float = TIMEOUT_S,
                 memory: int = MEMORY_BYTES) -> None:
        self.program = folder / "fuzzed.qnet"
        self.formatted = folder / "formatted.qnet"
        self.timeout = timeout
        self.memory = memory
        # Runs stop at this many steps (E0906) well before the watchdog would stop them.
        self.step_bound = ("--max-steps", "5000")

    def exercise(self, text: str, plan: Plan = FULL_PLAN,
                 set_apart_known: bool = True) -> Outcome:
        """Every command of the plan on `text`; the failures of known issues set apart
        (in `outcome.known`) unless asked not to."""
        outcome = Outcome()
        self.commands(outcome, text, plan)
        if not set_apart_known:
            return outcome
        failures, outcome.failures = outcome.failures, []
        for failure in failures:
            known = next((issue.name for issue in KNOWN_ISSUES if issue.matches(failure, text)),
                         None)
            if known is None:
                outcome.failures.append(failure)
            else:
                outcome.known.append(known)
        return outcome

    def commands(self, outcome: Outcome, text: str, plan: Plan) -> None:
        self.program.write_bytes(text.encode("utf-8", "surrogatepass"))
        checked = self.command(outcome, "check", str(self.program), "--error-format", "json")
        outcome.check_exit = checked.exit
        if checked.exit not in (0, 1, 2):
            return  # `fmt` checks the file first: it would only hang or fail the same way
        self.format(outcome, text, checked)
        if checked.exit != 0:
            return
        outcome.too_long = any(d["code"] == TOO_LONG_TO_FOLLOW for d in checked.diagnostics)
        self.run(outcome, plan)
        self.compile(outcome, plan)

    # ---------------------------------------------------------------- commands

    def command(self, outcome: Outcome, *argv: str) -> Call:
        """Runs one command in-process and records every promise it breaks."""
        argv = (*argv, "--color", "never")
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        exit_code: int | None = None
        problem = None
        try:
            with address_space_bound(ADDRESS_SPACE_BYTES), \
                    watchdog(self.timeout, self.memory), backtraces(), \
                    contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                exit_code = main(list(argv))
        except Hang as hang:
            problem = Failure("hang", argv, f"still running after {self.timeout:g} s, in "
                              f"{where(hang)}")
        except TooMuchMemory as stopped:
            problem = Failure("memory", argv, f"more than {self.memory >> 30} GiB of memory, "
                              f"in {where(stopped)}")
        except Exception as error:  # noqa: BLE001 - escaping `main` is the failure recorded
            problem = Failure("uncaught", argv,
                              f"{type(error).__name__}: {error}, in {where(error)}")
        call = Call(argv, exit_code, out.getvalue(), err.getvalue(),
                    time.perf_counter() - started)
        if exit_code == 130 and "interrupted" in call.stderr:
            raise KeyboardInterrupt
        if exit_code is not None:
            outcome.exits[exit_code] += 1
        outcome.slowest = max(outcome.slowest, (call.seconds, argv))
        outcome.failures += [problem] if problem else []
        outcome.failures += broken_promises(call)
        return call

    def format(self, outcome: Outcome, text: str, checked: Call) -> None:
        """`fmt` on a copy of the input: same tree, same comments, same codes, a fixed point."""
        self.formatted.write_bytes(self.program.read_bytes())
        first = self.command(outcome, "fmt", str(self.formatted), "--error-format", "json")
        if first.exit != 0:
            return
        formatted = self.formatted.read_bytes().decode("utf-8")
        if formatted == text:
            return  # already in the canonical layout: nothing changed, nothing to compare
        again = self.command(outcome, "fmt", "--check", str(self.formatted))
        if again.exit != 0:
            outcome.failures.append(Failure("fmt idempotence", again.argv,
                                            "a second fmt changes the text again"))
        before = parse_source(SourceFile("before.qnet", text))
        after = parse_source(SourceFile("after.qnet", formatted))
        if not after.ok or before.program != after.program:
            outcome.failures.append(Failure("fmt meaning", first.argv,
                                            "the formatted text parses to another tree"))
        lost = Counter(comments(text)) - Counter(comments(formatted))
        if lost:
            outcome.failures.append(Failure("fmt comments", first.argv,
                                            f"comments lost: {sorted(lost)!r}"))
        if checked.exit in (0, 1):
            recheck = self.command(outcome, "check", str(self.formatted), "--error-format",
                                   "json")
            codes_before = sorted(str(d["code"]) for d in checked.diagnostics)
            codes_after = sorted(str(d["code"]) for d in recheck.diagnostics)
            if codes_before != codes_after:
                outcome.failures.append(Failure(
                    "fmt meaning", recheck.argv,
                    f"diagnostics {codes_before} before fmt, {codes_after} after"))

    def run(self, outcome: Outcome, plan: Plan) -> None:
        base = ("run", str(self.program), "--json", "--seed", SEED, "--error-format", "json",
                *self.step_bound)
        for index, engine in enumerate(plan.engines):
            argv = (*base, "--shots", str(SHOTS), *(("--engine", engine) if engine else ()))
            first = self.command(outcome, *argv)
            if first.exit is None:
                return  # a run that hangs on one engine hangs on the others: one is enough
            if index == 0 and plan.repeat:
                second = self.command(outcome, *argv)
                self.compare(outcome, first, second, "determinism")
        if plan.jobs:
            argv = (*base, "--shots", str(JOB_SHOTS))
            one = self.command(outcome, *argv, "--jobs", "1")
            if one.exit is None:
                return
            self.compare(outcome, one, self.command(outcome, *argv, "--jobs", "2"), "jobs")
        for backend in plan.backends:
            self.command(outcome, *base, "--shots", str(SHOTS), "--backend", backend)

    def compile(self, outcome: Outcome, plan: Plan) -> None:
        for target in plan.targets:
            self.command(outcome, "compile", str(self.program), "--target", target,
                         "--error-format", "json")
        if plan.circuit_options:
            self.command(outcome, "compile", str(self.program), "--reuse", "--randomness",
                         "enumerate", "--error-format", "json")

    @staticmethod
    def compare(outcome: Outcome, first: Call, second: Call, kind: str) -> None:
        """The same JSON, byte for byte, once the wall time is left out."""
        if second.exit is None:
            return
        if (first.exit, WALL_TIME.sub("", first.stdout)) != \
                (second.exit, WALL_TIME.sub("", second.stdout)):
            outcome.failures.append(Failure(
                kind, second.argv, f"exit {first.exit} then {second.exit}; output\n"
                f"{first.stdout[:400]}\nthen\n{second.stdout[:400]}"))


def broken_promises(call: Call) -> list[Failure]:
    """What is wrong with how a command ended: its exit code, a traceback, its diagnostics."""
    failures = []
    traceback_shown = "Traceback (most recent call last)" in call.stdout + call.stderr
    if call.exit == 3:
        kind = "memory" if "MemoryError" in call.stderr else "internal"
        failures.append(Failure(kind, call.argv, internal_error(call.stderr)))
    elif call.exit is not None and call.exit not in (0, 1, 2):
        failures.append(Failure("exit code", call.argv, f"exit {call.exit}"))
    if traceback_shown and call.exit != 3:
        failures.append(Failure("traceback", call.argv, call.stderr[-600:]))
    try:
        diagnostics = call.diagnostics
    except json.JSONDecodeError as error:
        return [*failures, Failure("unlocated", call.argv, f"a diagnostic is not JSON: {error}")]
    for diagnostic in diagnostics:
        span = diagnostic.get("span")
        located = isinstance(span, dict) and int(span["line"]) >= 1 and \
            int(span["column"]) >= 1 and int(span["end_line"]) >= int(span["line"])
        if not located or not CODE.fullmatch(str(diagnostic.get("code"))):
            failures.append(Failure("unlocated", call.argv, json.dumps(diagnostic)[:400]))
        elif ERROR_TYPE in json.dumps(diagnostic, ensure_ascii=False):
            failures.append(Failure("message", call.argv, json.dumps(diagnostic)[:400]))
    return failures


def internal_error(stderr: str) -> str:
    """The message of an internal error and where in qnetlang it was raised."""
    message = next((line for line in stderr.splitlines()
                    if line.startswith("error: internal compiler error")), stderr.strip()[:300])
    frames = INTERNAL_FRAME.findall(stderr)
    place = " <- ".join(f"{Path(file).name}:{line} {function}"
                        for file, line, function in reversed(frames[-3:]))
    return f"{message}, in {place}" if place else message


def where(error: BaseException) -> str:
    """The innermost frames of qnetlang that an exception went through, innermost first,
    and those of the exception it interrupted (a watchdog may fire while `main` reports
    a MemoryError)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if "qnetlang" in Path(frame.filename).parts]
    place = " <- ".join(f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
                        for frame in reversed(frames[-3:])) or "the harness"
    if error.__context__ is not None:
        place += f", while handling {type(error.__context__).__name__} in " \
                 f"{where(error.__context__)}"
    return place


def comments(text: str) -> list[str]:
    """The comments of a text, each without trailing blanks, as the lexer finds them."""
    text = SourceFile("", text).text  # line endings as the parser sees them
    try:
        return [piece.text.rstrip() for piece in lexemes(text)
                if piece.kind in ("LINE_COMMENT", "BLOCK_COMMENT")]
    except Exception:  # noqa: BLE001 - the lexer alone may refuse what the parser accepts
        layout, _ = scan(SourceFile("", text))
        return [text[start:end].rstrip() for start, end in layout.comments]


# ---------------------------------------------------------------- known issues


@dataclass(frozen=True)
class KnownIssue:
    """A failure already reported and being fixed: counted, but not a new failure."""

    name: str
    matches: Callable[[Failure, str], bool]


KNOWN_ISSUES: tuple[KnownIssue, ...] = ()


# ---------------------------------------------------------------- campaigns


@dataclass(frozen=True)
class Input:
    """One fuzzed program and where it came from, reproducible from (seed, index)."""

    index: int
    generator: str
    origin: str
    text: str


GENERATORS = ("generated", "mutant")


def make_input(seed: int, index: int, generators: Sequence[str] = GENERATORS) -> Input:
    """Input `index` of seed `seed`: each has a generator of its own, so any one of a
    campaign is made again without the others."""
    choices = RandomChoices(random.Random(f"{seed}:{index}"))
    generator = generators[index % len(generators)]
    if generator == "generated":
        return Input(index, generator, "the AST generator", generated_program(choices))
    changed = mutant(choices)
    return Input(index, generator, f"{changed.origin}: {'; '.join(changed.changes)}",
                 changed.text)


@dataclass
class Tally:
    """Counts per outcome class over a campaign, and the failing inputs."""

    inputs: Counter[str] = field(default_factory=Counter)
    check_exits: Counter[str] = field(default_factory=Counter)
    command_exits: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    known: Counter[str] = field(default_factory=Counter)
    too_long: int = 0
    slowest: tuple[float, tuple[str, ...], int] = (0.0, (), -1)
    failing: list[tuple[Input, list[Failure]]] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, item: Input, outcome: Outcome) -> None:
        self.inputs[item.generator] += 1
        self.check_exits[str(outcome.check_exit)] += 1
        self.command_exits.update(str(code) for code in outcome.exits.elements())
        self.failures.update(failure.kind for failure in outcome.failures)
        self.known.update(outcome.known)
        self.too_long += outcome.too_long
        self.slowest = max(self.slowest, (*outcome.slowest, item.index))
        if outcome.failures:
            self.failing.append((item, outcome.failures))

    def lines(self) -> list[str]:
        def counts(counter: Counter[str]) -> str:
            return ", ".join(f"{key}: {value}" for key, value in sorted(counter.items())) \
                or "none"

        return [f"inputs            {sum(self.inputs.values())} ({counts(self.inputs)})",
                f"check exit codes  {counts(self.check_exits)}",
                f"all commands      {sum(self.command_exits.values())} "
                f"(exit codes {counts(self.command_exits)})",
                f"failures          {sum(self.failures.values())} ({counts(self.failures)})",
                f"failing inputs    {len(self.failing)}",
                f"known issues      {counts(self.known)}",
                f"too long to run   {self.too_long} (check notes {TOO_LONG_TO_FOLLOW})",
                f"slowest command   {self.slowest[0]:.1f} s (input {self.slowest[2]}: qnetc "
                f"{' '.join(a for a in self.slowest[1] if not a.endswith('.qnet'))})",
                f"time              {self.seconds:.1f} s"]


def campaign(harness: Harness, seed: int, inputs: int, first: int = 0,
             generators: Sequence[str] = GENERATORS, full: bool = False,
             progress: Callable[[int, Tally], None] | None = None) -> Tally:
    """Inputs first .. first + inputs - 1 of the sequence that `seed` names."""
    tally = Tally()
    started = time.perf_counter()
    for index in range(first, first + inputs):
        item = make_input(seed, index, generators)
        tally.add(item, harness.exercise(item.text, FULL_PLAN if full else light_plan(index)))
        tally.seconds = time.perf_counter() - started
        if progress is not None:
            progress(index, tally)
    return tally
