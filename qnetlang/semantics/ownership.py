"""Pass 6: qubits are linear (no-cloning).

A qubit has one owner. After `send q`, using `q` again — a gate, a
measurement, another send — is an error. (Using a qubit the role never
allocated or received cannot be written: declaring a qubit allocates or
receives it, and a `within` that times out must leave the block.) A qubit
still held when the role ends, neither measured nor sent, is a warning.
The analysis is a forward data-flow over each role's instruction stream,
so a qubit sent on only one branch "may have been sent" after it.

An element named by an index known only while the protocol runs (the counter
of a loop that is not unrolled, a measured value, a parameter of a protocol
checked on its own) may be any element: using it is an error only when no
element is still held, and once one is sent or measured that way, which
elements are still held is not known, so none of them is warned about. An
array whose size depends on a parameter is one slot for all its elements.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from qnetlang.codes import Code
from qnetlang.diagnostics import Note
from qnetlang.ir import nodes as ir
from qnetlang.semantics.context import Context
from qnetlang.source import Span

OWNED, SENT, MAYBE_SENT = "owned", "sent", "maybe sent"

# (slot, index): index None for a single qubit or a whole array of unknown size, a number
# for an element, "*" for an element whose index is not known before the run.
Key = tuple[str, object]


@dataclass(frozen=True)
class _Qubit:
    state: str
    measured: bool
    since: Span | None  # where it was allocated or received
    sent_at: Span | None = None
    blurred: bool = False  # an element was sent or measured through an unknown index


State = dict[Key, _Qubit]
Problem = tuple[str, str, Span | None, list[Note]]


def check_ownership(ctx: Context) -> None:
    check_roles(ctx, [role for run in ctx.program.runs for role in run.roles.values()])


def check_roles(ctx: Context, roles: Iterable[ir.Role]) -> None:
    """Reports the roles' problems, each (code, place) once: once however many role
    members share the code, and once between the runs and the protocols checked on
    their own, so a problem already reported is not reported again."""
    seen = {(_SAME.get(d.code, d.code), d.span) for d in ctx.diagnostics}
    shapes: set[Hashable] = set()
    for role in roles:
        shape = role.shape if role.shape is not None else _shape(role)
        if shape in shapes:  # its problems are those of a member already analysed
            continue
        shapes.add(shape)
        for code, message, span, notes in _Analysis(role).problems():
            if (_SAME.get(code, code), span) in seen:
                continue
            seen.add((_SAME.get(code, code), span))
            if code == Code.QUBIT_LEFT:
                ctx.warning(code, message, span, notes=notes,
                            help="measure it, send it, or reset it before the role ends")
            else:
                ctx.error(code, message, span, notes=notes)


def _shape(role: ir.Role) -> tuple[Any, ...]:
    """The code of a role lowered on its own, up to whom it talks to: roles that differ
    only in their peers have the same problems, at the same places. (The members of a
    family's shape say so with their number, `ir.Role.shape`, without this text.)"""
    code = []
    for instr in role.code:
        if isinstance(instr, ir.Send):
            text = repr(replace(instr, dest="", channel=None))
        elif isinstance(instr, ir.Recv):
            text = repr(replace(instr, source="", channel=None))
        else:
            text = repr(instr)
        code.append((text, instr.span))
    return tuple(sorted(role.units.items(), key=repr)), tuple(code)


# A qubit sent twice (E0702) is, where the turns of a loop are not known, a qubit used
# after it may have been sent (E0701): one problem, reported once.
_SAME = {Code.SENT_TWICE: Code.USE_AFTER_SEND}


def key_of(unit: ir.Unit) -> Key:
    if unit.index is None:
        return (unit.name, None)
    if isinstance(unit.index, ir.Const):
        return (unit.name, unit.index.value)
    return (unit.name, "*")


def slot_label(key: Key) -> str:
    name, index = key
    base = name.split("#")[0]
    return base if index is None else f"{base}[{'i' if index == '*' else index}]"


def _entries(state: State, name: str) -> list[Key]:
    return [key for key in state if key[0] == name]


def _stand_in(state: State, key: Key) -> _Qubit | None:
    """The qubit's own state; for an element of an array of unknown size with none of
    its own, the array's."""
    found = state.get(key)
    if found is None and key[1] is not None:
        return state.get((key[0], None))
    return found


def _candidates(state: State, key: Key) -> list[_Qubit]:
    """The states of the qubits a key may name. An element of unknown index may be any
    element: they matter only when none of them is still held."""
    if key[1] == "*":
        elements = [state[other] for other in _entries(state, key[0])]
        return elements if all(q.state != OWNED for q in elements) else []
    found = _stand_in(state, key)
    return [found] if found is not None else []


def _blur(state: State, name: str) -> None:
    for key in _entries(state, name):
        if not state[key].blurred:
            state[key] = replace(state[key], blurred=True)


def _merge(a: State, b: State) -> State:
    """The states of two paths joined, in a fixed order (a's keys, then b's others), so
    that what is reported, and in which order, never depends on hashing."""
    merged: State = {}
    for key in [*a, *(key for key in b if key not in a)]:
        x, y = _stand_in(a, key), _stand_in(b, key)
        if x is y:  # most qubits are untouched by both paths: one shared state
            merged[key] = x  # type: ignore[assignment]
        elif x is None or y is None:
            merged[key] = x or y  # type: ignore[assignment]
        else:
            merged[key] = _joined(x, y)
    return merged


def _joined(x: _Qubit, y: _Qubit) -> _Qubit:
    state = x.state if x.state == y.state else MAYBE_SENT
    return _Qubit(state, x.measured and y.measured, x.since or y.since,
                  x.sent_at or y.sent_at, x.blurred or y.blurred)


class _Analysis:
    """The data flow runs over basic blocks: a state is kept where blocks start and is
    updated in place along a block, so that a role allocating n qubits in straight-line
    code costs time and memory linear in n (a state per instruction cost n^2)."""

    def __init__(self, role: ir.Role) -> None:
        self.role = role
        self.code = role.code
        self.leaders = _leaders(self.code)

    def walk(self, start: int, state: State,
             visit: Callable[[int, ir.Instr, State], None] | None = None
             ) -> Iterator[tuple[int, State]]:
        """Runs the block that starts at `start` on `state` (which it changes), calling
        `visit` before each instruction; yields each successor block and its state."""
        pc = start
        while pc < len(self.code):
            if pc != start and pc in self.leaders:
                yield pc, state
                return
            instr = self.code[pc]
            if visit is not None:
                visit(pc, instr, state)
            if isinstance(instr, ir.Halt):
                return
            if isinstance(instr, ir.Jump):
                yield instr.target, state
                return
            if isinstance(instr, ir.Branch):
                yield pc + 1, state
                yield instr.otherwise, state
                return
            if isinstance(instr, ir.Select):  # each arm (its `recv` next), or the timer's
                for target in ir.successors(instr, pc):
                    yield target, dict(state)
                return
            if isinstance(instr, ir.Recv) and instr.on_timeout is not None:
                yield instr.on_timeout, dict(state)  # nothing arrived: targets unchanged
            _transfer(instr, state)
            pc += 1

    def states(self) -> dict[int, State]:
        """The state where each reachable block starts, at the fixpoint. Blocks are taken
        in the order of the code, so that straight-line and unrolled code is walked once,
        each block after all of its predecessors; only a loop's body is walked again."""
        before: dict[int, State] = {0: {}}
        work, queued = [0], {0}
        while work:
            leader = heapq.heappop(work)
            queued.discard(leader)
            for target, out in self.walk(leader, dict(before[leader])):
                if target >= len(self.code):
                    continue
                old = before.get(target)
                new = dict(out) if old is None else _merge(old, out)
                if new != old:
                    before[target] = new
                    if target not in queued:
                        queued.add(target)
                        heapq.heappush(work, target)
        return before

    def problems(self) -> Iterator[Problem]:
        found: list[Problem] = []

        def visit(pc: int, instr: ir.Instr, state: State) -> None:
            for unit, use in _uses(instr):
                problem = self.check(unit, use, state, instr)
                if problem is not None:
                    found.append(problem)
            if isinstance(instr, ir.Halt):
                for key, qubit in state.items():
                    if qubit.state == OWNED and not qubit.measured and not qubit.blurred:
                        found.append((Code.QUBIT_LEFT,
                                      f"qubit `{slot_label(key)}` is still held, neither measured "
                                      f"nor sent, when role `{self.role.name}` ends",
                                      qubit.since, [Note("the role ends here", instr.span)]))

        for leader, state in sorted(self.states().items()):
            for _ in self.walk(leader, dict(state), visit):
                pass
        return iter(found)

    def check(self, unit: ir.Unit, use: str, state: State, instr: ir.Instr) -> Problem | None:
        key = key_of(unit)
        name = slot_label(key)
        # Declaring a qubit allocates or receives it, so every path to a use holds a state.
        for qubit in _candidates(state, key):
            if qubit.state == OWNED:
                continue
            notes = [Note("it was sent here", qubit.sent_at)] if qubit.sent_at else []
            if qubit.state == SENT and use == "sent":
                return (Code.SENT_TWICE, f"qubit `{name}` is sent twice", instr.span, notes)
            may = "may have been" if qubit.state == MAYBE_SENT else "was"
            return (Code.USE_AFTER_SEND, f"qubit `{name}` is {use} after it {may} sent away "
                    "(a qubit cannot be copied)", instr.span, notes)
        return None


def _leaders(code: list[ir.Instr]) -> set[int]:
    """The instructions where a basic block starts: the first, every target of a jump,
    a branch or a timeout, and every instruction after one."""
    leaders = {0}
    for pc, instr in enumerate(code):
        following = ir.successors(instr, pc)
        if following != [pc + 1]:
            leaders |= {pc + 1, *following}
    return leaders


def _transfer(instr: ir.Instr, state: State) -> None:
    """What an instruction does to the qubits' states (in place)."""
    if isinstance(instr, ir.Alloc):
        _declared(state, [instr.unit], instr.span)
    elif isinstance(instr, ir.Recv) and instr.kind == "quantum":
        _declared(state, [unit for unit in instr.targets if isinstance(unit, ir.Unit)],
                  instr.span)
    elif isinstance(instr, (ir.Measure, ir.Reset, ir.Gate)):
        units = instr.units if isinstance(instr, ir.Gate) else [instr.unit]
        measured = not isinstance(instr, ir.Gate)
        for unit in units:
            key = key_of(unit)
            if key in state:
                if state[key].measured != measured:
                    state[key] = replace(state[key], measured=measured)
            elif measured:  # an element of unknown index, or of an array of unknown size
                _blur(state, key[0])
    elif isinstance(instr, ir.Send) and instr.kind == "quantum":
        for unit in instr.units:
            key = key_of(unit)
            previous = _stand_in(state, key)
            if key not in state and key[1] is not None:
                _blur(state, key[0])  # some element of the array has left it
            if key[1] != "*":
                state[key] = _Qubit(SENT, True, previous.since if previous else None,
                                    instr.span)


def _declared(state: State, units: list[ir.Unit], span: Span | None) -> None:
    """Fresh qubits; a whole slot declared again forgets what became of its elements."""
    for unit in units:
        key = key_of(unit)
        if key[1] is None:
            for element in _entries(state, key[0]):
                del state[element]
        state[key] = _Qubit(OWNED, False, span)


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
        for unit in ir.subexpressions(expr):
            if isinstance(unit, ir.Unit):
                yield unit, "read by `fidelity`"


def _expressions(instr: ir.Instr) -> Iterator[ir.Expr]:
    for name in ("value", "condition"):
        value = getattr(instr, name, None)
        if isinstance(value, ir.Expr):
            yield value
