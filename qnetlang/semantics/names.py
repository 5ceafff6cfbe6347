"""Pass 2: every name resolves to one declaration.

Builds the scopes (built-ins, imports, module, network, protocol, role or
function body, blocks), records in `ctx.symbols` which declaration each use
and each declaration stands for, and reports unknown names (with a hint),
duplicates, a local that redeclares a name of an enclosing block of the same
body, and names of the wrong kind (a role where a value is expected...).
"""

from __future__ import annotations

from pathlib import Path

from qnetlang.codes import Code
from qnetlang.diagnostics import Note, did_you_mean
from qnetlang import builtins
from qnetlang import types as t
from qnetlang.semantics.context import (Context, Kind, Module, Scope, Symbol, kind_binding,
                                        role_argument)
from qnetlang.syntax import ast
from qnetlang.network.files import TopologyError, load_topology
from qnetlang.syntax.parser import RESERVED, SOFT_KEYWORDS, keywords, parse_argument

_VALUE_KINDS = frozenset({Kind.CONST, Kind.PARAM, Kind.VARIABLE, Kind.LOOP_VARIABLE,
                          Kind.FAMILY_INDEX, Kind.BUILTIN_CONST})
_DECLARATIONS = {ast.Const: Kind.CONST, ast.Network: Kind.NETWORK,
                 ast.Protocol: Kind.PROTOCOL, ast.Def: Kind.FUNCTION, ast.Struct: Kind.STRUCT}


def _builtin_scope() -> Scope:
    scope = Scope()
    for name in builtins.CONSTANTS:
        scope.names[name] = Symbol(Kind.BUILTIN_CONST, name, type=builtins.CONSTANTS[name][0])
    for name in builtins.FUNCTIONS:
        scope.names[name] = Symbol(Kind.BUILTIN_FUNCTION, name)
    return scope


def resolve_names(ctx: Context) -> None:
    root = _builtin_scope()
    own: dict[int, Scope] = {}
    for module in ctx.modules:
        own[id(module)] = _declare_items(ctx, module)
    for module in ctx.modules:
        imported = Scope(parent=root)
        for dependency in module.imports:
            for name, symbol in own[id(dependency)].names.items():
                first = imported.names.get(name)
                if first is not None and first is not symbol:
                    ctx.error(Code.AMBIGUOUS_NAME,
                              f"`{name}` is declared by both `{first.module.name}` and "
                              f"`{dependency.name}`", _import_span(module, dependency),
                              help="rename one of them")
                    continue
                imported.names[name] = symbol
        own[id(module)].parent = imported
        module.scope = own[id(module)]
    walker = _Walker(ctx)
    for module in ctx.modules:
        walker.module = module
        for item in module.program.items:
            if not isinstance(item, ast.Run):
                walker.item(item, module.scope)
    given = _given_arguments(ctx)
    used: set[str] = set()
    for module in ctx.modules:
        for item in module.program.items:
            if isinstance(item, ast.Run):
                walker.run(item, module.scope, given if module is ctx.root else {}, used)
    _unused_arguments(ctx, given, used)


def _given_arguments(ctx: Context) -> dict[str, ast.Expr]:
    """The `--set` values, parsed (a value that does not parse is reported)."""
    given: dict[str, ast.Expr] = {}
    for name, text in ctx.options.arguments.items():
        source, value, problems = parse_argument(name, text)
        ctx.given.append(source)
        ctx.diagnostics += problems
        if value is not None:
            given[name] = value
    return given


def _unused_arguments(ctx: Context, given: dict[str, ast.Expr], used: set[str]) -> None:
    """A `--set` name that no run of the file has as a parameter (or as its `duration`)
    is an error."""
    sources = {source.name: source for source in ctx.given}
    parameters: set[str] = {"duration"}
    for item in ctx.root.program.items:
        for symbol in (ctx.symbols.get(id(item)), ctx.networks.get(id(item))):
            if isinstance(item, ast.Run) and symbol is not None and \
                    isinstance(symbol.decl, (ast.Protocol, ast.Network)):
                parameters |= {param.name for param in symbol.decl.params}
    for name, value in given.items():
        if name not in used:
            at = sources[f"given {name}"].span(len("const "), len("const ") + len(name))
            ctx.error(Code.UNKNOWN_ARGUMENT, f"`{name}` is given a value, but no run of the "
                      f"file has a parameter `{name}`", at,
                      help=did_you_mean(name, parameters) or
                      f"the parameters: {', '.join(sorted(parameters)) or 'none'}")


def _import_span(module: Module, dependency: Module) -> object:
    for item in module.program.items:
        if isinstance(item, ast.Import) and item.path == dependency.name:
            return item.span
    return None


def _declare_items(ctx: Context, module: Module) -> Scope:
    scope = Scope()
    for item in module.program.items:
        kind = _DECLARATIONS.get(type(item))
        if kind is not None:
            symbol = Symbol(kind, item.name, item, module=module)  # type: ignore[attr-defined]
            _declare(ctx, scope, symbol)
    return scope


_LOCAL_KINDS = frozenset({Kind.VARIABLE, Kind.LOOP_VARIABLE, Kind.FAMILY_INDEX})


def _declare(ctx: Context, scope: Scope, symbol: Symbol, *, body_rule: bool = False) -> None:
    """Adds a symbol: a name twice in one scope is an error, and (with `body_rule`)
    so is a local that redeclares a local of an enclosing block of the same body."""
    assert symbol.decl is not None
    ctx.symbols[id(symbol.decl)] = symbol
    first = scope.names.get(symbol.name)
    if first is not None:
        ctx.error(Code.DUPLICATE_NAME, f"`{symbol.name}` is declared twice", symbol.span,
                  label=f"a second {symbol.kind} `{symbol.name}`",
                  notes=[Note(f"the first {first.kind} `{first.name}` is here", first.span)],
                  help="rename one of them")
        return
    if body_rule:
        outer = scope.lookup_in_body(symbol.name)
        if outer is not None and outer.kind in _LOCAL_KINDS:
            ctx.error(Code.SHADOWED_NAME,
                      f"`{symbol.name}` is already declared in an enclosing block",
                      symbol.span, notes=[Note("declared here", outer.span)],
                      help="use another name, or assign to the existing variable")
            return
    scope.names[symbol.name] = symbol


class _Walker:
    """Resolves every use of a name, scope by scope."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.module: Module | None = None  # whose items are resolved
        self.unread: set[int] = set()  # ids of networks with a topology file not read
        self.imported: dict[int, set[Path]] = {}  # id of a network -> the files it imports
        self.network_decl: ast.Network | None = None  # the network being resolved

    # ---------------------------------------------------------------- lookups

    def lookup(self, name: str, node: ast.Node, scope: Scope, *,
               kinds: frozenset[Kind] = _VALUE_KINDS, what: str = "a value") -> Symbol | None:
        symbol = scope.lookup(name)
        if symbol is None:
            hint = did_you_mean(name, scope.visible())
            self.ctx.error(Code.UNKNOWN_NAME, f"cannot find `{name}` here", node.span,
                           label="not declared", help=hint)
            return None
        self.ctx.symbols[id(node)] = symbol
        if symbol.kind not in kinds:
            self.ctx.error(Code.WRONG_KIND, f"`{name}` is a {symbol.kind}, not {what}",
                           node.span, notes=[Note(f"the {symbol.kind} is declared here",
                                                  symbol.span)] if symbol.span else [])
        return symbol

    def ref(self, ref: ast.Ref, scope: Scope, *, kinds: frozenset[Kind] = _VALUE_KINDS,
            what: str = "a value") -> None:
        self.lookup(ref.name, ref, scope, kinds=kinds, what=what)
        if ref.index is not None:
            self.expr(ref.index, scope)

    # ---------------------------------------------------------------- top level

    def item(self, item: ast.Item, scope: Scope) -> None:
        if isinstance(item, ast.Const):
            self.const(item, scope)
        elif isinstance(item, ast.Network):
            self.network(item, scope)
        elif isinstance(item, ast.Protocol):
            self.protocol(item, scope)
        elif isinstance(item, ast.Def):
            self.function(item, scope)
        elif isinstance(item, ast.Struct):
            self.struct(item, scope)

    def struct(self, struct: ast.Struct, scope: Scope) -> None:
        if struct.name in t.NAMED_TYPES:
            self.ctx.error(Code.DUPLICATE_NAME, f"`{struct.name}` is a built-in type", struct.span,
                           help="give the struct a name of its own")
        names: dict[str, ast.StructField] = {}
        for field in struct.fields:
            self.type(field.type, scope)
            if field.name in names:
                self.ctx.error(Code.DUPLICATE_NAME, f"struct `{struct.name}` has two fields "
                               f"named `{field.name}`", field.span,
                               notes=[Note("the first", names[field.name].span)],
                               help="give each field a name of its own")
            names.setdefault(field.name, field)

    def const(self, const: ast.Const, scope: Scope) -> None:
        """Resolves a constant's type and value; it was declared with its scope's names."""
        if const.type is not None:
            self.type(const.type, scope)
        self.expr(const.value, scope)

    def params(self, params: list[ast.Param], scope: Scope, kind: Kind) -> None:
        for param in params:
            self.type(param.type, scope)
            if param.default is not None:
                self.expr(param.default, scope)
            _declare(self.ctx, scope, Symbol(kind, param.name, param))

    def type(self, type_: ast.TypeExpr, scope: Scope) -> None:
        if isinstance(type_, ast.NamedType) and type_.name not in t.NAMED_TYPES:
            symbol = scope.lookup(type_.name)  # a struct; the type check reports others
            if symbol is not None and symbol.kind is Kind.STRUCT:
                self.ctx.symbols[id(type_)] = symbol
        elif isinstance(type_, ast.ScalarType) and type_.size is not None:
            self.expr(type_.size, scope)
        elif isinstance(type_, ast.TupleType):
            for item in type_.items:
                self.type(item, scope)

    def network(self, network: ast.Network, outer: Scope) -> None:
        self.network_decl = network
        scope = Scope(parent=outer, barrier=True)
        self.params(network.params, scope, Kind.PARAM)
        self._declare_nodes(network.body, scope)
        self._network_items(network.body, scope)

    def _declare_nodes(self, items: list[ast.Item], scope: Scope, looped: bool = False) -> None:
        for item in items:
            if isinstance(item, ast.NodeDecl):
                _declare(self.ctx, scope, Symbol(Kind.NODE, item.name, item,
                                                 family=item.family is not None))
            elif isinstance(item, ast.Const):
                _declare(self.ctx, scope, Symbol(Kind.CONST, item.name, item))
            elif isinstance(item, ast.NetworkFor):
                self._declare_nodes(item.body, scope, looped=True)
            elif isinstance(item, ast.TopologyImport) and looped:
                self._unread(item, "a file is imported once, not in a loop",
                             "move the import out of the `for`")
            elif isinstance(item, ast.TopologyImport):
                for symbol in self._imported_nodes(item):
                    _declare(self.ctx, scope, symbol)

    def _imported_nodes(self, item: ast.TopologyImport) -> list[Symbol]:
        """The nodes a topology file lists, as symbols declared by the import (the file
        is read once, here, relative to the file that imports it)."""
        folder = self.module.path.parent if self.module and self.module.path else Path.cwd()
        path = (folder / item.path.value).resolve()
        imported = self.imported.setdefault(id(self.network_decl), set())
        if path in imported:
            self.ctx.error(Code.BAD_TOPOLOGY, "this network imports this topology already",
                           item.path.span, help="import each file once")
            return []
        imported.add(path)
        try:
            topology = load_topology(folder / item.path.value)
        except TopologyError as error:
            return self._unread(item, str(error), "docs/language.md, \"Networks from files\", "
                                                  "gives the formats")
        reserved = (keywords() - SOFT_KEYWORDS) | RESERVED
        symbols = []
        for site in topology.sites:
            if site.name in reserved:
                return self._unread(item, f"node `{site.name}` has the name of a keyword",
                                    "rename the node in the file")
            symbols.append(Symbol(Kind.NODE, site.name, ast.Name(site.name, span=item.span)))
        self.ctx.topologies[id(item)] = (topology, symbols)
        return symbols

    def _unread(self, item: ast.TopologyImport, why: str, help: str) -> list[Symbol]:
        """Reports a topology not read; its network's links and bindings are not
        resolved, since they would name nodes it would have declared."""
        if self.network_decl is not None:
            self.unread.add(id(self.network_decl))
        self.ctx.error(Code.BAD_TOPOLOGY, f"cannot import this topology: {why}",
                       item.path.span, help=help)
        return []

    def _network_items(self, items: list[ast.Item], scope: Scope) -> None:
        for item in items:
            if isinstance(item, ast.Const):
                self.const(item, scope)
            elif isinstance(item, ast.NodeDecl):
                inner = self.family(item.family, scope)
                for part in item.body:
                    if isinstance(part, ast.Qubits):
                        self.expr(part.count, inner)
                    elif isinstance(part, (ast.Memory, ast.Device)):
                        for setting in part.settings:
                            self.expr(setting.value, inner)
                    elif isinstance(part, ast.Setting):
                        self.expr(part.value, inner)
            elif isinstance(item, ast.TopologyImport):
                self._network_items(item.body, scope)  # a kind's nodes, the links' channels
            elif isinstance(item, ast.Channel):
                for arg in item.args:
                    self.expr(arg.value, scope)
            elif isinstance(item, ast.Link):
                for end in (item.a, item.b):
                    if id(self.network_decl) not in self.unread:  # else they may be its nodes
                        self.ref(end, scope, kinds=frozenset({Kind.NODE}), what="a node")
                for part in item.body:
                    if isinstance(part, ast.Setting):
                        self.expr(part.value, scope)
                    elif isinstance(part, ast.Channel):
                        for arg in part.args:
                            self.expr(arg.value, scope)
            elif isinstance(item, ast.NetworkFor):
                self.range(item.range, scope)
                inner = Scope(parent=scope)
                _declare(self.ctx, inner, Symbol(Kind.LOOP_VARIABLE, item.var, item))
                self._network_items(item.body, inner)

    def family(self, family: ast.Family | None, scope: Scope) -> Scope:
        if family is None:
            return scope
        self.range(family.range, scope)
        inner = Scope(parent=scope)
        _declare(self.ctx, inner, Symbol(Kind.FAMILY_INDEX, family.var, family))
        return inner

    def range(self, range_: ast.Range, scope: Scope) -> None:
        self.expr(range_.start, scope)
        self.expr(range_.stop, scope)

    def protocol(self, protocol: ast.Protocol, outer: Scope) -> None:
        scope = Scope(parent=outer, barrier=True)
        self.params(protocol.params, scope, Kind.PARAM)
        for item in protocol.body:
            if isinstance(item, ast.Role):
                _declare(self.ctx, scope, Symbol(Kind.ROLE, item.name, item,
                                                 family=item.family is not None))
            elif isinstance(item, ast.Def):
                _declare(self.ctx, scope, Symbol(Kind.FUNCTION, item.name, item))
            elif isinstance(item, ast.Const):
                _declare(self.ctx, scope, Symbol(Kind.CONST, item.name, item))
            elif isinstance(item, ast.Struct):
                _declare(self.ctx, scope, Symbol(Kind.STRUCT, item.name, item))
        for item in protocol.body:
            if isinstance(item, ast.Const):
                self.const(item, scope)
            elif isinstance(item, ast.Struct):
                self.struct(item, scope)
            elif isinstance(item, ast.Def):
                self.function(item, scope)
            elif isinstance(item, ast.Role):
                body = Scope(parent=scope, barrier=True)
                if item.family is not None:
                    self.range(item.family.range, scope)
                    _declare(self.ctx, body, Symbol(Kind.FAMILY_INDEX, item.family.var,
                                                    item.family))
                self.block(item.body, body)

    def function(self, function: ast.Def, outer: Scope) -> None:
        scope = Scope(parent=outer, barrier=True)
        self.params(function.params, scope, Kind.VARIABLE)
        if function.returns is not None:
            self.type(function.returns, scope)
        self.block(function.body, scope)

    def run(self, run: ast.Run, scope: Scope, given: dict[str, ast.Expr],
            used: set[str]) -> None:
        self.lookup(run.protocol, run, scope, kinds=frozenset({Kind.PROTOCOL}),
                    what="a protocol")
        network = scope.lookup(run.network)
        if network is None:
            self.ctx.error(Code.UNKNOWN_NAME, f"cannot find network `{run.network}`", run.span,
                           help=did_you_mean(run.network, scope.visible()))
        elif network.kind is not Kind.NETWORK:
            self.ctx.error(Code.WRONG_KIND, f"`{run.network}` is a {network.kind}, not a network",
                           run.span)
        else:
            self.ctx.networks[id(run)] = network
        if given:
            self.give(run, given, used)
        for arg in run.args + run.network_args:
            self.expr(arg.value, scope)
        for setting in run.settings:  # `duration = horizon;` reads a protocol parameter
            self.expr(setting.value, self._parameter_scope(run, scope))
        for sweep in run.sweeps:
            for axis in sweep.axes:
                for part in axis.expressions():
                    self.expr(part, scope)
        network_decl = self.ctx.networks[id(run)].decl if id(run) in self.ctx.networks else None
        if network_decl is not None and id(network_decl) not in self.unread:
            # without the network (or the nodes of a file it could not read), bindings
            # mean nothing
            node_scope = self._node_scope(self.ctx.networks[id(run)], scope)
            for binding in run.bindings:
                self.binding(binding.value, node_scope)

    def _parameter_scope(self, run: ast.Run, scope: Scope) -> Scope:
        """The run's scope with its protocol's parameters, which its settings may read
        (so that a sweep of a parameter can sweep the run's `duration`)."""
        protocol = self.ctx.symbols.get(id(run))
        params = protocol.decl.params if protocol is not None and \
            isinstance(protocol.decl, ast.Protocol) else []
        return Scope(parent=scope, names={param.name: self.ctx.symbols[id(param)]
                                          for param in params if id(param) in self.ctx.symbols})

    def binding(self, value: ast.Expr, scope: Scope) -> None:
        """Nodes a role is bound to: names, `nodes("Kind")`, or a list of them."""
        if isinstance(value, ast.ArrayExpr):
            for item in value.items:
                self.binding(item, scope)
        elif isinstance(value, ast.Call) and value.func == "nodes" and \
                kind_binding(value) is None:
            self.ctx.error(Code.NOT_A_NODE, "`nodes` takes one kind, in quotes", value.span,
                           help='e.g. `nodes("EndNode")`: every node of that kind in a '
                                "topology file")
        elif kind_binding(value) is None:
            self.expr(value, scope, nodes=True)

    def give(self, run: ast.Run, given: dict[str, ast.Expr], used: set[str]) -> None:
        """The `--set` values in place of the run's arguments of the same name (or added
        to them), for its protocol's parameters, else its network's."""
        protocol, network = self.ctx.symbols.get(id(run)), self.ctx.networks.get(id(run))
        applied: set[str] = set()
        if "duration" in given and not any(  # a parameter of that name comes first
                "duration" in {param.name for param in symbol.decl.params}
                for symbol in (protocol, network)
                if symbol is not None and isinstance(symbol.decl, (ast.Protocol, ast.Network))):
            value = given["duration"]
            run.body = [item for item in run.body or []
                        if not (isinstance(item, ast.Setting) and item.name == "duration")]
            run.body.append(ast.Setting("duration", value, span=value.span))
            applied.add("duration")
        for symbol, args in ((protocol, run.args), (network, run.network_args)):
            if symbol is None or not isinstance(symbol.decl, (ast.Protocol, ast.Network)):
                continue
            names = {param.name for param in symbol.decl.params}
            for name, value in given.items():
                if name in names and name not in applied:
                    args[:] = [arg for arg in args if arg.name != name]
                    args.append(ast.KeywordArg(name, value, span=value.span))
                    applied.add(name)
        used |= applied

    def _node_scope(self, network: Symbol, scope: Scope) -> Scope:
        nodes = Scope(parent=scope)
        if isinstance(network.decl, ast.Network):
            for symbol in self._nodes_of(network.decl.body):
                nodes.names[symbol.name] = symbol
        return nodes

    def _nodes_of(self, items: list[ast.Item]) -> list[Symbol]:
        found = []
        for item in items:
            if isinstance(item, ast.NodeDecl) and id(item) in self.ctx.symbols:
                found.append(self.ctx.symbols[id(item)])
            elif isinstance(item, ast.NetworkFor):
                found += self._nodes_of(item.body)
            elif isinstance(item, ast.TopologyImport) and id(item) in self.ctx.topologies:
                found += self.ctx.topologies[id(item)][1]
        return found

    # ---------------------------------------------------------------- statements

    def block(self, block: ast.Block, outer: Scope) -> None:
        scope = Scope(parent=outer)
        for stmt in block.body:
            self.stmt(stmt, scope)

    def declare_local(self, node: ast.Node, name: str, scope: Scope) -> None:
        _declare(self.ctx, scope, Symbol(Kind.VARIABLE, name, node), body_rule=True)

    def stmt(self, stmt: ast.Stmt, scope: Scope) -> None:
        if isinstance(stmt, ast.Decl):
            self.type(stmt.type, scope)
            for declarator in stmt.names:
                if declarator.init is not None:
                    self.expr(declarator.init, scope)
                self.declare_local(declarator, declarator.name, scope)
        elif isinstance(stmt, ast.Let):
            if stmt.type is not None:
                self.type(stmt.type, scope)
            self.expr(stmt.value, scope)
            self.declare_local(stmt, stmt.name, scope)
        elif isinstance(stmt, ast.TupleAssign):
            self.expr(stmt.value, scope)
            for pattern in stmt.targets:
                if pattern.type is not None or stmt.let:
                    if pattern.type is not None:
                        self.type(pattern.type, scope)
                    self.declare_local(pattern, pattern.name, scope)
                else:
                    self.assignable(pattern, pattern.name, scope)
        elif isinstance(stmt, ast.Assign):
            self.assignable(stmt.target, stmt.target.name, scope)
            if stmt.target.index is not None:
                self.expr(stmt.target.index, scope)
            self.expr(stmt.value, scope)
        elif isinstance(stmt, ast.Gate):
            for param in stmt.params:
                self.expr(param, scope)
            for operand in stmt.operands:
                self.ref(operand, scope, what="a qubit")
        elif isinstance(stmt, ast.Reset):
            for target in stmt.targets:
                self.ref(target, scope, what="a qubit")
        elif isinstance(stmt, ast.ExprStmt):
            self.expr(stmt.expr, scope)
        elif isinstance(stmt, ast.Send):
            self.expr(stmt.value, scope)
            self.ref(stmt.dest, scope, kinds=frozenset({Kind.ROLE}), what="a role")
            if stmt.record is not None:
                self.declare_local(stmt, stmt.record, scope)
        elif isinstance(stmt, ast.Wait):
            self.expr(stmt.duration, scope)
        elif isinstance(stmt, ast.Report):
            self.expr(stmt.value, scope)
        elif isinstance(stmt, ast.Assert):
            self.expr(stmt.condition, scope)
        elif isinstance(stmt, ast.Return):
            if stmt.value is not None:
                self.expr(stmt.value, scope)
        elif isinstance(stmt, ast.If):
            self.expr(stmt.condition, scope)
            self.stmt(stmt.then, Scope(parent=scope))
            if stmt.orelse is not None:
                self.stmt(stmt.orelse, Scope(parent=scope))
        elif isinstance(stmt, ast.For):
            self.range(stmt.range, scope)
            inner = Scope(parent=scope)
            _declare(self.ctx, inner, Symbol(Kind.LOOP_VARIABLE, stmt.var, stmt), body_rule=True)
            self.block(stmt.body, inner)
        elif isinstance(stmt, ast.While):
            self.expr(stmt.condition, scope)
            self.block(stmt.body, scope)
        elif isinstance(stmt, ast.BlockStmt):
            self.block(stmt.block, scope)
        elif isinstance(stmt, ast.Select):
            for arm in stmt.arms:  # what an arm's head declares is its block's
                inner = Scope(parent=scope)
                if arm.head is not None:
                    self.stmt(arm.head, inner)
                if arm.after is not None:
                    self.expr(arm.after, inner)
                self.block(arm.body, inner)

    def assignable(self, node: ast.Node, name: str, scope: Scope) -> None:
        if scope.lookup(name) is None and did_you_mean(name, scope.visible()) is None:
            self.ctx.error(Code.UNKNOWN_NAME, f"cannot find `{name}` here", node.span,
                           label="not declared", help=f"declare it where it is first given a "
                                                      f"value: `let {name} = ...;`, or with "
                                                      f"its type, `int {name} = ...;`")
            return
        symbol = self.lookup(name, node, scope)
        if symbol is not None and symbol.kind not in (Kind.VARIABLE,):
            self.ctx.error(Code.WRONG_KIND, f"cannot assign to `{name}`: it is a {symbol.kind}",
                           node.span, help="declare a variable for the new value")

    # ---------------------------------------------------------------- expressions

    def expr(self, expr: ast.Expr, scope: Scope, nodes: bool = False) -> None:
        if isinstance(expr, ast.Name):
            kinds = _VALUE_KINDS | {Kind.NODE} if nodes else _VALUE_KINDS
            self.lookup(expr.id, expr, scope, kinds=kinds,
                        what="a node" if nodes else "a value")
        elif isinstance(expr, ast.Call):
            self.lookup(expr.func, expr, scope,
                        kinds=frozenset({Kind.FUNCTION, Kind.BUILTIN_FUNCTION}),
                        what="a function")
            for arg in expr.args:
                named = role_argument(arg) if expr.func in builtins.ROLE_ARGUMENTS else None
                if named is not None:
                    self.lookup(named[0].id, named[0], scope, kinds=frozenset({Kind.ROLE}),
                                what="a role")
                    if named[1] is not None:
                        self.expr(named[1], scope)
                else:
                    self.expr(arg, scope, nodes)
        elif isinstance(expr, ast.Measure):
            self.ref(expr.target, scope, what="a qubit")
            if expr.angle is not None:
                self.expr(expr.angle, scope)
        elif isinstance(expr, ast.Recv):
            if expr.type is not None:
                self.type(expr.type, scope)
            if expr.source is not None:
                self.ref(expr.source, scope, kinds=frozenset({Kind.ROLE}), what="a role")
            if expr.timeout is not None:
                self.expr(expr.timeout, scope)
            if expr.on_timeout is not None:
                self.block(expr.on_timeout, scope)
        elif isinstance(expr, ast.StructValue):
            self.lookup(expr.name, expr, scope, kinds=frozenset({Kind.STRUCT}), what="a struct")
            for field in expr.fields:
                self.expr(field.value, scope)
        elif isinstance(expr, ast.Quantity):
            return
        else:
            for child in _expression_children(expr):
                self.expr(child, scope, nodes)


def _expression_children(expr: ast.Expr) -> list[ast.Expr]:
    if isinstance(expr, ast.Binary):
        return [expr.left, expr.right]
    if isinstance(expr, ast.Unary):
        return [expr.operand]
    if isinstance(expr, ast.Paren):
        return [expr.expr]
    if isinstance(expr, (ast.TupleExpr, ast.ArrayExpr)):
        return list(expr.items)
    if isinstance(expr, ast.Index):
        return [expr.target, expr.index]
    if isinstance(expr, ast.Field):
        return [expr.target]
    return []
