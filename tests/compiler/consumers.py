"""The consumer matrix: the OpenQASM the compiler writes, read by programs nobody on the
project wrote, and — where the reader can run it — sampled and compared with the simulator.

Each program is written as OpenQASM 3 (the dynamic form) and OpenQASM 2 (the
deferred form), from the text alone, as a user would hand it over:

| reader | form | what is checked |
|---|---|---|
| openqasm3 (the reference parser) | 3 | parses |
| pyqasm | 3, 2 | loads and validates (its semantic analysis) |
| qiskit's importers, sampled on Aer | 3, 2 | agrees |
| Amazon Braket's local simulator | 3 | runs |
| Microsoft's QDK (`qdk.openqasm`), sampled by its simulator | 3 | agrees |
| pytket | 2 | loads |
| cirq, sampled by its simulator | 2 | agrees |

The shots' bits (the `outcomes` register) give every report as the simulator
would (compiler/backends.reports), compared at test_differential's SIGMAS. The
text carries no noise (W1003), so a program with noise is compared with its
own circuit sampled on Aer without noise, which the differential suite ties to
the simulator. Braket's simulator reads no `stdgates.inc` (its built-in gates
have other names: `cnot`), so its copy has the standard library's text in place
of the `include`; it lists each measurement it made rather than the register's
final bits, so its shots are not compared.

`python -m tests.compiler.consumers` prints the matrix (for the notes).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from qnetlang.compiler.backends import reports, run_aer
from qnetlang.compiler.circuit import Circuit
from qnetlang.compiler.emit import emit
from qnetlang.compiler.lower import lower_run
from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.runtime.batch import noisy
from qnetlang.results import RunResult, report_kinds, summarise
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.compiler.test_differential import disagreements
from tests.conftest import ROOT

SHOTS = 1000
SEED = 5
HERE = Path(__file__).parent
PROGRAMS = {  # label -> (file, run)
    "teleport": (ROOT / "examples" / "teleport.qnet", "teleport"),
    "chsh": (ROOT / "examples" / "chsh.qnet", "chsh"),
    "superdense": (ROOT / "examples" / "superdense.qnet", "superdense"),
    "swap single": (ROOT / "examples" / "swap_chain.qnet", "single"),
    "swap chain": (ROOT / "examples" / "swap_chain.qnet", "swap_chain"),
    "parities": (HERE / "differential" / "parity_corrections.qnet", "relay"),
    "classical logic": (HERE / "differential" / "classical_logic.qnet", "logic"),
    "coins": (HERE / "differential" / "coins.qnet", "coins"),
}


@dataclass(frozen=True)
class Reader:
    name: str
    form: str  # "qasm3" or "qasm2"
    module: str  # what must import for the reader to be there
    read: Callable[[str, int, int], np.ndarray | None]  # (text, bits, shots) -> shots x bits


def _openqasm3(text: str, bits: int, shots: int) -> None:
    import openqasm3

    openqasm3.parse(text)


def _pyqasm(text: str, bits: int, shots: int) -> None:
    import pyqasm

    pyqasm.loads(text).validate()


def _qiskit(loads: str) -> Callable[[str, int, int], np.ndarray]:
    def read(text: str, bits: int, shots: int) -> np.ndarray:
        from qiskit import qasm2, qasm3, transpile
        from qiskit_aer import AerSimulator

        circuit = (qasm3.loads if loads == "qasm3" else qasm2.loads)(text)
        simulator = AerSimulator(seed_simulator=SEED)
        memory = simulator.run(transpile(circuit, simulator), shots=shots,
                               memory=True).result().get_memory()
        register = [r for r in circuit.cregs if r.name == "outcomes"][0]
        positions = [circuit.find_bit(bit).index for bit in register][:bits]
        rows = np.array([[int(ch) for ch in reversed(record.replace(" ", ""))]
                         for record in memory], dtype=np.int64)
        return rows[:, positions]

    return read


@cache
def _standard_gates() -> str:
    """The OpenQASM 3 standard gate library (`stdgates.inc`), as qiskit ships it."""
    import qiskit

    return (Path(qiskit.__file__).parent / "qasm" / "libs" / "stdgates.inc").read_text()


def _braket(text: str, bits: int, shots: int) -> None:
    from braket.default_simulator import StateVectorSimulator
    from braket.ir.openqasm import Program

    source = text.replace('include "stdgates.inc";\n', _standard_gates())
    StateVectorSimulator().run_openqasm(Program(source=source), shots=shots)


def _qdk(text: str, bits: int, shots: int) -> np.ndarray:
    import qdk
    from qdk import openqasm

    qdk.set_quantum_seed(SEED)
    qdk.set_classical_seed(SEED)
    rows = []
    for shot in openqasm.run(text, shots=shots):
        values = shot if isinstance(shot, (list, tuple)) else [shot]
        rows.append([int(value == qdk.Result.One) for value in values][:bits])
    return np.array(rows, dtype=np.int64).reshape(shots, bits)


def _pytket(text: str, bits: int, shots: int) -> None:
    from pytket.qasm import circuit_from_qasm_str

    circuit_from_qasm_str(text)


def _cirq(text: str, bits: int, shots: int) -> np.ndarray:
    import cirq
    from cirq.contrib.qasm_import import circuit_from_qasm

    circuit = circuit_from_qasm(text)
    result = cirq.Simulator(seed=SEED).run(circuit, repetitions=shots)
    columns = [result.measurements[f"outcomes_{index}"][:, 0] if
               f"outcomes_{index}" in result.measurements else np.zeros(shots, dtype=np.int64)
               for index in range(bits)]
    return np.stack(columns, axis=1).astype(np.int64)


READERS = [
    Reader("openqasm3", "qasm3", "openqasm3", _openqasm3),
    Reader("pyqasm", "qasm3", "pyqasm", _pyqasm),
    Reader("qiskit + Aer", "qasm3", "qiskit_qasm3_import", _qiskit("qasm3")),
    Reader("Braket local", "qasm3", "braket.default_simulator", _braket),
    Reader("QDK", "qasm3", "qdk.openqasm", _qdk),
    Reader("pyqasm", "qasm2", "pyqasm", _pyqasm),
    Reader("qiskit + Aer", "qasm2", "qiskit", _qiskit("qasm2")),
    Reader("pytket", "qasm2", "pytket", _pytket),
    Reader("cirq", "qasm2", "cirq", _cirq),
]


def installed(reader: Reader) -> bool:
    return importlib.util.find_spec(reader.module.split(".")[0]) is not None and \
        importlib.util.find_spec(reader.module) is not None


@cache
def compiled(label: str) -> tuple[ir.Run, Circuit]:
    path, name = PROGRAMS[label]
    result = check(SourceFile.read(path), path)
    assert result.ok and result.ir is not None
    run = next(run for run in result.ir.runs if run.name == name)
    (circuit,) = lower_run(run)
    return run, circuit


@cache
def text(label: str, form: str) -> str:
    return emit(compiled(label)[1], form)


@cache
def reference(label: str) -> RunResult:
    """The simulator's result, or for a noisy run its circuit on Aer without noise."""
    run, circuit = compiled(label)
    if noisy(run):
        return run_aer(run, [circuit], shots=SHOTS, seed=SEED, noise=False)
    return run_shots(run, shots=SHOTS, seed=SEED)


def outcome(label: str, reader: Reader) -> tuple[bool, list[str] | None]:
    """(accepted, the disagreements: None where the reader does not sample)."""
    run, circuit = compiled(label)
    bits = reader.read(text(label, reader.form), len(circuit.bits), SHOTS)
    if bits is None:
        return True, None
    found = RunResult(run.name, run.protocol, reader.name, reader.form, SHOTS, SEED)
    found.reports = summarise(reports(circuit, bits), report_kinds(run))
    return True, disagreements(reference(label), found)


def main() -> None:
    readers = [reader for reader in READERS if installed(reader)]
    print("| program | " + " | ".join(f"{r.name} ({r.form})" for r in readers) + " |")
    print("|---|" + "---|" * len(readers))
    for label in PROGRAMS:
        cells = []
        for reader in readers:
            try:
                _, problems = outcome(label, reader)
                cells.append("runs" if problems is None and reader.name.startswith("Braket")
                             else "accepted" if problems is None else
                             "agrees" if not problems else "DISAGREES")
            except Exception as error:  # noqa: BLE001 - the matrix records a refusal
                cells.append(f"refused: {type(error).__name__}")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
