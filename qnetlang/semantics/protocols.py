"""Pass 8: every protocol of the checked file is checked on its own, run or no run.

A protocol in a module has no run until somebody writes one, yet what makes
it wrong mostly does not depend on a run. Each protocol the file declares
(an imported module's are checked when that module is checked) gets two checks:

- Ownership, with the parameters symbolic. Each role is lowered once with the
  protocol's parameters unknown: a branch on a parameter is a run-time branch,
  a loop to a parameter's bound a run-time loop, an array sized by a parameter
  has an unknown size, and a role family is lowered once, for a member whose
  index is unknown. The no-cloning analysis of the runs reads these streams.
- Communication, at the parameters' defaults. When every role family's size
  follows from the defaults, the protocol runs on a network of its own: each
  role member on its own node, every pair of nodes joined by classical and
  quantum channels, no memory limits, so that only the protocol can go wrong.
  A parameter without a default is unknown; a protocol where one decides which
  member a message is for, or steers a branch or a loop, is not matched (never
  a false error). Only errors are kept: what the matching could not follow is
  for a run to say.

A problem the file's runs already reported is not reported again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping

from qnetlang.ir import nodes as ir
from qnetlang.semantics.communication import check_run
from qnetlang.semantics.context import Context, Symbol
from qnetlang.semantics.lower import UNROLL_ITERATIONS, Lowerer, LoweringError, resolve_labels
from qnetlang.semantics.ownership import check_roles
from qnetlang.syntax import ast

Members = dict[str, list[tuple[str, int | None]]]  # role -> (member name, index) of each member
Peers = Callable[[Symbol, int | None, ast.Node], str]


def check_protocols(ctx: Context) -> None:
    for item in ctx.root.program.items:
        if isinstance(item, ast.Protocol):
            check_roles(ctx, _symbolic_roles(ctx, item))
            _match_messages(ctx, item)


def _roles(protocol: ast.Protocol) -> list[ast.Role]:
    return [item for item in protocol.body if isinstance(item, ast.Role)]


def _quiet(ctx: Context) -> Context:
    """The context with a diagnostics list of its own: lowering a protocol without a run
    reports nothing (a run of it reports what cannot be lowered), and what the matching
    finds is sifted before it is kept."""
    return dataclasses.replace(ctx, diagnostics=[])


def _lowerer(ctx: Context, protocol: ast.Protocol, constants: Mapping[Symbol, ir.Expr],
             peers: Peers) -> tuple[Lowerer, set[str]]:
    """A lowerer with the parameters in `constants` known and every other one a variable
    that nothing assigns; those variables' names."""
    lowerer = Lowerer(ctx, dict(constants), code=[], peers=peers, symbolic=True)
    unknown: set[str] = set()
    for param in protocol.params:
        symbol = ctx.symbol(param)
        if symbol is not None and symbol not in constants:
            variable = ir.Var(lowerer.fresh(param.name), type=symbol.type)
            lowerer.env[symbol] = variable
            unknown.add(variable.name)
    return lowerer, unknown


def _lower(lowerer: Lowerer, role: ast.Role, member: str) -> ir.Role | None:
    """The member's instruction stream, on a node of its own name; None if the role
    cannot be lowered this way."""
    assert lowerer.code is not None
    try:
        lowerer.block(role.body)
    except LoweringError:
        return None
    lowerer.code.append(ir.Halt(span=role.body.span))
    resolve_labels(lowerer.code)
    return ir.Role(member, member, lowerer.code, lowerer.units, lowerer.variables,
                   span=role.span)


# ---------------------------------------------------------------- ownership


def _symbolic_roles(ctx: Context, protocol: ast.Protocol) -> Iterator[ir.Role]:
    """Each role lowered once, its parameters and member index unknown."""
    quiet = _quiet(ctx)
    for role in _roles(protocol):
        lowerer, _ = _lowerer(quiet, protocol, {}, _any_member)
        member = role.name
        if role.family is not None:
            member = f"{role.name}[{role.family.var}]"
            symbol = ctx.symbol(role.family)
            if symbol is not None:
                lowerer.env[symbol] = ir.Var(lowerer.fresh(role.family.var), type=symbol.type)
        lowered = _lower(lowerer, role, member)
        if lowered is not None:
            yield lowered


def _any_member(symbol: Symbol, index: int | None, at: ast.Node) -> str:
    """A peer's name: who receives a qubit does not change whether it was sent."""
    return symbol.name if index is None else f"{symbol.name}[{index}]"


# ---------------------------------------------------------------- communication


def _match_messages(ctx: Context, protocol: ast.Protocol) -> None:
    quiet = _quiet(ctx)
    defaults = _defaults(quiet, protocol)
    if defaults is None:
        return
    arguments = {symbol.name: value.value for symbol, value in defaults.items()}
    if any(run.protocol == protocol.name and run.arguments == arguments
           for run in ctx.program.runs):
        return  # a run of the file, with these very arguments, has matched the messages
    members = _members(quiet, protocol, defaults)
    if members is None or sum(map(len, members.values())) > UNROLL_ITERATIONS:
        return  # unknown, or more members than a check without a run should lower
    names = {name for listed in members.values() for name, _ in listed}

    def peer(symbol: Symbol, index: int | None, at: ast.Node) -> str:
        name = symbol.name if index is None else f"{symbol.name}[{index}]"
        if name not in names:  # a member the defaults do not have, or one not known
            raise LoweringError(name)
        return name

    roles: dict[str, ir.Role] = {}
    unknown: dict[str, set[str]] = {}
    for role in _roles(protocol):
        for member, index in members[role.name]:
            lowerer, unknown[member] = _lowerer(quiet, protocol, defaults, peer)
            symbol = ctx.symbol(role.family) if role.family is not None else None
            if symbol is not None and index is not None:
                lowerer.env[symbol] = ir.Const(index)
            lowered = _lower(lowerer, role, member)
            if lowered is None:
                return
            roles[member] = lowered
    if _steered_by_unknowns(list(roles.values()), unknown):
        return
    run = ir.Run(protocol.name, protocol.name, _own_network(protocol.name, roles),
                 arguments, roles=roles, span=protocol.span)
    found = _quiet(ctx)
    check_run(found, run)
    seen = {(d.code, d.span) for d in ctx.diagnostics}
    for diagnostic in found.diagnostics:
        if diagnostic.is_error and (diagnostic.code, diagnostic.span) not in seen:
            seen.add((diagnostic.code, diagnostic.span))
            ctx.diagnostics.append(diagnostic)


def _defaults(ctx: Context, protocol: ast.Protocol) -> dict[Symbol, ir.Const] | None:
    """The parameters that have a default, at their defaults; None when one cannot be
    computed without another parameter's value."""
    values: dict[Symbol, ir.Const] = {}
    for param in protocol.params:
        symbol = ctx.symbol(param)
        if symbol is None or param.default is None:
            continue
        try:
            value = Lowerer(ctx, dict(values)).constant(param.default, f"`{param.name}`")
        except LoweringError:
            return None
        values[symbol] = ir.Const(value)
    return values


def _members(ctx: Context, protocol: ast.Protocol,
             defaults: dict[Symbol, ir.Const]) -> Members | None:
    """Each role's members at the defaults; None when a family's size is not known."""
    members: Members = {}
    for role in _roles(protocol):
        if role.family is None:
            members[role.name] = [(role.name, None)]
            continue
        try:
            indices = Lowerer(ctx, dict(defaults)).indices(role.family.range, "family")
        except LoweringError:
            return None
        members[role.name] = [(f"{role.name}[{i}]", i) for i in indices]
    return members


def _own_network(name: str, roles: dict[str, ir.Role]) -> ir.Network:
    """Each member on a node of its own name, with no memory limits, and a channel of
    no length for every kind of message one member sends another (only those: a network
    of every pair would grow with the square of the members)."""
    network = ir.Network(name)
    for member in roles:
        network.nodes[member] = ir.Node(member, None)
    links = {(member, dest, instr.kind) for member, role in roles.items()
             for instr in role.code if isinstance(instr, ir.Send)
             for dest in _destinations(instr, roles)}
    for source, target, kind in sorted(links):
        network.channels.append(
            ir.Channel(f"{source}->{target}:{kind}", kind, "fiber", source, target))
    return network


def _destinations(send: ir.Send, roles: dict[str, ir.Role]) -> list[str]:
    """The members a message may go to: its destination, or every member of the family
    whose member it works out as the run goes."""
    if send.dest_index is None:
        return [send.dest] if send.dest in roles else []
    return [name for name in roles if name.startswith(f"{send.dest}[")]


def _steered_by_unknowns(roles: list[ir.Role], unknown: dict[str, set[str]]) -> bool:
    """Whether a value computed from a parameter without a default — in the role, or
    received from a role that computed it — decides a branch or a loop: then what is
    sent and received is not known from the defaults."""
    tainted = {role.name: set(unknown[role.name]) for role in roles}
    by_name = {role.name: role for role in roles}
    carried: set[tuple[str, str]] = set()  # (sender, receiver) of a message computed so
    changed = True
    while changed:
        changed = False
        for role in roles:
            names = tainted[role.name]
            for instr in role.code:
                if isinstance(instr, ir.Send) and ir.variables_read(instr.value) & names:
                    for dest in _destinations(instr, by_name):
                        changed |= (role.name, dest) not in carried
                        carried.add((role.name, dest))
                    continue
                learnt = _written_from(instr, role.name, names, carried) - names
                changed |= bool(learnt)
                names |= learnt
    return any(isinstance(instr, ir.Branch) and ir.variables_read(instr.condition) & tainted[role.name]
               for role in roles for instr in role.code)


def _written_from(instr: ir.Instr, role: str, names: set[str],
                  carried: set[tuple[str, str]]) -> set[str]:
    """The variables an instruction writes with a value computed from `names`, or
    received in a message computed from a parameter without a default."""
    if isinstance(instr, ir.Assign) and (ir.variables_read(instr.value) | ir.variables_read(instr.target)) & names:
        return {instr.target.name}
    if isinstance(instr, ir.Recv) and ((instr.source, role) in carried or instr.source == ir.ANY
                                       and any(to == role for _, to in carried)):
        return {target.name for target in instr.targets if isinstance(target, ir.Var)}
    return set()


