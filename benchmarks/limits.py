"""What inputs that could exhaust the machine cost now: each row runs `qnetc` in a child
process and reports its wall time and peak memory (the child's maximum resident set).

- `qubit[20000]`: `check` of a role that allocates, measures and reports 20,000 qubits
  (the ownership analysis once kept a state per instruction: minutes, 7 GB);
- 40 entangled qubits: `run` refused before it starts (E0907; 16 TiB a shot);
- 10^9 shots: `run` refused before it starts (E0907; 40 GB of samples);
- an endless `for`: `run --max-steps 1000000` stops with E0906; the rate gives the time
  the default bound (10,000,000 steps) takes;
- a 50 MB block comment and a 50 MB string: `check` (linear lexing; target < 1 GB).

Run: python benchmarks/limits.py [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NETWORK = "network lab {{ node a {{ qubits {n}; }} }}\n"
RUN = "run p on lab with x = a {{ shots = {shots}; }}\n"


def wide(n: int) -> str:
    return (NETWORK.format(n=n) + f"protocol p {{ role x {{ qubit[{n}] q; "
            f"for i in 0..{n} {{ report z = measure q[i]; }} }} }}\n" + RUN.format(shots=1))


def entangled(n: int, shots: int) -> str:
    return (NETWORK.format(n=n) + f"protocol p {{ role x {{ qubit[{n}] q; h q[0]; "
            f"for i in 1..{n} {{ cx q[0], q[i]; }} "
            f"for i in 0..{n} {{ report z = measure q[i]; }} }} }}\n" + RUN.format(shots=shots))


def endless() -> str:
    return (NETWORK.format(n=1) + "protocol p { role x { int s = 0; "
            "for i in 0..1000000000 { s = (s + i) % 5; } report s = s; } }\n" +
            RUN.format(shots=1))


def long_comment(size: int) -> str:
    return NETWORK.format(n=1) + "/*" + "x" * size + "*/\n" + \
        "protocol p { role x { report v = 1; } }\n" + RUN.format(shots=1)


def long_string(size: int) -> str:
    return NETWORK.format(n=1) + 'protocol p { role x { assert true, "' + "x" * size + \
        '"; report v = 1; } }\n' + RUN.format(shots=1)


# The child runs qnetc and then prints its own peak resident set (KiB on Linux).
CHILD = """
import resource, sys
from qnetlang.cli.main import main
try:
    main(sys.argv[1:])
finally:
    print(f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
"""


def measure(folder: Path, name: str, text: str, *arguments: str) -> tuple[float, float, str]:
    """(seconds, peak MiB, first error code or 'ok') of one qnetc command."""
    path = folder / f"{name}.qnet"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, *arguments, str(path)],
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    peak = next(int(line.split()[1]) for line in reversed(done.stderr.splitlines())
                if line.startswith("peak "))
    codes = [word.split("[")[1].rstrip("]:") for word in done.stderr.split()
             if word.startswith("error[")]
    return seconds, peak / 1024, codes[0] if codes else "ok"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--quick", action="store_true", help="5 MB texts instead of 50 MB")
    args = options.parse_args()
    size = 5_000_000 if args.quick else 50_000_000
    rows = [
        ("check qubit[20000]", wide(20_000), ("check",)),
        ("run 40 entangled qubits", entangled(40, 1000), ("run",)),
        ("run 10^9 shots", entangled(2, 10 ** 9), ("run",)),
        ("run endless for, --max-steps 10^6", endless(), ("run", "--max-steps", "1000000")),
        (f"check {size // 10 ** 6} MB comment", long_comment(size), ("check",)),
        (f"check {size // 10 ** 6} MB string", long_string(size), ("check",)),
    ]
    print("| input | seconds | peak MiB | outcome |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for index, (name, text, arguments) in enumerate(rows):
            seconds, peak, outcome = measure(Path(folder), f"case{index}", text, *arguments)
            print(f"| {name} | {seconds:.2f} | {peak:.0f} | {outcome} |")


if __name__ == "__main__":
    main()
