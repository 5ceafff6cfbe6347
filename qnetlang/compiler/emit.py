"""Writing compiled circuits: OpenQASM 3 (dynamic), OpenQASM 2 (deferred), a drawing,
a qiskit snippet, or a measurement pattern (which needs no qiskit)."""

from __future__ import annotations

from qnetlang.compiler.circuit import Circuit

TARGETS = ("qasm3", "qasm2", "text", "qiskit", "pattern")

# The gates of OpenQASM 2's standard qelib1.inc, which any OpenQASM 2 reader knows.
QELIB1 = ["u1", "u2", "u3", "cx", "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "rx", "ry",
          "rz", "cz", "cy", "ch", "ccx", "crz", "cu1", "cu3"]


def emit(circuit: Circuit, target: str) -> str:
    if target == "pattern":
        from qnetlang.compiler.pattern import format_pattern, to_pattern

        return format_pattern(to_pattern(circuit))
    from qiskit import qasm2, qasm3, transpile

    from qnetlang.compiler import qiskit_bridge

    if target == "qasm3":
        return qasm3.dumps(qiskit_bridge.dynamic(circuit)) + "\n"
    if target == "qasm2":
        standard = transpile(qiskit_bridge.deferred(circuit), basis_gates=QELIB1,
                             optimization_level=0)
        return qasm2.dumps(standard) + "\n"
    if target == "text":
        return str(qiskit_bridge.dynamic(circuit).draw("text", fold=-1)) + "\n"
    program = qasm3.dumps(qiskit_bridge.dynamic(circuit))
    return ("# A qiskit QuantumCircuit of the protocol, from its OpenQASM 3 form.\n"
            "from qiskit import qasm3\n\n"
            f"circuit = qasm3.loads('''{program}''')\n")


def banner(circuit: Circuit, index: int, count: int, comment: str) -> str:
    choices = ", ".join(map(str, circuit.choices))
    return (f"{comment} circuit {index + 1} of {count}: random choices ({choices}), "
            f"weight {circuit.weight:g}\n")
