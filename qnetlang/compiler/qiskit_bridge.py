"""Circuits as qiskit QuantumCircuits: the dynamic form, and the deferred (standard) form.

The dynamic form keeps mid-circuit measurements and puts each conditioned
operation in an `if` on a classical expression over the bits. The deferred
form has no classical control: each measurement copies its qubit onto a
fresh ancilla with a CNOT (measured at the end), each reset swaps its qubit's
state out onto a fresh ancilla, and each condition is computed into an
ancilla with reversible logic (XOR by CNOTs, AND by Toffolis) that then
controls the gate — for every gate of the language, through its controlled form.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Gate, library
from qiskit.circuit.classical import expr

from qnetlang.compiler.circuit import NOISE, Circuit, Op, bit_index
from qnetlang.compiler.lower import CompileError
from qnetlang.ir import nodes as ir
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


def _as_logic(condition: Any) -> Any:
    """A selection between truth values as logic: select(c, a, b) is c && a || !c && b."""
    if isinstance(condition, ir.Builtin) and condition.name == "select":
        choice, yes, no = condition.args
        return ir.Binary("||", ir.Binary("&&", choice, yes),
                         ir.Binary("&&", ir.Unary("!", choice), no))
    return condition


def _registers(circuit: Circuit) -> tuple[list[Any], list[Any], QuantumCircuit]:
    """One register per qubit and per bit, named after its owner (`alice_psi`)."""
    taken: set[str] = set()
    qubits = [QuantumRegister(1, _name(label, taken)) for label in circuit.qubits]
    bits = [ClassicalRegister(1, _name(label, taken)) for label in circuit.bits]
    qc = QuantumCircuit(*qubits, *bits, name="protocol")
    return [r[0] for r in qubits], [r[0] for r in bits], qc


def dynamic(circuit: Circuit, noise: bool = False) -> QuantumCircuit:
    """The circuit with mid-circuit measurements and classical control (OpenQASM 3)."""
    return _Dynamic(circuit, noise).build()


class _Dynamic:
    """Every condition tests one bit, as every OpenQASM 3 reader supports; a compound
    condition (a parity of outcomes, a conjunction) is first computed onto a fresh
    qubit by singly conditioned X gates, and that qubit measured into a new bit."""

    def __init__(self, circuit: Circuit, noise: bool) -> None:
        self.circuit = circuit
        self.noise = noise
        self.qubits, self.bits, self.qc = _registers(circuit)
        self.computed: dict[str, Any] = {}  # a condition (by its text) -> its bit
        self.scratch: list[Any] = []  # measured scratch qubits, free to reuse
        self.count = 0

    def build(self) -> QuantumCircuit:
        for op in self.circuit.ops:
            if op.name in NOISE and not self.noise:
                continue
            if op.condition is True:
                _append(self.qc, op, self.qubits, self.bits)
                continue
            with self.qc.if_test(self.test(op.condition)):
                _append(self.qc, op, self.qubits, self.bits)
        return self.qc

    def test(self, condition: Any) -> Any:
        """A one-bit classical expression that holds exactly when `condition` does."""
        literal = self.literal(condition)
        if literal is not None:
            clbit, holds = literal
            return expr.lift(clbit) if holds else expr.logic_not(expr.lift(clbit))
        key = repr(condition)
        if key not in self.computed:
            self.computed[key] = self.compute(condition)
        return expr.lift(self.computed[key])

    def literal(self, condition: Any) -> tuple[Any, bool] | None:
        condition = _as_logic(condition)
        if isinstance(condition, ir.Var):
            return self.bits[bit_index(condition)], True
        if isinstance(condition, ir.Unary) and condition.op == "!":
            inner = self.literal(condition.operand)
            return None if inner is None else (inner[0], not inner[1])
        if isinstance(condition, ir.Binary) and condition.op in ("==", "!="):
            left, right = condition.left, condition.right
            if isinstance(left, ir.Const):
                left, right = right, left
            if isinstance(right, ir.Const):
                inner = self.literal(left)
                if inner is not None:
                    holds = bool(right.value) == (condition.op == "==")
                    return inner[0], inner[1] == holds
        return None

    def compute(self, condition: Any) -> Any:
        """A new bit holding the condition's value, computed on a scratch qubit, which is
        reset and used again for the next condition once it has been measured."""
        if self.scratch:
            wire = self.scratch.pop()
            self.qc.reset(wire)
        else:
            register = QuantumRegister(1, f"scratch_{self.count}")
            self.qc.add_register(register)
            wire = register[0]
        bit = ClassicalRegister(1, f"condition_{self.count}")
        self.count += 1
        self.qc.add_register(bit)
        self.toggle(condition, wire)
        self.qc.measure(wire, bit[0])
        self.scratch.append(wire)
        return bit[0]

    def toggle(self, condition: Any, target: Any) -> None:
        """Flips `target` exactly when `condition` holds."""
        condition = _as_logic(condition)
        literal = self.literal(condition)
        if literal is not None:
            clbit, holds = literal
            if not holds:
                self.qc.x(target)
            with self.qc.if_test(expr.lift(clbit)):
                self.qc.x(target)
            return
        if isinstance(condition, ir.Const):
            if condition.value:
                self.qc.x(target)
            return
        if isinstance(condition, ir.Unary) and condition.op == "!":
            self.qc.x(target)
            self.toggle(condition.operand, target)
            return
        if isinstance(condition, ir.Binary):
            op = condition.op
            if op in ("==", "!="):
                xor = ir.Binary("^", condition.left, condition.right)
                self.toggle(xor if op == "!=" else ir.Unary("!", xor), target)
                return
            if op == "^":
                self.toggle(condition.left, target)
                self.toggle(condition.right, target)
                return
            if op in ("&", "&&"):
                with self.qc.if_test(self.test(condition.left)):
                    with self.qc.if_test(self.test(condition.right)):
                        self.qc.x(target)
                return
            if op in ("|", "||"):
                both = ir.Binary("&&", condition.left, condition.right)
                for part in (condition.left, condition.right, both):
                    self.toggle(part, target)
                return
        raise CompileError("this condition is not a function of measured bits that a circuit "
                           "can test", getattr(condition, "span", None))


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


class _Deferred:
    def __init__(self, circuit: Circuit, noise: bool) -> None:
        self.circuit = circuit
        self.noise = noise
        self.data, self.bits, self.qc = _registers(circuit)
        self.qc.name = "deferred"
        self.records: dict[int, Any] = {}  # bit -> the ancilla holding its outcome
        self.controls: dict[str, Any] = {}  # a condition (by its text) -> its qubit
        self.count = 0

    def ancilla(self) -> Any:
        register = QuantumRegister(1, f"ancilla_{self.count}")
        self.count += 1
        self.qc.add_register(register)
        return register[0]

    def build(self) -> QuantumCircuit:
        for op in self.circuit.ops:
            if op.name in NOISE and not self.noise:
                continue
            control = self.control(op.condition)
            if control is False:
                continue
            targets = [self.data[q] for q in op.qubits]
            if op.name in NOISE:
                if control is None:
                    self.qc.append(noise_error(op), targets)
                else:
                    self.qc.append(controlled_noise_error(op), [control, *targets])
            elif op.name == "measure":
                record = self.ancilla()
                self.controlled(library.CXGate(), control, [targets[0], record])
                self.records[op.bit] = record  # type: ignore[index]
            elif op.name == "reset":
                spare = self.ancilla()
                self.controlled(library.SwapGate(), control, [targets[0], spare])
            else:
                self.controlled(gate(op), control, targets)
        for index, record in sorted(self.records.items()):
            self.qc.measure(record, self.bits[index])
        return self.qc

    def controlled(self, operation: Gate, control: Any, targets: list[Any]) -> None:
        if control is None:
            self.qc.append(operation, targets)
        else:
            self.qc.append(operation.control(1), [control, *targets])

    def combine(self, op: str, a: Any, b: Any, condition: Any) -> Any:
        """The qubit holding `a op b`, where either may be a constant (None: true)."""
        known_a, known_b = _constant(a), _constant(b)
        if op in ("&", "&&"):
            if known_a is False or known_b is False:
                return False
            if known_a or known_b:
                return b if known_a else a
        elif op in ("|", "||"):
            if known_a or known_b:
                return None
            if known_a is False or known_b is False:
                return b if known_a is False else a
        elif op != "^":
            raise CompileError(f"`{op}` cannot be computed on qubits", condition.span)
        result = self.ancilla()
        if op == "^":
            for source, known in ((a, known_a), (b, known_b)):
                if known is None:
                    self.qc.cx(source, result)
                elif known:
                    self.qc.x(result)
        elif op in ("&", "&&"):
            self.qc.ccx(a, b, result)
        else:
            self.qc.cx(a, result)
            self.qc.cx(b, result)
            self.qc.ccx(a, b, result)
        return result

    def control(self, condition: Any) -> Any:
        """The qubit that holds the condition (None: always; False: never); a condition
        met again (by its text) is not computed again."""
        if condition is True:
            return None
        key = repr(condition)
        if key not in self.controls:
            self.controls[key] = self._control(_as_logic(condition))
        return self.controls[key]

    def _control(self, condition: Any) -> Any:
        if isinstance(condition, ir.Var):
            return self.records[bit_index(condition)]
        if isinstance(condition, ir.Const):
            return None if condition.value else False
        if isinstance(condition, ir.Unary) and condition.op == "!":
            inner = self.control(condition.operand)
            known = _constant(inner)
            if known is not None:
                return False if known else None
            result = self.ancilla()
            self.qc.x(result)
            self.qc.cx(inner, result)
            return result
        if isinstance(condition, ir.Binary):
            if condition.op in ("==", "!="):
                left, right = condition.left, condition.right
                if isinstance(left, ir.Const):
                    left, right = right, left
                if isinstance(right, ir.Const):
                    holds = bool(right.value) == (condition.op == "==")
                    return self.control(left if holds else ir.Unary("!", left))
                xor = ir.Binary("^", left, right)
                return self.control(xor if condition.op == "!=" else ir.Unary("!", xor))
            return self.combine(condition.op, self.control(condition.left),
                                self.control(condition.right), condition)
        raise CompileError("this condition is not a function of measured bits that a circuit "
                           "can test", getattr(condition, "span", None))


def _constant(control: Any) -> bool | None:
    """True or False for a constant control (None means always), else None."""
    if control is None:
        return True
    if control is False:
        return False
    return None


def deferred(circuit: Circuit, noise: bool = False) -> QuantumCircuit:
    """The standard circuit: unitary, with every measurement at the end (OpenQASM 2)."""
    return _Deferred(circuit, noise).build()
