"""How `qnetc check` grows: with a loop's turns, with the turns it must unroll, with nodes.

Run: python benchmarks/check_scaling.py [--quick]
Each row doubles the input; a check linear in it takes at most about twice the
time (the target: 2.3x). Three inputs:
- BB84 (examples/bb84.qnet) with n qubits: its loops stay loops, so the check
  should hardly grow (only the communication check follows more turns, up to
  its step limit);
- a hub sending a qubit to each of n leaves, `send q to leaf[k]` in a loop: the
  loop must be unrolled (the peer depends on the counter), so its code grows
  with n;
- the swap chain (examples/swap_chain.qnet) over n + 1 nodes: a role family and
  a network of n links.
Each check runs in a fresh process (cold, as a user runs it), the median of 3.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bb84(n: int) -> str:
    text = (ROOT / "examples" / "bb84.qnet").read_text()
    return text.replace("bb84(n = 256)", f"bb84(n = {n})")


def fan(n: int) -> str:
    return f"""network star {{
  node hub {{ qubits 1; }}
  node leaf[k in 0..{n}] {{ qubits 1; }}
  for k in 0..{n} {{ link hub -> leaf[k] {{ quantum fiber(length = 1 km); }} }}
}}
protocol fan(n: int) {{
  role hub {{ for k in 0..n {{ qubit q = |+>; send q to leaf[k]; }} }}
  role leaf[k in 0..n] {{ qubit q = recv qubit from hub; report m = measure q; }}
}}
run fan(n = {n}) on star with hub = hub, leaf = leaf;
"""


def chain(n: int) -> str:
    text = (ROOT / "examples" / "swap_chain.qnet").read_text()
    return text.replace("const N = 4;", f"const N = {n};")


def check_seconds(text: str, repeats: int) -> float:
    """The median wall time of `qnetc check` on the text, each in a new process."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.qnet"
        path.write_text(text)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "qnetlang", "check", str(path)],
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"check failed:\n{done.stdout}{done.stderr}")
    return statistics.median(times)


def curve(name: str, make: Callable[[int], str], sizes: list[int], repeats: int) -> None:
    print(f"\n{name}")
    print(f"  {'n':>8}  {'check (s)':>10}  {'x previous':>10}")
    previous = None
    for n in sizes:
        seconds = check_seconds(make(n), repeats)
        ratio = f"{seconds / previous:10.2f}" if previous else f"{'':>10}"
        print(f"  {n:>8,}  {seconds:10.2f}  {ratio}")
        previous = seconds


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--quick", action="store_true", help="smaller inputs, one repeat")
    args = options.parse_args()
    repeats = 1 if args.quick else 3
    scale = [256, 512] if args.quick else [512, 1024, 2048, 4096]
    curve("BB84, n qubits (loops stay loops)", bb84,
          scale + ([] if args.quick else [16384, 65536]), repeats)
    curve("fan-out to n leaves (the loop is unrolled)", fan, scale, repeats)
    curve("swap chain over n links", chain,
          [500, 1000] if args.quick else [1250, 2500, 5000, 10000], repeats)


if __name__ == "__main__":
    main()
