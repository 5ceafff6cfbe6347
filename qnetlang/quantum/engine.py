"""Quantum engines: qubits in separate small states that merge only when they interact.

A qubit that never interacted with another lives in a group of its own; a
two-qubit gate merges the two groups (a tensor product), and measuring a
qubit splits it off again. Memory and time then grow with the largest
entangled group, not with the number of qubits in the network.

Two engines share this bookkeeping: StateVector (pure states; noise by
quantum trajectories, exact on average) and DensityMatrix (mixed states;
noise applied exactly as Kraus channels).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from qnetlang.quantum import ENGINE_NAMES
from qnetlang.quantum.gates import KETS, X, basis_change, matrix
from qnetlang.quantum.noise import Kraus


@dataclass
class _Group:
    state: np.ndarray  # a tensor: k axes (state vector) or 2k axes (density matrix)
    qubits: list[int]


class Engine(ABC):
    """The operations the simulator needs, on qubits named by integer ids."""

    name = ""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.groups: dict[int, _Group] = {}
        self._next = 0

    # ---------------------------------------------------------------- public

    def alloc(self, label: str = "0") -> int:
        qubit = self._next
        self._next += 1
        self.groups[qubit] = _Group(self._pure(KETS[label]), [qubit])
        return qubit

    def apply(self, gate: str, qubits: list[int], params: tuple[float, ...] = ()) -> None:
        self.apply_matrix(matrix(gate, params), qubits)

    def apply_matrix(self, unitary: np.ndarray, qubits: list[int]) -> None:
        group = self._merge(qubits)
        axes = [group.qubits.index(q) for q in qubits]
        group.state = self._unitary(group.state, unitary, axes, len(group.qubits))

    def measure(self, qubit: int, basis: str = "z", angle: float = 0.0) -> int:
        """Measures in a basis; the qubit is left alone in the basis state found."""
        change = basis_change(basis, angle)
        if basis != "z":
            self.apply_matrix(change, [qubit])
        outcome = self._measure_z(qubit)
        if basis != "z":
            self.apply_matrix(change.conj().T, [qubit])
        return outcome

    def reset(self, qubit: int) -> None:
        if self._measure_z(qubit):
            self.apply_matrix(X, [qubit])

    def discard(self, qubit: int) -> None:
        """Removes a qubit (lost, or no longer needed), tracing it out of its group."""
        self._separate(qubit)
        del self.groups[qubit]

    @abstractmethod
    def channel(self, qubit: int, kraus: Kraus) -> None:
        """Applies a single-qubit noise channel."""

    def reduced(self, qubits: list[int]) -> np.ndarray:
        """The density matrix of `qubits` (in that order), without disturbing them."""
        parts: list[tuple[list[int], np.ndarray]] = []
        seen: set[int] = set()
        for qubit in qubits:
            group = self.groups[qubit]
            if id(group) in seen:
                continue
            seen.add(id(group))
            keep = [q for q in group.qubits if q in qubits]
            parts.append((keep, self._partial(group, keep)))
        order: list[int] = []
        rho = np.ones((1, 1), dtype=complex)
        for keep, part in parts:
            rho = np.kron(rho, part)
            order += keep
        if order != qubits:
            n = len(order)
            tensor = rho.reshape((2,) * (2 * n))
            permutation = [order.index(q) for q in qubits]
            tensor = tensor.transpose(permutation + [n + p for p in permutation])
            rho = tensor.reshape(2 ** n, 2 ** n)
        return rho

    def fidelity(self, qubits: list[int], target: np.ndarray) -> float:
        """<target| rho |target>: the fidelity of the qubits' state with a pure target."""
        rho = self.reduced(qubits)
        return float(np.real(target.conj() @ rho @ target))

    @property
    def largest_group(self) -> int:
        return max((len(g.qubits) for g in self.groups.values()), default=0)

    # ---------------------------------------------------------------- groups

    def _merge(self, qubits: list[int]) -> _Group:
        group = self.groups[qubits[0]]
        for qubit in qubits[1:]:
            other = self.groups[qubit]
            if other is group:
                continue
            group = _Group(self._product(group.state, other.state, len(group.qubits),
                                         len(other.qubits)), group.qubits + other.qubits)
            for member in group.qubits:
                self.groups[member] = group
        return group

    def _measure_z(self, qubit: int) -> int:
        group = self.groups[qubit]
        axis = group.qubits.index(qubit)
        p0 = self._probability_zero(group.state, axis, len(group.qubits))
        outcome = int(self.rng.random() >= p0)
        rest = self._project(group.state, axis, len(group.qubits), outcome,
                             p0 if outcome == 0 else 1 - p0)
        self._split(qubit, group, axis, rest)
        self.groups[qubit] = _Group(self._pure(KETS[str(outcome)]), [qubit])
        return outcome

    def _split(self, qubit: int, group: _Group, axis: int, rest: np.ndarray) -> None:
        group.qubits.pop(axis)
        group.state = rest

    def _separate(self, qubit: int) -> None:
        group = self.groups[qubit]
        if len(group.qubits) == 1:
            return
        axis = group.qubits.index(qubit)
        rest = self._trace_out(group, axis)
        group.qubits.pop(axis)
        group.state = rest
        self.groups[qubit] = _Group(self._pure(KETS["0"]), [qubit])

    # ---------------------------------------------------------------- representation

    @abstractmethod
    def _pure(self, ket: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _product(self, a: np.ndarray, b: np.ndarray, na: int, nb: int) -> np.ndarray: ...

    @abstractmethod
    def _unitary(self, state: np.ndarray, unitary: np.ndarray, axes: list[int],
                 n: int) -> np.ndarray: ...

    @abstractmethod
    def _probability_zero(self, state: np.ndarray, axis: int, n: int) -> float: ...

    @abstractmethod
    def _project(self, state: np.ndarray, axis: int, n: int, outcome: int,
                 probability: float) -> np.ndarray: ...

    @abstractmethod
    def _trace_out(self, group: _Group, axis: int) -> np.ndarray: ...

    @abstractmethod
    def _partial(self, group: _Group, keep: list[int]) -> np.ndarray:
        """The density matrix of the `keep` qubits of a group, in group order."""


def _apply_on_axes(tensor: np.ndarray, operator: np.ndarray, axes: list[int]) -> np.ndarray:
    """Contracts a k-qubit operator with the given axes of a tensor, keeping axis order."""
    k = len(axes)
    op = operator.reshape((2,) * (2 * k))
    result = np.tensordot(op, tensor, axes=(list(range(k, 2 * k)), axes))
    return np.moveaxis(result, list(range(k)), axes)


class StateVector(Engine):
    """Pure states. A noise channel picks one of its Kraus operators with its
    probability (a quantum trajectory), which is exact on average over shots."""

    name = "statevector"

    def _pure(self, ket: np.ndarray) -> np.ndarray:
        return ket.copy()

    def _product(self, a: np.ndarray, b: np.ndarray, na: int, nb: int) -> np.ndarray:
        return np.multiply.outer(a, b)

    def _unitary(self, state: np.ndarray, unitary: np.ndarray, axes: list[int],
                 n: int) -> np.ndarray:
        return _apply_on_axes(state, unitary, axes)

    def _probability_zero(self, state: np.ndarray, axis: int, n: int) -> float:
        zero = np.take(state, 0, axis=axis)
        return float(np.vdot(zero, zero).real)

    def _project(self, state: np.ndarray, axis: int, n: int, outcome: int,
                 probability: float) -> np.ndarray:
        return np.take(state, outcome, axis=axis) / np.sqrt(max(probability, 1e-300))

    def _trace_out(self, group: _Group, axis: int) -> np.ndarray:
        # Tracing out a qubit of a pure state: measure it and forget the outcome.
        p0 = self._probability_zero(group.state, axis, len(group.qubits))
        outcome = int(self.rng.random() >= p0)
        return self._project(group.state, axis, len(group.qubits), outcome,
                             p0 if outcome == 0 else 1 - p0)

    def _partial(self, group: _Group, keep: list[int]) -> np.ndarray:
        n = len(group.qubits)
        keep_axes = [group.qubits.index(q) for q in keep]
        other = [a for a in range(n) if a not in keep_axes]
        psi = np.transpose(group.state, keep_axes + other).reshape(2 ** len(keep), -1)
        return psi @ psi.conj().T

    def channel(self, qubit: int, kraus: Kraus) -> None:
        group = self.groups[qubit]
        axis = group.qubits.index(qubit)
        branches = [_apply_on_axes(group.state, k, [axis]) for k in kraus]
        weights = np.array([np.vdot(b, b).real for b in branches])
        choice = int(self.rng.choice(len(branches), p=weights / weights.sum()))
        group.state = branches[choice] / np.sqrt(weights[choice])


class DensityMatrix(Engine):
    """Mixed states as density tensors (k ket axes, then k bra axes); noise is exact."""

    name = "density"

    def _pure(self, ket: np.ndarray) -> np.ndarray:
        return np.multiply.outer(ket, ket.conj())

    def _product(self, a: np.ndarray, b: np.ndarray, na: int, nb: int) -> np.ndarray:
        outer = np.multiply.outer(a, b)  # axes: a-kets, a-bras, b-kets, b-bras
        order = (list(range(na)) + list(range(2 * na, 2 * na + nb)) +
                 list(range(na, 2 * na)) + list(range(2 * na + nb, 2 * na + 2 * nb)))
        return outer.transpose(order)

    def _unitary(self, state: np.ndarray, unitary: np.ndarray, axes: list[int],
                 n: int) -> np.ndarray:
        state = _apply_on_axes(state, unitary, axes)
        return _apply_on_axes(state, unitary.conj(), [a + n for a in axes])

    def _probability_zero(self, state: np.ndarray, axis: int, n: int) -> float:
        diagonal = np.take(np.take(state, 0, axis=axis + n), 0, axis=axis)
        matrix_ = diagonal.reshape(2 ** (n - 1), 2 ** (n - 1))
        return float(np.trace(matrix_).real)

    def _project(self, state: np.ndarray, axis: int, n: int, outcome: int,
                 probability: float) -> np.ndarray:
        kept = np.take(np.take(state, outcome, axis=axis + n), outcome, axis=axis)
        return kept / max(probability, 1e-300)

    def _trace_out(self, group: _Group, axis: int) -> np.ndarray:
        n = len(group.qubits)
        return np.trace(group.state, axis1=axis, axis2=axis + n)

    def _partial(self, group: _Group, keep: list[int]) -> np.ndarray:
        n = len(group.qubits)
        state = group.state
        axes = list(range(n))
        for qubit in sorted(set(group.qubits) - set(keep),
                            key=lambda q: -group.qubits.index(q)):
            axis = group.qubits.index(qubit)
            current = len(axes)
            state = np.trace(state, axis1=axis, axis2=axis + current)
            axes.pop()
        k = len(keep)
        order = [q for q in group.qubits if q in keep]
        permutation = [order.index(q) for q in keep]
        state = state.transpose(permutation + [k + p for p in permutation])
        return state.reshape(2 ** k, 2 ** k)

    def channel(self, qubit: int, kraus: Kraus) -> None:
        group = self.groups[qubit]
        n = len(group.qubits)
        axis = group.qubits.index(qubit)
        total = None
        for k in kraus:
            term = _apply_on_axes(_apply_on_axes(group.state, k, [axis]), k.conj(), [axis + n])
            total = term if total is None else total + term
        assert total is not None
        group.state = total


ENGINES: dict[str, type[Engine]] = {"statevector": StateVector, "density": DensityMatrix}
assert tuple(ENGINES) == ENGINE_NAMES
