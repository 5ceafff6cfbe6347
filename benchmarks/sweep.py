"""Sweeps on each executor: the overhead of one task, and a 100-point sweep's speed-up.

Run: python benchmarks/sweep.py [--points 100] [--shots 200]
A sweep of teleportation against the receiver's memory time (a point: the
program checked with the point's value and simulated) in one process, in a
local Dask cluster of 2 worker processes, and — for the overhead of a task —
a sweep of points with 1 shot each. Wall-clock seconds; the cluster's start
is timed apart from the sweep.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import qnetlang
from qnetlang.executors import DaskExecutor

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "teleport.qnet"
SOURCE = EXAMPLE.read_text() \
    .replace("network lab {", "network lab(coherence: time = 1 ms) {") \
    .replace("memory { t2 = 1 ms; }", "memory { t2 = coherence; }")


def timed(program: qnetlang.Program, points: int, shots: int,
          executor: DaskExecutor | None) -> float:
    values = [f"{0.05 + 0.01 * k:.2f} ms" for k in range(points)]
    started = time.perf_counter()
    program.sweep({"coherence": values}, shots=shots, executor=executor)
    return time.perf_counter() - started


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--points", type=int, default=100)
    options.add_argument("--shots", type=int, default=200)
    args = options.parse_args()
    from distributed import LocalCluster

    program = qnetlang.loads(SOURCE, name=str(EXAMPLE))
    local = timed(program, args.points, args.shots, None)
    begun = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        start = time.perf_counter() - begun
        executor = DaskExecutor(cluster.scheduler_address)
        timed(program, 2, 1, executor)  # the workers import qnetlang once
        on_dask = timed(program, args.points, args.shots, executor)
        tiny_dask = timed(program, args.points, 1, executor)
    tiny_local = timed(program, args.points, 1, None)
    print(f"| executor | {args.points} points x {args.shots} shots | per point, 1 shot |")
    print("|---|---|---|")
    print(f"| one process | {local:.2f} s | {1000 * tiny_local / args.points:.1f} ms |")
    print(f"| Dask, 2 local workers | {on_dask:.2f} s ({local / on_dask:.2f}x) | "
          f"{1000 * tiny_dask / args.points:.1f} ms |")
    print(f"(the local cluster took {start:.2f} s to start)")


if __name__ == "__main__":
    main()
