"""The simulator on protocols whose shots diverge, against the same work done alike.

When the shots of a batch would send, receive or wait differently, the batch
splits into smaller batches of the shots that agree, each going on from there
(docs/runtime.md); the target is a divergent protocol within 2x of the same
work done alike. Each row times a
protocol whose shots take different communication paths and the same protocol
written so that every shot communicates alike, on the same network and engine:

- DEJMPS distillation then teleportation (examples/distill_teleport.qnet):
  post-selected, a failed round ends the protocol; uniform, every shot
  teleports and reports whether the round succeeded. 5,000 shots.
- a repeat-until-success link whose attempts are heralded with p = 0.1
  (examples/repeat_until_success.qnet): until a herald, or a fixed 10
  attempts (1/p, the same work on average), or a fixed 64 attempts (what the
  slowest of 1,000 shots needs, the length of the divergent run). 1,000 shots.

Run: python benchmarks/divergence.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent

# (protocol, example, divergent run, uniform run, shots)
PAIRS = (
    ("DEJMPS + teleportation", "distill_teleport.qnet", "post_selected", "uniform", 5000),
    ("repeat until success, p = 0.1", "repeat_until_success.qnet", "until_heralded",
     "fixed_attempts", 1000),
    ("repeat until success, p = 0.1, 64 attempts", "repeat_until_success.qnet",
     "until_heralded", "enough_attempts", 1000),
)


def runs(example: str) -> dict[str, ir.Run]:
    path = ROOT / "examples" / example
    result = check(SourceFile.read(path), path)
    assert result.ok and result.ir is not None, result.diagnostics[:3]
    return {run.name: run for run in result.ir.runs}


def wall_seconds(run: ir.Run, shots: int) -> float:
    start = time.perf_counter()
    run_shots(run, shots=shots, seed=1)
    return time.perf_counter() - start


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--quick", action="store_true", help="a tenth of the shots")
    args = options.parse_args()
    rows: list[tuple[str, str, str, str, str]] = []
    for protocol, example, divergent, uniform, shots in PAIRS:
        if args.quick:
            shots //= 10
        found = runs(example)
        slow = wall_seconds(found[divergent], shots)
        fast = wall_seconds(found[uniform], shots)
        rows.append((protocol, f"{shots:,}", f"{slow:.2f} s", f"{fast:.2f} s",
                     f"{slow / fast:.1f}"))

    header = ("protocol", "shots", "divergent", "uniform", "ratio")
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header))]
    for row in [header, *rows]:
        print(f"{row[0]:<{widths[0]}}  " + "  ".join(
            f"{cell:>{width}}" for cell, width in zip(row[1:], widths[1:], strict=True)))
    print(f"(python {sys.version.split()[0]}, numpy {np.__version__})")


if __name__ == "__main__":
    main()
