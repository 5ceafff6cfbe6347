"""The simulator's speed: raw event throughput, teleportation, CHSH, a 100-node chain.

Run: python benchmarks/runtime.py [--quick]
Side by side with QNET 1.3 when a Python with `qcompute-qnet==1.3.0` is named
by the QNET_PYTHON environment variable (it needs numpy<2, so it lives in a
separate virtual environment); otherwise the QNET columns are skipped.

Cold against cold: every protocol is timed in a new process of its own, on
both sides, from the start of its first run (imports done, nothing run
before). QNET runs in a temporary folder, where it leaves its `Output/`.
Next to the bare event kernel's rate is the rate of events of a .qnet program
run by the interpreter turn by turn (one long shot of BB84), which is what a
protocol whose loops cannot run side by side gets (docs/runtime.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from qnetlang.pipeline import check
from qnetlang.runtime.events import Environment
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile

ROOT = Path(__file__).resolve().parent.parent
QNET_SCRIPT = Path(__file__).with_name("qnet_peer.py")


def des_throughput(events: int, entities: int = 100, traced: bool = False) -> float:
    """Events per second of entities that each reschedule themselves, or (traced) the
    peak memory in bytes, measured in a separate run because tracing slows it down."""
    env = Environment(np.random.default_rng(0))
    remaining = [events]

    def act(period: int) -> None:
        remaining[0] -= 1
        if remaining[0] > 0:
            env.schedule(period, act, period)

    for entity in range(entities):
        env.schedule(entity, act, 1000 + entity)
    if traced:
        tracemalloc.start()
        env.run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return float(peak)
    start = time.perf_counter()
    env.run()
    return env.processed / (time.perf_counter() - start)


def protocol_run(path: Path, shots: int, engine: str = "statevector", **replace: str) -> float:
    text = path.read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    result = check(SourceFile(str(path), text), path)
    assert result.ok and result.ir is not None, result.diagnostics[:3]
    start = time.perf_counter()
    run_shots(result.ir.runs[0], shots=shots, seed=1, engine=engine)
    return time.perf_counter() - start


def cold(task: str, *args: object) -> float:
    """`task` timed in a new process (this script's --one)."""
    output = subprocess.run([sys.executable, __file__, "--one", task, *map(str, args)],
                            capture_output=True, text=True, check=True).stdout
    return float(output.split()[-1])


def interpreted_rate(qubits: int) -> float:
    """Events per second of one shot of BB84 with `qubits` qubits, its loops interpreted
    turn by turn (side by side they would count events that never run one by one)."""
    path = ROOT / "examples" / "bb84.qnet"
    text = path.read_text().replace("bb84(n = 256)", f"bb84(n = {qubits})")
    result = check(SourceFile(str(path), text.split("run intercepted")[0]), path)
    assert result.ok and result.ir is not None, result.diagnostics[:3]
    start = time.perf_counter()
    ran = run_shots(result.ir.runs[0], shots=1, seed=1, fold=False)
    return ran.events / (time.perf_counter() - start)


def chain(hops: int, shots: int) -> tuple[float, int]:
    path = ROOT / "examples" / "swap_chain.qnet"
    tracemalloc.start()
    seconds = protocol_run(path, shots, "statevector", **{"const N = 4;": f"const N = {hops};"})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def qnet(task: str, size: int) -> float | None:
    python = os.environ.get("QNET_PYTHON")
    if not python:
        return None
    with tempfile.TemporaryDirectory() as folder:  # QNET writes Output/ where it runs
        output = subprocess.run([python, str(QNET_SCRIPT), task, str(size)], cwd=folder,
                                capture_output=True, text=True, check=True,
                                timeout=3600).stdout
    return float(output.split()[-1])


ONE = {
    "protocol": lambda example, shots: protocol_run(ROOT / "examples" / example, int(shots),
                                                    **{"memory { t2 = 1 ms; }": ""}),
    "interpreted": lambda qubits: interpreted_rate(int(qubits)),
}


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--quick", action="store_true", help="smaller sizes")
    options.add_argument("--one", nargs="+", metavar="TASK", help=argparse.SUPPRESS)
    args = options.parse_args()
    if args.one:
        print(ONE[args.one[0]](*args.one[1:]))
        return
    events = 200_000 if args.quick else 2_000_000
    rows: list[tuple[str, str, str]] = []

    rate = des_throughput(events)
    peer = qnet("des", events)
    rows.append((f"DES, {events:,} events", f"{rate:,.0f} events/s",
                 f"{peer:,.0f} events/s" if peer else "-"))
    qubits = 1024 if args.quick else 4096
    rows.append((f"events of a .qnet program (BB84, {qubits:,} qubits, one shot, turn by turn)",
                 f"{cold('interpreted', qubits):,.0f} events/s", "-"))
    small, large = des_throughput(events // 10, traced=True), des_throughput(events, traced=True)
    rows.append(("DES peak memory", f"{small / 1024:.0f} KiB at {events // 10:,} events, "
                 f"{large / 1024:.0f} KiB at {events:,}", "-"))

    for name, example, shots in (("teleportation", "teleport.qnet", 1024),
                                 ("CHSH game", "chsh.qnet", 1024)):
        seconds = cold("protocol", example, shots)
        peer = qnet(example.removesuffix(".qnet"), shots)
        rows.append((f"{name}, {shots} shots", f"{seconds:.3f} s",
                     f"{peer:.3f} s" if peer else "-"))

    hops = 20 if args.quick else 99
    seconds, peak = chain(hops, 10)
    rows.append((f"swap chain of {hops + 1} nodes, 10 shots", f"{seconds:.3f} s, peak "
                 f"{peak / 2 ** 20:.1f} MiB", "cannot express it"))

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'qnetlang':<40}  QNET 1.3")
    for label, ours, theirs in rows:
        print(f"{label:<{width}}  {ours:<40}  {theirs}")
    print(f"(python {sys.version.split()[0]}, numpy {np.__version__})")


if __name__ == "__main__":
    main()
