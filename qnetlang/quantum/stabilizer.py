"""The stabilizer engine (`--engine stabilizer`): Clifford protocols of any width, on stim.

A group of entangled qubits is a stabilizer tableau per shot (a stim
TableauSimulator), so memory grows as n^2 bits with the group's n qubits rather
than as 2^n amplitudes: GHZ states over a thousand nodes fit. Groups merge on
a gate as in the state-vector engine (a direct sum of tableaux), and qubits
measured in every shot of the batch leave their group (all at once, when half
of it is measured), so a chain of Bell pairs swapped one by one never holds
more than a few qubits at once. A qubit no gate has entangled is kept cheaper
still: in each shot it is an eigenstate of X, Y or Z, a code in a numpy array
(`Singles`), so that a million BB84 qubits run as array operations.

What it simulates exactly: Clifford gates (any gate of the language whose
matrix, with its angles, is Clifford: `rz(pi/2)` is, `t` is not), measurements
in the Pauli bases (and in a plane at a multiple of pi/2), and Pauli channels
(depolarizing, dephasing), each shot drawing its Pauli. Any other channel is
replaced by its Pauli twirl, p_P = sum_k |tr(P K_k)|^2 / 4: memory decay with
T1 (amplitude damping) keeps its error rates but loses its bias towards |0>.
Every random outcome is drawn from the run's own generator (stim only applies
the choice), so a seed reproduces a run exactly.

A gate or basis that is not Clifford raises NotClifford, which the runtime
reports where it is; the runner (runtime/runner.py, `engine_refusal`) refuses
before the run those whose angles are known then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from collections.abc import Callable

import numpy as np
import stim

from qnetlang.ir import nodes as ir
from qnetlang.quantum.engine import Engine, Group, NotClifford
from qnetlang.quantum.gates import I2, X, Y, Z, basis_change, matrix
from qnetlang.quantum.noise import Kraus

Mask = np.ndarray | None

PAULIS = (I2, X, Y, Z)
_TOLERANCE = 1e-9
# A tableau of n qubits: 2n rows of 2n bits and a sign, stim's simulator holding it and
# its inverse; plus the simulator object itself.
SIMULATOR_BYTES = 1024


@lru_cache(maxsize=4096)
def _tableau(name: str, params: tuple[float, ...]) -> stim.Tableau:
    """The Clifford tableau of a gate with its angles, or NotClifford."""
    unitary = matrix(name, params)
    return _clifford(unitary, name + (f"({', '.join(f'{p:g}' for p in params)})"
                                      if params else ""))


def _clifford(unitary: np.ndarray, what: str) -> stim.Tableau:
    try:
        tableau = stim.Tableau.from_unitary_matrix(unitary.tolist(), endian="big")
    except ValueError:
        raise NotClifford(what) from None
    # stim rounds a nearly-Clifford matrix to the nearest Clifford: check that this one
    # maps each X and Z to the Pauli the tableau says, in double precision.
    n = len(tableau)
    for k in range(n):
        for letter, output in ((1, tableau.x_output(k)), (3, tableau.z_output(k))):
            image = unitary @ _matrix(_single(n, k, letter)) @ unitary.conj().T
            if not np.allclose(image, _matrix(output), rtol=0, atol=_TOLERANCE):
                raise NotClifford(what)
    return tableau


def _matrix(pauli: stim.PauliString) -> np.ndarray:
    """A Pauli string's matrix, its first qubit the most significant."""
    operator = np.array([[complex(pauli.sign)]])
    for k in range(len(pauli)):
        operator = np.kron(operator, PAULIS[pauli[k]])
    return operator


def first_non_clifford(run: ir.Run) -> tuple[ir.Instr, str] | None:
    """The first gate or measurement of the run that is not Clifford with the angles it
    has before the run (one whose angle is only known while it runs is checked then)."""
    for role in run.roles.values():
        for instr in role.code:
            try:
                # an angle that is not a finite number is the runtime's error (E0905)
                if isinstance(instr, ir.Gate) and \
                        all(_finite(p) for p in instr.params):
                    _tableau(instr.name, tuple(float(p.value) for p in instr.params))
                elif isinstance(instr, ir.Measure) and instr.basis not in ("z", "x", "y") \
                        and _finite(instr.angle):
                    _basis(instr.basis, float(instr.angle.value))
            except NotClifford as error:
                return instr, str(error)
    return None


def clifford(run: ir.Run) -> bool:
    """Whether every gate and measurement of the run is Clifford, with angles known
    before the run (so that the engine is sure to take it whole)."""
    return first_non_clifford(run) is None and not any(
        (isinstance(instr, ir.Gate) and not all(isinstance(p, ir.Const) for p in instr.params))
        or (isinstance(instr, ir.Measure) and instr.angle is not None and
            not isinstance(instr.angle, ir.Const))
        for role in run.roles.values() for instr in role.code)


def _finite(expr: ir.Expr | None) -> bool:
    """A constant angle that is a finite number."""
    return isinstance(expr, ir.Const) and isinstance(expr.value, (int, float)) and \
        math.isfinite(expr.value)


@lru_cache(maxsize=4096)
def _basis(basis: str, angle: float) -> stim.Tableau:
    """The tableau of the change of basis that takes a measurement basis to Z."""
    return _clifford(basis_change(basis, angle), f"a measurement in {basis}({angle:g})")


@lru_cache(maxsize=1024)  # memory decay: a channel per waiting time, so a bounded cache
def twirl(kraus: tuple[bytes, ...]) -> tuple[float, float, float, float]:
    """The probabilities of I, X, Y, Z of a single-qubit channel's Pauli twirl (exact
    for a Pauli channel)."""
    operators = [np.frombuffer(k, dtype=complex).reshape(2, 2) for k in kraus]
    weights = [sum(abs(np.trace(p.conj().T @ k)) ** 2 for k in operators) / 4
               for p in PAULIS]
    total = sum(weights)
    return tuple(w / total for w in weights)  # type: ignore[return-value]


@dataclass
class Tableaux(Group):
    """A group's state: a stim.TableauSimulator per shot, (B,) objects."""

    # qubits measured in every shot and not touched by a gate since: apart from the others
    # in each shot (a product), so they can leave the group, all at once when they are many
    apart: set[int] = field(default_factory=set)


@dataclass
class Singles(Group):
    """A qubit apart from every other, in each shot an eigenstate of X, Y or Z: (B,) codes
    2 (letter - 1) + (sign < 0), letters numbered as stim does (X 1, Y 2, Z 3). Gates,
    measurements and Pauli errors on it are numpy operations on the codes; it becomes a
    tableau per shot only when a gate entangles it (BB84's qubits never are)."""


def _code(letter: int, sign: int) -> int:
    return 2 * (letter - 1) + (sign < 0)


_LABELS = {label: _code(letter, sign) for (letter, sign), label in
           {(3, 1): "0", (3, -1): "1", (1, 1): "+", (1, -1): "-", (2, 1): "+i",
            (2, -1): "-i"}.items()}
_LETTER = np.array([1, 1, 2, 2, 3, 3])  # of each code
_NEGATIVE = np.array([0, 1, 0, 1, 0, 1], dtype=bool)


def _acting(tableau: stim.Tableau) -> np.ndarray:
    """What a one-qubit Clifford does to each code: U (s P) U^dagger = s s' Q."""
    images = [tableau.x_output(0), tableau.y_output(0), tableau.z_output(0)]
    table = np.zeros(6, np.int8)
    for code in range(6):
        image = images[code // 2]
        sign = int(image.sign.real) * (-1 if code % 2 else 1)
        table[code] = _code(image[0], sign)
    return table


@lru_cache(maxsize=4096)
def _gate_table(name: str, params: tuple[float, ...]) -> np.ndarray:
    return _acting(_tableau(name, params))


@lru_cache(maxsize=4096)
def _basis_table(basis: str, angle: float, inverse: bool) -> np.ndarray:
    change = _basis(basis, angle)
    return _acting(change.inverse() if inverse else change)


class Stabilizer(Engine):
    """Clifford operations on a stabilizer tableau per shot and group (a qubit alone: a
    Pauli eigenstate per shot, `Singles`)."""

    name = "stabilizer"

    @classmethod
    def state_bytes(cls, qubits: int, batch: int) -> float:
        """A tableau and its inverse, 2n x 2n bits each, and the simulator around them."""
        return (2 * (2 * qubits) ** 2 / 8 + SIMULATOR_BYTES) * batch

    @classmethod
    def state_text(cls, qubits: int) -> str:
        return f"stabilizer tableaux of {2 * qubits} x {2 * qubits} bits"

    def alloc(self, label: str = "0") -> int:
        qubit = self._next
        self._next += 1
        self.groups[qubit] = Singles(np.full(self.batch, _LABELS[label], np.int8), [qubit])
        return qubit

    def apply(self, gate: str, qubits: list[int], params: tuple = (), mask: Mask = None) -> None:
        group = self._merge(qubits)
        if isinstance(group, Singles):
            self._act(group, lambda angles: _gate_table(gate, angles), params, mask)
            return
        assert isinstance(group, Tableaux)
        group.apart.difference_update(qubits)
        targets = [group.qubits.index(q) for q in qubits]
        if not any(np.ndim(p) for p in params):
            tableau = _tableau(gate, tuple(float(p) for p in params))
            for shot in self._shots(mask):
                group.state[shot].do_tableau(tableau, targets)
            return
        columns = [np.broadcast_to(np.asarray(p, dtype=float), (self.batch,)) for p in params]
        for shot in self._shots(mask):
            tableau = _tableau(gate, tuple(float(c[shot]) for c in columns))
            group.state[shot].do_tableau(tableau, targets)

    def measure(self, qubit: int, basis: str = "z", angle: float | np.ndarray = 0.0,
                mask: Mask = None) -> np.ndarray:
        """Measures in a basis; returns the outcome of every shot (0 means '+'), 0 in the
        shots outside `mask`."""
        group = self.groups[qubit]
        if isinstance(group, Singles):
            return self._measure_single(group, basis, angle, mask)
        group = self._group(qubit)
        target = group.qubits.index(qubit)
        angles = np.broadcast_to(np.asarray(angle, dtype=float), (self.batch,))
        outcomes = np.zeros(self.batch, np.int64)
        draws = self.rng.random(self.batch)
        for shot in self._shots(mask):
            simulator = group.state[shot]
            change = None if basis == "z" else _basis(basis, float(angles[shot]))
            if change is not None:
                simulator.do_tableau(change, [target])
            outcomes[shot] = _measure_z(simulator, target, draws[shot])
            if change is not None:
                simulator.do_tableau(change.inverse(), [target])
        if mask is None and len(group.qubits) > 1:
            group.apart.add(qubit)
            if 2 * len(group.apart) >= len(group.qubits):
                self._split(group)
        return outcomes

    def reset(self, qubit: int, mask: Mask = None) -> None:
        ones = self.measure(qubit, "z", 0.0, mask).astype(bool)
        group = self.groups[qubit]
        if isinstance(group, Singles):
            group.state = np.where(ones, _gate_table("x", ())[group.state], group.state)
            return
        target = group.qubits.index(qubit)
        for shot in np.flatnonzero(ones):
            group.state[shot].x(target)

    def discard(self, qubit: int) -> None:
        """Removes a qubit from every shot: measured with the outcome forgotten, which
        leaves the others in its reduced state on average."""
        if len(self.groups[qubit].qubits) > 1:
            self.measure(qubit)
            group = self._group(qubit)
            if len(group.qubits) > 1:
                self._split(group)
        del self.groups[qubit]

    def channel(self, qubit: int, kraus: Kraus, mask: Mask = None) -> None:
        """A Pauli channel, each shot drawing its Pauli (any other channel: its twirl)."""
        probabilities = np.cumsum(twirl(tuple(np.asarray(k, complex).tobytes()
                                              for k in kraus)))
        draws = np.minimum((self.rng.random(self.batch)[:, None] >= probabilities).sum(axis=1),
                           3)
        if mask is not None:
            draws = np.where(mask, draws, 0)
        group = self.groups[qubit]
        if isinstance(group, Singles):  # an error that anticommutes flips the sign
            flips = (draws > 0) & (draws != _LETTER[group.state])
            group.state = (group.state ^ flips).astype(np.int8)
            return
        target = group.qubits.index(qubit)
        flips = (None, "x", "y", "z")
        for shot in np.flatnonzero(draws):  # only the shots with an error
            getattr(group.state[shot], flips[draws[shot]])(target)

    def reduced(self, qubits: list[int]) -> np.ndarray:
        """The density matrices (B, d, d) of `qubits` in that order, undisturbed:
        rho = 2^-k sum over Pauli strings P of <P> P, each <P> a product over groups."""
        k = len(qubits)
        rho = np.zeros((self.batch, 2 ** k, 2 ** k), dtype=complex)
        for letters in product(range(4), repeat=k):
            expectation = np.ones(self.batch)
            by_group: dict[int, tuple[Group, dict[int, int]]] = {}
            for qubit, letter in zip(qubits, letters, strict=True):
                group = self.groups[qubit]
                if letter:
                    by_group.setdefault(id(group), (group, {}))[1][
                        group.qubits.index(qubit)] = letter
            for group, letters_at in by_group.values():
                if isinstance(group, Singles):
                    ((_, letter),) = letters_at.items()
                    expectation = expectation * np.where(
                        _LETTER[group.state] == letter,
                        np.where(_NEGATIVE[group.state], -1.0, 1.0), 0.0)
                    continue
                pauli = stim.PauliString(len(group.qubits))
                for position, letter in letters_at.items():
                    pauli[position] = letter
                expectation = expectation * np.array(
                    [simulator.peek_observable_expectation(pauli) for simulator in group.state])
            operator = np.ones((1, 1), dtype=complex)
            for letter in letters:
                operator = np.kron(operator, PAULIS[letter])
            rho += expectation[:, None, None] * operator
        return rho / 2 ** k

    def _act(self, group: Singles, table: Callable[[tuple[float, ...]], np.ndarray],
             params: tuple, mask: Mask) -> None:
        """A one-qubit Clifford (what it does to each code, from its angles) on a qubit
        alone."""
        if not any(np.ndim(p) for p in params):
            acted = table(tuple(float(p) for p in params))[group.state]
        else:
            columns = np.stack([np.broadcast_to(np.asarray(p, dtype=float), (self.batch,))
                                for p in params], axis=1)
            values, which = np.unique(columns, axis=0, return_inverse=True)
            tables = np.stack([table(tuple(map(float, row))) for row in values])
            acted = tables[which.reshape(-1), group.state]
        group.state = acted if mask is None else np.where(mask, acted, group.state)

    def _measure_single(self, group: Singles, basis: str, angle: float | np.ndarray,
                        mask: Mask) -> np.ndarray:
        draws = self.rng.random(self.batch)
        if basis != "z":
            self._act(group, lambda a: _basis_table(basis, a[0], False), (angle,), mask)
        letters = _LETTER[group.state]
        outcomes = np.where(letters == 3, _NEGATIVE[group.state], draws >= 0.5)
        if mask is not None:
            outcomes = outcomes & mask
        measured = (4 + outcomes).astype(np.int8)  # Z with the outcome's sign
        group.state = measured if mask is None else np.where(mask, measured, group.state)
        if basis != "z":
            self._act(group, lambda a: _basis_table(basis, a[0], True), (angle,), mask)
        return outcomes.astype(np.int64)

    # ---------------------------------------------------------------- groups

    def _group(self, qubit: int) -> Tableaux:
        group = self.groups[qubit]
        assert isinstance(group, Tableaux)
        return group

    def _shots(self, mask: Mask) -> range | np.ndarray:
        return range(self.batch) if mask is None else np.flatnonzero(mask)

    def _rows(self, group: Group, rows: np.ndarray) -> Group:
        if isinstance(group, Singles):
            return Singles(group.state[rows], list(group.qubits))
        assert isinstance(group, Tableaux)
        return Tableaux(_objects([group.state[r].copy() for r in rows]), list(group.qubits),
                        set(group.apart))

    def _joined(self, a: Group, b: Group) -> Tableaux:
        """The direct sum of the two groups' tableaux, shot by shot."""
        a, b = _tableaux(a), _tableaux(b)
        merged = []
        for first, second in zip(a.state, b.state, strict=True):
            simulator = stim.TableauSimulator()
            simulator.set_inverse_tableau(first.current_inverse_tableau() +
                                          second.current_inverse_tableau())
            merged.append(simulator)
        return Tableaux(_objects(merged), a.qubits + b.qubits, a.apart | b.apart)

    def _split(self, group: Tableaux) -> None:
        """Takes the qubits apart from the others out of their group, each into a group
        of its own, with one reduction of each shot's stabilizers."""
        positions = [group.qubits.index(q) for q in sorted(group.apart)]
        alone = np.zeros((len(positions), self.batch), np.int8)
        rest = []
        for shot, simulator in enumerate(group.state):
            alone[:, shot], others = _separate(simulator, positions)
            rest.append(others)
        for qubit, codes in zip(sorted(group.apart), alone, strict=True):
            self.groups[qubit] = Singles(codes, [qubit])
        kept = set(range(len(group.qubits))) - set(positions)
        group.qubits = [q for k, q in enumerate(group.qubits) if k in kept]
        group.state = _objects(rest)
        group.apart = set()


def _tableaux(group: Group) -> Tableaux:
    """The group as a tableau per shot (a qubit alone prepared in its eigenstate)."""
    if isinstance(group, Tableaux):
        return group
    simulators = []
    for code in group.state:
        simulator = stim.TableauSimulator()
        simulator.set_num_qubits(1)
        _prepare(simulator, _NAMES[int(code)])
        simulators.append(simulator)
    return Tableaux(_objects(simulators), list(group.qubits))


_NAMES = {code: label for label, code in _LABELS.items()}


def _objects(items: list[stim.TableauSimulator]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _prepare(simulator: stim.TableauSimulator, label: str) -> None:
    """|0>, |1>, |+>, |->, |+i> or |-i> on qubit 0 of a fresh simulator."""
    if label in ("1", "-", "-i"):
        simulator.x(0)
    if label in ("+", "-"):
        simulator.h(0)
    elif label in ("+i", "-i"):
        simulator.h(0)
        simulator.s(0)


def _measure_z(simulator: stim.TableauSimulator, target: int, draw: float) -> int:
    """Measures Z with the outcome drawn from `draw` (uniform in [0, 1)) when it is
    random, so that the run's generator decides it."""
    known = simulator.peek_z(target)
    if known:
        return 0 if known > 0 else 1
    outcome = int(draw >= 0.5)
    simulator.postselect_z(target, desired_value=bool(outcome))
    return outcome


def _separate(simulator: stim.TableauSimulator, positions: list[int]
              ) -> tuple[list[int], stim.TableauSimulator]:
    """Qubits each in an eigenstate of a Pauli, apart from the others: the code of each
    (Singles), and a simulator for the others (their stabilizers with the parts on those
    qubits taken out)."""
    n = len(simulator.current_inverse_tableau())
    singles, letters, signs = [], np.zeros(n, np.uint8), np.ones(n, int)
    for position in positions:
        for letter in (3, 1, 2):
            expectation = simulator.peek_observable_expectation(_single(n, position, letter))
            if expectation:
                letters[position], signs[position] = letter, expectation
                break
        else:
            raise AssertionError("a qubit taken apart is entangled")
        singles.append(_code(int(letters[position]), int(signs[position])))
    kept = []
    for stabilizer in simulator.canonical_stabilizers():
        xs, zs = stabilizer.to_numpy()
        present = (xs[positions] | zs[positions])
        # each qubit apart contributes its own eigenvalue: the rest is a stabilizer too
        sign = stabilizer.sign * int(np.prod(signs[positions][present]))
        xs, zs = np.delete(xs, positions), np.delete(zs, positions)
        if xs.any() or zs.any():
            kept.append(stim.PauliString.from_numpy(xs=xs, zs=zs, sign=sign))
    others = stim.TableauSimulator()
    others.set_state_from_stabilizers(kept)
    return singles, others


def _single(n: int, position: int, letter: int) -> stim.PauliString:
    pauli = stim.PauliString(n)
    pauli[position] = letter
    return pauli
