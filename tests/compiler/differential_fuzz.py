"""A differential fuzzer for the compiler: random three-party protocols, each run in the
simulator and sampled on Aer as the dynamic and the deferred circuit; every report must
agree (test_differential.disagreements, at SIGMAS standard errors).

A protocol is made from a seed alone. alice prepares and measures qubits and
sends outcomes (and maybe a qubit) to bob and carol; bob sends his to carol;
each role corrects its qubits under random conditions on what it measured and
received — parities, conjunctions, nested `if`s with `else`, integers made
from outcomes, compared and masked — and reports its outcomes and integers.
Sends come before every branch, so each protocol is inside the compilable subset.

`python -m tests.compiler.differential_fuzz --protocols 1000 --seed 1` runs a
campaign and prints its counts; `--first N --protocols 1 --show` prints one.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field

from qnetlang.compiler.backends import BackendError, run_aer
from qnetlang.compiler.lower import CompileError, lower_run
from qnetlang.pipeline import check
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.compiler.test_differential import disagreements

SHOTS = 1000
# Thousands of protocols with a dozen comparisons each: at 5 standard errors a chance
# disagreement is expected about once in three million comparisons.
SIGMAS = 5.0
GATES_1 = ("x", "z", "h", "s", "sdg", "t")
ROTATIONS = ("rx", "ry", "rz")


@dataclass
class _Role:
    """What one role has declared so far: its qubits, its truth values and integers."""

    name: str
    qubits: list[str] = field(default_factory=list)
    bits: list[str] = field(default_factory=list)
    ints: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    count: int = 0

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}_{self.name[0]}"


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def condition(self, role: _Role, depth: int = 0) -> str:
        """A truth value over the role's outcomes and integers."""
        rng = self.rng
        choice = rng.randrange(10 if depth < 2 else 3)
        bit = rng.choice(role.bits)
        if choice == 0 or not role.ints and choice >= 7:
            return bit
        if choice == 1:
            return f"!{bit}"
        if choice == 2:
            return f"({bit} == {rng.choice((0, 1, 2))})"
        if choice in (3, 4, 5):
            op = {3: "^", 4: "&&", 5: "||"}[choice]
            return f"({self.condition(role, depth + 1)} {op} {self.condition(role, depth + 1)})"
        if choice == 6:
            return f"({bit} != {rng.choice(role.bits)})"
        number = rng.choice(role.ints)
        if choice == 7:
            return f"({number} {rng.choice(('<', '<=', '>', '>=', '==', '!='))} " \
                   f"{rng.randrange(-1, 5)})"
        if choice == 8:
            return f"(({number} & {rng.choice((1, 2, 3))}) == {rng.choice((0, 1, 2))})"
        return f"({number} + {bit} == {rng.randrange(0, 4)})"

    def integer(self, role: _Role) -> None:
        """An integer from outcomes: a weighted sum, or a selection made by an `if`."""
        rng = self.rng
        name = role.fresh("k")
        terms = " + ".join(f"{rng.randrange(1, 4)} * {bit}"
                           for bit in rng.sample(role.bits, min(len(role.bits),
                                                                rng.randrange(1, 4))))
        if rng.random() < 0.5:
            role.lines.append(f"int {name} = {terms} - {rng.randrange(0, 3)};")
        else:
            role.lines.append(f"int {name} = {rng.randrange(0, 3)};")
            role.lines.append(f"if ({self.condition(role)}) {{ {name} = {terms}; }} "
                              f"else {{ {name} = {name} + {rng.randrange(1, 3)}; }}")
        role.ints.append(name)

    def gate(self, role: _Role) -> str:
        rng = self.rng
        if len(role.qubits) > 1 and rng.random() < 0.25:
            a, b = rng.sample(role.qubits, 2)
            return f"{rng.choice(('cx', 'cz'))} {a}, {b};"
        qubit = rng.choice(role.qubits)
        if rng.random() < 0.3:
            return f"{rng.choice(ROTATIONS)}({rng.uniform(-3, 3):.3f}) {qubit};"
        return f"{rng.choice(GATES_1)} {qubit};"

    def corrections(self, role: _Role, count: int) -> None:
        """Gates under conditions: alone, nested, or with an `else`."""
        rng = self.rng
        for _ in range(count):
            shape = rng.randrange(4)
            if shape == 0:
                role.lines.append(self.gate(role))
            elif shape == 1:
                role.lines.append(f"if ({self.condition(role)}) {self.gate(role)}")
            elif shape == 2:
                role.lines.append(f"if ({self.condition(role)}) {{ {self.gate(role)} }} "
                                  f"else {{ {self.gate(role)} }}")
            else:
                role.lines.append(f"if ({self.condition(role)}) {{ if "
                                  f"({self.condition(role)}) {{ {self.gate(role)} }} "
                                  f"{self.gate(role)} }}")

    def prepare(self, role: _Role, count: int) -> None:
        for _ in range(count):
            name = role.fresh("q")
            role.lines.append(f"qubit {name} = |{self.rng.choice(('0', '1', '+', '-'))}>;")
            role.qubits.append(name)
        for _ in range(self.rng.randrange(1, 4)):
            role.lines.append(self.gate(role))

    def measure(self, role: _Role, count: int) -> list[str]:
        measured = []
        for qubit in self.rng.sample(role.qubits, min(count, len(role.qubits))):
            name = role.fresh("m")
            role.lines.append(f"bit {name} = measure {qubit};")
            role.bits.append(name)
            role.qubits.remove(qubit)
            measured.append(name)
        return measured

    def finish(self, role: _Role) -> None:
        for qubit in role.qubits:
            role.lines.append(f"report {qubit}_{role.name} = measure {qubit};")
        for number in role.ints:
            role.lines.append(f"report {number}_{role.name} = {number};")
        role.qubits.clear()


def protocol(seed: int, index: int) -> str:
    """Protocol `index` of a campaign of seed `seed`."""
    rng = random.Random(f"differential:{seed}:{index}")
    write = _Writer(rng)
    alice, bob, carol = _Role("alice"), _Role("bob"), _Role("carol")
    write.prepare(alice, rng.randrange(2, 5))
    sent_qubit = rng.random() < 0.5 and len(alice.qubits) > 2
    if sent_qubit:
        alice.lines.append(f"send {alice.qubits[-1]} to bob;")
        bob.lines.append("qubit given = recv qubit from alice;")
        bob.qubits.append("given")
        alice.qubits.pop()
    to_bob = write.measure(alice, rng.randrange(1, 3))
    to_carol = write.measure(alice, 1) if alice.qubits and rng.random() < 0.6 else []
    alice.lines.append(f"send ({', '.join(to_bob)}, 0) to bob;")
    bob.lines.append(f"({', '.join(f'bit {b}' for b in to_bob)}, int zero) = "
                     "recv from alice;")
    bob.bits += to_bob
    if to_carol:
        alice.lines.append(f"send ({to_carol[0]}, 1) to carol;")
    if alice.qubits and alice.bits:
        write.corrections(alice, rng.randrange(0, 3))
    write.prepare(bob, rng.randrange(1, 4))
    if rng.random() < 0.6:
        write.integer(bob)
    write.corrections(bob, rng.randrange(1, 5))
    own = write.measure(bob, rng.randrange(1, 3))
    relayed = own + ([rng.choice(to_bob)] if rng.random() < 0.5 else [])
    bob.lines.append(f"send ({', '.join(relayed)}, 2) to carol;")
    if to_carol:
        carol.lines.append(f"(bit {to_carol[0]}, int one) = recv from alice;")
        carol.bits += to_carol
    names = [f"r{i}" for i in range(len(relayed))]
    carol.lines.append(f"({', '.join(f'bit {n}' for n in names)}, int two) = recv from bob;")
    carol.bits += names
    write.prepare(carol, rng.randrange(1, 4))
    if rng.random() < 0.6:
        write.integer(carol)
    write.corrections(carol, rng.randrange(1, 5))
    if bob.qubits and bob.bits and rng.random() < 0.5:
        write.corrections(bob, 1)
    for role in (alice, bob, carol):
        write.finish(role)
    roles = "\n".join(f"  role {role.name} {{\n" + "".join(f"    {line}\n" for line in
                                                             role.lines) + "  }"
                      for role in (alice, bob, carol))
    return f"""// differential fuzzer, seed {seed}, protocol {index}
network trio {{
  node alice {{ qubits 12; }}
  node bob {{ qubits 12; }}
  node carol {{ qubits 12; }}
  link alice <-> bob {{ classical fiber(length = 1 km); quantum fiber(length = 1 km); }}
  link alice <-> carol {{ classical fiber(length = 1 km); quantum fiber(length = 1 km); }}
  link bob <-> carol {{ classical fiber(length = 1 km); quantum fiber(length = 1 km); }}
}}

protocol random_protocol {{
{roles}
}}

run random_protocol on trio with alice = alice, bob = bob, carol = carol {{
  shots = {SHOTS};
  seed = {index};
}}
"""


@dataclass
class Tally:
    protocols: int = 0
    refused: int = 0
    compared: int = 0  # circuit forms compared with the simulator
    failures: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [f"protocols: {self.protocols}", f"refused by the compiler: {self.refused}",
                f"circuit forms compared: {self.compared}",
                f"disagreements or errors: {len(self.failures)}",
                f"time: {self.seconds:.0f} s"]


def differences(text: str) -> tuple[bool, list[str]]:
    """(compiled, the problems): the simulator against each circuit form."""
    source = SourceFile("random.qnet", text)
    result = check(source, None)
    if not result.ok or result.ir is None:
        return False, ["the generated protocol does not check: " +
                       "; ".join(d.message for d in result.diagnostics if d.is_error)]
    (run,) = result.ir.runs
    try:
        circuits = lower_run(run)
    except CompileError:
        return False, []
    simulated = run_shots(run, shots=SHOTS, seed=run.settings["seed"])
    problems = []
    for form in ("dynamic", "deferred"):
        try:
            emulated = run_aer(run, circuits, shots=SHOTS, seed=run.settings["seed"],
                               form=form)
        except BackendError as error:
            problems.append(f"{form}: {error}")
            continue
        problems += [f"{form}: {problem}" for problem in
                     disagreements(simulated, emulated, sigmas=SIGMAS)]
    return True, problems


def campaign(seed: int, count: int, first: int = 0) -> Tally:
    tally = Tally()
    started = time.perf_counter()
    for index in range(first, first + count):
        tally.protocols += 1
        try:
            compiled, problems = differences(protocol(seed, index))
        except Exception as error:  # noqa: BLE001 - an internal error is a finding too
            compiled, problems = True, [f"internal error: {type(error).__name__}: {error}"]
        tally.refused += not compiled
        tally.compared += 2 * compiled
        tally.failures += [(index, problem) for problem in problems]
        if (index - first + 1) % 50 == 0:
            print(f"... {index - first + 1} protocols, {len(tally.failures)} problems",
                  file=sys.stderr, flush=True)
    tally.seconds = time.perf_counter() - started
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.compiler.differential_fuzz",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--protocols", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--show", action="store_true", help="print each protocol")
    args = parser.parse_args(argv)
    if args.show:
        for index in range(args.first, args.first + args.protocols):
            print(protocol(args.seed, index))
    tally = campaign(args.seed, args.protocols, args.first)
    for index, problem in tally.failures:
        print(f"protocol {index}: {problem}")
    print(f"differential campaign seed {args.seed}, protocols "
          f"{args.first}..{args.first + args.protocols - 1}")
    for line in tally.lines():
        print(line)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
