"""The MBQC engine on large graph states: time, peak memory and the largest active set;
and std.bqc on the simulator's engines, where the mbqc engine runs light cones only.

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


BQC_NETWORK = """
import std.bqc;
network cloud {
  node client { qubits SIZE; }
  node server { qubits SIZE; }
  link client -> server { quantum fiber(length = 1 km); }
  link client <-> server { classical fiber(length = 1 km); }
}
run bqc(rows = ROWS, columns = COLUMNS, phi = [ANGLES]) on cloud
  with client = client, server = server;
"""


def bqc(rows: int, columns: int, engine: str, shots: int) -> float:
    """Seconds for `shots` shots of a blind computation with random angles."""
    from qnetlang.pipeline import check
    from qnetlang.runtime.runner import run_shots
    from qnetlang.source import SourceFile

    steps = np.random.default_rng(1).integers(0, 8, rows * columns)
    text = (BQC_NETWORK.replace("SIZE", str(rows * columns)).replace("ROWS", str(rows))
            .replace("COLUMNS", str(columns))
            .replace("ANGLES", ", ".join(f"{s} * pi / 4" for s in steps)))
    result = check(SourceFile("bqc.qnet", text), Path("bqc.qnet"))
    assert result.ir is not None, [d.message for d in result.diagnostics]
    start = time.perf_counter()
    run_shots(result.ir.runs[0], shots=shots, seed=1, engine=engine)
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
    print(f"\n{'std.bqc, 1,024 shots':<28} {'mbqc s':>9} {'statevector s':>14}")
    for rows_, columns in ((2, 5), (3, 9), (4, 17)):
        vector = f"{bqc(rows_, columns, 'statevector', 1024):.3f}" if rows_ * columns <= 12 \
            else "(2^{} amplitudes a shot)".format(rows_ * columns)
        print(f"{f'{rows_} x {columns} brickwork':<28} {bqc(rows_, columns, 'mbqc', 1024):>9.3f} "
              f"{vector:>14}")


if __name__ == "__main__":
    main()
