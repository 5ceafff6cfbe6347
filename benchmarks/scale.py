"""Scale: long chains, wide GHZ states and long single shots, check and run apart.

Run: python benchmarks/scale.py [--quick]
- the swap chain (examples/swap_chain.qnet) over n hops, one shot: the check (cold, in
  a new process, as `qnetc check`) and the simulation of that shot (NetSquid's paper
  reports about 2 s per run of a 1,000-node chain);
- a GHZ state over k users checked with Pauli measurements (tests/quantum/ghz_check.qnet),
  which goes to the stabilizer engine by itself past 20 users;
- BB84 (examples/bb84.qnet) in one shot of n qubits, its loops run side by side (and,
  up to 16,384 qubits, turn by turn, to compare): wall time and sifted bits per second
  of simulation.
Each simulation is timed in this process after its check, the median of 3 (1 with
--quick).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import qnetlang
from qnetlang.runtime.runner import run_shots

ROOT = Path(__file__).resolve().parent.parent


def cold_check(text: str) -> float:
    """Seconds of `qnetc check` in a new process."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.qnet"
        path.write_text(text)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "qnetlang", "check", str(path)],
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"check failed:\n{done.stdout}{done.stderr}")
        return seconds


def simulate(text: str, repeats: int, **options: object) -> tuple[float, qnetlang.RunResult]:
    program = qnetlang.loads(text, name="input.qnet")
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = program.simulate(program.runs[0], **options)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def chain(n: int) -> str:
    text = (ROOT / "examples" / "swap_chain.qnet").read_text()
    return text.replace("const N = 4;", f"const N = {n};")


def ghz(k: int) -> str:
    text = (ROOT / "tests" / "quantum" / "ghz_check.qnet").read_text()
    return text.replace("const K = 200;", f"const K = {k};")


def bb84(n: int) -> str:
    text = (ROOT / "examples" / "bb84.qnet").read_text()
    return text.replace("bb84(n = 256)", f"bb84(n = {n})")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--quick", action="store_true")
    args = options.parse_args()
    repeats = 1 if args.quick else 3

    print("swap chain, one shot")
    print(f"  {'hops':>7}  {'check (s)':>9}  {'run (s)':>8}  {'fidelity':>8}")
    for n in [100, 200] if args.quick else [250, 500, 1000, 2000, 10000]:
        text = chain(n)
        seconds, result = simulate(text, repeats, shots=1, seed=1)
        print(f"  {n:>7,}  {cold_check(text):9.2f}  {seconds:8.2f}  "
              f"{result.reports['fidelity'].mean:8.3f}")

    print("\nGHZ over k users, Pauli checks (the stabilizer engine, chosen by itself)")
    print(f"  {'users':>7}  {'check (s)':>9}  {'shots':>5}  {'run (s)':>8}  {'engine':>10}  passed")
    for k in [50, 100] if args.quick else [100, 250, 500, 1000]:
        text = ghz(k)
        shots = 4
        seconds, result = simulate(text, repeats, shots=shots, seed=1)
        passed = all(summary.mean == 1.0 for summary in result.reports.values())
        print(f"  {k:>7,}  {cold_check(text):9.2f}  {shots:>5}  {seconds:8.2f}  "
              f"{result.engine:>10}  {passed}")

    print("\nBB84, one shot of n qubits (20 km of fiber and the detector: about 34% detected)")
    print(f"  {'n':>9}  {'check (s)':>9}  {'run (s)':>8}  {'sifted bits/s':>13}  "
          f"{'turn by turn (s)':>16}")
    for n in [1024, 4096] if args.quick else [4096, 16384, 65536, 1_000_000]:
        text = bb84(n).split("run intercepted")[0]
        seconds, result = simulate(text, repeats, shots=1, seed=1)
        sifted = result.reports["sifting_ratio"].mean * \
            result.reports["detection_rate"].mean * n
        alone = ""
        if n <= 16384:
            run = qnetlang.loads(text, name="input.qnet")._ir.runs[0]
            start = time.perf_counter()
            run_shots(run, shots=1, seed=1, fold=False)
            alone = f"{time.perf_counter() - start:.2f}"
        print(f"  {n:>9,}  {cold_check(text):9.2f}  {seconds:8.2f}  {sifted / seconds:13,.0f}  "
              f"{alone:>16}")

if __name__ == "__main__":
    main()
