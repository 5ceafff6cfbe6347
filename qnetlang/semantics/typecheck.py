"""Pass 3: types and units.

Gives every expression a type (recorded in `ctx.types`) and every variable,
constant and parameter its type (on its symbol), checking units by
dimension: a length where a time is expected is an error, and
`0.2 dB/km * 10 km` is a loss in dB. Statement rules that need types live
here too: what initialises a qubit, what a message may hold, where `return`,
`break` and `continue` may stand. Network settings are looked up in the
parameter tables (qnetlang.ir.parameters): a name the simulation does not
know, a device block (no device is simulated yet) or an unknown channel
model is refused here, before any run is elaborated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qnetlang import units
from qnetlang.codes import Code
from qnetlang.diagnostics import Note, did_you_mean
from qnetlang import builtins
from qnetlang import types as t
from qnetlang.ir import parameters
from qnetlang.ir.nodes import REPORT_KINDS
from qnetlang.ir.parameters import Place
from qnetlang.semantics.context import Context, Kind, Symbol, kind_binding, role_argument
from qnetlang.source import Span
from qnetlang.syntax import ast
from qnetlang.syntax.visitor import iter_children
from qnetlang.units import parse_unit

_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "**"})
_ORDERING = frozenset({"<", "<=", ">", ">="})
_EQUALITY = frozenset({"==", "!="})
_BITWISE = frozenset({"&", "|", "^"})
_LOGICAL = frozenset({"&&", "||"})
_TIME = t.Quantity(units.TIME)
# How to write a device's required setting, for the help of E0520.
_EXAMPLES = {"rate": "e.g. `rate = 100 MHz;`",
             "mean_photons": "e.g. `mean_photons = 0.5;` (the signal pulses' mean)",
             "mean_pairs": "e.g. `mean_pairs = 0.1;` (pairs per pulse)"}


def check_types(ctx: Context) -> None:
    checker = _Checker(ctx)
    for module in ctx.modules:
        for item in module.program.items:
            checker.item(item)


def expect(ctx: Context, expected: t.Type, found: t.Type, node: ast.Node,
           what: str = "") -> None:
    """Reports a value of the wrong type or dimension where `expected` is needed."""
    if t.assignable(expected, found) or (isinstance(expected, t.Quantity) and _is_zero(node)):
        return
    subject = f"{what}: " if what else ""
    message = f"{subject}expected {t.describe(expected)}, found {t.describe(found)}"
    expected_dim, found_dim = t.dimension_of(expected), t.dimension_of(found)
    if expected_dim is not None and found_dim is not None and expected_dim != found_dim:
        ctx.error(Code.DIMENSION_MISMATCH, message, node.span, label=f"this is {t.describe(found)}",
                  help=_unit_help(expected_dim))
    else:
        ctx.error(Code.TYPE_MISMATCH, message, node.span, label=f"this is {t.describe(found)}")


@dataclass
class _Body:
    """Where statements stand: a role body or a function, and how many loops deep."""

    function: ast.Def | None = None
    returns: t.Type | None = None
    loops: int = 0


class _Checker:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.in_progress: set[int] = set()
        self.resolving: set[int] = set()  # the structs whose fields are being resolved
        self.family = True  # whether the role being checked is a family (routes need one)
        self.body = _Body()  # the body of the statement being checked
        self.report_kinds: dict[str, ast.Report] = {}  # of the protocol: name -> first
        self.sending: ast.Expr | None = None  # the value of the `send` being checked

    # ---------------------------------------------------------------- helpers

    def error(self, code: str, message: str, node: ast.Node | None, **extra: object) -> None:
        self.ctx.error(code, message, node.span if node is not None else None, **extra)

    def expect(self, expected: t.Type, found: t.Type, node: ast.Node, what: str = "") -> None:
        expect(self.ctx, expected, found, node, what)

    def resolve_type(self, node: ast.TypeExpr) -> t.Type:
        if isinstance(node, ast.ScalarType):
            base = t.BASE_TYPES[node.name]
            if node.size is None:
                return base
            if base in (t.TRAIN, t.CLICKS):
                self.error(Code.TYPE_MISMATCH, f"`{node.name}` is one train's record: there "
                           "are no arrays of them", node, help="keep one variable per train")
                return t.ERROR
            self.expect(t.INT, self.expr(node.size), node.size, "an array size")
            return t.Array(base, _literal_size(node.size))
        if isinstance(node, ast.TupleType):
            return t.Tuple(tuple(self.resolve_type(item) for item in node.items))
        if isinstance(node, ast.ListType):
            if node.name == "qubit":
                self.error(Code.TYPE_MISMATCH, "qubits are not kept in lists", node,
                           help="a qubit array has a size known before the run: `qubit[n] q;`")
                return t.ERROR
            if node.name in ("train", "clicks"):
                self.error(Code.TYPE_MISMATCH, f"`{node.name}` is one train's record: there "
                           "are no lists of them", node, help="keep one variable per train")
                return t.ERROR
            return t.List(t.BASE_TYPES[node.name])
        assert isinstance(node, ast.NamedType)
        found = t.NAMED_TYPES.get(node.name)
        symbol = self.ctx.symbol(node)
        if found is None and symbol is not None and isinstance(symbol.decl, ast.Struct):
            if id(symbol) in self.resolving:
                self.error(Code.BAD_FIELD, f"struct `{symbol.name}` would hold itself", node,
                           help="a struct cannot contain itself, directly or through other "
                                "structs and tuples")
                return t.ERROR
            return self.struct(symbol.decl, symbol)
        if found is None:
            self.error(Code.TYPE_MISMATCH, f"unknown type `{node.name}`", node,
                       help=did_you_mean(node.name, list(t.NAMED_TYPES) + list(t.BASE_TYPES)))
            return t.ERROR
        return found

    def struct(self, decl: ast.Struct, symbol: Symbol) -> t.Type:
        """A struct's type, made once: its fields' types, each classical, none the struct
        itself (a struct that holds itself would never end)."""
        if symbol.type is not None:
            return symbol.type
        if not decl.fields:
            self.error(Code.BAD_FIELD, f"struct `{decl.name}` has no fields", decl,
                       help="give it a field, or send no value")
        self.resolving.add(id(symbol))  # a struct met again while its fields resolve: a cycle
        items: list[t.Type] = []
        for field in decl.fields:
            found = self.resolve_type(field.type)
            if t.contains_qubit(found) or _holds_record(found):
                self.error(Code.BAD_FIELD, f"a struct holds classical values, not "
                           f"{t.describe(found)}", field.type,
                           help="send qubits on their own; keep a train's record in a variable")
                found = t.ERROR
            items.append(found)
        self.resolving.discard(id(symbol))
        symbol.type = t.Struct(tuple(items), decl.name, tuple(f.name for f in decl.fields))
        return symbol.type

    def struct_value(self, expr: ast.StructValue) -> t.Type:
        """Every field given once, by name, with a value of its type."""
        symbol = self.ctx.symbol(expr)
        if symbol is None or not isinstance(symbol.decl, ast.Struct):
            for field in expr.fields:
                self.expr(field.value)
            return t.ERROR
        struct = self.struct(symbol.decl, symbol)
        if not isinstance(struct, t.Struct):
            return t.ERROR
        given: dict[str, ast.FieldValue] = {}
        for field in expr.fields:
            position = struct.field(field.name)
            hint = struct.items[position] if position is not None else None
            found = self.expr(field.value, hint)
            if position is None:
                self.error(Code.BAD_FIELD, f"`{struct.name}` has no field `{field.name}`",
                           field, help=did_you_mean(field.name, struct.fields) or
                           f"its fields: {', '.join(struct.fields)}")
            elif field.name in given:
                self.error(Code.BAD_FIELD, f"field `{field.name}` is given twice", field,
                           notes=[Note("the first", given[field.name].span)])
            else:
                assert hint is not None
                self.expect(hint, found, field.value, f"field `{field.name}`")
            given.setdefault(field.name, field)
        missing = [name for name in struct.fields if name not in given]
        if missing:
            self.error(Code.BAD_FIELD, f"`{struct.name}` needs "
                       f"{', '.join(f'`{name}`' for name in missing)} too", expr,
                       help="a struct's value gives every field")
        return struct

    def field(self, expr: ast.Field) -> t.Type:
        found = self.expr(expr.target)
        if t.is_error(found):
            return t.ERROR
        if not isinstance(found, t.Struct):
            self.error(Code.BAD_FIELD, f"{t.describe(found)} has no fields", expr,
                       help="`.name` reads a field of a struct")
            return t.ERROR
        position = found.field(expr.name)
        if position is None:
            self.error(Code.BAD_FIELD, f"`{found.name}` has no field `{expr.name}`", expr,
                       help=did_you_mean(expr.name, found.fields) or
                       f"its fields: {', '.join(found.fields)}")
            return t.ERROR
        return found.items[position]

    def symbol_type(self, symbol: Symbol, use: ast.Node) -> t.Type:
        if symbol.type is not None:
            return symbol.type
        decl = symbol.decl
        if symbol.kind is Kind.CONST and isinstance(decl, ast.Const):
            return self.const(decl, symbol)
        if symbol.kind is Kind.PARAM and isinstance(decl, ast.Param):
            return self.param(decl, symbol)
        if symbol.kind in (Kind.LOOP_VARIABLE, Kind.FAMILY_INDEX):
            symbol.type = t.INT
            return t.INT
        # A variable used before its declaration was typed: names already reported it.
        return t.ERROR

    # ---------------------------------------------------------------- declarations

    def const(self, const: ast.Const, symbol: Symbol | None = None) -> t.Type:
        symbol = symbol or self.ctx.symbol(const)
        if symbol is None:
            return t.ERROR
        if symbol.type is not None:
            return symbol.type
        if id(const) in self.in_progress:
            self.error(Code.CONSTANT_ERROR, f"constant `{const.name}` is defined in terms of "
                       "itself", const)
            symbol.type = t.ERROR
            return t.ERROR
        self.in_progress.add(id(const))
        found = self.expr(const.value)
        self.in_progress.discard(id(const))
        if const.type is not None:
            declared = self.resolve_type(const.type)
            self.expect(declared, found, const.value, f"constant `{const.name}`")
            found = declared
        symbol.type = found
        return found

    def param(self, param: ast.Param, symbol: Symbol | None = None) -> t.Type:
        symbol = symbol or self.ctx.symbol(param)
        declared = self.resolve_type(param.type)
        if symbol is not None:
            symbol.type = declared
        if param.default is not None:
            self.expect(declared, self.expr(param.default, declared), param.default,
                        f"the default of `{param.name}`")
        return declared

    def item(self, item: ast.Item) -> None:
        if isinstance(item, ast.Const):
            self.const(item)
        elif isinstance(item, ast.Network):
            for param in item.params:
                self.param(param)
            self.network_items(item.body)
        elif isinstance(item, ast.Protocol):
            self.report_kinds = {}
            for param in item.params:
                self.param(param)
            for part in item.body:
                if isinstance(part, ast.Const):
                    self.const(part)
                elif isinstance(part, ast.Def):
                    self.function(part)
                elif isinstance(part, ast.Role):
                    self.role(part)
                elif isinstance(part, ast.Struct) and self.ctx.symbol(part) is not None:
                    self.struct(part, self.ctx.symbol(part))  # type: ignore[arg-type]
        elif isinstance(item, ast.Def):
            self.function(item)
        elif isinstance(item, ast.Struct):
            symbol = self.ctx.symbol(item)
            if symbol is not None:
                self.struct(item, symbol)
        elif isinstance(item, ast.Run):
            for arg in item.args + item.network_args + item.bindings:
                if not _names_kinds(arg.value):  # `nodes("Kind")` names nodes
                    self.expr(arg.value)
            for setting in item.settings:
                self.expr(setting.value)
            for sweep in item.sweeps:
                for axis in sweep.axes:
                    for part in axis.expressions():
                        self.expr(part)

    def network_items(self, items: list[ast.Item]) -> None:
        for item in items:
            if isinstance(item, ast.Const):
                self.const(item)
            elif isinstance(item, ast.NodeDecl):
                if item.family is not None:
                    self.range(item.family.range)
                devices: dict[str, ast.Device] = {}  # by what it is: one of each
                for part in item.body:
                    if isinstance(part, ast.Qubits):
                        self.expect(t.INT, self.expr(part.count), part.count, "`qubits`")
                    elif isinstance(part, ast.Device):
                        self.device(part, devices)
                self.settings(Place.NODE, [part for part in item.body
                                           if isinstance(part, ast.Setting)])
                self.settings(Place.MEMORY, [setting for part in item.body
                                             if isinstance(part, ast.Memory)
                                             for setting in part.settings])
            elif isinstance(item, ast.TopologyImport):
                self.network_items(item.body)  # a kind's nodes, the links' channels
            elif isinstance(item, ast.Channel):
                self.channel(item)
            elif isinstance(item, ast.Link):
                for end in (item.a, item.b):
                    if end.index is not None:
                        self.expect(t.INT, self.expr(end.index), end.index, "a node index")
                shared = [part for part in item.body if isinstance(part, ast.Setting)]
                self.settings(Place.CHANNEL, shared)
                for part in item.body:
                    if isinstance(part, ast.Channel):
                        self.channel(part, shared)
            elif isinstance(item, ast.NetworkFor):
                self.range(item.range)
                symbol = self.ctx.symbol(item)
                if symbol is not None:
                    symbol.type = t.INT
                self.network_items(item.body)

    def settings(self, place: Place, settings: Sequence[ast.Setting | ast.KeywordArg]) -> None:
        """Each setting names a parameter of its place, once, with a value of its dimension."""
        first: dict[str, ast.Node] = {}
        for setting in settings:
            found = self.expr(setting.value)
            parameter = parameters.TABLES[place].get(setting.name)
            if parameter is None:
                self.unknown_parameter(place, setting)
            elif setting.name in first:
                self.error(Code.DUPLICATE_NAME, f"`{setting.name}` is set twice", setting,
                           notes=[Note("first set here", first[setting.name].span)],
                           help="remove one of them: only one value can act")
            else:
                first[setting.name] = setting
                expected = t.STRING if parameter.dimension is None else \
                    t.Quantity(parameter.dimension)
                self.expect(expected, found, setting.value, f"`{setting.name}`")

    def unknown_parameter(self, place: Place, setting: ast.Setting | ast.KeywordArg) -> None:
        known = parameters.TABLES[place]
        elsewhere = parameters.place_of(setting.name)
        if setting.name in parameters.NOT_IN_QNET:
            hint = parameters.NOT_IN_QNET[setting.name]
        elif elsewhere is not None:
            hint = elsewhere.how_to_set(setting.name)
        else:
            hint = did_you_mean(setting.name, known) or \
                f"the {place.value} settings are {', '.join(f'`{name}`' for name in known)}"
        self.error(Code.UNKNOWN_PARAMETER, f"unknown {place.value} setting `{setting.name}`",
                   setting, label="not a parameter the simulation knows", help=hint)

    def device(self, device: ast.Device, devices: dict[str, ast.Device]) -> None:
        """A device of a kind the simulation models, once per node, with its settings."""
        place = parameters.DEVICE_KINDS.get(device.kind or "")
        kinds = ", ".join(f"`{kind}`" for kind in parameters.DEVICE_KINDS)
        if place is None:
            for setting in device.settings:
                self.expr(setting.value)
            if device.kind is None:
                example = f"`device NAME: {device.name} {{ ... }}`" \
                    if device.name in parameters.DEVICE_KINDS else \
                    f"`device {device.name}: KIND {{ ... }}`; the kinds are {kinds}"
                self.error(Code.DEVICE_NOT_SIMULATED, f"device `{device.name}` has no kind",
                           device, help=f"write {example}")
            else:
                self.error(Code.DEVICE_NOT_SIMULATED, f"qnetc does not simulate devices of "
                           f"kind `{device.kind}`", device,
                           help=did_you_mean(device.kind, parameters.DEVICE_KINDS) or
                           f"the kinds are {kinds}")
            return
        source = place in parameters.SOURCES
        what = "source" if source else place.value  # a node has one source, of either kind
        if what in devices:
            self.error(Code.DEVICE_SETTINGS, f"a second {what} on this node", device,
                       notes=[Note(f"the first {what}", devices[what].span)],
                       help=f"a node has one {what}: it acts on every " +
                            ("train the node sends" if source else
                             "qubit or train the node receives"))
        devices.setdefault(what, device)
        self.settings(place, device.settings)
        given = {setting.name: setting for setting in device.settings}
        for needs, needed in (("decoy", "decoy_probability"), ("decoy_probability", "decoy")):
            if needs in given and needed not in given:
                self.error(Code.DEVICE_SETTINGS, f"`{needs}` acts only with `{needed}`",
                           given[needs], help="a decoy class has a mean photon number "
                                              "(`decoy`) and a share of the pulses "
                                              "(`decoy_probability`): set both")
        missing = [name for name in parameters.REQUIRED.get(place, ()) if name not in given]
        if missing:
            self.error(Code.DEVICE_SETTINGS, f"{place.value} `{device.name}` needs "
                       f"{' and '.join(f'`{name}`' for name in missing)}", device,
                       help=_EXAMPLES[missing[0]])
        rate, gate = given.get("dark_count_rate"), given.get("gate_width")
        if rate is not None and "dark_count" in given:
            self.error(Code.DEVICE_SETTINGS, "dark counts are set twice: per gate "
                       "(`dark_count`) and per second (`dark_count_rate`)", rate,
                       notes=[Note("per gate here", given["dark_count"].span)],
                       help="keep one of them")
        elif gate is not None and rate is None and "dark_count" in given:
            self.error(Code.DEVICE_SETTINGS, "`gate_width` acts only with `dark_count_rate`",
                       gate, help="`dark_count` is per gate already: remove `gate_width`")
        elif (rate is None) != (gate is None):
            missing, present = ("gate_width", rate) if gate is None else \
                ("dark_count_rate", gate)
            self.error(Code.DEVICE_SETTINGS, f"`{present.name}` needs `{missing}`", present,
                       help="a rate of dark counts gives a probability per gate of "
                            "1 - exp(-rate × gate_width): set both, or `dark_count` per gate")

    def channel(self, channel: ast.Channel, shared: Sequence[ast.Setting] = ()) -> None:
        if channel.model not in parameters.CHANNEL_MODELS:
            models = parameters.CHANNEL_MODELS
            self.error(Code.UNKNOWN_CHANNEL_MODEL, f"unknown channel model `{channel.model}`",
                       channel, help=did_you_mean(channel.model, models) or
                       f"the models are {', '.join(f'`{model}`' for model in models)}")
        self.settings(Place.CHANNEL, channel.args)
        self.moving(channel, [*shared, *channel.args])

    def moving(self, channel: ast.Channel,
               settings: Sequence[ast.Setting | ast.KeywordArg]) -> None:
        """A track or a loss table: on a free-space channel, in place of the length or the
        attenuation it gives."""
        given = {setting.name: setting for setting in settings}
        if channel.model != "free_space":
            for name in parameters.MOVING:
                if name in given and channel.model in parameters.CHANNEL_MODELS:
                    self.error(Code.UNKNOWN_PARAMETER, f"`{name}` is a setting of "
                               f"`free_space` channels, not of `{channel.model}`", given[name],
                               help="a fiber's length does not change: give its `length` and "
                                    "`attenuation`")
            return
        own = {arg.name: arg for arg in channel.args}  # a link's shared ones go to both
        if channel.kind == "classical" and "loss_table" in own:
            self.error(Code.UNKNOWN_PARAMETER, "`loss_table` acts on qubits: a classical "
                       "message is never lost", own["loss_table"],
                       help="set it on the link's `quantum` channel")
        for name, replaced, why in (("track", "length", "the track gives the length"),
                                    ("loss_table", "attenuation",
                                     "the loss table gives the loss over the length")):
            if name in given and replaced in given:
                self.error(Code.DUPLICATE_NAME, f"`{replaced}` is set beside `{name}`: {why}",
                           given[replaced], notes=[Note(f"`{name}` is set here",
                                                        given[name].span)],
                           help=f"leave out `{replaced}`")

    def range(self, range_: ast.Range) -> None:
        for bound in (range_.start, range_.stop):
            self.expect(t.INT, self.expr(bound), bound, "a range bound")

    def role(self, role: ast.Role) -> None:
        if role.family is not None:
            self.range(role.family.range)
            symbol = self.ctx.symbol(role.family)
            if symbol is not None:
                symbol.type = t.INT
        self.family = role.family is not None
        self.block(role.body, _Body())
        self.family = True  # elsewhere (functions) a route is not refused here

    def function(self, function: ast.Def) -> None:
        for param in function.params:
            self.param(param)
        returns = self.resolve_type(function.returns) if function.returns else None
        self.block(function.body, _Body(function, returns))
        if returns is not None and not t.is_error(returns) and \
                not _always_returns(function.body) and function.body.span is not None:
            end = function.body.span
            closing = Span(end.file, end.end_line, end.end_column - 1, end.end_line,
                           end.end_column, end.end - 1, end.end)
            self.ctx.error(Code.MISSING_RETURN, f"function `{function.name}` may end without "
                           f"returning {t.describe(returns)}", closing,
                           label="a path reaches the end here",
                           help="`return` a value on every path, e.g. at the end")

    # ---------------------------------------------------------------- statements

    def block(self, block: ast.Block, body: _Body) -> None:
        for stmt in block.body:
            self.stmt(stmt, body)

    def declare(self, node: ast.Node, type_: t.Type) -> None:
        symbol = self.ctx.symbol(node)
        if symbol is not None:
            symbol.type = type_

    def stmt(self, stmt: ast.Stmt, body: _Body) -> None:
        self.body = body
        getattr(self, f"stmt_{type(stmt).__name__}")(stmt, body)

    def stmt_Decl(self, stmt: ast.Decl, body: _Body) -> None:
        declared = self.resolve_type(stmt.type)
        for declarator in stmt.names:
            if declared in (t.TRAIN, t.CLICKS) and declarator.init is None:
                self.error(Code.TYPE_MISMATCH, f"`{declarator.name}` has no value: a "
                           f"`{declared}` is a train's record, made as the train is",
                           declarator,
                           help="`clicks got = recv clicks from sender;`" if declared ==
                           t.CLICKS else "`train sent = send pulses(n) to receiver;`")
            if declarator.init is not None:
                found = self.expr(declarator.init, declared)
                if t.contains_qubit(declared):
                    self.qubit_init(declarator.init, declared)
                else:
                    self.expect(declared, found, declarator.init, f"`{declarator.name}`")
            self.declare(declarator, declared)

    def qubit_init(self, init: ast.Expr, declared: t.Type) -> None:
        if isinstance(init, ast.Ket) and declared == t.QUBIT:
            return
        if isinstance(init, ast.Recv):
            self.expect(declared, self.ctx.type_of(init), init)
            return
        self.error(Code.QUBIT_INIT, "a qubit starts from a ket such as `|0>` or from `recv`",
                   init, label="qubits cannot be copied (no-cloning)",
                   help="declare a fresh qubit (`qubit q;`, `qubit q = |+>;`) or receive one")

    def stmt_Let(self, stmt: ast.Let, body: _Body) -> None:
        declared = self.resolve_type(stmt.type) if stmt.type is not None else None
        found = self.expr(stmt.value, declared)
        if declared is not None:
            self.expect(declared, found, stmt.value, f"`{stmt.name}`")
        elif isinstance(stmt.value, ast.Recv) and stmt.value.type is None:
            self.error(Code.RECV_NEEDS_TYPE, "this `recv` needs a type", stmt.value,
                       help=f"write `let {stmt.name}: T = recv ...` or `recv T from ...`")
        final = declared or found
        if t.contains_qubit(final):
            self.qubit_init(stmt.value, final)
        self.declare(stmt, final)

    def stmt_TupleAssign(self, stmt: ast.TupleAssign, body: _Body) -> None:
        expected: list[t.Type] = []
        for pattern in stmt.targets:
            if pattern.type is not None:
                expected.append(self.resolve_type(pattern.type))
            elif stmt.let:
                expected.append(t.ERROR)
            else:
                symbol = self.ctx.symbol(pattern)
                expected.append(symbol.type if symbol and symbol.type else t.ERROR)
        hint = None if stmt.let else t.Tuple(tuple(expected))
        found = self.expr(stmt.value, hint)
        if not isinstance(found, t.Tuple) or isinstance(found, t.Struct):
            if not t.is_error(found):
                self.error(Code.TYPE_MISMATCH, f"expected a tuple of {len(stmt.targets)}, found "
                           f"{t.describe(found)}", stmt.value)
            items = [t.ERROR] * len(stmt.targets)
        elif len(found.items) != len(stmt.targets):
            self.error(Code.TYPE_MISMATCH, f"expected a tuple of {len(stmt.targets)}, found "
                       f"one of {len(found.items)}", stmt.value)
            items = [t.ERROR] * len(stmt.targets)
        else:
            items = list(found.items)
        for pattern, want, have in zip(stmt.targets, expected, items, strict=True):
            if not t.is_error(want):
                self.expect(want, have, stmt.value, f"`{pattern.name}`")
            if pattern.type is not None or stmt.let:
                self.declare(pattern, have if t.is_error(want) else want)

    def stmt_Assign(self, stmt: ast.Assign, body: _Body) -> None:
        target = self.ref_type(stmt.target)
        found = self.expr(stmt.value, target)
        if t.contains_qubit(target):
            self.error(Code.QUBIT_INIT, "qubits cannot be assigned", stmt,
                       label="qubits cannot be copied (no-cloning)")
            return
        if stmt.op == "=":
            self.expect(target, found, stmt.value, f"`{stmt.target.name}`")
        else:
            result = self.binary(stmt.op[:-1], target, found, stmt)
            self.expect(target, result, stmt.value, f"`{stmt.target.name}`")

    def stmt_Gate(self, stmt: ast.Gate, body: _Body) -> None:
        for param in stmt.params:
            self.expect(t.FLOAT, self.expr(param), param, f"an angle of `{stmt.name}`")
        self.qubits(stmt.operands)

    def qubits(self, refs: list[ast.Ref]) -> None:
        for ref in refs:
            self.expect(t.QUBIT, self.ref_type(ref), ref)

    def stmt_Reset(self, stmt: ast.Reset, body: _Body) -> None:
        self.qubits(stmt.targets)

    def stmt_ExprStmt(self, stmt: ast.ExprStmt, body: _Body) -> None:
        self.expr(stmt.expr)

    def stmt_Send(self, stmt: ast.Send, body: _Body) -> None:
        if body.function is not None:
            self.error(Code.COMMUNICATION_IN_FUNCTION, "a function cannot send", stmt,
                       help="send from the role that calls the function")
        self.sending = stmt.value
        found = self.expr(stmt.value)
        self.sending = None
        if isinstance(found, t.Tuple) and t.contains_qubit(found):
            self.error(Code.MIXED_MESSAGE, "qubits travel alone: a tuple cannot hold one",
                       stmt.value, help="send each qubit, and the classical values, separately")
        # the sender keeps a train's record, or the clicks of its own photons of pairs
        kept = t.CLICKS if found == builtins.PAIRS else t.TRAIN
        if stmt.type is not None and self.resolve_type(stmt.type) not in (kept, t.ERROR):
            example = "clicks mine = send pairs(n) to r;" if kept == t.CLICKS else \
                "train sent = send pulses(n) to r;"
            self.error(Code.TYPE_MISMATCH, f"what this `send` keeps is {t.describe(kept)}: "
                       f"declare it `{kept}`", stmt.type, help=f"`{example}`")
        if stmt.record is not None:
            if found not in (*builtins.TRAINS, t.ERROR):
                self.error(Code.TYPE_MISMATCH, "only a train leaves a record with its sender, "
                           f"not {t.describe(found)}", stmt.value,
                           help="`let sent = send pulses(n) to r;` or `let mine = send "
                                "pairs(n) to r;`; send other values with `send v to r;`")
            self.declare(stmt, kept)
        self.peer(stmt.dest)

    def peer(self, ref: ast.Ref) -> None:
        symbol = self.ctx.symbol(ref)
        if symbol is None or symbol.kind is not Kind.ROLE:
            return
        if symbol.family and ref.index is None:
            self.error(Code.WRONG_KIND, f"`{ref.name}` is a family of roles: say which member",
                       ref, help=f"e.g. `{ref.name}[i + 1]`")
        elif not symbol.family and ref.index is not None:
            self.error(Code.WRONG_KIND, f"role `{ref.name}` is not a family", ref.index)
        elif ref.index is not None:
            self.expect(t.INT, self.expr(ref.index), ref.index, "a role index")

    def stmt_Wait(self, stmt: ast.Wait, body: _Body) -> None:
        self.expect(_TIME, self.expr(stmt.duration), stmt.duration, "`wait`")

    def stmt_Report(self, stmt: ast.Report, body: _Body) -> None:
        found = self.expr(stmt.value)
        if not (t.is_numeric(found) or t.is_error(found)):
            self.error(Code.TYPE_MISMATCH, f"a report is a number, a bit or a bool, not "
                       f"{t.describe(found)}", stmt.value,
                       help="report what the list holds: `len(x)`, `sum(x)` or an element"
                       if isinstance(found, t.List) else None)
        if stmt.kind not in REPORT_KINDS:
            self.error(Code.UNKNOWN_NAME, f"unknown kind of report `{stmt.kind}`", stmt,
                       help=did_you_mean(stmt.kind, REPORT_KINDS) or
                       f"a report is a {', a '.join(REPORT_KINDS)} (or, left out, a mean)")
            return
        if stmt.kind == "ratio" and not (isinstance(stmt.value, ast.Binary) and
                                         stmt.value.op == "/"):
            self.error(Code.TYPE_MISMATCH, "a ratio report is a quotient: `report ratio "
                       f"{stmt.name} = NUMERATOR / DENOMINATOR;`", stmt.value,
                       help="the run divides the total of the numerators by the total of "
                            "the denominators")
        first = self.report_kinds.setdefault(stmt.name, stmt)
        if first.kind != stmt.kind:
            self.error(Code.TYPE_MISMATCH, f"report `{stmt.name}` is a {stmt.kind} here and "
                       f"a {first.kind} before", stmt,
                       notes=[Note(f"reported as a {first.kind} here", first.span)],
                       help="a report sums up one way: give the other a name of its own")

    def stmt_Assert(self, stmt: ast.Assert, body: _Body) -> None:
        self.condition(stmt.condition)

    def stmt_Return(self, stmt: ast.Return, body: _Body) -> None:
        if body.function is None:
            if stmt.value is not None:
                self.error(Code.MISPLACED_RETURN, "a role returns no value", stmt.value,
                           help="use `report` to record a result")
            return
        if stmt.value is None:
            if body.returns is not None:
                self.error(Code.MISPLACED_RETURN, f"`{body.function.name}` must return "
                           f"{t.describe(body.returns)}", stmt)
            return
        found = self.expr(stmt.value, body.returns)
        if body.returns is None:
            self.error(Code.MISPLACED_RETURN, f"`{body.function.name}` declares no result",
                       stmt.value, help="add `-> T` after its parameters")
        else:
            self.expect(body.returns, found, stmt.value, "the result")

    def stmt_Break(self, stmt: ast.Break, body: _Body) -> None:
        if body.loops == 0:
            self.error(Code.NOT_IN_LOOP, "`break` outside a loop", stmt)

    def stmt_Continue(self, stmt: ast.Continue, body: _Body) -> None:
        if body.loops == 0:
            self.error(Code.NOT_IN_LOOP, "`continue` outside a loop", stmt)

    def stmt_If(self, stmt: ast.If, body: _Body) -> None:
        self.condition(stmt.condition)
        self.stmt(stmt.then, body)
        if stmt.orelse is not None:
            self.stmt(stmt.orelse, body)

    def stmt_For(self, stmt: ast.For, body: _Body) -> None:
        self.range(stmt.range)
        self.declare(stmt, t.INT)
        self.block(stmt.body, _Body(body.function, body.returns, body.loops + 1))

    def stmt_While(self, stmt: ast.While, body: _Body) -> None:
        self.condition(stmt.condition)
        self.block(stmt.body, _Body(body.function, body.returns, body.loops + 1))

    def stmt_BlockStmt(self, stmt: ast.BlockStmt, body: _Body) -> None:
        self.block(stmt.block, body)

    def stmt_Select(self, stmt: ast.Select, body: _Body) -> None:
        """Each arm a classical receive without `within`, or one `after` arm (a time)."""
        if body.function is not None:
            self.error(Code.COMMUNICATION_IN_FUNCTION, "a function cannot wait in a `select`",
                       stmt, help="receive in the role that calls the function")
        timers = [arm for arm in stmt.arms if arm.after is not None]
        for extra in timers[1:]:
            self.error(Code.BAD_SELECT, "a `select` has one `after` arm at most", extra,
                       notes=[Note("the first `after` arm", timers[0].span)],
                       help="the first timer to expire would win: keep the shortest")
        if not any(arm.head is not None for arm in stmt.arms):
            self.error(Code.BAD_SELECT, "a `select` without a `recv` arm only waits", stmt,
                       help="write `wait T;` to let time pass")
        for arm in stmt.arms:
            if arm.after is not None:
                self.expect(_TIME, self.expr(arm.after), arm.after, "`after`")
            else:
                assert arm.head is not None
                self.stmt(arm.head, body)
                self.select_receive(arm.head)
            self.block(arm.body, body)
            self.body = body

    def select_receive(self, head: ast.Stmt) -> None:
        recv = _received(head)
        if recv.timeout is not None:
            self.error(Code.BAD_SELECT, "an arm of a `select` waits as long as the `select` "
                       "does: it has no `within`", recv.timeout,
                       help="add an arm `after T => { ... }` to the `select`")
        found = self.ctx.type_of(recv)
        if found is not None and (t.contains_qubit(found) or found == t.CLICKS):
            self.error(Code.BAD_SELECT, f"a `select` waits for classical messages, not "
                       f"{t.describe(found)}", recv,
                       help="receive qubits and trains with `recv` alone (`within T else { ... "
                            "}` bounds the wait)")

    def condition(self, expr: ast.Expr) -> None:
        found = self.expr(expr)
        if not t.is_condition(found):
            self.error(Code.TYPE_MISMATCH, f"a condition is a bool or a bit, not {t.describe(found)}",
                       expr)

    # ---------------------------------------------------------------- expressions

    def ref_type(self, ref: ast.Ref) -> t.Type:
        symbol = self.ctx.symbol(ref)
        if symbol is None or symbol.kind in (Kind.ROLE, Kind.NODE):
            return t.ERROR
        base = self.symbol_type(symbol, ref)
        if ref.index is None:
            return base
        self.expect(t.INT, self.expr(ref.index), ref.index, "an index")
        if isinstance(base, (t.Array, t.List)):
            return base.element
        if not t.is_error(base):
            self.error(Code.TYPE_MISMATCH, f"`{ref.name}` is {t.describe(base)}, not an array", ref)
        return t.ERROR

    def expr(self, expr: ast.Expr, expected: t.Type | None = None) -> t.Type:
        found = self._expr(expr, expected)
        self.ctx.types[id(expr)] = found
        return found

    def _expr(self, expr: ast.Expr, expected: t.Type | None) -> t.Type:
        if isinstance(expr, ast.IntLit):
            return t.INT
        if isinstance(expr, ast.FloatLit):
            return t.FLOAT
        if isinstance(expr, ast.Quantity):
            self.expr(expr.number)
            return t.Quantity(parse_unit(expr.unit).dimension)
        if isinstance(expr, ast.BoolLit):
            return t.BOOL
        if isinstance(expr, ast.StringLit):
            return t.STRING
        if isinstance(expr, ast.Ket):
            return t.QUBIT
        if isinstance(expr, ast.Paren):
            return self.expr(expr.expr, expected)
        if isinstance(expr, ast.TupleExpr):
            hints = expected.items if isinstance(expected, t.Tuple) and \
                len(expected.items) == len(expr.items) else [None] * len(expr.items)
            return t.Tuple(tuple(self.expr(item, hint)
                                 for item, hint in zip(expr.items, hints, strict=True)))
        if isinstance(expr, ast.ArrayExpr):
            return self.array(expr)
        if isinstance(expr, ast.Name):
            symbol = self.ctx.symbol(expr)
            if symbol is None or symbol.kind in (Kind.NODE, Kind.ROLE):
                return t.ERROR
            return self.symbol_type(symbol, expr)
        if isinstance(expr, ast.Call):
            return self.call(expr)
        if isinstance(expr, ast.Index):
            return self.index(expr)
        if isinstance(expr, ast.Field):
            return self.field(expr)
        if isinstance(expr, ast.StructValue):
            return self.struct_value(expr)
        if isinstance(expr, ast.Unary):
            return self.unary(expr)
        if isinstance(expr, ast.Binary):
            return self.binary(expr.op, self.expr(expr.left), self.expr(expr.right), expr)
        if isinstance(expr, ast.Measure):
            self.qubits([expr.target])
            if expr.angle is not None:
                self.expect(t.FLOAT, self.expr(expr.angle), expr.angle, "a measurement angle")
            return t.BIT
        if isinstance(expr, ast.Recv):
            return self.recv(expr, expected)
        return t.ERROR

    def array(self, expr: ast.ArrayExpr) -> t.Type:
        items = [self.expr(item) for item in expr.items]
        if not items:
            return t.Array(t.ERROR, 0)
        element = items[0]
        for item, node in zip(items[1:], expr.items[1:], strict=True):
            if item == element:
                continue
            if t.is_numeric(element) and t.is_numeric(item) and \
                    t.dimension_of(element) == t.dimension_of(item):
                element = t.join_numbers(element, item)
            elif not (t.assignable(element, item) or t.is_error(item)):
                self.error(Code.TYPE_MISMATCH, f"an array holds one type: {t.describe(element)} "
                           f"and {t.describe(item)} differ", node)
        return t.Array(element, len(items))

    def call(self, call: ast.Call) -> t.Type:
        symbol = self.ctx.symbol(call)
        if call.func in builtins.ROLE_ARGUMENTS and symbol is not None and \
                symbol.kind is Kind.BUILTIN_FUNCTION:
            return self.role_call(call)
        args = [self.expr(arg) for arg in call.args]
        if symbol is None:
            return t.ERROR
        if symbol.kind is Kind.BUILTIN_FUNCTION:
            spec = builtins.FUNCTIONS[call.func]
            low, high = spec.arity
            if len(args) < low or (high is not None and len(args) > high):
                self.error(Code.WRONG_ARGUMENTS, f"`{call.func}` takes {_arity(spec.arity)}, "
                           f"given {len(args)}", call, help=f"`{spec.signature}`")
                return t.ERROR
            listed = call.func in builtins.ELEMENTWISE and \
                any(isinstance(arg, t.List) for arg in args) and \
                not (call.func in builtins.REDUCING and len(args) == 1)
            result = spec.result([arg.element if isinstance(arg, t.List) else arg
                                  for arg in args] if listed else args)
            if listed and not isinstance(result, str):
                result = _list_of(result)
            sending = self.sending
            while isinstance(sending, ast.Paren):
                sending = sending.expr
            if call.func in ("next_hop", "hop_count", "neighbours", "transmittance") and \
                    not self.family:
                self.error(Code.WRONG_ARGUMENTS, f"`{call.func}` is for a member of a role "
                           "family: routes lead to the family's other members", call,
                           help="make the role a family bound to the nodes on the routes, e.g. "
                                "`role station[i in 0..n]`")
                return t.ERROR
            if result in builtins.TRAINS and call is not sending:
                self.error(Code.WRONG_ARGUMENTS, "a train is sent where it is made", call,
                           help=f"`send {call.func}(n) to r;`, or `let sent = send "
                                f"{call.func}(n) to r;` to keep the sender's record")
                return t.ERROR
            if isinstance(result, str):
                self.error(Code.WRONG_ARGUMENTS, f"`{call.func}`: {result}", call,
                           help=f"`{spec.signature}`")
                return t.ERROR
            return result
        if symbol.kind is not Kind.FUNCTION or not isinstance(symbol.decl, ast.Def):
            return t.ERROR
        function = symbol.decl
        if len(args) != len(function.params):
            self.error(Code.WRONG_ARGUMENTS, f"`{call.func}` takes {len(function.params)} "
                       f"argument{'s' * (len(function.params) != 1)}, given {len(args)}", call,
                       notes=[Note("declared here", function.span)])
            return t.ERROR
        for param, arg, node in zip(function.params, args, call.args, strict=True):
            self.expect(self.resolve_type(param.type), arg, node, f"`{param.name}`")
        return self.resolve_type(function.returns) if function.returns else t.Tuple(())

    def role_call(self, call: ast.Call) -> t.Type:
        """A built-in whose arguments name roles (`latency(eve)`)."""
        spec = builtins.FUNCTIONS[call.func]
        low, high = spec.arity
        if not low <= len(call.args) <= (high or len(call.args)):
            self.error(Code.WRONG_ARGUMENTS, f"`{call.func}` takes {_arity(spec.arity)}, "
                       f"given {len(call.args)}", call, help=f"`{spec.signature}`")
            return t.ERROR
        for arg in call.args:
            named = role_argument(arg)
            if named is None:
                self.error(Code.WRONG_ARGUMENTS, f"`{call.func}` takes roles", arg,
                           help=f"`{spec.signature}`")
                return t.ERROR
            if named[1] is not None:
                self.expect(t.INT, self.expr(named[1]), named[1], "a member index")
        result = spec.result([])
        assert not isinstance(result, str)
        return result

    def index(self, expr: ast.Index) -> t.Type:
        target = self.expr(expr.target)
        position = self.expr(expr.index)
        self.expect(t.INT, position, expr.index, "an index")
        if isinstance(target, (t.Array, t.List)):
            return target.element
        if isinstance(target, t.Struct):
            self.error(Code.BAD_FIELD, f"a struct's fields are read by name: {target.name}'s "
                       f"are {', '.join(f'`{f}`' for f in target.fields)}", expr,
                       help=f"e.g. `.{target.fields[0]}`" if target.fields else None)
            return t.ERROR
        if isinstance(target, t.Tuple):
            if isinstance(expr.index, ast.IntLit) and 0 <= expr.index.value < len(target.items):
                return target.items[expr.index.value]
            self.error(Code.TYPE_MISMATCH, "a tuple is indexed by a literal in range", expr.index)
            return t.ERROR
        if isinstance(expr.target, ast.Name):
            symbol = self.ctx.symbol(expr.target)
            if symbol is not None and symbol.kind is Kind.NODE:
                return t.ERROR  # a node family member, in a run binding
        if not t.is_error(target):
            self.error(Code.TYPE_MISMATCH, f"{t.describe(target)} cannot be indexed", expr.target)
        return t.ERROR

    def unary(self, expr: ast.Unary) -> t.Type:
        operand = self.expr(expr.operand)
        if isinstance(operand, t.List):  # element by element
            return _list_of(self.unary_type(expr, operand.element))
        return self.unary_type(expr, operand)

    def unary_type(self, expr: ast.Unary, operand: t.Type) -> t.Type:
        if t.is_error(operand):
            return t.ERROR
        if expr.op == "-" and t.is_numeric(operand):
            return t.INT if t.is_integral(operand) else operand
        if expr.op == "!" and t.is_condition(operand):
            return t.BOOL
        if expr.op == "~" and t.is_integral(operand):
            return t.INT
        self.error(Code.BAD_OPERANDS, f"`{expr.op}` cannot apply to {t.describe(operand)}", expr)
        return t.ERROR

    def binary(self, op: str, left: t.Type, right: t.Type, node: ast.Node) -> t.Type:
        """The type of `left op right`; with a list on either side, element by element."""
        if isinstance(left, t.List) or isinstance(right, t.List):
            elements = [side.element if isinstance(side, t.List) else side
                        for side in (left, right)]
            if not any(isinstance(side, (t.Array, t.Tuple)) or side == t.STRING
                       for side in elements):
                return _list_of(self.binary(op, elements[0], elements[1], node))
        if t.is_error(left) or t.is_error(right):
            return t.ERROR
        if op in _LOGICAL:
            if t.is_condition(left) and t.is_condition(right):
                return t.BOOL
        elif op in _BITWISE:
            if t.is_integral(left) and t.is_integral(right):
                if left == t.INT or right == t.INT:
                    return t.INT
                return t.BOOL if left == right == t.BOOL else t.BIT
        elif op in _EQUALITY:
            if t.per_shot_part(left) or t.per_shot_part(right):
                self.error(Code.BAD_OPERANDS, f"`{op}` does not compare {t.describe(left)} and "
                           f"{t.describe(right)} whole", node,
                           help="compare lists element by element, each list on its own: "
                                "`sum(a != b) == 0`")
                return t.ERROR
            if t.is_numeric(left) and t.is_numeric(right):
                return self.same_dimension(op, left, right, node, t.BOOL)
            if left == right or t.assignable(left, right) or t.assignable(right, left):
                return t.BOOL
        elif op in _ORDERING:
            if t.is_numeric(left) and t.is_numeric(right):
                return self.same_dimension(op, left, right, node, t.BOOL)
        elif op in ("+", "-"):
            if t.is_numeric(left) and t.is_numeric(right):
                return self.same_dimension(op, left, right, node, t.join_numbers(left, right))
        elif op in ("*", "/"):
            if t.is_numeric(left) and t.is_numeric(right):
                dims = (t.dimension_of(left), t.dimension_of(right))
                assert dims[0] is not None and dims[1] is not None
                dimension = dims[0] * dims[1] if op == "*" else dims[0] / dims[1]
                if op == "*" and t.is_integral(left) and t.is_integral(right):
                    return t.INT
                return t.Quantity(dimension)
        elif op == "%":
            if t.is_numeric(left) and t.is_numeric(right):
                return self.same_dimension(op, left, right, node, t.join_numbers(left, right))
        elif op == "**":
            if t.is_numeric(left) and t.is_numeric(right):
                for side in (left, right):
                    if t.dimension_of(side) != units.DIMENSIONLESS:
                        self.error(Code.DIMENSION_MISMATCH, "powers take dimensionless numbers",
                                   node, help="divide by a unit first, e.g. `(d / 1 km) ** 2`")
                        return t.ERROR
                return t.INT if t.is_integral(left) and t.is_integral(right) else t.FLOAT
        self.error(Code.BAD_OPERANDS, f"`{op}` cannot combine {t.describe(left)} and "
                   f"{t.describe(right)}", node)
        return t.ERROR

    def same_dimension(self, op: str, left: t.Type, right: t.Type, node: ast.Node,
                       result: t.Type) -> t.Type:
        if t.dimension_of(left) != t.dimension_of(right):
            self.error(Code.DIMENSION_MISMATCH, f"`{op}` needs numbers of one dimension, found "
                       f"{t.describe(left)} and {t.describe(right)}", node,
                       help="convert one side, or check the units")
            return t.ERROR
        return result

    def recv(self, expr: ast.Recv, expected: t.Type | None) -> t.Type:
        if expr.timeout is not None:
            self.expect(_TIME, self.expr(expr.timeout), expr.timeout, "`within`")
        body = self.body
        if body.function is not None:
            self.error(Code.COMMUNICATION_IN_FUNCTION, "a function cannot receive", expr,
                       help="receive in the role that calls the function")
        if expr.on_timeout is not None:
            self.timeout_block(expr.on_timeout, body)
            self.body = body
        received = self.resolve_type(expr.type) if expr.type is not None else expected
        if expr.source is not None:
            self.peer(expr.source)
        elif received is not None and (t.contains_qubit(received) or received == t.CLICKS):
            self.error(Code.PEER_NOT_STATIC, "qubits and trains come from a role named before "
                       "the run, not from any", expr,
                       help="name the sender: `recv qubit from source`")
        return received if received is not None else t.ERROR

    def timeout_block(self, block: ast.Block, body: _Body) -> None:
        self.block(block, body)
        last = block.body[-1] if block.body else None
        if not isinstance(last, (ast.Return, ast.Break, ast.Continue)):
            self.ctx.error(Code.TIMEOUT_FALLS_THROUGH,
                           "the `else` of `within` must end with `return`, `break` or `continue`",
                           block.span, help="the value was not received, so the code after the "
                                            "`recv` cannot run")


def _holds_record(type_: t.Type) -> bool:
    """Whether a type is, or holds, a train's record."""
    if isinstance(type_, (t.Tuple, t.Array, t.List)):
        parts = type_.items if isinstance(type_, t.Tuple) else (type_.element,)
        return any(_holds_record(part) for part in parts)
    return type_ in (t.TRAIN, t.CLICKS)


def _names_kinds(expr: ast.Expr) -> bool:
    """Whether a run's binding names nodes by their kind (`nodes("Kind")`, alone or in a
    list): nodes, which have no type."""
    if isinstance(expr, ast.ArrayExpr):
        return any(_names_kinds(item) for item in expr.items)
    return kind_binding(expr) is not None


def _received(head: ast.Stmt) -> ast.Recv:
    """The `recv` of a `select` arm's head (the grammar allows no other value there)."""
    value = head.names[0].init if isinstance(head, ast.Decl) else \
        head.expr if isinstance(head, ast.ExprStmt) else head.value  # type: ignore[attr-defined]
    assert isinstance(value, ast.Recv)
    return value


def _list_of(element: t.Type) -> t.Type:
    return t.ERROR if t.is_error(element) else t.List(element)


def _is_zero(node: ast.Node) -> bool:
    """A bare `0` (or `0.0`, `-0`): zero of every dimension, so it needs no unit."""
    if isinstance(node, ast.Paren):
        return _is_zero(node.expr)
    if isinstance(node, ast.Unary) and node.op == "-":
        return _is_zero(node.operand)
    return isinstance(node, (ast.IntLit, ast.FloatLit)) and node.value == 0


def _literal_size(node: ast.Expr) -> int | None:
    return node.value if isinstance(node, ast.IntLit) else None


def _arity(arity: tuple[int, int | None]) -> str:
    low, high = arity
    if high == low:
        return f"{low} argument{'s' * (low != 1)}"
    if high is None:
        return f"at least {low} arguments"
    return f"{low} to {high} arguments"


def _unit_help(dimension: units.Dimension) -> str:
    examples = {units.LENGTH: "10 km", units.TIME: "5 us", units.FREQUENCY: "1 MHz",
                units.LOSS: "3 dB", units.ATTENUATION: "0.2 dB/km",
                units.DIMENSIONLESS: "0.5"}
    example = examples.get(dimension)
    return f"write {t.describe(t.Quantity(dimension))}" + (f", e.g. `{example}`" if example else "")


def _always_returns(node: ast.Stmt | ast.Block) -> bool:
    """Whether every path through a statement or block ends in a `return` (a loop other
    than `while (true)` without a `break` may run no turn, so it does not count)."""
    if isinstance(node, ast.Block):
        return any(_always_returns(stmt) for stmt in node.body)
    if isinstance(node, ast.Return):
        return True
    if isinstance(node, ast.BlockStmt):
        return _always_returns(node.block)
    if isinstance(node, ast.If):
        return node.orelse is not None and _always_returns(node.then) and \
            _always_returns(node.orelse)
    if isinstance(node, ast.While):
        return isinstance(node.condition, ast.BoolLit) and node.condition.value and \
            not _breaks(node.body)
    return False


def _breaks(node: ast.Node) -> bool:
    """Whether a `break` leaves this loop body (not one of a loop nested in it)."""
    if isinstance(node, ast.Break):
        return True
    if isinstance(node, (ast.While, ast.For)):
        return False
    return any(_breaks(child) for child in iter_children(node))

