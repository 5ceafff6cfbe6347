"""`python -m tests.fuzz`: a fuzzing campaign of a fixed size and seed, and its counts.

Inputs alternate between the generators; input N of seed S is the same on every
machine, so `--first N --inputs 1` replays one. `--save DIR` writes each failing
input there, to be cut down into a regression fixture (tests/fuzz/regressions).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.fuzz.harness import GENERATORS, TIMEOUT_S, Failure, Harness, Input, Tally, campaign


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=1000, help="how many inputs (1000)")
    parser.add_argument("--seed", type=int, default=1, help="the campaign's seed (1)")
    parser.add_argument("--first", type=int, default=0, help="the index of the first input (0)")
    parser.add_argument("--generator", choices=GENERATORS, action="append",
                        help="only these generators (repeatable; default: all, alternating)")
    parser.add_argument("--full", action="store_true",
                        help="every engine, target and comparison on each clean input, "
                             "instead of one engine and one target in turn")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S,
                        help=f"seconds a command may take before it counts as a hang "
                             f"({TIMEOUT_S:g})")
    parser.add_argument("--save", type=Path, metavar="DIR", help="write failing inputs here")
    parser.add_argument("--verbose", action="store_true", help="print each failure as found")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    shown = 0

    def progress(index: int, tally: Tally) -> None:
        nonlocal shown
        for item, failures in tally.failing[shown:]:
            report(item, failures, args)
        shown = len(tally.failing)
        done = index - args.first + 1
        if done % 100 == 0:
            print(f"... {done} inputs, {len(tally.failing)} failing, {tally.seconds:.0f} s",
                  file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="qnet-fuzz-") as folder:
        harness = Harness(Path(folder), timeout=args.timeout)
        tally = campaign(harness, args.seed, args.inputs, args.first,
                         args.generator or GENERATORS, args.full, progress)
    print(f"campaign seed {args.seed}, inputs {args.first}..{args.first + args.inputs - 1}")
    for line in tally.lines():
        print(line)
    return 1 if tally.failing else 0


def report(item: Input, failures: list[Failure], args: argparse.Namespace) -> None:
    """A failing input as soon as it is found: long campaigns are worth watching."""
    if args.verbose:
        print(f"input {item.index} ({item.origin}):", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
        path = args.save / f"seed{args.seed}-input{item.index}.qnet"
        path.write_bytes(item.text.encode("utf-8", "surrogatepass"))


if __name__ == "__main__":
    sys.exit(main())
