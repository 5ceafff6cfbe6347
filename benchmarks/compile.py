"""The compiler on an entanglement-swapping chain of 50 hops (and other lengths).

Run: python benchmarks/compile.py [--hops 50 ...]
Reports, for each chain, the width and depth of the dynamic circuit (and with
qubit reuse), the width of the deferred standard circuit, and the time to lower,
to build the qiskit circuits and to write OpenQASM 3.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from qiskit import qasm3

from qnetlang.compiler import qiskit_bridge
from qnetlang.compiler.lower import lower_run
from qnetlang.compiler.reuse import reuse_qubits
from qnetlang.pipeline import check
from qnetlang.source import SourceFile

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "swap_chain.qnet"


def measure(hops: int) -> str:
    text = EXAMPLE.read_text().replace("const N = 4;", f"const N = {hops};")
    start = time.perf_counter()
    result = check(SourceFile(str(EXAMPLE), text), EXAMPLE)
    assert result.ok and result.ir is not None
    checked = time.perf_counter()
    (circuit,) = lower_run(result.ir.runs[0])
    lowered = time.perf_counter()
    narrow = reuse_qubits(circuit)
    dynamic = qiskit_bridge.dynamic(circuit)
    deferred = qiskit_bridge.deferred(circuit)
    program = qasm3.dumps(dynamic)
    done = time.perf_counter()
    return (f"{hops:>5} hops: dynamic {len(circuit.qubits)} qubits, depth {circuit.depth}; "
            f"with reuse {len(narrow.qubits)} qubits; deferred {deferred.num_qubits} qubits; "
            f"OpenQASM 3 {len(program.splitlines())} lines | check {checked - start:.2f} s, "
            f"lower {lowered - checked:.3f} s, qiskit + OpenQASM {done - lowered:.2f} s")


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--hops", type=int, nargs="+", default=[10, 50, 200])
    for hops in options.parse_args().hops:
        print(measure(hops))


if __name__ == "__main__":
    main()
