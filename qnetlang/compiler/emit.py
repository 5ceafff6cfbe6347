"""Writing compiled circuits: OpenQASM 3 (dynamic), OpenQASM 2 (deferred), a drawing,
a qiskit snippet, or a measurement pattern (which needs no qiskit)."""

from __future__ import annotations

from qnetlang.compiler.circuit import Circuit

TARGETS = ("qasm3", "qasm2", "text", "qiskit", "pattern")

# A drawing is a grid of wires by layers, and qiskit's drawer takes time in proportion to
# it: 20,000 wire-operations draw in about two seconds; b92 with n = 256 (800,000) would
# take hours, for a drawing nobody could read.
MAX_DRAWING_CELLS = 20_000

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
        return _with_legend(qasm3.dumps(qiskit_bridge.dynamic(circuit)), circuit)
    if target == "qasm2":
        standard = transpile(qiskit_bridge.deferred(circuit), basis_gates=QELIB1,
                             optimization_level=0)
        return _with_legend(qasm2.dumps(standard), circuit)
    if target == "text":
        from qnetlang.compiler.lower import CompileError

        cells = (len(circuit.qubits) + len(circuit.bits)) * len(circuit.ops)
        if cells > MAX_DRAWING_CELLS:
            raise CompileError(
                f"the circuit is too large to draw: {len(circuit.qubits)} qubits, "
                f"{len(circuit.bits)} bits and {len(circuit.ops)} operations", circuit.span,
                help="draw a smaller run, or write it with `--target qasm3`")
        return str(qiskit_bridge.dynamic(circuit).draw("text", fold=-1)) + "\n"
    program = qasm3.dumps(qiskit_bridge.dynamic(circuit))
    return ("# A qiskit QuantumCircuit of the protocol, from its OpenQASM 3 form.\n"
            "from qiskit import qasm3\n\n"
            f"circuit = qasm3.loads('''{program}''')\n")


def _with_legend(program: str, circuit: Circuit) -> str:
    """The program with a comment after its `include` naming each bit of `outcomes`:
    the role and variable it records (`outcomes[2]: bob.m`)."""
    from qnetlang.compiler.qiskit_bridge import OUTCOMES

    head, include, body = program.partition(".inc\";\n")
    legend = "".join(f"// {OUTCOMES}[{index}]: {label}\n"
                     for index, label in enumerate(circuit.bits))
    return f"{head}{include}{legend}{body}\n"


def banner(circuit: Circuit, index: int, count: int, comment: str) -> str:
    choices = ", ".join(map(str, circuit.choices))
    return (f"{comment} circuit {index + 1} of {count}: random choices ({choices}), "
            f"weight {circuit.weight:g}\n")
