"""The size of the compiled circuits of the examples, in every form.

Run: python benchmarks/widths.py
For each run: the dynamic circuit's qubits and depth (the lowering's own count),
its width with qubit reuse, the qubits and depth of the deferred standard
circuit (as written to OpenQASM 2, in qelib1 gates), and the `if` blocks and
lines of the OpenQASM 3 text.
"""

from __future__ import annotations

import time
from pathlib import Path

from qiskit import qasm3, transpile

from qnetlang.compiler import qiskit_bridge
from qnetlang.compiler.emit import QELIB1
from qnetlang.compiler.lower import lower_run
from qnetlang.compiler.reuse import reuse_qubits
from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.source import SourceFile

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RUNS = [("teleport", "teleport"), ("chsh", "chsh"), ("superdense", "superdense"),
        ("swap_chain", "single"), ("swap_chain", "swap_chain"), ("b92", "b92")]


def run_of(example: str, name: str) -> ir.Run:
    path = EXAMPLES / f"{example}.qnet"
    result = check(SourceFile.read(path), path)
    assert result.ok and result.ir is not None
    return next(run for run in result.ir.runs if run.name == name)


def row(example: str, name: str) -> str:
    started = time.perf_counter()
    (circuit,) = lower_run(run_of(example, name))
    narrow = reuse_qubits(circuit)
    text = qasm3.dumps(qiskit_bridge.dynamic(circuit))
    ifs = sum(line.strip().startswith("if (") for line in text.splitlines())
    deferred = "-"
    if len(circuit.qubits) <= 300:  # B92's 768 wires would take minutes to transpile
        standard = transpile(qiskit_bridge.deferred(circuit), basis_gates=QELIB1,
                             optimization_level=0)
        deferred = f"{standard.num_qubits} / {standard.depth()}"
    return (f"| {example}:{name} | {len(circuit.qubits)} / {circuit.depth} | "
            f"{len(narrow.qubits)} | {deferred} | {ifs} | {len(text.splitlines())} | "
            f"{time.perf_counter() - started:.2f} s |")


def main() -> None:
    print("| run | dynamic qubits / depth | with reuse | deferred qubits / depth "
          "| `if`s | OpenQASM 3 lines | time |")
    print("|---|---|---|---|---|---|---|")
    for example, name in RUNS:
        print(row(example, name))


if __name__ == "__main__":
    main()
