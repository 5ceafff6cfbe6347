"""The MBQC engine on large graph states: time, peak memory and the largest active set.

Usage: python benchmarks/mbqc.py
Side by side with QNET 1.3's MBQC backend when QNET_PYTHON names a Python that has
`qcompute-qnet==1.3.0` (see benchmarks/runtime.py); otherwise that column is skipped.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.runtime import qnet
from qnetlang.quantum.mbqc import (
    Engine,
    Pattern,
    greedy_order,
    grid_cluster,
    linear_cluster,
)


def measure(pattern: Pattern, order: list[int] | None = None) -> tuple[float, float, int]:
    """Seconds, peak MiB of Python allocations, and the largest active set of one run."""
    tracemalloc.start()
    start = time.perf_counter()
    result = Engine(pattern, np.random.default_rng(7)).run(order)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result.largest_active


def untraced_seconds(pattern: Pattern, order: list[int] | None = None) -> float:
    start = time.perf_counter()
    Engine(pattern, np.random.default_rng(7)).run(order)
    return time.perf_counter() - start


def main() -> None:
    rows = []
    for length in (10_000, 100_000):
        pattern = linear_cluster([0.3] * (length - 1))
        seconds = untraced_seconds(pattern)
        _, peak, largest = measure(pattern)
        peer = qnet("mbqc_line", length) if length <= 10_000 else None
        rows.append((f"1D cluster, {length:,} qubits", seconds, peak, largest, peer))
    for width, length, peer_task in ((16, 1000, None), (8, 50, "mbqc_grid8")):
        pattern = grid_cluster(width, length, 0.3)
        order = greedy_order(pattern)
        seconds = untraced_seconds(pattern, order)
        _, peak, largest = measure(pattern, order)
        peer = qnet(peer_task, length) if peer_task else None
        rows.append((f"2D grid {width} x {length:,}", seconds, peak, largest, peer))
    print(f"{'graph':<28} {'seconds':>9} {'peak MiB':>9} {'active':>7}  QNET 1.3 seconds")
    for name, seconds, peak, largest, peer in rows:
        other = "-" if peer is None else f"{peer:.3f}"
        print(f"{name:<28} {seconds:>9.3f} {peak:>9.1f} {largest:>7}  {other}")


if __name__ == "__main__":
    main()
