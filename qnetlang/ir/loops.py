"""Loops whose turns are independent: what may run as rows of one batch.

BB84, B92 and E91 are loops whose turns do not depend on each other: Alice
prepares and sends a qubit, Eve passes it on, Bob measures it and records the
outcome at the turn's index. `independent_loops` finds the loops for which
running the turns side by side means exactly what the turns one after the
other mean (docs/runtime.md, "Loops run side by side"):

- the loop counts from one bound to another (`for i in a..b`);
- its turns share nothing but values they only read: what a turn writes is a
  variable of its own, an array element at the counter (`bits[i]`), a sum
  (`n += ...`), or a variable set to one loop-invariant value on every path
  (`slot = period`, which settles in the first turn, run alone);
- its qubits are its own, and it has no `report`, `assert`, or `now()`;
- the roles it talks to are all in such loops, which use their channels to
  each other only there, and no other role is on their nodes.

The simulator runs such groups side by side (runtime/folding.py); the
communication check follows their turns until they repeat, then skips ahead
(semantics/communication.py).
"""


from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from qnetlang import types as t
from qnetlang.ir import nodes as ir


@dataclass(frozen=True)
class Loop:
    """A counted loop of a role whose turns are independent."""

    role: str
    head: int  # the loop's `branch`
    exit: int  # the first instruction after it
    counter: str
    start: ir.Expr
    limit: ir.Expr
    settles: bool  # a variable settles in the first turn: that turn runs alone
    driven: bool  # a turn starts by waiting for a message, without a window
    windowed: bool  # it has a `recv ... within`
    steady: bool  # every turn does the same, whatever its counter and the arrays read at it
    steady_if_uniform: bool  # ... when those arrays hold one value throughout
    columns: frozenset[str]  # arrays used at the counter only
    written: frozenset[str]  # ... of which the loop writes these
    sums: frozenset[str]  # integers the loop only adds to
    reads: frozenset[str]  # the variables its turns read from before the turn
    channels: frozenset[tuple[str, str, str]]  # (source, dest, kind) it uses
    quantum: bool  # its turns hold qubits
    code: tuple[ir.Instr, ...]  # one turn as a program of its own

    @property
    def peers(self) -> set[str]:
        return {role for source, dest, _ in self.channels for role in (source, dest)} - \
            {self.role}


@dataclass(frozen=True)
class Group:
    """Loops of several roles that talk to each other, run side by side together."""

    loops: tuple[Loop, ...]

    @property
    def peel(self) -> int:
        """The turns each loop runs alone first."""
        return int(any(loop.settles for loop in self.loops))


_ANALYSED: dict[int, tuple[weakref.ref[ir.Run], dict[tuple[str, int], Group]]] = {}


def independent_loops(run: ir.Run) -> dict[tuple[str, int], Group]:
    """(role, head) -> its group, for every loop of the run that can run side by side
    (worked out once per run)."""
    known = _ANALYSED.get(id(run))
    if known is not None and known[0]() is run:
        return known[1]
    candidates: dict[str, list[Loop]] = {}
    for role in run.roles.values():
        candidates[role.name] = [loop for head in _heads(role)
                                 if (loop := _loop(role, head)) is not None]
    groups = _groups(run, candidates)
    key = id(run)
    _ANALYSED[key] = (weakref.ref(run, lambda _: _ANALYSED.pop(key, None)), groups)
    return groups


def _heads(role: ir.Role) -> Iterator[int]:
    for pc, instr in enumerate(role.code):
        if isinstance(instr, ir.Branch) and instr.loop:
            yield pc


def _loop(role: ir.Role, head: int) -> Loop | None:
    """The loop at `head` when its turns are independent, else None."""
    code = role.code
    branch = code[head]
    assert isinstance(branch, ir.Branch)
    exit_ = branch.otherwise
    condition = branch.condition
    if not (isinstance(condition, ir.Binary) and condition.op == "<" and
            isinstance(condition.left, ir.Var) and condition.left.index is None and head > 0
            and exit_ >= head + 3):
        return None
    counter = condition.left.name
    init, step, back = code[head - 1], code[exit_ - 2], code[exit_ - 1]
    if not (isinstance(init, ir.Assign) and init.target == ir.Var(counter) and
            isinstance(step, ir.Assign) and step.target == ir.Var(counter) and
            step.value == ir.Binary("+", ir.Var(counter), ir.Const(1)) and
            isinstance(back, ir.Jump) and back.target == head):
        return None
    first, end = head + 1, exit_ - 2  # the body; `end` is where `continue` goes
    body = code[first:end]
    if not all(first <= target <= end for pc, instr in enumerate(body, first)
               for target in ir.successors(instr, pc)):
        return None
    if any(type(instr) in (ir.Report, ir.Assert, ir.Halt) for instr in body):
        return None
    if any(isinstance(e, ir.Builtin) and e.name == "now" for instr in body
           for e in ir.expressions_of(instr)):
        return None
    access = _Accesses(role, counter, body)
    written_columns = access.columns & access.written_names
    if not access.valid or (ir.variables_read(init.value) | ir.variables_read(condition.right)) & \
            access.written_names:
        return None
    written_scalars = access.scalars - {counter}
    if counter in access.written_names:
        return None
    assigned = _flow(body, first, end, _scalar_writes)
    exposed = _exposed(body, first, end, assigned)
    # Arrays a turn may read at the counter before it writes there: the value from before
    # the loop, one per turn.
    at_counter = ir.Var(counter)
    early = _exposed(body, first, end, _flow(body, first, end, lambda i: {
        v.name for v in _writes(i) if v.index == at_counter}), at_counter) & written_columns
    sums = {name for name in written_scalars if access.is_sum(name)}
    settled = set()
    for name in written_scalars - sums:
        if name in exposed:
            if not access.settles(name, counter, assigned[end] or set()):
                return None
            settled.add(name)
    live = _live_after(role, exit_, written_scalars - sums - settled)
    if live:
        return None
    units = access.units
    outside = {e.name for pc, instr in enumerate(code) if not head <= pc < exit_
               for e in ir.expressions_of(instr) if isinstance(e, ir.Unit)}
    if units & outside or not _units_own(body, first, end):
        return None
    channels = set()
    for instr in body:
        if isinstance(instr, ir.Send):
            channels.add((role.name, instr.dest, instr.kind))
        elif isinstance(instr, ir.Recv):
            channels.add((instr.source, role.name, instr.kind))
    # What a turn reads that an earlier turn or the code before the loop set.
    reads = (access.read_names - access.written_names - access.columns - {counter}) | settled
    return Loop(role.name, head, exit_, counter, init.value, condition.right,
                bool(settled), _driven(body),
                any(isinstance(i, ir.Recv) and i.timeout is not None for i in body),
                _steady(body, first, counter, access.columns - written_columns | early),
                _steady(body, first, counter, early),
                frozenset(access.columns),
                frozenset(written_columns), frozenset(sums),
                frozenset(reads), frozenset(channels), bool(units),
                _turn(body, first, counter, access.columns))


def _writes(instr: ir.Instr) -> list[ir.Var]:
    if isinstance(instr, (ir.Assign, ir.Random, ir.Measure)):
        return [instr.target]
    if isinstance(instr, ir.Recv):
        return [target for target in instr.targets if isinstance(target, ir.Var)]
    return []


def _read_exprs(instr: ir.Instr) -> Iterator[ir.Expr]:
    """The expressions an instruction reads (a target's index, not the target)."""
    written = {id(var) for var in _writes(instr)}
    for name in ir._operand_fields(type(instr)):
        value = getattr(instr, name)
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, ir.Expr):
                continue
            if id(item) in written:
                if isinstance(item, ir.Var) and item.index is not None:
                    yield item.index
                continue
            yield item


def _per_shot_type(type_: t.Type | None) -> bool:
    return isinstance(type_, t.List) or type_ in (t.TRAIN, t.CLICKS)


class _Accesses:
    """How a loop's body uses variables and qubit slots."""

    def __init__(self, role: ir.Role, counter: str, body: list[ir.Instr]) -> None:
        self.valid = True
        self.columns: set[str] = set()  # arrays used at [counter]
        self.other_indexed: set[str] = set()  # arrays used at some other index
        self.whole_arrays: set[str] = set()
        self.written_names: set[str] = set()
        self.scalars: set[str] = set()  # written as a whole
        self.read_names: set[str] = set()
        self.units: set[str] = set()
        self.assignments: dict[str, list[ir.Instr]] = {}
        self.plain_reads: dict[str, int] = {}  # reads of a whole variable
        self.role = role
        at_counter = ir.Var(counter)
        for instr in body:
            for var in _writes(instr):
                self.written_names.add(var.name)
                if var.index is None:
                    self.scalars.add(var.name)
                    self.assignments.setdefault(var.name, []).append(instr)
                elif var.index == at_counter:
                    self.columns.add(var.name)
                else:
                    self.other_indexed.add(var.name)
            for expr in _read_exprs(instr):
                for node in ir.subexpressions(expr):
                    if isinstance(node, ir.Unit):
                        self.units.add(node.name)
                        if node.index is not None and not isinstance(node.index, ir.Const):
                            self.valid = False
                    if not isinstance(node, ir.Var):
                        continue
                    self.read_names.add(node.name)
                    if node.index is None:
                        self.plain_reads[node.name] = self.plain_reads.get(node.name, 0) + 1
                        if isinstance(role.variables.get(node.name), t.Array):
                            self.whole_arrays.add(node.name)
                    elif node.index == at_counter:
                        self.columns.add(node.name)
                    else:
                        self.other_indexed.add(node.name)
            for unit in _units_of(instr):
                self.units.add(unit.name)
        # Lists and trains' records have a length of their own in each shot: no row of a
        # frame holds a turn of them.
        if any(_per_shot_type(role.variables.get(name))
               for name in self.read_names | self.written_names):
            self.valid = False
        # Trains are simulated one by one; a `select`, and a `recv` from any role, choose by
        # the order of arrivals; a message whose destination is computed goes where it says.
        if any(isinstance(instr, ir.Send) and (instr.pulses is not None or
                                               instr.dest_index is not None) or
               isinstance(instr, ir.Select) or
               isinstance(instr, ir.Recv) and instr.source == ir.ANY for instr in body):
            self.valid = False
        # An array used at the counter is a value per turn only if it is used nowhere else.
        if self.columns & (self.other_indexed | self.whole_arrays | self.scalars):
            self.valid = False
        # An array read at another index, or whole, would be a copy of it in every row.
        if self.other_indexed or self.whole_arrays:
            self.valid = False

    def is_sum(self, name: str) -> bool:
        """Whether the loop only adds integers to `name` (`n += e`, e not reading n)."""
        if self.role.variables.get(name) != t.INT:
            return False
        assignments = self.assignments.get(name, [])
        for instr in assignments:
            if not (isinstance(instr, ir.Assign) and isinstance(instr.value, ir.Binary) and
                    instr.value.op == "+" and instr.value.left == ir.Var(name) and
                    name not in ir.variables_read(instr.value.right)):
                return False
        return self.plain_reads.get(name, 0) == len(assignments)

    def settles(self, name: str, counter: str, assigned_at_end: set[str]) -> bool:
        """Whether every turn sets `name` to one value that no turn changes (the first
        turn, run alone, leaves it at that value): an expression of values the loop
        does not write, nor its counter or the arrays at it."""
        assignments = self.assignments.get(name, [])
        if not assignments or not all(isinstance(i, ir.Assign) for i in assignments):
            return False
        value = assignments[0].value  # type: ignore[attr-defined]
        if any(i.value != value for i in assignments) or \
                ir.variables_read(value) & (self.written_names | self.columns | {counter}):  # type: ignore[attr-defined]
            return False
        if any(isinstance(e, ir.Builtin) and e.name not in ("latency",)
               for e in ir.subexpressions(value)):
            return False
        return name in assigned_at_end


def _units_of(instr: ir.Instr) -> list[ir.Unit]:
    if isinstance(instr, ir.Alloc):
        return [instr.unit]
    if isinstance(instr, ir.Recv):
        return [target for target in instr.targets if isinstance(target, ir.Unit)]
    return [e for e in ir.expressions_of(instr) if isinstance(e, ir.Unit)]


def _flow(body: list[ir.Instr], first: int, end: int,
          gen: Callable[[ir.Instr], set[str]]) -> dict[int, set[str] | None]:
    """What is certainly set on entry to each instruction of the body (and at `end`),
    on every path from the body's start: an intersection over predecessors."""
    state: dict[int, set[str] | None] = {pc: None for pc in range(first, end + 1)}
    state[first] = set()
    work = [first]
    while work:
        pc = work.pop()
        if pc == end:
            continue
        known = state[pc]
        assert known is not None
        instr = body[pc - first]
        out = known | gen(instr)
        for succ in ir.successors(instr, pc):
            before = state[succ]
            after = set(out) if before is None else before & out
            if before is None or after != before:
                state[succ] = after
                work.append(succ)
    return state


def _scalar_writes(instr: ir.Instr) -> set[str]:
    return {v.name for v in _writes(instr) if v.index is None}


def _exposed(body: list[ir.Instr], first: int, end: int,
             state: dict[int, set[str] | None], index: ir.Expr | None = None) -> set[str]:
    """Variables some turn may read before it sets them (a value from an earlier turn),
    from what is certainly set on entry to each instruction (`_flow`); with `index`,
    arrays read there (`a[i]`) before the turn writes there."""
    exposed = set()
    for pc in range(first, end):
        known = state[pc]
        if known is None:
            continue
        for expr in _read_exprs(body[pc - first]):
            exposed |= {e.name for e in ir.subexpressions(expr)
                        if isinstance(e, ir.Var) and e.index == index and e.name not in known}
    return exposed


def _units_own(body: list[ir.Instr], first: int, end: int) -> bool:
    """Whether every qubit slot the body uses is declared (or received) in the same turn
    before it is used."""
    def made(instr: ir.Instr) -> set[str]:
        if isinstance(instr, ir.Alloc):
            return {instr.unit.name}
        if isinstance(instr, ir.Recv):
            return {u.name for u in instr.targets if isinstance(u, ir.Unit)}
        return set()
    state = _flow(body, first, end, made)
    for pc, instr in enumerate(body, first):
        known = state[pc]
        if known is None:
            continue
        used = {u.name for u in _units_of(instr)} - made(instr)
        if used - known:
            return False
    return True


def _live_after(role: ir.Role, exit_: int, names: set[str]) -> bool:
    """Whether any of `names` may be read after the loop before being set again."""
    if not names:
        return False
    code = role.code
    seen: set[tuple[int, frozenset[str]]] = set()
    work = [(exit_, frozenset(names))]
    while work:
        pc, pending = work.pop()
        if (pc, pending) in seen or pc >= len(code):
            continue
        seen.add((pc, pending))
        instr = code[pc]
        for expr in _read_exprs(instr):
            if ir.variables_read(expr) & pending:
                return True
        pending = pending - {v.name for v in _writes(instr) if v.index is None}
        if pending:
            work += [(succ, pending) for succ in ir.successors(instr, pc)]
    return False


def _driven(body: list[ir.Instr]) -> bool:
    """Whether a turn starts by waiting for a message without a window, with only
    classical work before it (so when the turn starts does not matter)."""
    for instr in body:
        if isinstance(instr, ir.Recv):
            return instr.timeout is None
        if not isinstance(instr, (ir.Assign, ir.Random)):
            return False
    return False


def _steady(body: list[ir.Instr], first: int, counter: str, columns: set[str]) -> bool:
    """Whether every turn does the same (sends, receives, waits, declares, applies and
    writes the same) whatever its counter and `columns`, arrays read at it: no value is
    computed from them, and a branch on them has nothing in it but control. An array the
    turn wrote at the counter reads back what the turn wrote: reading it there is not
    reading the counter."""
    at_counter = ir.Var(counter)
    sources = {counter} | columns

    def reads(expr: ir.Expr) -> set[str]:
        found = set()
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ir.Var):
                found.add(node.name)
                if node.index == at_counter:
                    continue
            stack += ir.children(node)
        return found

    for pc, instr in enumerate(body, first):
        places = {id(v.index) for v in _writes(instr) if v.index == at_counter}  # a[i] = ..
        read = set().union(*(reads(e) for e in _read_exprs(instr) if id(e) not in places))
        if not read & sources:
            continue
        if not isinstance(instr, ir.Branch):
            return False
        last = max(instr.join, instr.otherwise)
        if any(not isinstance(body[at - first], (ir.Branch, ir.Jump)) or
               any(target > last for target in ir.successors(body[at - first], at))
               for at in range(pc + 1, last)):
            return False
    return True


def _turn(body: list[ir.Instr], first: int, counter: str,
          columns: set[str]) -> tuple[ir.Instr, ...]:
    """One turn as a program: the body with its jumps moved, `a[counter]` read as the
    turn's own `a`, and a `halt` where the turn ends."""
    def column(expr: Any) -> Any:
        if isinstance(expr, list):
            return [column(e) for e in expr]
        if not isinstance(expr, ir.Expr):
            return expr
        if isinstance(expr, ir.Var) and expr.name in columns and expr.index == ir.Var(counter):
            return ir.Var(expr.name, span=expr.span, type=expr.type)
        changes = {f.name: column(getattr(expr, f.name)) for f in dataclasses.fields(expr)
                   if f.name not in ("span", "type")}
        return dataclasses.replace(expr, **changes)

    turn: list[ir.Instr] = []
    for instr in body:
        changes = {name: column(getattr(instr, name)) for name in ir._operand_fields(type(instr))}
        if isinstance(instr, ir.Jump):
            changes["target"] = instr.target - first
        elif isinstance(instr, ir.Branch):
            changes["otherwise"], changes["join"] = instr.otherwise - first, instr.join - first
        elif isinstance(instr, ir.Recv) and instr.on_timeout is not None:
            changes["on_timeout"] = instr.on_timeout - first
        turn.append(dataclasses.replace(instr, **changes))
    turn.append(ir.Halt())
    return tuple(turn)


def _groups(run: ir.Run, candidates: dict[str, list[Loop]]) -> dict[tuple[str, int], Group]:
    """The groups of loops that talk only to each other."""
    found: dict[tuple[str, int], Group] = {}
    for loops in candidates.values():
        for loop in loops:
            if (loop.role, loop.head) in found:
                continue
            group = _closure(loop, candidates)
            if group is not None and _exclusive(run, group):
                for member in group.loops:
                    found[(member.role, member.head)] = group
    return found


def _closure(loop: Loop, candidates: dict[str, list[Loop]]) -> Group | None:
    members = {loop.role: loop}
    work = [loop]
    while work:
        current = work.pop()
        for peer in current.peers:
            talking = [other for other in candidates.get(peer, [])
                       if current.role in other.peers]
            if len(talking) != 1:
                return None
            other = talking[0]
            if peer in members:
                if members[peer] is not other:
                    return None
                continue
            members[peer] = other
            work.append(other)
    return Group(tuple(members.values()))


def _exclusive(run: ir.Run, group: Group) -> bool:
    """Whether the group's channels carry nothing else, its nodes hold no other role (nor
    two of its own), and no qubit comes to them from outside the loops."""
    loops = {loop.role: loop for loop in group.loops}
    for loop in group.loops:
        for source, dest, kind in loop.channels:
            if source not in loops or dest not in loops:
                return False
    nodes = {run.roles[member].node for member in loops}
    if len(nodes) < len(loops):
        return False  # two of them on one node: their qubits would share its memory
    for name, role in run.roles.items():
        if name not in loops and role.node in nodes:
            return False
        # A qubit sent to them from outside the loops would take memory during them (which
        # matters to loops that hold qubits).
        if not any(loop.quantum for loop in group.loops):
            continue
        loop = loops.get(name)
        for pc, instr in enumerate(role.code):
            if isinstance(instr, ir.Send) and instr.kind == "quantum" and \
                    instr.dest in loops and not (loop and loop.head < pc < loop.exit):
                return False
    channels = {c for loop in group.loops for c in loop.channels}
    for name, loop in loops.items():
        role = run.roles[name]
        for pc, instr in enumerate(role.code):
            inside = loop.head < pc < loop.exit
            if isinstance(instr, ir.Send) and (name, instr.dest, instr.kind) in channels \
                    and not inside:
                return False
            if isinstance(instr, ir.Recv) and (instr.source, name, instr.kind) in channels \
                    and not inside:
                return False
    return True
