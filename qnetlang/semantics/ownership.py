"""Pass 6: qubits are linear (no-cloning).

A qubit has one owner. After `send q`, using `q` again — a gate, a
measurement, another send — is an error. (Using a qubit the role never
allocated or received cannot be written: declaring a qubit allocates or
receives it, and a `within` that times out must leave the block.) A qubit
still held when the role ends, neither measured nor sent, is a warning.
The analysis is a forward data-flow over each role's instruction stream,
so a qubit sent on only one branch "may have been sent" after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from qnetlang.codes import Code
from qnetlang.diagnostics import Note
from qnetlang.ir import nodes as ir
from qnetlang.semantics.context import Context
from qnetlang.source import Span

OWNED, SENT, MAYBE_SENT = "owned", "sent", "maybe sent"

Key = tuple[str, object]  # (slot, index): index None for a single qubit, "*" for any element


@dataclass(frozen=True)
class _Qubit:
    state: str
    measured: bool
    since: Span | None  # where it was allocated or received
    sent_at: Span | None = None


State = dict[Key, _Qubit]


def check_ownership(ctx: Context) -> None:
    seen: set[tuple[str, int]] = set()
    for run in ctx.program.runs:
        for role in run.roles.values():
            for code, message, span, notes in _Analysis(role).problems():
                key = (code, span.start if span else -1)
                if key in seen:
                    continue
                seen.add(key)
                if code == Code.QUBIT_LEFT:
                    ctx.warning(code, message, span, notes=notes,
                                help="measure it, send it, or reset it before the role ends")
                else:
                    ctx.error(code, message, span, notes=notes)


def key_of(unit: ir.Unit) -> Key:
    if unit.index is None:
        return (unit.name, None)
    if isinstance(unit.index, ir.Const):
        return (unit.name, unit.index.value)
    return (unit.name, "*")


def _label(key: Key) -> str:
    name, index = key
    base = name.split("#")[0]
    return base if index is None else f"{base}[{'i' if index == '*' else index}]"


def _merge(a: State, b: State) -> State:
    merged: State = {}
    for key in a.keys() | b.keys():
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            merged[key] = x or y  # type: ignore[assignment]
            continue
        state = x.state if x.state == y.state else MAYBE_SENT
        merged[key] = _Qubit(state, x.measured and y.measured, x.since or y.since,
                             x.sent_at or y.sent_at)
    return merged


class _Analysis:
    def __init__(self, role: ir.Role) -> None:
        self.role = role
        self.code = role.code

    def successors(self, pc: int, instr: ir.Instr, state: State) -> Iterator[tuple[int, State]]:
        if isinstance(instr, ir.Halt):
            return
        if isinstance(instr, ir.Jump):
            yield instr.target, state
            return
        if isinstance(instr, ir.Branch):
            yield pc + 1, state
            yield instr.otherwise, state
            return
        if isinstance(instr, ir.Recv) and instr.on_timeout is not None:
            yield instr.on_timeout, state  # nothing arrived: the targets stay as they were
        yield pc + 1, self.transfer(instr, state)

    def transfer(self, instr: ir.Instr, state: State) -> State:
        if isinstance(instr, ir.Alloc):
            return {**state, key_of(instr.unit): _Qubit(OWNED, False, instr.span)}
        if isinstance(instr, ir.Recv) and instr.kind == "quantum":
            new = dict(state)
            for unit in instr.targets:
                assert isinstance(unit, ir.Unit)
                new[key_of(unit)] = _Qubit(OWNED, False, instr.span)
            return new
        if isinstance(instr, (ir.Measure, ir.Reset, ir.Gate)):
            units = instr.units if isinstance(instr, ir.Gate) else [instr.unit]
            new = dict(state)
            for unit in units:
                key = key_of(unit)
                if key in new:
                    new[key] = replace(new[key], measured=not isinstance(instr, ir.Gate))
            return new
        if isinstance(instr, ir.Send) and instr.kind == "quantum":
            new = dict(state)
            for unit in instr.units:
                key = key_of(unit)
                previous = new.get(key)
                new[key] = _Qubit(SENT, True, previous.since if previous else None, instr.span)
            return new
        return state

    def states(self) -> dict[int, State]:
        """The state before each reachable instruction, at the fixpoint."""
        before: dict[int, State] = {0: {}}
        work = [0]
        while work:
            pc = work.pop()
            for target, out in self.successors(pc, self.code[pc], before[pc]):
                if target >= len(self.code):
                    continue
                old = before.get(target)
                new = out if old is None else _merge(old, out)
                if new != old:
                    before[target] = new
                    work.append(target)
        return before

    def problems(self) -> Iterator[tuple[str, str, Span | None, list[Note]]]:
        for pc, state in sorted(self.states().items()):
            instr = self.code[pc]
            for unit, use in _uses(instr):
                problem = self.check(unit, use, state, instr)
                if problem is not None:
                    yield problem
            if isinstance(instr, ir.Halt):
                for key, qubit in state.items():
                    if qubit.state == OWNED and not qubit.measured:
                        yield (Code.QUBIT_LEFT,
                               f"qubit `{_label(key)}` is still held, neither measured nor sent, "
                               f"when role `{self.role.name}` ends", qubit.since,
                               [Note("the role ends here", instr.span)])

    def check(self, unit: ir.Unit, use: str, state: State,
              instr: ir.Instr) -> tuple[str, str, Span | None, list[Note]] | None:
        key = key_of(unit)
        candidates = [q for k, q in state.items() if k[0] == key[0]] if key[1] == "*" \
            else [state[key]] if key in state else []
        name = _label(key)
        # Declaring a qubit allocates or receives it, so every path to a use holds a state.
        for qubit in candidates:
            if qubit.state == OWNED:
                continue
            notes = [Note("it was sent here", qubit.sent_at)] if qubit.sent_at else []
            if qubit.state == SENT and use == "sent":
                return (Code.SENT_TWICE, f"qubit `{name}` is sent twice", instr.span, notes)
            may = "may have been" if qubit.state == MAYBE_SENT else "was"
            return (Code.USE_AFTER_SEND, f"qubit `{name}` is {use} after it {may} sent away "
                    "(a qubit cannot be copied)", instr.span, notes)
        return None


def _uses(instr: ir.Instr) -> Iterator[tuple[ir.Unit, str]]:
    if isinstance(instr, ir.Gate):
        for unit in instr.units:
            yield unit, f"used by `{instr.name}`"
    elif isinstance(instr, ir.Measure):
        yield instr.unit, "measured"
    elif isinstance(instr, ir.Reset):
        yield instr.unit, "reset"
    elif isinstance(instr, ir.Send):
        for unit in instr.units:
            yield unit, "sent"
    for expr in _expressions(instr):
        for unit in _units_in(expr):
            yield unit, "read by `fidelity`"


def _expressions(instr: ir.Instr) -> Iterator[ir.Expr]:
    for name in ("value", "condition"):
        value = getattr(instr, name, None)
        if isinstance(value, ir.Expr):
            yield value


def _units_in(expr: ir.Expr) -> Iterator[ir.Unit]:
    if isinstance(expr, ir.Unit):
        yield expr
    elif isinstance(expr, ir.Builtin):
        for arg in expr.args:
            yield from _units_in(arg)
    elif isinstance(expr, (ir.Binary,)):
        yield from _units_in(expr.left)
        yield from _units_in(expr.right)
    elif isinstance(expr, ir.Unary):
        yield from _units_in(expr.operand)
    elif isinstance(expr, (ir.TupleOf, ir.ArrayOf)):
        for item in expr.items:
            yield from _units_in(item)
