"""Differential tests: the simulator and the compiled circuit on Aer agree on every program
the compiler accepts — the proof of "one meaning per program" (docs/compiler.md).

The suite is every run of every example (the standard library's protocols run
through the examples that import them), of the targeted programs in
differential/ and of the semantic fixtures that check clean. Each run is
simulated (the density engine where the network has noise) and sampled on Aer
as the dynamic and the deferred circuit and, where the program keeps qubits in
a noisy memory, as the dynamic circuit narrowed by qubit reuse. Every report is
compared — how often it is reported, its mean and, for whole numbers with more
than two values, the share of each value — within SIGMAS standard errors of
the difference, with fixed seeds. A run the compiler refuses is skipped with
its reason, and REFUSED lists them all; a run that compiles with warnings is
compared anyway.

A disagreement known today is in KNOWN_DISAGREEMENTS and marked as a strict
xfail: fixing it (or refusing the program instead) turns its case red, and the
entry is removed then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from qnetlang.compiler.backends import BackendError, run_aer
from qnetlang.compiler.circuit import Circuit
from qnetlang.compiler.lower import CompileError, lower_run
from qnetlang.compiler.reuse import reuse_qubits
from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.semantics import Options
from qnetlang.results import RunResult, Summary
from qnetlang.runtime.runner import noisy, run_shots
from qnetlang.source import SourceFile
from qnetlang.syntax import ast
from qnetlang.syntax.parser import parse_source
from qnetlang.syntax.visitor import walk
from tests.conftest import ROOT
from tests.fixture_files import expectations, fixtures

KNOWN_DISAGREEMENTS: dict[str, str] = {}

# Every run the compiler refuses, with a part of its reason.
REFUSED: dict[str, str] = {
    "examples/bbm92:brightness": "a pulse train has no circuit form",
    "examples/bbm92:pairs": "a pulse train has no circuit form",
    "examples/bb84:honest": "`uniform()` has no circuit form",
    "examples/bb84:intercepted": "`uniform()` has no circuit form",
    "examples/bqc:bqc": "the angle of `p` depends on a measured value",
    "examples/beijing_routes:ring": "`now` is only known in the simulator",
    "examples/beijing_requests:requests": "`now` is only known in the simulator",
    "examples/decoy_bb84:distance": "a pulse train has no circuit form",
    "examples/decoy_bb84:fifty_km": "a pulse train has no circuit form",
    "examples/distill:bbpssw": "`fidelity` is only known in the simulator",
    "examples/distill:dejmps": "`fidelity` is only known in the simulator",
    "examples/distill_teleport:post_selected": "ending the role on a path that depends on a "
                                               "measured value",
    "examples/e91:e91": "`uniform()` has no circuit form",
    "examples/ghz:ghz": "`uniform()` has no circuit form",
    "examples/repeat_until_success:until_heralded": "`uniform()` has no circuit form",
    "examples/satellite:downlink": "depends on the photon loss of channel",
    "examples/repeat_until_success:fixed_attempts": "`uniform()` has no circuit form",
    "examples/repeat_until_success:enough_attempts": "`uniform()` has no circuit form",
    "examples/repeater:repeater_chain": "`uniform()` has no circuit form",
    "examples/repeater:cutoff": "`uniform()` has no circuit form",
    "examples/qman:qman": "is a list, whose length is known only as the protocol runs",
    "examples/micius:each_second": "a pulse train has no circuit form",
    "examples/micius:whole_pass": "a pulse train has no circuit form",
    "semantics/communication/analysis_limit:p": "too long to compile",
    "semantics/communication/undecided:p": "sending on a path that depends on a measured value",
}

# The quick part: one case of each kind, a few seconds in all; the rest is marked slow.
FAST = {
    "examples/teleport:teleport:dynamic",
    "examples/teleport:teleport:reuse",
    "examples/chsh:chsh:deferred",
    "differential/deadline:shorter_than_delay:dynamic",
    "differential/deadline:longer_than_delay:deferred",
    "differential/gate_error:noisy_pairs:dynamic",
    "differential/readout_error:misread:deferred",
    "differential/channel_noise:noisy_channels:deferred",
    "differential/decoherence:storage:dynamic",
    "differential/parity_corrections:relay:dynamic",
    "differential/coins:coins:deferred",
    "differential/classical_logic:logic:dynamic",
    "differential/classical_logic:logic:deferred",
}

SIGMAS = 4.0
FLOOR = 1e-9  # for values that agree exactly, up to rounding
MIN_SHOTS = 1000  # fewer cannot tell a small difference from chance
SEMANTIC_FIXTURES = ROOT / "tests" / "semantics" / "fixtures"
FOLDERS = {"examples": ROOT / "examples", "differential": Path(__file__).parent / "differential"}


@dataclass(frozen=True)
class Program:
    """A file of the suite, read far enough to name its cases (parsing is fast; checking
    some fixtures takes seconds, so that waits until a case runs)."""

    label: str  # examples/teleport, semantics/ownership/qubit_left
    path: Path
    runs: tuple[str, ...]
    has_memory: bool  # a node declares a memory, so its qubits may decohere while stored
    imports: frozenset[str]


@dataclass(frozen=True)
class Case:
    program: Program
    run: str
    variant: str  # "dynamic" or "deferred", or "reuse": the dynamic circuit, narrowed

    @property
    def id(self) -> str:
        return f"{self.program.label}:{self.run}:{self.variant}"


def read_program(label: str, path: Path) -> Program:
    parsed = parse_source(SourceFile.read(path))
    assert parsed.program is not None, f"{path} does not parse"
    runs = tuple(item.label or item.protocol for item in parsed.program.items
                 if isinstance(item, ast.Run))
    nodes = list(walk(parsed.program))
    return Program(label, path, runs, any(isinstance(node, ast.Memory) for node in nodes),
                   frozenset(node.path for node in nodes if isinstance(node, ast.Import)))


def suite() -> list[Program]:
    """The examples, the targeted programs, and the semantic fixtures whose header expects
    no error (runs_of confirms that their check has none)."""
    programs = [read_program(f"{name}/{path.stem}", path)
                for name, folder in FOLDERS.items() for path in sorted(folder.glob("*.qnet"))]
    for path in fixtures(SEMANTIC_FIXTURES):
        if not any(code.startswith("E") for code in expectations(path)):
            label = path.relative_to(SEMANTIC_FIXTURES).with_suffix("").as_posix()
            programs.append(read_program(f"semantics/{label}", path))
    return programs


PROGRAMS = suite()
# Programs too wide for Aer but in the narrowed circuit (B92: 768 qubits, 2 with reuse).
WIDE = {"examples/b92"}
CASES = [Case(program, run, variant) for program in PROGRAMS for run in program.runs
         for variant in ("dynamic", "deferred") +
         (("reuse",) if program.has_memory or program.label in WIDE else ())]


def marks(case: Case) -> list[pytest.MarkDecorator]:
    found = [] if case.id in FAST else [pytest.mark.slow]
    if case.id in KNOWN_DISAGREEMENTS:
        found.append(pytest.mark.xfail(strict=True, reason=KNOWN_DISAGREEMENTS[case.id]))
    return found


@cache
def runs_of(path: Path, arguments: tuple[tuple[str, str], ...] = ()) -> dict[str, ir.Run]:
    """The file's runs; a run that sweeps at its first point (a circuit is one point)."""
    result = check(SourceFile.read(path), path, Options(arguments=dict(arguments)))
    assert result.ok and result.ir is not None, \
        [d.message for d in result.diagnostics if d.is_error]
    runs = {run.name: run for run in result.ir.runs}
    for name, run in runs.items():
        if run.sweep and not arguments:
            first = tuple((axis_name, axis.values[0][index]) for axis in run.sweep
                          for index, axis_name in enumerate(axis.names))
            runs[name] = runs_of(path, first)[name]
    return runs


@cache
def compilation(path: Path, run_name: str) -> list[Circuit] | CompileError:
    """The run's circuits, or the compiler's refusal; kept, since reaching a refusal can
    take seconds (the analysis-limit fixture is walked for 5,000,000 steps)."""
    try:
        return lower_run(runs_of(path)[run_name])
    except CompileError as refusal:
        return refusal


def shots_and_seed(run: ir.Run) -> tuple[int, int]:
    return max(int(run.settings.get("shots", 0)), MIN_SHOTS), int(run.settings.get("seed", 0))


@cache
def simulated(path: Path, run_name: str) -> RunResult:
    """The simulator's result, shared by the run's circuit variants."""
    run = runs_of(path)[run_name]
    shots, seed = shots_and_seed(run)
    return run_shots(run, shots=shots, seed=seed, engine="density" if noisy(run) else None)


def on_aer(case: Case, circuits: list[Circuit]) -> RunResult:
    run = runs_of(case.program.path)[case.run]
    if case.variant == "reuse":
        circuits = [reuse_qubits(circuit) for circuit in circuits]
    shots, seed = shots_and_seed(run)
    return run_aer(run, circuits, shots=shots, seed=seed,
                   form="deferred" if case.variant == "deferred" else "dynamic")


NEVER_REPORTED = Summary(0.0, 0.0, 0, {})


def standard_error(summary: Summary) -> float:
    """A report with no spread gets about the error it would have if one of its n values
    were off by one, so that a few identical values are not taken as certain."""
    return max(summary.stderr, 1 / summary.n)


def frequency(summary: Summary, value: str) -> tuple[float, float]:
    """The frequency of a value among a report's values, and its standard error."""
    share = summary.counts.get(value, 0) / summary.n
    return share, max(math.sqrt(share * (1 - share) / summary.n), 1 / summary.n)


def disagreements(simulated: RunResult, emulated: RunResult,
                  sigmas: float = SIGMAS) -> list[str]:
    """Every way in which the two results' reports differ by more than `sigmas` standard
    errors of the difference."""
    problems = []

    def differ(what: str, on_sim: float, on_aer: float, error: float) -> None:
        if abs(on_sim - on_aer) > sigmas * error + FLOOR:
            problems.append(f"{what}: simulator {on_sim:.6g}, Aer {on_aer:.6g} "
                            f"(tolerance {sigmas * error:.3g})")

    for name in sorted(simulated.reports.keys() | emulated.reports.keys()):
        sim = simulated.reports.get(name, NEVER_REPORTED)
        aer = emulated.reports.get(name, NEVER_REPORTED)
        differ(f"`{name}`: values reported", sim.n, aer.n, math.sqrt(sim.n + aer.n))
        if not (sim.n and aer.n):
            continue
        differ(f"`{name}`: mean", sim.mean, aer.mean,
               math.hypot(standard_error(sim), standard_error(aer)))
        values = sim.counts.keys() | aer.counts.keys()
        if sim.counts and aer.counts and len(values) > 2:  # two values: the mean says all
            for value in sorted(values, key=float):
                (p, p_error), (q, q_error) = frequency(sim, value), frequency(aer, value)
                differ(f"`{name}`: share of {value}", p, q, math.hypot(p_error, q_error))
    return problems


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=marks(c)) for c in CASES])
def test_simulator_and_aer_agree(case: Case) -> None:
    circuits = compilation(case.program.path, case.run)
    if isinstance(circuits, CompileError):
        if case.id in KNOWN_DISAGREEMENTS:
            return  # a refusal settles the disagreement: the strict xfail reports it
        pytest.skip(f"refused by the compiler: {circuits}")
    try:
        emulated = on_aer(case, circuits)
    except BackendError as error:
        pytest.skip(f"Aer cannot run it: {error}")
    problems = disagreements(simulated(case.program.path, case.run), emulated)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_the_runs_the_compiler_refuses() -> None:
    """The refused runs are listed in REFUSED, so that the set is visible and every
    change to it deliberate."""
    refused = {}
    for program in PROGRAMS:
        for run in program.runs:
            outcome = compilation(program.path, run)
            if isinstance(outcome, CompileError):
                refused[f"{program.label}:{run}"] = str(outcome)
    assert sorted(refused) == sorted(REFUSED), refused
    for name, reason in REFUSED.items():
        assert reason in refused[name], f"{name}: {refused[name]}"


def test_the_lists_name_cases_of_the_suite() -> None:
    """An entry left behind after a program is renamed or removed would hide nothing and
    check nothing; it must go with it."""
    ids = {case.id for case in CASES}
    assert set(KNOWN_DISAGREEMENTS) <= ids, set(KNOWN_DISAGREEMENTS) - ids
    assert FAST <= ids, FAST - ids
    runs = {f"{program.label}:{run}" for program in PROGRAMS for run in program.runs}
    assert set(REFUSED) <= runs, set(REFUSED) - runs


def test_every_stdlib_module_is_imported_by_a_program_of_the_suite() -> None:
    """Standard-library modules have no runs: their protocols are compared through the
    programs that import them."""
    imported = set().union(*(program.imports for program in PROGRAMS))
    modules = {f"std.{path.stem}" for path in (ROOT / "stdlib").glob("*.qnet")}
    # a pulse train has no circuit form (E1001): tests/stdlib/test_decoy_bb84.py and
    # test_bbm92.py check them
    assert modules - {"std.decoy_bb84", "std.bbm92"} <= imported, modules - imported


def test_the_comparison_sees_each_kind_of_difference() -> None:
    """The comparison is the proof, so it must fail where the results differ: a report
    missing on one side, a mean, a share of one value."""
    def result(**reports: Summary) -> RunResult:
        return RunResult("r", "p", "sim", "density", 1000, 0, dict(reports))

    bits = Summary(0.5, 0.0158, 1000, {"0": 500, "1": 500})
    assert disagreements(result(m=bits), result(m=bits)) == []
    assert disagreements(result(m=bits), result()) != []
    assert disagreements(result(m=bits), result(m=Summary(0.0, 0.0, 1000, {"0": 1000}))) != []
    spread = Summary(1.0, 0.0316, 1000, {"0": 500, "2": 500})
    assert disagreements(result(m=spread), result(m=Summary(1.0, 0.0, 1000, {"1": 1000}))) != []
    rare = Summary(1.0, 0.0, 3, {"1": 3})  # three identical values are not certain
    assert disagreements(result(m=rare), result(m=Summary(0.5, 0.289, 4, {"0": 2, "1": 2}))) == []
