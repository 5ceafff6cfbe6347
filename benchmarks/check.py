"""`qnetc check` on a generated chain protocol of 1,000 roles.

Run: python benchmarks/check.py [--roles N]
Every role is written out (no family), so the file grows with the chain:
each passes a qubit and a classical message to the next. Reports the time
of each stage and seconds per 1,000 lines (target: well under a second).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from qnetlang.semantics import PASSES, Context, Module, Options
from qnetlang.source import SourceFile
from qnetlang.syntax.parser import parse_source


def generate(roles: int) -> str:
    lines = ["network chain {"]
    lines += [f"  node n{i} {{ qubits 2; }}" for i in range(roles)]
    for i in range(roles - 1):
        lines.append(f"  link n{i} -> n{i + 1} {{ quantum fiber(length = 1 km); "
                     "classical fiber(length = 1 km); }")
    lines += ["}", "", "protocol relay {"]
    for i in range(roles):
        lines.append(f"  role r{i} {{")
        if i == 0:
            lines += ["    qubit q = |+>;", "    bit tag = 1;"]
        else:
            lines += [f"    qubit q = recv qubit from r{i - 1};",
                      f"    bit tag = recv bit from r{i - 1};", "    h q;"]
        if i < roles - 1:
            lines += [f"    send q to r{i + 1};", f"    send tag to r{i + 1};"]
        else:
            lines += ["    report last = measure q == tag;"]
        lines.append("  }")
    lines += ["}", ""]
    bindings = ", ".join(f"r{i} = n{i}" for i in range(roles))
    lines.append(f"run relay on chain with {bindings};")
    return "\n".join(lines) + "\n"


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--roles", type=int, default=1000)
    args = options.parse_args()
    text = generate(args.roles)
    count = text.count("\n")
    source = SourceFile("chain.qnet", text)
    start = time.perf_counter()
    parsed = parse_source(source)
    timings = [("parse", time.perf_counter() - start)]
    assert parsed.ok and parsed.program is not None, parsed.diagnostics[:3]
    ctx = Context(Module("chain", Path("chain.qnet"), source, parsed.program), Options())
    for pass_ in PASSES:
        start = time.perf_counter()
        pass_(ctx)
        timings.append((pass_.__name__, time.perf_counter() - start))
    assert not ctx.has_errors, ctx.diagnostics[:3]
    total = sum(seconds for _, seconds in timings)
    print(f"chain of {args.roles} roles: {count} lines")
    for name, seconds in timings:
        print(f"  {name:<22} {seconds * 1e3:8.1f} ms")
    print(f"  {'total':<22} {total * 1e3:8.1f} ms = {total / count * 1000:.3f} s per 1,000 lines")


if __name__ == "__main__":
    main()
