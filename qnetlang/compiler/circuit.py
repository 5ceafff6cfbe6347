"""One circuit for a whole multi-party protocol, before it becomes qiskit or OpenQASM.

Qubits and classical bits are numbered globally and labelled with their owner
(`alice.psi`, `bob.m0`). An operation may carry a condition: a boolean
expression over classical bits, written with the IR's expressions whose
variables are the bits `c0`, `c1`, ... Reports are expressions over the same
bits, evaluated for every shot from the bits the circuit produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qnetlang.ir import nodes as ir
from qnetlang.source import Span

if TYPE_CHECKING:
    from qnetlang.compiler.logic import Logic

NOISE = frozenset({"depolarizing", "dephasing", "kraus"})


def bit(index: int) -> ir.Var:
    return ir.Var(f"c{index}")


def bit_index(var: ir.Var) -> int:
    return int(var.name[1:])


@dataclass
class Op:
    """A gate of the language, `measure` (into `bit`), `reset`, a noise channel
    (`depolarizing` or `dephasing` with its probability, `kraus` for memory decoherence),
    or `flag`, which sets `bit` to the truth of `condition` (an assertion that fails).
    Every other operation acts only where its condition holds."""

    name: str
    qubits: list[int]
    params: list[float] = field(default_factory=list)
    bit: int | None = None
    condition: Any = True  # True, or an ir.Expr over bits
    span: Span | None = field(default=None, compare=False)
    kraus: list[Any] | None = field(default=None, compare=False)  # for "kraus": the channel
    _logic: Logic | None = field(default=None, init=False, repr=False, compare=False)

    def know(self, logic: Logic) -> None:
        """Takes the condition's function, worked out for another operation of its path."""
        self._logic = logic

    @property
    def logic(self) -> Logic:
        """The condition as a boolean function of the bits, worked out once; raises
        NotALogicFunction for a condition no circuit computes."""
        if self._logic is None:
            from qnetlang.compiler.logic import logic_of

            self._logic = logic_of(self.condition)
        return self._logic


@dataclass
class Report:
    name: str
    value: Any  # a constant or an ir.Expr over bits (a ratio's numerator)
    condition: Any = True
    kind: str = "mean"  # as ir.Report's
    denominator: Any = None  # a ratio's


@dataclass
class Assertion:
    """An `assert` on measured values: its flag bit is 1 in a shot where it fails."""

    bit: int
    message: str
    span: Span | None
    role: str


@dataclass
class Circuit:
    qubits: list[str] = field(default_factory=list)
    bits: list[str] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    weight: float = 1.0  # its share of the shots, for one combination of random choices
    choices: tuple[int, ...] = ()
    assertions: list[Assertion] = field(default_factory=list)
    span: Span | None = field(default=None, compare=False)  # the run it compiles

    def new_qubit(self, label: str) -> int:
        self.qubits.append(label)
        return len(self.qubits) - 1

    def new_bit(self, label: str) -> int:
        self.bits.append(label)
        return len(self.bits) - 1

    @property
    def depth(self) -> int:
        """Layers of operations, each qubit and each bit used once per layer."""
        level: dict[tuple[str, int], int] = {}
        depth = 0
        for op in self.ops:
            wires = [("q", q) for q in op.qubits]
            if op.bit is not None:
                wires.append(("c", op.bit))
            if op.condition is not True:
                wires += [("c", b) for b in condition_bits(op.condition)]
            layer = 1 + max((level.get(w, 0) for w in wires), default=0)
            for wire in wires:
                level[wire] = layer
            depth = max(depth, layer)
        return depth


def condition_bits(expr: Any) -> list[int]:
    """The bits an expression reads, each once; a subexpression the lowering shares (a
    flag flipped in a loop nests `select(m, !f, f)`) is visited once, not once per path."""
    found: set[int] = set()
    seen: set[int] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if not isinstance(node, ir.Expr) or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ir.Var):
            found.add(bit_index(node))
        else:
            stack += ir.children(node)
    return sorted(found)



def without_dead_ops(ops: list[Op]) -> list[Op]:
    """The operations that can change a measured bit. An operation after which none of
    its qubits is measured or touched by a kept operation (the basis change undone
    after a final measurement, a memory's noise on a qubit nobody reads) cannot."""
    live: set[int] = set()  # qubits a later kept operation reads
    kept: list[Op] = []
    for op in reversed(ops):
        if op.bit is not None or any(qubit in live for qubit in op.qubits):
            kept.append(op)
            live.update(op.qubits)
    kept.reverse()
    return kept
