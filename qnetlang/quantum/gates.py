"""Gate matrices for every gate of the language, and the measurement bases.

A gate on k qubits is a 2^k x 2^k matrix whose first qubit is the most
significant (the control of `cx` is its first operand), as in most textbooks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import numpy as np

from qnetlang.gates import GATES

Matrix = np.ndarray

I2 = np.eye(2, dtype=complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.array([[1, 0], [0, -1]], dtype=complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)
S = np.diag([1, 1j]).astype(complex)
T = np.diag([1, np.exp(1j * math.pi / 4)]).astype(complex)
SX = np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]], dtype=complex) / 2


def rx(theta: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -1j * s], [-1j * s, c]], dtype=complex)


def ry(theta: float) -> Matrix:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def rz(theta: float) -> Matrix:
    return np.diag([np.exp(-0.5j * theta), np.exp(0.5j * theta)])


def phase(theta: float) -> Matrix:
    return np.diag([1, np.exp(1j * theta)]).astype(complex)


def u(theta: float, phi: float, lam: float) -> Matrix:
    """OpenQASM's U(theta, phi, lambda)."""
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -np.exp(1j * lam) * s],
                     [np.exp(1j * phi) * s, np.exp(1j * (phi + lam)) * c]], dtype=complex)


def controlled(gate: Matrix) -> Matrix:
    """The gate controlled by one more qubit, placed first."""
    size = gate.shape[0]
    matrix = np.eye(2 * size, dtype=complex)
    matrix[size:, size:] = gate
    return matrix


SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)

_FIXED: dict[str, Matrix] = {
    "i": I2, "x": X, "y": Y, "z": Z, "h": H, "s": S, "sdg": S.conj().T, "t": T,
    "tdg": T.conj().T, "sx": SX, "sxdg": SX.conj().T, "cx": controlled(X),
    "cy": controlled(Y), "cz": controlled(Z), "ch": controlled(H), "swap": SWAP,
    "ccx": controlled(controlled(X)), "cswap": controlled(SWAP),
}
_ROTATIONS = {"rx": rx, "ry": ry, "rz": rz, "p": phase}


@cache
def _fixed(name: str) -> Matrix:
    return _FIXED[name]


def matrix(name: str, params: tuple[float, ...] = ()) -> Matrix:
    """The unitary of a gate of the language with its angles."""
    if name in _FIXED:
        return _fixed(name)
    if name in _ROTATIONS:
        return _ROTATIONS[name](params[0])
    if name == "u":
        return u(*params)
    if name.startswith("c") and name[1:] in _ROTATIONS:
        return controlled(_ROTATIONS[name[1:]](params[0]))
    raise KeyError(name)


assert set(GATES) == set(_FIXED) | set(_ROTATIONS) | {"u", "crx", "cry", "crz", "cp"}


def basis_change(basis: str, angle: float = 0.0) -> Matrix:
    """The unitary V whose first row is the '+' state of the basis: measuring in the basis
    is applying V, measuring Z (0 means '+'), and applying V-dagger to leave the qubit
    in the basis state found.

    xy(a): (|0> + e^{ia}|1>)/sqrt2; yz(a): cos(a/2)|0> - i sin(a/2)|1>;
    xz(a): cos(a/2)|0> + sin(a/2)|1>; x, y, z are xy(0), xy(pi/2) and z.
    """
    if basis == "z":
        return I2
    if basis == "x":
        return H
    if basis == "y":
        return basis_change("xy", math.pi / 2)
    if basis == "xy":
        return H @ rz(-angle)
    if basis == "yz":
        return rx(-angle)
    if basis == "xz":
        return ry(-angle)
    raise KeyError(basis)


KETS: dict[str, np.ndarray] = {
    "0": np.array([1, 0], dtype=complex),
    "1": np.array([0, 1], dtype=complex),
    "+": np.array([1, 1], dtype=complex) / math.sqrt(2),
    "-": np.array([1, -1], dtype=complex) / math.sqrt(2),
    "+i": np.array([1, 1j], dtype=complex) / math.sqrt(2),
    "-i": np.array([1, -1j], dtype=complex) / math.sqrt(2),
}

BELL: dict[str, np.ndarray] = {
    "phi_plus": np.array([1, 0, 0, 1], dtype=complex) / math.sqrt(2),
    "phi_minus": np.array([1, 0, 0, -1], dtype=complex) / math.sqrt(2),
    "psi_plus": np.array([0, 1, 1, 0], dtype=complex) / math.sqrt(2),
    "psi_minus": np.array([0, 1, -1, 0], dtype=complex) / math.sqrt(2),
}


def distinct_rows(params: tuple, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct tuples of parameters among a batch's shots (each parameter one number
    or one per shot), and the index of each shot's tuple among them."""
    rows = np.stack([np.broadcast_to(np.asarray(p, dtype=float), (batch,)) for p in params],
                    axis=1)
    distinct, inverse = np.unique(rows, axis=0, return_inverse=True)
    return distinct, inverse.reshape(-1)


def per_shot(build: Callable[..., Matrix], params: tuple, batch: int) -> Matrix:
    """build(*params): one matrix when every parameter is one number, else one per shot
    (batch, d, d), each built once per distinct tuple of parameters."""
    if not any(np.ndim(p) for p in params):
        return build(*(float(p) for p in params))
    distinct, inverse = distinct_rows(params, batch)
    return np.stack([build(*row) for row in distinct])[inverse]
