"""The gates of the language: names, how many qubits each acts on, how many angles it takes.

The parser checks gate statements against this table; the engines and the
compiler key their matrices and OpenQASM names on the same names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GateSpec:
    name: str
    qubits: int
    params: int
    doc: str


GATES: dict[str, GateSpec] = {
    spec.name: spec
    for spec in [
        GateSpec("i", 1, 0, "identity"),
        GateSpec("x", 1, 0, "Pauli X (bit flip)"),
        GateSpec("y", 1, 0, "Pauli Y"),
        GateSpec("z", 1, 0, "Pauli Z (phase flip)"),
        GateSpec("h", 1, 0, "Hadamard"),
        GateSpec("s", 1, 0, "phase S = sqrt(Z)"),
        GateSpec("sdg", 1, 0, "S dagger"),
        GateSpec("t", 1, 0, "T = sqrt(S)"),
        GateSpec("tdg", 1, 0, "T dagger"),
        GateSpec("sx", 1, 0, "sqrt(X)"),
        GateSpec("sxdg", 1, 0, "sqrt(X) dagger"),
        GateSpec("rx", 1, 1, "rotation about X by an angle"),
        GateSpec("ry", 1, 1, "rotation about Y by an angle"),
        GateSpec("rz", 1, 1, "rotation about Z by an angle"),
        GateSpec("p", 1, 1, "phase gate diag(1, e^(i angle))"),
        GateSpec("u", 1, 3, "general single-qubit gate u(theta, phi, lambda)"),
        GateSpec("cx", 2, 0, "controlled X (CNOT)"),
        GateSpec("cy", 2, 0, "controlled Y"),
        GateSpec("cz", 2, 0, "controlled Z"),
        GateSpec("ch", 2, 0, "controlled Hadamard"),
        GateSpec("swap", 2, 0, "exchanges two qubits"),
        GateSpec("crx", 2, 1, "controlled rx"),
        GateSpec("cry", 2, 1, "controlled ry"),
        GateSpec("crz", 2, 1, "controlled rz"),
        GateSpec("cp", 2, 1, "controlled phase"),
        GateSpec("ccx", 3, 0, "Toffoli (doubly controlled X)"),
        GateSpec("cswap", 3, 0, "Fredkin (controlled swap)"),
    ]
}

# Measurement bases: the Pauli bases take no angle, the planes of MBQC take one.
PAULI_BASES = ("z", "x", "y")
PLANE_BASES = ("xy", "yz", "xz")
