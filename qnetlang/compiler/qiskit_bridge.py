"""Circuits as qiskit QuantumCircuits: the dynamic form, and the deferred (standard) form.

Both read each operation's condition as a boolean function of the measured
bits (compiler/logic.py), so a condition means in the circuit what it means in
the simulator, and one that folds to a constant costs nothing.

The dynamic form keeps mid-circuit measurements. An operation under a
conjunction of bit values sits in nested `if (bit == value)` blocks; any other
condition is first computed, outside every `if`, onto a scratch qubit that is
then measured into a condition bit. Consecutive operations under one condition
share one `if`, and an operation under the opposite bit value its `else`.

The deferred form has no classical control. A measured qubit that nothing
touches again is its own record; any other measurement is copied onto a fresh
ancilla by a CNOT; every record is measured at the end. A reset swaps its
qubit's state out onto a fresh ancilla. A condition other than one bit value
is computed into an ancilla (a controlled X per cube), controls the
operations, and is uncomputed, so the ancilla serves the next condition.

Each role's bits form one classical register named after the role.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Gate, library
from qiskit.circuit.classical import expr

from qnetlang.compiler.circuit import NOISE, Circuit, Op
from qnetlang.compiler.logic import Cube, Logic
from qnetlang.quantum import noise

_GATES: dict[str, Any] = {
    "i": library.IGate, "x": library.XGate, "y": library.YGate, "z": library.ZGate,
    "h": library.HGate, "s": library.SGate, "sdg": library.SdgGate, "t": library.TGate,
    "tdg": library.TdgGate, "sx": library.SXGate, "sxdg": library.SXdgGate,
    "rx": library.RXGate, "ry": library.RYGate, "rz": library.RZGate, "p": library.PhaseGate,
    "u": library.UGate, "cx": library.CXGate, "cy": library.CYGate, "cz": library.CZGate,
    "ch": library.CHGate, "swap": library.SwapGate, "crx": library.CRXGate,
    "cry": library.CRYGate, "crz": library.CRZGate, "cp": library.CPhaseGate,
    "ccx": library.CCXGate, "cswap": library.CSwapGate,
}


def gate(op: Op) -> Gate:
    return _GATES[op.name](*op.params)


def _kraus(op: Op) -> list[np.ndarray]:
    """The noise channel of an operation, as the simulator applies it."""
    if op.name == "kraus":
        assert op.kraus is not None
        return list(op.kraus)
    return (noise.depolarizing if op.name == "depolarizing" else noise.dephasing)(op.params[0])


def noise_error(op: Op) -> Any:
    from qiskit_aer.noise import kraus_error

    return kraus_error(_kraus(op))


def controlled_noise_error(op: Op) -> Any:
    """The channel on (control, target) that acts on the target where the control is |1>:
    the control is a recorded outcome, so this is the noise of a path some outcomes take."""
    from qiskit_aer.noise import kraus_error

    zero, one = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])
    kraus = _kraus(op)
    # qiskit orders the arguments little-endian: the target is the left factor.
    operators = [np.kron(np.eye(2), zero) + np.kron(kraus[0], one)]
    operators += [np.kron(k, one) for k in kraus[1:]]
    return kraus_error(operators)


def _name(label: str, taken: set[str]) -> str:
    """An OpenQASM identifier for a wire label: `hop[2].keep` becomes `hop_2_keep`."""
    base = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", label)).strip("_") or "w"
    if not base[0].isalpha():
        base = f"w_{base}"
    name, count = base, 1
    while name in taken:
        count += 1
        name = f"{base}_{count}"
    taken.add(name)
    return name


class _Layout:
    """The registers: a quantum register per qubit, named after its first owner
    (`alice_psi`), and one classical register, `outcomes`, whose first bits are the
    circuit's (in its order; emit.legend names them) and the rest `spare` bits of the
    form's own (the dynamic form's computed conditions). One register, because some
    readers (Braket's) report the measurements of one register only."""

    def __init__(self, circuit: Circuit, name: str, spare: int = 0) -> None:
        self.taken: set[str] = set()
        registers = [QuantumRegister(1, _name(label, self.taken)) for label in circuit.qubits]
        self.qubits = [register[0] for register in registers]
        self.qc = QuantumCircuit(*registers, name=name)
        size = len(circuit.bits) + spare
        self.outcomes = ClassicalRegister(size, _name(OUTCOMES, self.taken)) if size else None
        if self.outcomes is not None:
            self.qc.add_register(self.outcomes)
        self.bits = list(self.outcomes[:len(circuit.bits)]) if self.outcomes else []
        self.spare = list(self.outcomes[len(circuit.bits):]) if self.outcomes else []
        self.qc.metadata = {"bits": list(range(len(circuit.bits)))}

    def wire(self, prefix: str) -> Any:
        register = QuantumRegister(1, _name(prefix, self.taken))
        self.qc.add_register(register)
        return register[0]


OUTCOMES = "outcomes"


def _groups(ops: list[Op]) -> list[tuple[Logic, list[Op]]]:
    """Consecutive operations under one condition, together (a flag alone)."""
    groups: list[tuple[Logic, list[Op]]] = []
    for op in ops:
        logic = op.logic
        if groups and groups[-1][0] == logic and op.name != "flag" and \
                groups[-1][1][-1].name != "flag":
            groups[-1][1].append(op)
        else:
            groups.append((logic, [op]))
    return groups


def dynamic(circuit: Circuit, noise: bool = False) -> QuantumCircuit:
    """The circuit with mid-circuit measurements and classical control (OpenQASM 3)."""
    return _Dynamic(circuit, noise).build()


class _Dynamic:
    def __init__(self, circuit: Circuit, noise: bool) -> None:
        self.circuit = circuit
        self.ops = [op for op in circuit.ops if noise or op.name not in NOISE]
        self.groups = _groups(self.ops)
        computed = {logic for logic, ops in self.groups if ops[0].name != "flag" and
                    logic.constant is None and len(logic.cubes) != 1 and logic.literal is None}
        self.layout = _Layout(circuit, "protocol", spare=len(computed))
        self.qc = self.layout.qc
        self.computed: dict[Logic, Any] = {}  # a condition -> the bit it was computed into
        self.scratch: Any = None
        self.scratch_used = False

    def build(self) -> QuantumCircuit:
        self.clear_unwritten()
        groups = self.groups
        position = 0
        while position < len(groups):
            logic, ops = groups[position]
            position += 1
            if ops[0].name == "flag":
                self.compute(logic, self.layout.bits[ops[0].bit])
                continue
            if logic.constant is not None:
                if logic.constant:
                    self.append_all(ops)
                continue
            tests = self.tests(logic)
            opposite = groups[position] if position < len(groups) else None
            if len(tests) == 1 and opposite is not None and opposite[1][0].name != "flag" \
                    and self.tests_opposite(tests[0], opposite[0]):
                with self.qc.if_test(self.test(*tests[0])) as otherwise:
                    self.append_all(ops)
                with otherwise:
                    self.append_all(opposite[1])
                position += 1
                continue
            self.nested(tests, ops)
        return self.qc

    def clear_unwritten(self) -> None:
        """A bit measured only under a condition is first set to 0 (a fresh qubit
        measured), so no condition reads a bit nobody wrote."""
        measured = [op for op in self.ops if op.name == "measure"]
        conditional = {op.bit for op in measured if op.condition is not True}
        conditional -= {op.bit for op in measured if op.condition is True}
        for bit in sorted(conditional):
            self.qc.measure(self.fresh_scratch(), self.layout.bits[bit])

    def fresh_scratch(self) -> Any:
        """The scratch qubit in |0>: made once, reset before each later use."""
        if self.scratch is None:
            self.scratch = self.layout.wire("scratch")
        elif self.scratch_used:
            self.qc.reset(self.scratch)
        self.scratch_used = True
        return self.scratch

    def append_all(self, ops: list[Op]) -> None:
        for op in ops:
            _append(self.qc, op, self.layout.qubits, self.layout.bits)

    def test(self, clbit: Any, value: bool) -> Any:
        return expr.equal(clbit, value)

    def tests(self, logic: Logic) -> list[tuple[Any, bool]]:
        """The one-bit tests whose nesting holds exactly when `logic` does."""
        if len(logic.cubes) == 1:
            return [(self.layout.bits[bit], value) for bit, value in logic.cubes[0].literals]
        literal = logic.literal
        if literal is not None:
            return [(self.layout.bits[literal[0]], literal[1])]
        if logic not in self.computed:
            self.computed[logic] = self.compute(logic)
        return [(self.computed[logic], True)]

    def tests_opposite(self, test: tuple[Any, bool], logic: Logic) -> bool:
        literal = logic.literal
        return literal is not None and self.layout.bits[literal[0]] is test[0] and \
            literal[1] != test[1]

    def nested(self, tests: list[tuple[Any, bool]], ops: list[Op]) -> None:
        if not tests:
            self.append_all(ops)
            return
        with self.qc.if_test(self.test(*tests[0])):
            self.nested(tests[1:], ops)

    def compute(self, logic: Logic, into: Any = None) -> Any:
        """A bit holding the condition: each cube flips the scratch qubit under its
        tests, outside every `if`, and the scratch qubit is measured."""
        if into is None:
            into = self.layout.spare[len(self.computed)]
        scratch = self.fresh_scratch()
        for cube in logic.cubes:
            self.flip(cube, scratch)
        self.qc.measure(scratch, into)
        return into

    def flip(self, cube: Cube, target: Any) -> None:
        tests = [(self.layout.bits[bit], value) for bit, value in cube.literals]

        def inside(remaining: list[tuple[Any, bool]]) -> None:
            if not remaining:
                self.qc.x(target)
                return
            with self.qc.if_test(self.test(*remaining[0])):
                inside(remaining[1:])

        inside(tests)


def _append(qc: QuantumCircuit, op: Op, qubits: list[Any], bits: list[Any]) -> None:
    targets = [qubits[q] for q in op.qubits]
    if op.name in NOISE:
        qc.append(noise_error(op), targets)
    elif op.name == "measure":
        qc.measure(targets[0], bits[op.bit])
    elif op.name == "reset":
        qc.reset(targets[0])
    else:
        qc.append(gate(op), targets)


def deferred(circuit: Circuit, noise: bool = False) -> QuantumCircuit:
    """The standard circuit: unitary, with every measurement at the end (OpenQASM 2)."""
    return _Deferred(circuit, noise).build()


class _Deferred:
    def __init__(self, circuit: Circuit, noise: bool) -> None:
        self.layout = _Layout(circuit, "deferred")
        self.qc = self.layout.qc
        self.data = self.layout.qubits
        self.ops = [op for op in circuit.ops if noise or op.name not in NOISE]
        self.records: dict[int, Any] = {}  # bit -> the qubit holding its outcome
        self.clean: list[Any] = []  # ancillas back in |0>, free to use
        self.count = 0

    def ancilla(self) -> Any:
        if self.clean:
            return self.clean.pop()
        self.count += 1
        return self.layout.wire(f"ancilla_{self.count - 1}")

    def build(self) -> QuantumCircuit:
        last: dict[int, int] = {}
        for position, op in enumerate(self.ops):
            for qubit in op.qubits:
                last[qubit] = position
        position = 0
        for logic, ops in _groups(self.ops):
            if ops[0].name == "flag":
                record = self.ancilla()
                self.flip_all(logic, record)
                self.records[ops[0].bit] = record
                position += 1
                continue
            if logic.constant is False:
                for op in ops:  # never measured: a qubit left in |0> holds its 0
                    if op.name == "measure":
                        self.records[op.bit] = self.ancilla()
                position += len(ops)
                continue
            control, computed = self.control(logic)
            for op in ops:
                self.apply(op, control, last.get(op.qubits[0]) == position if op.qubits
                           else False)
                position += 1
            if computed is not None:
                self.flip_all(logic, computed)  # uncomputed: |0> again
                self.clean.append(computed)
        for index, record in sorted(self.records.items()):
            self.qc.measure(record, self.layout.bits[index])
        return self.qc

    def control(self, logic: Logic) -> tuple[tuple[Any, bool] | None, Any]:
        """(the qubit and value that control the operations, None: always; the ancilla
        computed for them, to uncompute after)."""
        if logic.constant:
            return None, None
        literal = logic.literal
        if literal is not None:
            return (self.records[literal[0]], literal[1]), None
        computed = self.ancilla()
        self.flip_all(logic, computed)
        return (computed, True), computed

    def flip_all(self, logic: Logic, target: Any) -> None:
        for cube in logic.cubes:
            controls = [self.records[bit] for bit, _ in cube.literals]
            negated = [self.records[bit] for bit, value in cube.literals if not value]
            for qubit in negated:
                self.qc.x(qubit)
            if not controls:
                self.qc.x(target)
            else:
                self.qc.append(library.MCXGate(len(controls)), [*controls, target])
            for qubit in negated:
                self.qc.x(qubit)

    def apply(self, op: Op, control: tuple[Any, bool] | None, last_use: bool) -> None:
        if control is not None and not control[1]:
            self.qc.x(control[0])
        qubit = control[0] if control is not None else None
        targets = [self.data[q] for q in op.qubits]
        if op.name in NOISE:
            if qubit is None:
                self.qc.append(noise_error(op), targets)
            else:
                self.qc.append(controlled_noise_error(op), [qubit, *targets])
        elif op.name == "measure":
            if qubit is None and last_use:
                self.records[op.bit] = targets[0]  # nothing touches it again: its own record
            else:
                record = self.ancilla()
                self.controlled(library.CXGate(), qubit, [targets[0], record])
                self.records[op.bit] = record
        elif op.name == "reset":
            self.controlled(library.SwapGate(), qubit, [targets[0], self.ancilla()])
        else:
            self.controlled(gate(op), qubit, targets)
        if control is not None and not control[1]:
            self.qc.x(control[0])

    def controlled(self, operation: Gate, control: Any, targets: list[Any]) -> None:
        if control is None:
            self.qc.append(operation, targets)
        else:
            self.qc.append(operation.control(1), [control, *targets])
