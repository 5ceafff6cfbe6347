"""Pass 4: runs. Binds each run's roles to nodes and builds its IR.

For every `run` of the checked file: the protocol's and the network's
arguments match their parameters; the network is expanded (families, loops,
SI units); every role, and every member of a role family, is bound to a
node; each bound role member is lowered to its instruction stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from qnetlang import units
from qnetlang.codes import Code
from qnetlang.diagnostics import Note, did_you_mean
from qnetlang.ir import nodes as ir
from qnetlang.ir import parameters
from qnetlang.ir.parameters import Place
from qnetlang.quantum import ENGINE_NAMES
from qnetlang import types as t
from qnetlang.semantics.context import Context, Kind, Symbol, kind_binding
from qnetlang.semantics.families import Family
from qnetlang.semantics.lower import MAX_ELABORATED, Lowerer, LoweringError, lower_role
from qnetlang.semantics.sweeps import sweep_of
from qnetlang.semantics.typecheck import expect
from qnetlang.source import Span
from qnetlang.network.curves import Curve, read_loss_table, read_track
from qnetlang.runtime.events import MAX_SECONDS
from qnetlang.syntax import ast
from qnetlang.syntax.visitor import walk

_SETTINGS: dict[str, t.Type] = {"shots": t.INT, "seed": t.INT, "engine": t.STRING,
                                "duration": t.Quantity(units.TIME)}


def elaborate_runs(ctx: Context) -> None:
    names: dict[str, ast.Run] = {}
    for item in ctx.root.program.items:
        if not isinstance(item, ast.Run):
            continue
        name = item.label or item.protocol
        if name in names:
            ctx.error(Code.DUPLICATE_NAME, f"two runs are named `{name}`", item.span,
                      notes=[Note("the first one", names[name].span)],
                      help="give one of them a label: `run other_name: ...`")
            continue
        names[name] = item
        try:
            run = _Elaborator(ctx, item, name).run()
        except LoweringError:
            continue
        if run is not None:
            ctx.program.runs.append(run)


def bind_arguments(ctx: Context, params: list[ast.Param], args: list[ast.KeywordArg],
                   owner: str, at: ast.Node,
                   swept: Mapping[str, Any] | None = None) -> dict[Symbol, ir.Expr] | None:
    """The parameters' values: given by name, swept (their first values), or their
    defaults; None after an error."""
    by_name = {param.name: param for param in params}
    env: dict[Symbol, ir.Expr] = {}
    failed = False
    given: set[str] = set()
    for arg in args:
        param = by_name.get(arg.name)
        if param is None:
            ctx.error(Code.UNKNOWN_ARGUMENT, f"{owner} has no parameter `{arg.name}`", arg.span,
                      help=did_you_mean(arg.name, by_name) or
                      f"its parameters: {', '.join(by_name) or 'none'}")
            failed = True
            continue
        if arg.name in given:
            ctx.error(Code.DUPLICATE_NAME, f"`{arg.name}` is given twice", arg.span)
            failed = True
        given.add(arg.name)
    lowerer = Lowerer(ctx, env)
    for param in params:
        symbol = ctx.symbol(param)
        if symbol is None:
            return None
        arg = next((a for a in args if a.name == param.name), None)
        if arg is None and swept and param.name in swept:
            env[symbol] = ir.Const(swept[param.name])
            continue
        source = arg.value if arg is not None else param.default
        if source is None:
            ctx.error(Code.MISSING_ARGUMENT, f"{owner} needs a value for `{param.name}`",
                      at.span, notes=[Note("the parameter is declared here", param.span)],
                      help=f"add `{param.name} = ...` to its arguments")
            failed = True
            continue
        if arg is not None and symbol.type is not None:
            errors = len(ctx.diagnostics)
            expect(ctx, symbol.type, ctx.type_of(arg.value), arg.value, f"`{param.name}`")
            if len(ctx.diagnostics) > errors:  # a value of another type cannot be used
                failed = True
                continue
        try:
            env[symbol] = ir.Const(lowerer.constant(source, f"the value of `{param.name}`"))
        except LoweringError:
            failed = True
    return None if failed else env


class _Elaborator:
    def __init__(self, ctx: Context, run: ast.Run, name: str) -> None:
        self.ctx = ctx
        self.decl = run
        self.name = name
        self.members: dict[str, list[str] | None] = {}  # role -> members (None: single)
        self.member_sets: dict[str, set[str]] = {}  # the same, to look up
        self.unbuilt: set[str] = set()  # nodes whose declaration failed (reported)

    def run(self) -> ir.Run | None:
        ctx, run = self.ctx, self.decl
        protocol_symbol = ctx.symbol(run)
        network_symbol = ctx.networks.get(id(run))
        if protocol_symbol is None or network_symbol is None:
            return None
        protocol = protocol_symbol.decl
        network_decl = network_symbol.decl
        assert isinstance(protocol, ast.Protocol) and isinstance(network_decl, ast.Network)
        swept = sweep_of(ctx, run, protocol, network_decl)
        if swept is None:
            return None
        protocol_env = bind_arguments(ctx, protocol.params, run.args,
                                      f"protocol `{protocol.name}`", run, swept.protocol)
        network_env = bind_arguments(ctx, network_decl.params, run.network_args,
                                     f"network `{network_decl.name}`", run, swept.network)
        if protocol_env is None or network_env is None:
            return None
        builder = _NetworkBuilder(ctx, network_env)
        network = builder.build(network_decl)
        if network is None:
            return None
        self.unbuilt = builder.unbuilt
        settings = self.settings(protocol_env)
        settings.update(swept.settings)
        roles = [item for item in protocol.body if isinstance(item, ast.Role)]
        for role in roles:
            self.members[role.name] = self.family_members(role, protocol_env)
        binding = self.bind(roles, network_decl, network)
        if binding is None:
            return None
        arguments = {symbol.name: value.value for symbol, value in protocol_env.items()
                     if isinstance(value, ir.Const)}
        result = ir.Run(self.name, protocol.name, network, arguments, settings,
                        sweep=swept.axes, span=run.span)
        for role in roles:
            family = Family(self.ctx, role, protocol_env, self.peer) if role.family else None
            for member, index in self.expand(role):
                if family is not None and index is not None:
                    result.roles[member] = family.lower(member, index, binding[member])
                else:
                    result.roles[member], _ = lower_role(self.ctx, role, member,
                                                         binding[member], protocol_env, self.peer)
        return result

    def settings(self, protocol_env: dict[Symbol, ir.Expr]) -> dict[str, Any]:
        """The run's settings, which may read its protocol's parameters."""
        values: dict[str, Any] = {}
        lowerer = Lowerer(self.ctx, dict(protocol_env))
        for setting in self.decl.settings or []:
            expected = _SETTINGS.get(setting.name)
            if expected is None:
                self.ctx.error(Code.UNKNOWN_RUN_SETTING, f"unknown run setting `{setting.name}`",
                               setting.span, help=did_you_mean(setting.name, _SETTINGS) or
                               f"the settings are {', '.join(_SETTINGS)}")
                continue
            expect(self.ctx, expected, self.ctx.type_of(setting.value), setting.value,
                   f"`{setting.name}`")
            value = lowerer.constant(setting.value, f"`{setting.name}`")
            if setting.name == "shots" and not (isinstance(value, int) and value >= 1):
                self.ctx.error(Code.BAD_SETTING, "`shots` must be a whole number of at least 1",
                               setting.value.span)
            elif setting.name == "seed" and not (isinstance(value, int) and value >= 0):
                self.ctx.error(Code.BAD_SETTING, "`seed` must be a whole number of at least 0",
                               setting.value.span,
                               help="any seed from 0 up gives its own reproducible run")
            elif setting.name == "duration" and not (isinstance(value, (int, float)) and
                                                     0 < value <= MAX_SECONDS):
                self.ctx.error(Code.BAD_SETTING, f"`duration` is a time greater than 0 and at "
                               f"most {MAX_SECONDS:g} s", setting.value.span,
                               help="the run stops at this simulated time: roles that serve "
                                    "requests end with it")
            elif setting.name == "engine" and value not in ENGINE_NAMES:
                self.ctx.error(Code.BAD_SETTING, f"unknown engine `{value}`", setting.value.span,
                               help=f"the engines are {', '.join(ENGINE_NAMES)}")
            values[setting.name] = value
        return values

    def family_members(self, role: ast.Role, env: dict[Symbol, ir.Expr]) -> list[str] | None:
        if role.family is None:
            return None
        indices = Lowerer(self.ctx, dict(env)).indices(role.family.range, "family")
        return [f"{role.name}[{i}]" for i in indices]

    def expand(self, role: ast.Role) -> list[tuple[str, int | None]]:
        members = self.members[role.name]
        if members is None:
            return [(role.name, None)]
        return [(member, int(member[len(role.name) + 1:-1])) for member in members]

    def bind(self, roles: list[ast.Role], network_decl: ast.Network,
             network: ir.Network) -> dict[str, str] | None:
        ctx = self.ctx
        binding: dict[str, str] = {}
        by_name = {role.name: role for role in roles}
        failed = False
        attempted = {arg.name for arg in self.decl.bindings}
        for arg in self.decl.bindings:
            role = by_name.get(arg.name)
            if role is None:
                ctx.error(Code.NOT_A_ROLE, f"protocol `{self.decl.protocol}` has no role "
                          f"`{arg.name}`", arg.span,
                          help=did_you_mean(arg.name, by_name) or
                          f"its roles: {', '.join(by_name)}")
                failed = True
                continue
            nodes = self.nodes(arg.value, network)
            if nodes is None:
                failed = True
                continue
            members = self.members[role.name]
            if members is None:
                if len(nodes) != 1 or isinstance(nodes, tuple):
                    ctx.error(Code.FAMILY_LENGTH, f"role `{role.name}` is one role: bind it to "
                              "one node", arg.value.span)
                    failed = True
                    continue
                binding[role.name] = nodes[0]
            else:
                if len(nodes) != len(members):
                    ctx.error(Code.FAMILY_LENGTH,
                              f"role family `{role.name}` has {len(members)} members, bound to "
                              f"{len(nodes)} node{'s' * (len(nodes) != 1)}", arg.value.span,
                              notes=[Note(f"`{role.name}` runs over "
                                          f"{members[0]} .. {members[-1]}"
                                          if members else f"`{role.name}` has no members",
                                          role.family.span if role.family else None)])
                    failed = True
                    continue
                binding.update(zip(members, nodes, strict=True))
        for role in roles:
            if role.name not in attempted and self.members[role.name] != []:
                ctx.error(Code.ROLE_NOT_BOUND, f"role `{role.name}` is not bound to a node",
                          self.decl.span, notes=[Note("the role is declared here", role.span)],
                          help=f"add `{role.name} = <node>` after `with`")
                failed = True
        return None if failed else binding

    def nodes(self, expr: ast.Expr, network: ir.Network) -> list[str] | tuple[str, ...] | None:
        """The node names a binding's value stands for (a tuple for a whole family)."""
        ctx = self.ctx
        if isinstance(expr, ast.Paren):
            return self.nodes(expr.expr, network)
        if isinstance(expr, ast.ArrayExpr):
            found: list[str] = []
            for item in expr.items:
                part = self.nodes(item, network)
                if part is None:
                    return None
                if isinstance(part, tuple):
                    found += list(part)
                else:
                    found += part
            return found
        kind = kind_binding(expr)
        if kind is not None:
            return self.of_kind(kind, network)
        named = expr.target if isinstance(expr, ast.Index) else expr
        if isinstance(named, ast.Name) and named.id in self.unbuilt:
            return None  # its declaration's error is reported
        if isinstance(expr, ast.Name):
            symbol = ctx.symbol(expr)
            if symbol is not None and symbol.kind is Kind.NODE:
                if symbol.family:
                    prefix = f"{symbol.name}["
                    return tuple(name for name in network.nodes if name.startswith(prefix))
                return [symbol.name]
        if isinstance(expr, ast.Index) and isinstance(expr.target, ast.Name):
            symbol = ctx.symbol(expr.target)
            if symbol is not None and symbol.kind is Kind.NODE and symbol.family:
                index = Lowerer(ctx).integer(expr.index, "a node index")
                name = f"{symbol.name}[{index}]"
                if name not in network.nodes:
                    ctx.error(Code.INDEX_OUT_OF_RANGE, f"network `{network.name}` has no node "
                              f"`{name}`", expr.span)
                    return None
                return [name]
        ctx.error(Code.NOT_A_NODE, "a role is bound to a node, a list of nodes, or a node "
                  "family", expr.span, help="e.g. `alice = lab_a` or `hop = [a, r[0], b]`")
        return None

    def of_kind(self, kind: ast.StringLit, network: ir.Network) -> tuple[str, ...] | None:
        """`nodes("Kind")`: the nodes a topology file gives that kind, in its order (a
        whole family, like a node family's name)."""
        found = tuple(name for name, node in network.nodes.items() if node.kind == kind.value)
        if found:
            return found
        kinds = sorted({node.kind for node in network.nodes.values() if node.kind})
        self.ctx.error(Code.NO_NODE_OF_KIND, f"network `{network.name}` has no node of kind "
                       f"\"{kind.value}\"", kind.span,
                       help=did_you_mean(kind.value, kinds) or
                       (f"its kinds: {', '.join(kinds)}" if kinds else
                        "its nodes have no kind: kinds come from a topology file's `type`"))
        return None

    def is_member(self, role: str, name: str) -> bool:
        if role not in self.member_sets:
            self.member_sets[role] = set(self.members.get(role) or ())
        return name in self.member_sets[role]

    def peer(self, symbol: Symbol, index: int | None, at: ast.Node) -> str:
        members = self.members.get(symbol.name, None)
        if index is None:
            return symbol.name
        name = f"{symbol.name}[{index}]"
        if members is None or not self.is_member(symbol.name, name):
            span_text = f"{members[0]} .. {members[-1]}" if members else "no members"
            self.ctx.error(Code.INDEX_OUT_OF_RANGE, f"`{name}` is not a member of the role "
                           f"family in run `{self.name}` ({span_text})", at.span)
            raise LoweringError(name)
        return name


class _NetworkTooLarge(Exception):
    """A network past MAX_ELABORATED: reported, and nothing more is built."""


class _NetworkBuilder:
    """Expands a network declaration into nodes and directed channels in SI units.

    The type checker has refused settings that name no parameter; here each
    value is computed, checked against its parameter's rule, and stored in the
    IR field of the same name, every other field keeping its parameter's default.
    """

    def __init__(self, ctx: Context, env: dict[Symbol, ir.Expr]) -> None:
        self.ctx = ctx
        self.env = env
        self.channels: dict[str, ir.Channel] = {}  # so far, by id: from, to and kind
        self.built = 0  # nodes, links and loop turns so far
        self.unbuilt: set[str] = set()  # nodes whose declaration failed (reported)
        self.folding: tuple[dict[Symbol, ir.Expr], Lowerer] | None = None
        # by id: the value of a setting that names no counter nor index, the same in
        # every turn of a loop and for every member of a family, so worked out once;
        # and the settings that do name one
        self.steady: dict[int, Any] = {}
        self.varying: set[int] = set()
        self.curves: dict[tuple[str, str], Curve | None] = {}  # (setting, file) -> read
        self.folder = Path.cwd()  # where the network's files are: its .qnet file's folder

    def lowerer(self, env: dict[Symbol, ir.Expr]) -> Lowerer:
        """A lowerer to fold constants in `env`, the last one made again when the
        environment is the same (a loop's turn builds its nodes and links in one)."""
        if self.folding is None or self.folding[0] is not env:
            self.folding = (env, Lowerer(self.ctx, env))
        return self.folding[1]

    def count(self, item: ast.Node) -> None:
        """Stops a network whose loops (nested, each within bounds) build more than
        MAX_ELABORATED things."""
        self.built += 1
        if self.built > MAX_ELABORATED:
            self.ctx.error(Code.CONSTANT_ERROR, f"this network has more than "
                           f"{MAX_ELABORATED:,} nodes, links and loop turns, the most qnetc "
                           "builds", item.span,
                           help="each one is built and checked in turn: give its loops "
                                "smaller bounds")
            raise _NetworkTooLarge

    def value(self, expr: ast.Expr, env: dict[Symbol, ir.Expr], what: str) -> Any:
        if id(expr) in self.steady:
            return self.steady[id(expr)]
        value = self.lowerer(env).constant(expr, what)
        if id(expr) not in self.varying:
            if any(isinstance(node, ast.Name) and getattr(self.ctx.symbol(node), "kind", None)
                   in (Kind.LOOP_VARIABLE, Kind.FAMILY_INDEX) for node in walk(expr)):
                self.varying.add(id(expr))
            else:
                self.steady[id(expr)] = value
        return value

    def build(self, decl: ast.Network) -> ir.Network | None:
        network = ir.Network(decl.name, span=decl.span)
        module = next((m for m in self.ctx.modules
                       if decl.span is not None and m.source.name == decl.span.file), None)
        if module is not None and module.path is not None:
            self.folder = module.path.parent
        try:
            self.items(decl.body, dict(self.env), network)
        except _NetworkTooLarge:
            return None
        return network

    def items(self, items: list[ast.Item], env: dict[Symbol, ir.Expr],
              network: ir.Network) -> None:
        for item in items:
            try:
                if isinstance(item, ast.NodeDecl):
                    self.unbuilt.add(item.name)
                    self.node(item, env, network)
                    self.unbuilt.discard(item.name)
                elif isinstance(item, ast.Link):
                    self.link(item, env, network)
                elif isinstance(item, ast.TopologyImport):
                    self.topology(item, env, network)
                elif isinstance(item, ast.NetworkFor):
                    symbol = self.ctx.symbol(item)
                    for value in self.lowerer(env).indices(item.range, "loop"):
                        self.count(item)
                        inner = dict(env)
                        if symbol is not None:
                            inner[symbol] = ir.Const(value)
                        self.items(item.body, inner, network)
            except LoweringError:
                continue

    def topology(self, item: ast.TopologyImport, env: dict[Symbol, ir.Expr],
                 network: ir.Network) -> None:
        """The nodes of a topology file, each set up as its own `node NAME { ... }` says,
        else its kind's (none: no qubit limit, ideal memory and gates), and a fiber each
        way for each of its links, classical and quantum where it has them, with the
        settings of the block's `classical` and `quantum` channels."""
        imported = self.ctx.topologies.get(id(item))
        if imported is None:
            return  # reported when it was read
        topology, _ = imported
        blocks = self.node_blocks(item, {site.kind for site in topology.sites if site.kind},
                                  {site.name for site in topology.sites})
        channels = self.channel_blocks(item, env)
        for site in topology.sites:  # their names are new: the names pass saw to it
            self.count(item)
            position = (site.latitude, site.longitude) \
                if site.latitude is not None and site.longitude is not None else None
            network.nodes[site.name] = self.built_node(
                site.name, blocks.get(site.name) or blocks.get(site.kind or ""), env, item.span,
                kind=site.kind, position=position)
        for span in topology.spans:
            self.count(item)
            for kind, fiber in (("classical", span.classical), ("quantum", span.quantum)):
                if fiber is None:
                    continue
                model, given = channels.get(kind, ("fiber", {}))
                if fiber.attenuation is not None and "attenuation" in given:
                    self.ctx.error(Code.DUPLICATE_NAME, f"`attenuation` is set twice: the "
                                   f"file gives the link {span.a} - {span.b} its own",
                                   item.path.span, help="leave it to the file, or remove it "
                                                        "from the file")
                    return
                fields = {**parameters.defaults(Place.CHANNEL, model), **given,
                          "length": fiber.length}
                if fiber.attenuation is not None:
                    fields["attenuation"] = fiber.attenuation * 1e-3
                ways = ((span.a, span.b), (span.b, span.a)) if span.both_ways else \
                    ((span.a, span.b),)
                for source, target in ways:
                    self.add_channel(network, source, target, kind, model, fields, item.span)

    def node_blocks(self, item: ast.TopologyImport, kinds: set[str],
                    names: set[str]) -> dict[str, ast.NodeDecl]:
        """The import's `node NAME { ... }` blocks, each for a kind the file has, or for
        one of its nodes (which then takes its own, not its kind's), once."""
        blocks: dict[str, ast.NodeDecl] = {}
        for decl in item.body:
            if not isinstance(decl, ast.NodeDecl):
                continue
            if decl.family is not None:
                self.ctx.error(Code.BAD_TOPOLOGY, "a kind's nodes are set up once, not as a "
                               "family", decl.family.span, help=f"write `node {decl.name} "
                                                                "{ ... }`")
            elif decl.name in kinds and decl.name in names:
                self.ctx.error(Code.BAD_TOPOLOGY, f"`{decl.name}` is both a node and a kind "
                               "of the file: which one this sets up is not clear", decl.span,
                               help="rename the node or the kind in the file")
            elif decl.name not in kinds and decl.name not in names:
                self.ctx.error(Code.NO_NODE_OF_KIND, f"the file has no node or kind "
                               f"\"{decl.name}\"", decl.span,
                               help=did_you_mean(decl.name, kinds | names) or
                               (f"its kinds: {', '.join(sorted(kinds))}" if kinds else
                                "its nodes have no kind"))
            elif decl.name in blocks:
                self.ctx.error(Code.DUPLICATE_NAME, f"`{decl.name}` is set up twice", decl.span,
                               notes=[Note("first here", blocks[decl.name].span)])
            else:
                blocks[decl.name] = decl
        return blocks

    def channel_blocks(self, item: ast.TopologyImport, env: dict[Symbol, ir.Expr]
                       ) -> dict[str, tuple[str, dict[str, Any]]]:
        """The import's `classical` and `quantum` channels: the model and settings of
        every channel of that kind; the length is each link's, from the file."""
        blocks: dict[str, tuple[str, dict[str, Any]]] = {}
        for channel in item.body:
            if not isinstance(channel, ast.Channel):
                continue
            if channel.kind in blocks:
                self.ctx.error(Code.DUPLICATE_NAME, f"the {channel.kind} channels are set up "
                               "twice", channel.span)
                continue
            length = next((arg for arg in channel.args
                           if arg.name in ("length", *parameters.MOVING)), None)
            if length is not None:
                what = "its length" if length.name != "loss_table" else \
                    "its length, and so its loss"
                self.ctx.error(Code.DUPLICATE_NAME, f"`{length.name}` is set beside the file, "
                               f"which gives each link {what}", length.span,
                               help="leave the length to the file")
                continue
            blocks[channel.kind] = (channel.model, self.given(Place.CHANNEL, channel.args, env))
        return blocks

    def given(self, place: Place, settings: Iterable[ast.Setting | ast.KeywordArg],
              env: dict[Symbol, ir.Expr]) -> dict[str, Any]:
        """The settings' values in SI units (a file's, its name, the file read), leaving
        out (and reporting) impossible ones."""
        values: dict[str, Any] = {}
        for setting in settings:
            parameter = parameters.TABLES[place][setting.name]
            if parameter.dimension is None:
                values[setting.name] = str(self.value(setting.value, env, f"`{setting.name}`"))
                self.curve(setting.name, values[setting.name], setting.value)
                continue
            value = float(self.value(setting.value, env, f"`{setting.name}`"))
            problem = parameter.problem(value)
            if problem is None:
                values[setting.name] = value
            else:
                self.ctx.error(Code.IMPOSSIBLE_VALUE, f"impossible value for `{setting.name}`: "
                               f"{parameter.shown(value)}", setting.value.span,
                               label="physically impossible", help=problem)
        return values

    def curve(self, setting: str, name: str, at: ast.Node) -> Curve | None:
        """The track or loss table a channel names, read once per network, relative to
        the file that declares it; None (reported) where it cannot be read."""
        key = (setting, name)
        if key not in self.curves and "\0" in name:  # no file system takes it
            self.unreadable(setting, name.replace("\0", "\\0"), "a file's name has no "
                            "null character", at)
            self.curves[key] = None
        if key not in self.curves:
            path = (self.folder / name).resolve()
            read = self.ctx.curves.get((setting, path))  # read already, for another run
            if read is None:
                try:
                    read = (read_track if setting == "track" else read_loss_table)(path)
                except OSError as error:
                    read = error.strerror or str(error)
                except ValueError as error:
                    read = str(error)
                self.ctx.curves[(setting, path)] = read
            if isinstance(read, str):
                self.unreadable(setting, name, read, at)
            self.curves[key] = read if isinstance(read, Curve) else None
        return self.curves[key]

    def unreadable(self, setting: str, name: str, why: str, at: ast.Node) -> None:
        what = "track" if setting == "track" else "loss table"
        self.ctx.error(Code.BAD_CURVE, f"cannot read the {what} \"{name}\": {why}", at.span,
                       help="a CSV file, relative to this .qnet file, with a header that gives "
                            "each column's unit: " + ("`time (s),distance (km)`"
                                                      if setting == "track" else
                                                      "`distance (km),loss (dB)`"))

    def node(self, decl: ast.NodeDecl, env: dict[Symbol, ir.Expr], network: ir.Network) -> None:
        if decl.family is None:
            members: list[tuple[str, dict[Symbol, ir.Expr]]] = [(decl.name, env)]
        else:
            symbol = self.ctx.symbol(decl.family)
            members = []
            for i in self.lowerer(env).indices(decl.family.range, "family"):
                inner = dict(env)
                if symbol is not None:
                    inner[symbol] = ir.Const(i)
                members.append((f"{decl.name}[{i}]", inner))
        for name, inner in members:
            self.count(decl)
            if name in network.nodes:
                self.ctx.error(Code.DUPLICATE_NAME, f"node `{name}` is declared twice", decl.span)
                continue
            network.nodes[name] = self.built_node(name, decl, inner, decl.span)

    def built_node(self, name: str, decl: ast.NodeDecl | None, env: dict[Symbol, ir.Expr],
                   span: Span | None, **extra: Any) -> ir.Node:
        """A node with the qubits and settings of `decl` (none: no qubit limit, ideal)."""
        body = decl.body if decl is not None else []
        node_settings = [part for part in body if isinstance(part, ast.Setting)]
        memory_settings = [setting for part in body if isinstance(part, ast.Memory)
                           for setting in part.settings]
        memory = ir.Memory(**{**parameters.defaults(Place.MEMORY),
                              **self.given(Place.MEMORY, memory_settings, env)})
        self.check_coherence(memory, memory_settings)
        node = ir.Node(name, None, memory, span=span, **extra,
                       **{**parameters.defaults(Place.NODE),
                          **self.given(Place.NODE, node_settings, env)})
        for part in body:
            if isinstance(part, ast.Qubits):
                node.qubits = self.lowerer(env).integer(part.count, "`qubits`")
            elif isinstance(part, ast.Device):  # the checker allows one of each per node
                self.device(node, part, env)
        return node

    def device(self, node: ir.Node, device: ast.Device, env: dict[Symbol, ir.Expr]) -> None:
        place = parameters.DEVICE_KINDS.get(device.kind or "")
        if place is Place.DETECTOR and node.detector is None:
            node.detector = self.detector(device, env)
        elif place is Place.ANALYSER and node.analyser is None:
            node.analyser = ir.Analyser(device.name, **{**parameters.defaults(place),
                                                         **self.given(place, device.settings, env)},
                                        span=device.span)
        elif place in parameters.SOURCES and node.source is None:
            given = self.given(place, device.settings, env)
            node.source = ir.Source(device.name, device.kind or "",
                                    **{**parameters.defaults(place), **given}, span=device.span)
            signal = 1 - node.source.decoy_probability - node.source.vacuum_probability
            if signal < -1e-12:
                at = next((s for s in device.settings if s.name == "vacuum_probability"), device)
                self.ctx.error(Code.IMPOSSIBLE_VALUE, "the decoy and vacuum probabilities add "
                               f"up to {1 - signal:g}, more than 1", at.span,
                               label="physically impossible",
                               help="the signal pulses take what they leave: keep their sum "
                                    "at most 1")

    def detector(self, device: ast.Device, env: dict[Symbol, ir.Expr]) -> ir.Detector:
        """A threshold detector with its settings (the checker saw that they go together)."""
        return ir.Detector(device.name, **{**parameters.defaults(Place.DETECTOR),
                                           **self.given(Place.DETECTOR, device.settings, env)},
                           span=device.span)

    def check_coherence(self, memory: ir.Memory, settings: list[ast.Setting]) -> None:
        """T2 <= 2 T1 (only when both are set)."""
        if not parameters.t2_exceeds_bound(memory.t1, memory.t2):
            return
        t1 = next(setting for setting in settings if setting.name == "t1")
        t2 = next(setting for setting in settings if setting.name == "t2")
        self.ctx.error(Code.T2_ABOVE_TWICE_T1, f"`t2` cannot exceed twice `t1`: {memory.t2:g} s "
                       f"> 2 * {memory.t1:g} s", t2.value.span, label="physically impossible",
                       notes=[Note("`t1` is set here", t1.span)],
                       help="T2 is at most 2 * T1 for any qubit, because relaxation destroys "
                            "coherence too: lower `t2` or raise `t1`")

    def endpoint(self, ref: ast.Ref, env: dict[Symbol, ir.Expr], network: ir.Network) -> str:
        name = ref.name
        if ref.index is not None:
            name = f"{ref.name}[{self.lowerer(env).integer(ref.index, 'a node index')}]"
        if name not in network.nodes:
            raise self.lowerer(env).fail(
                Code.INDEX_OUT_OF_RANGE, f"network `{network.name}` has no node `{name}`", ref)
        return name

    def link(self, decl: ast.Link, env: dict[Symbol, ir.Expr], network: ir.Network) -> None:
        self.count(decl)
        a, b = self.endpoint(decl.a, env, network), self.endpoint(decl.b, env, network)
        shared = self.given(Place.CHANNEL, [s for s in decl.body if isinstance(s, ast.Setting)],
                            env)
        for channel in decl.body:
            if not isinstance(channel, ast.Channel):
                continue
            fields = {**parameters.defaults(Place.CHANNEL, channel.model), **shared,
                      **self.given(Place.CHANNEL, channel.args, env)}
            directions = [(a, b)] if decl.direction == "->" else [(a, b), (b, a)]
            for source, target in directions:
                self.add_channel(network, source, target, channel.kind, channel.model, fields,
                                 channel.span)

    def add_channel(self, network: ir.Network, source: str, target: str, kind: str,
                    model: str, fields: dict[str, Any], span: Span | None) -> None:
        """A channel, unless one of its kind already goes from `source` to `target`:
        a message takes one channel, so a second would never act (an error)."""
        identifier = f"{source}->{target}:{kind}"
        first = self.channels.get(identifier)
        if first is not None:
            self.ctx.error(Code.PARALLEL_CHANNEL, f"a second {kind} channel from `{source}` to "
                           f"`{target}`: a message takes one, so this one would never act",
                           span, notes=[Note(f"the first {kind} channel from `{source}` to "
                                             f"`{target}`", first.span)],
                           help="keep one link between two nodes, with the settings that "
                                "should act")
            return
        channel = ir.Channel(identifier, kind, model, source, target, **fields, span=span)
        channel.track_curve = self.curves.get(("track", channel.track or ""))
        channel.loss_curve = self.curves.get(("loss_table", channel.loss_table or ""))
        unknown = channel.track is not None and channel.track_curve is None  # not read
        if channel.loss_curve is not None and not unknown:
            track = channel.track_curve
            low, high = (min(track.y), max(track.y)) if track is not None else \
                (channel.length, channel.length)
            if not (channel.loss_curve.covers(low) and channel.loss_curve.covers(high)):
                table = channel.loss_curve
                self.ctx.error(Code.BAD_CURVE, f"the loss table \"{channel.loss_table}\" covers "
                               f"{table.x[0] / 1e3:g} to {table.x[-1] / 1e3:g} km, not the "
                               f"channel's {low / 1e3:g} to {high / 1e3:g} km", span,
                               help="give a loss table that covers every length of the channel")
                return
        self.channels[identifier] = channel
        network.channels.append(channel)
