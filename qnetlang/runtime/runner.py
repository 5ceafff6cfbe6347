"""Running a protocol for many shots, and summarising what it reported.

Shots are simulated in batches of up to BATCH at once (see runtime/batch.py).
Batch k draws its random numbers from its own generator, spawned from the
run's one seed; where its shots part ways it splits into smaller batches
that go on from there, each with a generator spawned from its parent's.
Batches do not depend on `jobs`, so the results are the same whether
batches run in one process or several, and one seed reproduces a run
exactly.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qnetlang.executors import DaskExecutor, ExecutorError
from qnetlang.ir import nodes as ir
from qnetlang.quantum import engine_class
from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic
from qnetlang.runtime.batch import (CLIFFORD_HELP, BatchResult, BatchSimulation, Divergence,
                                    RuntimeFailure, noisy, not_clifford)
from qnetlang.results import (RunResult, Samples, Tally, report_kinds, shots_and_seed,
                              summaries)
from qnetlang.runtime.folding import FoldRefused
from qnetlang.runtime.limits import Limits, refusal

BATCH = 1024
COLLECT_EVERY = 64  # batches between collections of their cycles: about 1% of the time
_simulated = 0  # batches simulated in this process


# Past this many qubits entangled at once (2**20 amplitudes: 16 MiB a shot), a program
# of Clifford gates only goes to the stabilizer engine by itself.
WIDE = {"statevector": 20, "density": 10}


def choose_engine(run: ir.Run, requested: str | None) -> str:
    """The engine asked for; else the density matrix when the network has noise, the
    state vector when it has none, and the stabilizer engine in their stead for a
    Clifford program wider than they hold well (WIDE) whose noise it simulates exactly
    (Pauli channels: no T1, whose twirl would change the physics unasked)."""
    if requested:
        return requested
    setting = run.settings.get("engine")
    if setting:
        return str(setting)
    engine = "density" if noisy(run) else "statevector"
    if run.footprint is not None and run.footprint.entangled > WIDE[engine] and \
            not any(node.memory.t1 for node in run.network.nodes.values()):
        from qnetlang.quantum.stabilizer import clifford
        if clifford(run):
            return "stabilizer"
    return engine


def engine_refusal(run: ir.Run, engine: str) -> Diagnostic | None:
    """Why the engine cannot simulate the run, seen before it starts: a gate or a
    measurement the stabilizer engine cannot represent."""
    if engine != "stabilizer":
        return None
    from qnetlang.quantum.stabilizer import first_non_clifford
    found = first_non_clifford(run)
    if found is None:
        return None
    instr, what = found
    return Diagnostic.error(Code.NOT_CLIFFORD, not_clifford(what), instr.span,
                            label="not Clifford", help=CLIFFORD_HELP)


def _rng(seed: int, kind: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(kind, index)))


@dataclass(frozen=True)
class Bounds:
    """What one batch may use — its share of the memory allowed, its steps, and the
    wall-clock deadline of the whole run, (seconds, time.monotonic() when they are up) —
    and whether it keeps its reported values (else only their tallies)."""

    state_bytes: float
    max_steps: int
    deadline: tuple[float, float] | None = None
    keep_values: bool = False
    fold: bool = True  # independent loops run side by side (runtime/folding.py)


def simulate_batch(run: ir.Run, engine: str, seed: int, index: int, first: int,
                   size: int, bounds: Bounds, tracer: Any = None) -> list[BatchResult]:
    """Shots first .. first + size of a run: one batch, and the smaller batches it splits
    into where its shots part ways (depth first, so the order is fixed)."""
    rng = _rng(seed, 1, index)
    quantum = engine_class(engine)(rng, size)
    quantum.max_state_bytes = bounds.state_bytes
    pending = [BatchSimulation(run, quantum, rng, np.arange(first, first + size), tracer,
                               max_steps=bounds.max_steps, deadline=bounds.deadline,
                               keep_values=bounds.keep_values, fold=bounds.fold)]
    results = []
    while pending:
        batch = pending.pop()
        try:
            results.append(batch.simulate())
        except Divergence as divergence:
            pending += reversed(batch.fork(divergence))
        except FoldRefused as refused:
            pending.append(refused.snapshot)
    global _simulated
    _simulated += 1
    if _simulated % COLLECT_EVERY == 0:
        # A batch is a web of cycles (its machine, events, processes and engine), which
        # Python's collector reaches only now and then: without this a long run's memory
        # grows with its shots, by what the uncollected batches hold.
        gc.collect()
    return results


# What every batch of a run shares, given to each worker process once, when it starts
# (inherited through fork, never pickled): tasks carry only their shot ranges.
_shared: tuple[ir.Run, str, int, Bounds] | None = None


def _receive(run: ir.Run, engine: str, seed: int, bounds: Bounds) -> None:
    global _shared
    _shared = (run, engine, seed, bounds)


def _simulate(task: tuple[int, int, int]) -> list[BatchResult]:
    assert _shared is not None, "the pool's initializer sets it"
    run, engine, seed, bounds = _shared
    return simulate_batch(run, engine, seed, *task, bounds)


def _simulate_shared(task: tuple[int, int, int],
                     shared: tuple[ir.Run, str, int, Bounds]) -> list[BatchResult]:
    """A batch on a Dask worker, which was given what the batches share once."""
    run, engine, seed, bounds = shared
    return simulate_batch(run, engine, seed, *task, bounds)


def run_shots(run: ir.Run, *, shots: int | None = None, seed: int | None = None,
              engine: str | None = None, jobs: int = 1, tracer: Any = None,
              progress: Callable[[int, int], None] | None = None,
              limits: Limits | None = None,
              executor: DaskExecutor | None = None, samples: bool = False,
              fold: bool = True) -> RunResult:
    """Simulates a run; raises RuntimeFailure on a runtime error in any shot, and before
    any when the run will not fit in `limits` (docs/runtime.md). The batches run here
    (in `jobs` processes) or, with `executor`, as tasks of a Dask cluster. With
    `samples`, the result keeps every report's values shot by shot; `fold=False` runs
    every loop turn by turn (docs/runtime.md), to compare."""
    started = time.perf_counter()
    limits = limits or Limits()
    shots, seed = shots_and_seed(run, shots, seed)
    engine = choose_engine(run, engine)
    batch = min(BATCH, shots)
    if executor is not None and (tracer is not None or limits.max_seconds is not None):
        raise ExecutorError("a trace and a time limit are kept on this machine: run them "
                            "with the local executor")
    parallel = min(jobs, math.ceil(shots / BATCH)) if tracer is None else 1
    if executor is not None:
        parallel = min(executor.workers, math.ceil(shots / BATCH))
    refused = engine_refusal(run, engine) or \
        refusal(run, engine, shots, batch, parallel, limits, keep_values=samples)
    if refused is not None:
        raise RuntimeFailure(refused)
    deadline = None if limits.max_seconds is None else \
        (limits.max_seconds, time.monotonic() + limits.max_seconds)
    bounds = Bounds(limits.max_memory / parallel, limits.max_steps, deadline, samples, fold)
    count = math.ceil(shots / BATCH)
    tasks = ((k, k * BATCH, min(BATCH, shots - k * BATCH)) for k in range(count))
    # Batches are taken as they come, in their order whatever ran them: their tallies
    # merged, their values kept only when asked for, so memory does not grow with shots.
    tallies: dict[str, Tally] = {}
    kept: list[BatchResult] = []
    done = 0
    sim_time = 0.0
    events = 0

    def take(part: list[BatchResult]) -> None:
        nonlocal done, sim_time, events
        for result in part:
            for name, tally in result.tallies.items():
                tallies.setdefault(name, Tally()).merge(tally)
            sim_time += result.sim_time * result.size
            events += result.events
            done += result.size
        if samples:
            kept.extend(part)
        if progress:
            progress(done, shots)

    if executor is not None:
        for part in executor.map(_simulate_shared, tasks, (run, engine, seed, bounds)):
            take(part)
    elif jobs > 1 and count > 1 and tracer is None:
        workers = min(jobs, count)
        with multiprocessing.get_context("fork").Pool(
                workers, initializer=_receive, initargs=(run, engine, seed, bounds)) as pool:
            # A few tasks per message, so that cheap batches do not wait on the pipe.
            chunk = max(1, min(8, count // (4 * workers)))
            for part in pool.imap(_simulate, tasks, chunksize=chunk):
                take(part)
    else:
        for task in tasks:
            take(simulate_batch(run, engine, seed, *task, bounds, tracer=tracer))
    summary = RunResult(run.name, run.protocol, "sim", engine, shots, seed)
    summary.reports = summaries(tallies, report_kinds(run))
    if samples:
        summary.samples = shot_by_shot(kept)
    summary.sim_time_s = sim_time / max(shots, 1)
    summary.events = events
    summary.wall_s = time.perf_counter() - started
    return summary


def shot_by_shot(results: list[BatchResult]) -> dict[str, Samples]:
    """Each report's values with the shots that made them, in the order of the shots
    (a shot's values in the order it made them)."""
    shots: dict[str, list[np.ndarray]] = {}
    values: dict[str, list[np.ndarray]] = {}
    for result in results:
        for name, parts in result.reports.items():
            values.setdefault(name, []).extend(parts)
            shots.setdefault(name, []).extend(
                result.shots if mask is None else result.shots[mask]
                for mask in result.report_masks[name])
    found = {}
    for name in sorted(values):
        made = np.concatenate(shots[name])
        order = np.argsort(made, kind="stable")
        found[name] = Samples(made[order], np.concatenate(values[name])[order])
    return found
