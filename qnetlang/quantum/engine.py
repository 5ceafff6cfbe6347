"""Quantum engines: batches of shots, in small states that merge only when they interact.

Every state carries a leading batch axis: one engine simulates B shots at
once, each with its own measurement outcomes and noise, so that the cost of
Python is paid once per operation, not once per shot. An operation may be
masked to the shots where a condition holds (a gate under `if (m) x q;`).

A qubit that never interacted with another lives in a group of its own; a
multi-qubit gate merges groups (a tensor product), and measuring a qubit in
every shot of the batch splits it off again. Memory and time grow with the
largest entangled group, not with the number of qubits in the network.

StateVector keeps pure states and applies noise by quantum trajectories (each
shot follows one Kraus operator with its probability: exact on average);
DensityMatrix keeps density matrices and applies noise exactly.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from qnetlang.quantum.gates import KETS, X, basis_change, matrix, per_shot
from qnetlang.quantum.noise import Kraus

Mask = np.ndarray | None  # a boolean array over the batch; None means every shot

AMPLITUDE_BYTES = 16  # a complex128 number
# Applying a gate holds the state, a reordered copy and the result at once.
WORKING_COPIES = 3


class StateTooLarge(Exception):
    """A gate would join qubits into one state larger than the engine may hold."""

    def __init__(self, qubits: int, needed: float, allowed: float) -> None:
        super().__init__(f"{qubits} entangled qubits")
        self.qubits, self.needed, self.allowed = qubits, needed, allowed


class NotClifford(Exception):
    """A gate or measurement basis the stabilizer engine cannot simulate."""


@dataclass
class Group:
    state: np.ndarray  # (B,) + k axes (state vector) or (B,) + 2k axes (density matrix)
    qubits: list[int]


def _batch_matrix(operator: np.ndarray, batch: int) -> np.ndarray:
    return operator if operator.ndim == 3 else np.broadcast_to(operator, (batch,) + operator.shape)


def _apply(tensor: np.ndarray, operator: np.ndarray, axes: list[int]) -> np.ndarray:
    """Applies a k-qubit operator ((d, d), or (B, d, d) per shot) to the given tensor axes
    (counted after the batch axis), keeping the order of the axes."""
    k = len(axes)
    batch = tensor.shape[0]
    if k == 1:  # the common case, without moving axes: (B, before, 2, after)
        view = tensor.reshape(batch, math.prod(tensor.shape[1:1 + axes[0]]), 2, -1)
        matrix = operator if operator.ndim == 2 else operator[:, None]
        return np.matmul(matrix, view).reshape(tensor.shape)
    if k == 2:  # (B, before, 2, between, 2, after), the operator as (2, 2, 2, 2)
        first, second = sorted(axes)
        sizes = tensor.shape[1:]
        view = tensor.reshape(batch, math.prod(sizes[:first]), 2,
                              math.prod(sizes[first + 1:second]), 2, -1)
        matrix = operator.reshape(operator.shape[:-2] + (2, 2, 2, 2))
        if axes[0] > axes[1]:  # the operator's first qubit is the later axis
            matrix = np.swapaxes(np.swapaxes(matrix, -4, -3), -2, -1)
        rule = "ijkl,bxkylz->bxiyjz" if operator.ndim == 2 else "bijkl,bxkylz->bxiyjz"
        return np.einsum(rule, matrix, view).reshape(tensor.shape)
    targets = [1 + a for a in axes]
    moved = np.moveaxis(tensor, targets, list(range(tensor.ndim - k, tensor.ndim)))
    shape = moved.shape
    flat = moved.reshape(batch, -1, 2 ** k)
    if operator.ndim == 2:
        result = flat @ operator.T
    else:
        result = np.einsum("bij,brj->bri", operator, flat)
    return np.moveaxis(result.reshape(shape), list(range(tensor.ndim - k, tensor.ndim)), targets)


def _where(mask: Mask, new: np.ndarray, old: np.ndarray) -> np.ndarray:
    if mask is None:
        return new
    return np.where(mask.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)


class Engine(ABC):
    """The operations the simulator needs, on qubits named by integer ids, for B shots;
    the bookkeeping of groups that every engine shares (a gate merges the groups of its
    qubits; measuring a qubit in every shot splits it off)."""

    name = ""
    max_state_bytes = math.inf  # what one group may take; the simulator sets it

    @classmethod
    @abstractmethod
    def state_bytes(cls, qubits: int, batch: int) -> float:
        """Memory to apply a gate to a group of `qubits` in each of `batch` shots."""

    @classmethod
    @abstractmethod
    def state_text(cls, qubits: int) -> str:
        """What a group of `qubits` is held as, for a diagnostic."""

    def __init__(self, rng: np.random.Generator, batch: int = 1) -> None:
        self.rng = rng
        self.batch = batch
        self.groups: dict[int, Group] = {}
        self._next = 0

    def restricted(self, rows: np.ndarray, rng: np.random.Generator) -> Engine:
        """A copy holding the states of the shots `rows` only (a batch that splits)."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.rng, copy.batch = rng, len(rows)
        copies: dict[int, Group] = {}
        for qubit, group in self.groups.items():
            if id(group) not in copies:
                copies[id(group)] = self._rows(group, rows)
        copy.groups = {qubit: copies[id(group)] for qubit, group in self.groups.items()}
        return copy

    def fidelity(self, qubits: list[int], target: np.ndarray) -> np.ndarray:
        """<target| rho |target> in every shot: fidelity with a pure target state."""
        rho = self.reduced(qubits)
        return np.real(np.einsum("i,bij,j->b", target.conj(), rho, target))

    @property
    def largest_group(self) -> int:
        return max((len(g.qubits) for g in self.groups.values()), default=0)

    def _merge(self, qubits: list[int]) -> Group:
        group = self.groups[qubits[0]]
        for qubit in qubits[1:]:
            other = self.groups[qubit]
            if other is group:
                continue
            size = len(group.qubits) + len(other.qubits)
            needed = self.state_bytes(size, self.batch)
            if needed > self.max_state_bytes:
                raise StateTooLarge(size, needed, self.max_state_bytes)
            group = self._joined(group, other)
            for member in group.qubits:
                self.groups[member] = group
        return group

    @abstractmethod
    def alloc(self, label: str = "0") -> int:
        """A fresh qubit in one of the six Pauli eigenstates (gates.KETS)."""

    @abstractmethod
    def apply(self, gate: str, qubits: list[int], params: tuple = (), mask: Mask = None) -> None:
        """A gate of the language, with its angles (one number, or one per shot)."""

    @abstractmethod
    def measure(self, qubit: int, basis: str = "z", angle: float | np.ndarray = 0.0,
                mask: Mask = None) -> np.ndarray:
        """Measures in a basis; returns the outcome of every shot (0 means '+')."""

    @abstractmethod
    def reset(self, qubit: int, mask: Mask = None) -> None: ...

    @abstractmethod
    def discard(self, qubit: int) -> None:
        """Removes a qubit from every shot, tracing it out of its group."""

    @abstractmethod
    def channel(self, qubit: int, kraus: Kraus, mask: Mask = None) -> None:
        """Applies a single-qubit noise channel."""

    @abstractmethod
    def reduced(self, qubits: list[int]) -> np.ndarray:
        """The density matrices (B, d, d) of `qubits` in that order, undisturbed."""

    @abstractmethod
    def _rows(self, group: Group, rows: np.ndarray) -> Group:
        """A copy of the group for the shots `rows` only."""

    @abstractmethod
    def _joined(self, a: Group, b: Group) -> Group:
        """One group of the qubits of two (a's first)."""


class Amplitudes(Engine):
    """Engines whose groups are arrays of amplitudes (or a density matrix's entries)."""

    axes_per_qubit = 1  # a state vector; a density matrix has two

    @classmethod
    def state_bytes(cls, qubits: int, batch: int) -> float:
        return 2.0 ** (cls.axes_per_qubit * qubits) * AMPLITUDE_BYTES * batch * WORKING_COPIES

    @classmethod
    def state_text(cls, qubits: int) -> str:
        return f"one state of 2**{qubits * cls.axes_per_qubit} amplitudes"

    def _rows(self, group: Group, rows: np.ndarray) -> Group:
        return Group(group.state[rows], list(group.qubits))

    def _joined(self, a: Group, b: Group) -> Group:
        return Group(self._product(a.state, b.state, len(a.qubits), len(b.qubits)),
                     a.qubits + b.qubits)

    def alloc(self, label: str = "0") -> int:
        qubit = self._next
        self._next += 1
        self.groups[qubit] = Group(self._pure(np.broadcast_to(KETS[label], (self.batch, 2))),
                                    [qubit])
        return qubit

    def apply(self, gate: str, qubits: list[int], params: tuple = (), mask: Mask = None) -> None:
        unitary = per_shot(lambda *p: matrix(gate, p), params, self.batch)
        self.apply_matrix(unitary, qubits, mask)

    def apply_matrix(self, unitary: np.ndarray, qubits: list[int], mask: Mask = None) -> None:
        group = self._merge(qubits)
        axes = [group.qubits.index(q) for q in qubits]
        group.state = _where(mask, self._unitary(group.state, unitary, axes,
                                                 len(group.qubits)), group.state)

    def measure(self, qubit: int, basis: str = "z", angle: float | np.ndarray = 0.0,
                mask: Mask = None) -> np.ndarray:
        """Measures in a basis; returns the outcome of every shot (0 means '+').

        Where measured, the qubit is left in the basis state found; measured in every
        shot, it is split off its group.
        """
        if basis != "z":
            change = self._basis_change(basis, angle)
            self.apply_matrix(change, [qubit], mask)
        outcomes = self._measure_z(qubit, mask)
        if basis != "z":
            self.apply_matrix(np.conj(np.swapaxes(change, -1, -2)), [qubit], mask)
        return outcomes

    def _basis_change(self, basis: str, angle: float | np.ndarray) -> np.ndarray:
        return per_shot(lambda a: basis_change(basis, a), (angle,), self.batch)

    def reset(self, qubit: int, mask: Mask = None) -> None:
        ones = self._measure_z(qubit, mask).astype(bool)
        self.apply_matrix(X, [qubit], ones if mask is None else ones & mask)

    def discard(self, qubit: int) -> None:
        group = self.groups[qubit]
        if len(group.qubits) > 1:
            axis = group.qubits.index(qubit)
            group.state = self._trace_out(group.state, axis, len(group.qubits))
            group.qubits.pop(axis)
        del self.groups[qubit]

    def reduced(self, qubits: list[int]) -> np.ndarray:
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
        rho = np.ones((self.batch, 1, 1), dtype=complex)
        for keep, part in parts:
            rho = np.einsum("bij,bkl->bikjl", rho, part).reshape(
                self.batch, rho.shape[1] * part.shape[1], rho.shape[2] * part.shape[2])
            order += keep
        if order != qubits:
            n = len(order)
            tensor = rho.reshape((self.batch,) + (2,) * (2 * n))
            permutation = [order.index(q) for q in qubits]
            tensor = tensor.transpose([0] + [1 + p for p in permutation] +
                                      [1 + n + p for p in permutation])
            rho = tensor.reshape(self.batch, 2 ** n, 2 ** n)
        return rho

    # ---------------------------------------------------------------- groups

    def _measure_z(self, qubit: int, mask: Mask) -> np.ndarray:
        group = self.groups[qubit]
        n = len(group.qubits)
        axis = group.qubits.index(qubit)
        p0 = np.clip(self._probability_zero(group.state, axis, n), 0.0, 1.0)
        outcomes = (self.rng.random(self.batch) >= p0).astype(np.int64)
        probability = np.where(outcomes == 0, p0, 1 - p0)
        if mask is None and n > 1:
            group.state = self._collapse(group.state, axis, n, outcomes, probability)
            group.qubits.pop(axis)
            kets = np.where(outcomes[:, None] == 0, KETS["0"], KETS["1"])
            self.groups[qubit] = Group(self._pure(kets), [qubit])
        else:
            group.state = _where(mask, self._project(group.state, axis, n, outcomes,
                                                     probability), group.state)
        return outcomes

    # ---------------------------------------------------------------- representation

    @abstractmethod
    def _pure(self, kets: np.ndarray) -> np.ndarray:
        """The representation of single-qubit pure states (B, 2)."""

    @abstractmethod
    def _product(self, a: np.ndarray, b: np.ndarray, na: int, nb: int) -> np.ndarray: ...

    @abstractmethod
    def _unitary(self, state: np.ndarray, unitary: np.ndarray, axes: list[int],
                 n: int) -> np.ndarray: ...

    @abstractmethod
    def _probability_zero(self, state: np.ndarray, axis: int, n: int) -> np.ndarray: ...

    @abstractmethod
    def _collapse(self, state: np.ndarray, axis: int, n: int, outcomes: np.ndarray,
                  probability: np.ndarray) -> np.ndarray:
        """The rest of the group once the qubit at `axis` is measured (axis removed)."""

    @abstractmethod
    def _project(self, state: np.ndarray, axis: int, n: int, outcomes: np.ndarray,
                 probability: np.ndarray) -> np.ndarray:
        """The group with the qubit at `axis` projected on the outcome (axis kept)."""

    @abstractmethod
    def _trace_out(self, state: np.ndarray, axis: int, n: int) -> np.ndarray: ...

    @abstractmethod
    def _partial(self, group: Group, keep: list[int]) -> np.ndarray:
        """The density matrices (B, d, d) of the `keep` qubits of a group, in group order."""


def _batch_shape(array: np.ndarray, ndim: int) -> np.ndarray:
    return array.reshape((-1,) + (1,) * (ndim - 1))


class StateVector(Amplitudes):
    name = "statevector"

    def _pure(self, kets: np.ndarray) -> np.ndarray:
        return np.array(kets, dtype=complex)

    def _product(self, a: np.ndarray, b: np.ndarray, na: int, nb: int) -> np.ndarray:
        batch = a.shape[0]
        flat = a.reshape(batch, -1, 1) * b.reshape(batch, 1, -1)
        return flat.reshape((batch,) + (2,) * (na + nb))

    def _unitary(self, state: np.ndarray, unitary: np.ndarray, axes: list[int],
                 n: int) -> np.ndarray:
        return _apply(state, unitary, axes)

    def _probability_zero(self, state: np.ndarray, axis: int, n: int) -> np.ndarray:
        zero = np.take(state, 0, axis=1 + axis).reshape(state.shape[0], -1)
        return np.einsum("bi,bi->b", zero, zero.conj()).real

    def _collapse(self, state: np.ndarray, axis: int, n: int, outcomes: np.ndarray,
                  probability: np.ndarray) -> np.ndarray:
        zero, one = np.take(state, 0, axis=1 + axis), np.take(state, 1, axis=1 + axis)
        kept = np.where(_batch_shape(outcomes, zero.ndim) == 0, zero, one)
        return kept / _batch_shape(np.sqrt(np.maximum(probability, 1e-300)), kept.ndim)

    def _project(self, state: np.ndarray, axis: int, n: int, outcomes: np.ndarray,
                 probability: np.ndarray) -> np.ndarray:
        index = np.arange(2).reshape((1,) * (1 + axis) + (2,) + (1,) * (n - axis - 1))
        keep = index == _batch_shape(outcomes, n + 1)
        scale = _batch_shape(np.sqrt(np.maximum(probability, 1e-300)), n + 1)
        return state * keep / scale

    def _trace_out(self, state: np.ndarray, axis: int, n: int) -> np.ndarray:
        # Tracing a qubit out of a pure state: measure it and forget the outcome.
        p0 = np.clip(self._probability_zero(state, axis, n), 0.0, 1.0)
        outcomes = (self.rng.random(state.shape[0]) >= p0).astype(np.int64)
        return self._collapse(state, axis, n, outcomes, np.where(outcomes == 0, p0, 1 - p0))

    def _partial(self, group: Group, keep: list[int]) -> np.ndarray:
        n = len(group.qubits)
        batch = group.state.shape[0]
        keep_axes = [group.qubits.index(q) for q in keep]
        other = [a for a in range(n) if a not in keep_axes]
        psi = np.transpose(group.state, [0] + [1 + a for a in keep_axes + other])
        psi = psi.reshape(batch, 2 ** len(keep), -1)
        return np.einsum("bkr,blr->bkl", psi, psi.conj())

    def channel(self, qubit: int, kraus: Kraus, mask: Mask = None) -> None:
        group = self.groups[qubit]
        axis = group.qubits.index(qubit)
        branches = np.stack([_apply(group.state, k, [axis]) for k in kraus])
        flat = branches.reshape(len(kraus), self.batch, -1)
        weights = np.einsum("kbi,kbi->bk", flat, flat.conj()).real
        cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
        choice = (self.rng.random(self.batch)[:, None] >= cumulative).sum(axis=1)
        choice = np.minimum(choice, len(kraus) - 1)
        chosen = branches[choice, np.arange(self.batch)]
        norm = np.sqrt(weights[np.arange(self.batch), choice])
        group.state = _where(mask, chosen / _batch_shape(norm, chosen.ndim), group.state)


class DensityMatrix(Amplitudes):
    name = "density"
    axes_per_qubit = 2

    def _pure(self, kets: np.ndarray) -> np.ndarray:
        kets = np.asarray(kets, dtype=complex)
        return np.einsum("bi,bj->bij", kets, kets.conj())

    def _product(self, a: np.ndarray, b: np.ndarray, na: int, nb: int) -> np.ndarray:
        batch = a.shape[0]
        da, db = 2 ** na, 2 ** nb
        rho = np.einsum("bij,bkl->bikjl", a.reshape(batch, da, da), b.reshape(batch, db, db))
        return rho.reshape((batch,) + (2,) * (2 * (na + nb)))

    def _unitary(self, state: np.ndarray, unitary: np.ndarray, axes: list[int],
                 n: int) -> np.ndarray:
        state = _apply(state, unitary, axes)
        return _apply(state, np.conj(unitary), [a + n for a in axes])

    def _diagonal(self, state: np.ndarray, axis: int, n: int, value: int) -> np.ndarray:
        return np.take(np.take(state, value, axis=1 + axis + n), value, axis=1 + axis)

    def _probability_zero(self, state: np.ndarray, axis: int, n: int) -> np.ndarray:
        block = self._diagonal(state, axis, n, 0)
        size = 2 ** (n - 1)
        return np.einsum("bii->b", block.reshape(state.shape[0], size, size)).real

    def _collapse(self, state: np.ndarray, axis: int, n: int, outcomes: np.ndarray,
                  probability: np.ndarray) -> np.ndarray:
        zero, one = self._diagonal(state, axis, n, 0), self._diagonal(state, axis, n, 1)
        kept = np.where(_batch_shape(outcomes, zero.ndim) == 0, zero, one)
        return kept / _batch_shape(np.maximum(probability, 1e-300), kept.ndim)

    def _project(self, state: np.ndarray, axis: int, n: int, outcomes: np.ndarray,
                 probability: np.ndarray) -> np.ndarray:
        shape = (1,) * (1 + 2 * n)
        ket = np.arange(2).reshape(shape[:1 + axis] + (2,) + shape[2 + axis:])
        bra = np.arange(2).reshape(shape[:1 + axis + n] + (2,) + shape[2 + axis + n:])
        chosen = _batch_shape(outcomes, 2 * n + 1)
        keep = (ket == chosen) & (bra == chosen)
        return state * keep / _batch_shape(np.maximum(probability, 1e-300), 2 * n + 1)

    def _trace_out(self, state: np.ndarray, axis: int, n: int) -> np.ndarray:
        return np.trace(state, axis1=1 + axis, axis2=1 + axis + n)

    def _partial(self, group: Group, keep: list[int]) -> np.ndarray:
        state = group.state
        remaining = list(group.qubits)
        for qubit in [q for q in group.qubits if q not in keep]:
            axis = remaining.index(qubit)
            state = np.trace(state, axis1=1 + axis, axis2=1 + axis + len(remaining))
            remaining.pop(axis)
        k = len(keep)
        permutation = [remaining.index(q) for q in keep]
        state = state.transpose([0] + [1 + p for p in permutation] +
                                [1 + k + p for p in permutation])
        return state.reshape(state.shape[0], 2 ** k, 2 ** k)

    def channel(self, qubit: int, kraus: Kraus, mask: Mask = None) -> None:
        group = self.groups[qubit]
        n = len(group.qubits)
        axis = group.qubits.index(qubit)
        total = sum(_apply(_apply(group.state, k, [axis]), k.conj(), [axis + n])
                    for k in kraus)
        group.state = _where(mask, total, group.state)  # type: ignore[arg-type]
