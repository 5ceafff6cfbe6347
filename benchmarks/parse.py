"""Parse speed: a generated file of about 10,000 lines, parsed to an AST.

Run: python benchmarks/parse.py [--lines N] [--repeat R]
Reports lines per second for parse + AST (target: at least 20,000 lines/s),
for the whole `qnetc check` front end, and the start-up time of `qnetc check`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qnetlang.pipeline import check
from qnetlang.source import SourceFile
from qnetlang.syntax.parser import parser

ROLE = """\
  role worker{i} {{
    qubit a, b;
    h a;
    cx a, b;
    rx(pi / {k}) b;
    bit m = measure a;
    if (m) z b; else x b;
    for j in 0..{k} {{
      wait 10 us;
    }}
    send b to worker{next};
    qubit e = recv qubit from worker{prev};
    report r{i} = measure e in xy(pi / 4) == 0;
  }}
"""


def generate(lines: int) -> str:
    header = ["// generated for benchmarks/parse.py", "network net {"]
    roles_needed = max(1, lines // (ROLE.count("\n") + 2))
    for i in range(roles_needed):
        header.append(f"  node n{i} {{ qubits 4; memory {{ t2 = 1 ms; }} }}")
    header.append("}")
    body = ["protocol big(n: int = 4) {"]
    for i in range(roles_needed):
        body.append(ROLE.format(i=i, k=(i % 7) + 2, next=(i + 1) % roles_needed,
                                prev=(i - 1) % roles_needed))
    body.append("}")
    return "\n".join(header + body) + "\n"


def measure(text: str, repeat: int) -> tuple[float, float]:
    source = SourceFile("bench.qnet", text)
    the_parser = parser()
    parse_times, check_times = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        result = the_parser.parse(source)
        parse_times.append(time.perf_counter() - start)
        assert result.ok, result.diagnostics[:3]
        start = time.perf_counter()
        check(source)
        check_times.append(time.perf_counter() - start)
    return min(parse_times), min(check_times)


def startup(repeat: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tiny.qnet"
        path.write_text("network n { node a { qubits 1; } }\n")
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "qnetlang", "check", str(path)], check=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--lines", type=int, default=10_000)
    options.add_argument("--repeat", type=int, default=5)
    args = options.parse_args()
    text = generate(args.lines)
    count = text.count("\n")
    parse_time, check_time = measure(text, args.repeat)
    print(f"file: {count} lines, {len(text) / 1024:.0f} KiB")
    print(f"parse + AST:  {parse_time * 1e3:7.1f} ms  {count / parse_time:9,.0f} lines/s"
          f"  (target >= 20,000)")
    print(f"qnetc check front end: {check_time * 1e3:7.1f} ms  "
          f"{count / check_time:9,.0f} lines/s")
    print(f"qnetc check start-up (tiny file, median of 5): {startup(5) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
