"""Running a protocol for many shots, and summarising what it reported.

Every shot gets its own random generator, spawned from the run's one seed by
numpy's SeedSequence, so shot i is the same whether shots run in one process
or several (`jobs`), and one seed reproduces a run exactly.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qnetlang.ir import nodes as ir
from qnetlang.quantum.engine import ENGINES
from qnetlang.runtime.shot import Shot, ShotResult, noisy

DEFAULT_SHOTS = 1000
DEFAULT_SEED = 0


@dataclass
class Summary:
    """The statistics of one report over all shots."""

    mean: float
    stderr: float
    n: int
    counts: dict[str, int]


@dataclass
class RunResult:
    run: str
    protocol: str
    backend: str
    engine: str
    shots: int
    seed: int
    reports: dict[str, Summary] = field(default_factory=dict)
    sim_time_s: float = 0.0
    events: int = 0
    wall_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The result in the schema every backend prints (docs/cli.md)."""
        return {
            "run": self.run, "protocol": self.protocol, "backend": self.backend,
            "engine": self.engine, "shots": self.shots, "seed": self.seed,
            "reports": {name: {"mean": s.mean, "stderr": s.stderr, "n": s.n, "counts": s.counts}
                        for name, s in self.reports.items()},
            "sim_time_s": self.sim_time_s, "events": self.events, "wall_s": self.wall_s,
        }


def choose_engine(run: ir.Run, requested: str | None) -> str:
    """The engine asked for, or the density matrix when the network has noise."""
    if requested:
        return requested
    setting = run.settings.get("engine")
    if setting:
        return str(setting)
    return "density" if noisy(run) else "statevector"


def shot_seeds(seed: int, shots: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(shots)


def simulate_shots(run: ir.Run, engine: str, seeds: Sequence[np.random.SeedSequence],
                   tracer: Any = None) -> list[ShotResult]:
    results = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        results.append(Shot(run, ENGINES[engine](rng), rng, tracer).simulate())
    return results


def _simulate_chunk(arguments: tuple[ir.Run, str, list[np.random.SeedSequence]]) \
        -> list[ShotResult]:
    return simulate_shots(*arguments)


def run_shots(run: ir.Run, *, shots: int | None = None, seed: int | None = None,
              engine: str | None = None, jobs: int = 1,
              progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Simulates a run; raises RuntimeFailure on a runtime error in any shot."""
    started = time.perf_counter()
    shots = shots if shots is not None else int(run.settings.get("shots", DEFAULT_SHOTS))
    seed = seed if seed is not None else int(run.settings.get("seed", DEFAULT_SEED))
    engine = choose_engine(run, engine)
    seeds = shot_seeds(seed, shots)
    chunk = max(1, min(256, math.ceil(shots / max(jobs, 1) / 4)))
    chunks = [seeds[i:i + chunk] for i in range(0, shots, chunk)]
    results: list[ShotResult] = []
    if jobs > 1 and len(chunks) > 1:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            for part in pool.imap(_simulate_chunk, [(run, engine, c) for c in chunks]):
                results += part
                if progress:
                    progress(len(results), shots)
    else:
        for part in chunks:
            results += simulate_shots(run, engine, part)
            if progress:
                progress(len(results), shots)
    summary = RunResult(run.name, run.protocol, "sim", engine, shots, seed)
    summary.reports = summarise(results)
    summary.sim_time_s = float(np.mean([r.sim_time for r in results])) if results else 0.0
    summary.events = sum(r.events for r in results)
    summary.wall_s = time.perf_counter() - started
    return summary


def summarise(results: list[ShotResult]) -> dict[str, Summary]:
    samples: dict[str, list[Any]] = {}
    for result in results:
        for name, value in result.reports:
            samples.setdefault(name, []).append(value)
    return {name: describe(values) for name, values in sorted(samples.items())}


def describe(values: list[Any]) -> Summary:
    array = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(array.mean())
    stderr = float(array.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    counts: dict[str, int] = {}
    if all(isinstance(v, (int, np.integer)) for v in values):
        keys, numbers = np.unique(array.astype(np.int64), return_counts=True)
        counts = {str(int(k)): int(c) for k, c in zip(keys, numbers, strict=True)}
    return Summary(mean, stderr, n, counts)
