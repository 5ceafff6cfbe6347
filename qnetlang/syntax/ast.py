"""The abstract syntax tree of a .qnet file.

One dataclass per construct. Every node carries the `span` it was parsed from;
spans and comments (`trivia`, `dangling`, `comments`) are excluded from equality,
so a parsed tree compares equal to the same tree built by hand, and a file
compares equal to itself reformatted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from qnetlang.source import Span


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment between two tokens of one construct, as `fmt` puts it back.

    `gap` is the number of the construct's child nodes before the comment, and
    `tokens` the number of the construct's own tokens (keywords, punctuation)
    between the last of those children and the comment; `own_line` says that
    nothing but spaces stood before it on its line.
    """

    text: str
    gap: int
    tokens: int
    own_line: bool


@dataclass
class Node:
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)
    # A tuple, not a list: the empty default is shared, which keeps parsing cheap.
    comments: tuple[Comment, ...] = field(default=(), compare=False, repr=False, kw_only=True)


@dataclass
class Trivia:
    """Comments on the lines of a line item: those on the lines before it, with "" for a
    blank line next to them (the printer sees one between two items from their spans),
    and `trailing` ones after it on its last line."""

    leading: list[str] = field(default_factory=list)
    trailing: str | None = None


@dataclass
class Item(Node):
    """Anything that stands on its own line(s) and can carry comments."""

    trivia: Trivia = field(default_factory=Trivia, compare=False, repr=False, kw_only=True)


@dataclass
class Container(Node):
    """A node with a braced list of items; `ITEMS` names that list's field, and
    `dangling` holds the comments after the last item, before the closing brace."""

    ITEMS: ClassVar[str]
    dangling: list[str] = field(default_factory=list, compare=False, repr=False, kw_only=True)


# ---------------------------------------------------------------- expressions


@dataclass
class Expr(Node):
    pass


@dataclass
class Name(Expr):
    id: str


@dataclass
class IntLit(Expr):
    value: int
    text: str | None = field(default=None, compare=False, repr=False)


@dataclass
class FloatLit(Expr):
    value: float
    text: str | None = field(default=None, compare=False, repr=False)


@dataclass
class Quantity(Expr):
    """A number with a unit of measure, such as `10 km` or `0.2 dB/km`."""

    number: IntLit | FloatLit
    unit: str


@dataclass
class BoolLit(Expr):
    value: bool


@dataclass
class StringLit(Expr):
    value: str


@dataclass
class Ket(Expr):
    """A basis-state literal: |0>, |1>, |+>, |->, |+i>, |-i>."""

    label: str


@dataclass
class Paren(Expr):
    """Parentheses the author wrote; kept so that `fmt` keeps them."""

    expr: Expr


@dataclass
class TupleExpr(Expr):
    items: list[Expr]


@dataclass
class ArrayExpr(Expr):
    items: list[Expr]


@dataclass
class Unary(Expr):
    op: str
    operand: Expr


@dataclass
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass
class Call(Expr):
    func: str
    args: list[Expr]


@dataclass
class Index(Expr):
    target: Expr
    index: Expr


@dataclass
class Field(Expr):
    """`value.name`: a field of a struct."""

    target: Expr
    name: str


@dataclass
class FieldValue(Node):
    """`name = value` in a struct's value."""

    name: str
    value: Expr


@dataclass
class StructValue(Expr):
    """`KeyRequest(src = 1, dst = 4, keys = 10)`: a struct's value, every field named."""

    name: str
    fields: list[FieldValue]


@dataclass
class Ref(Node):
    """A possibly indexed name: a qubit, variable, role or node (`q`, `hop[i + 1]`)."""

    name: str
    index: Expr | None = None


@dataclass
class Measure(Expr):
    """`measure q`, `measure q in x`, `measure q in xy(theta)`; basis None means Z."""

    target: Ref
    basis: str | None = None
    angle: Expr | None = None


@dataclass
class Block(Container):
    ITEMS: ClassVar[str] = "body"
    body: list[Stmt] = field(default_factory=list)


@dataclass
class Recv(Expr):
    """`recv T from r` (`from any`: `source` None), optionally `within t else { ... }` for
    a timeout or a loss."""

    type: TypeExpr | None
    source: Ref | None
    timeout: Expr | None = None
    on_timeout: Block | None = None


# ---------------------------------------------------------------- types


@dataclass
class TypeExpr(Node):
    pass


@dataclass
class ScalarType(TypeExpr):
    """A built-in type (`qubit`, `bit`, `bool`, `int`, `float`, `angle`), maybe an array."""

    name: str
    size: Expr | None = None


@dataclass
class ListType(TypeExpr):
    """`bit[]`: a list of a built-in type, its length known only as the protocol runs."""

    name: str


@dataclass
class NamedType(TypeExpr):
    """A type named by an identifier, such as the quantity types `length` or `time`."""

    name: str


@dataclass
class TupleType(TypeExpr):
    items: list[TypeExpr]


# ---------------------------------------------------------------- statements


@dataclass
class Stmt(Item):
    pass


@dataclass
class Declarator(Node):
    name: str
    init: Expr | None = None


@dataclass
class Decl(Stmt):
    """`qubit a, b;`, `bit m = measure q;`, `qubit[4] reg;`, `KeyRequest r = ...;`."""

    type: ScalarType | ListType | NamedType
    names: list[Declarator]


@dataclass
class Let(Stmt):
    name: str
    type: TypeExpr | None
    value: Expr


@dataclass
class Pattern(Node):
    """One element on the left of a tuple assignment: `bit m0` or `m0`."""

    type: TypeExpr | None
    name: str


@dataclass
class TupleAssign(Stmt):
    """`(bit m0, bit m1) = e;` or, with `let`, `let (m0, m1) = e;`."""

    targets: list[Pattern]
    value: Expr
    let: bool = False


@dataclass
class Assign(Stmt):
    target: Ref
    op: str
    value: Expr


@dataclass
class Gate(Stmt):
    name: str
    params: list[Expr]
    operands: list[Ref]


@dataclass
class ExprStmt(Stmt):
    """A call or a measurement whose value is not kept."""

    expr: Expr


@dataclass
class Reset(Stmt):
    targets: list[Ref]


@dataclass
class Send(Stmt):
    """`send v to r;`, or `let record = send pulses(n) to r;`, which names the sender's
    record of a pulse train."""

    value: Expr
    dest: Ref
    record: str | None = None
    type: ScalarType | None = None  # `train sent = send ...`; None with `let`


@dataclass
class Wait(Stmt):
    duration: Expr


@dataclass
class Report(Stmt):
    """`report [KIND] NAME = value;`: KIND is `mean` (left out), `total` or `ratio`."""

    name: str
    value: Expr
    kind: str = "mean"


@dataclass
class Assert(Stmt):
    condition: Expr
    message: str | None = None


@dataclass
class Return(Stmt):
    value: Expr | None = None


@dataclass
class Break(Stmt):
    pass


@dataclass
class Continue(Stmt):
    pass


@dataclass
class If(Stmt):
    condition: Expr
    then: Stmt
    orelse: Stmt | None = None


@dataclass
class Range(Node):
    start: Expr
    stop: Expr
    inclusive: bool = False


@dataclass
class For(Stmt):
    var: str
    range: Range
    body: Block


@dataclass
class While(Stmt):
    condition: Expr
    body: Block


@dataclass
class SelectArm(Item):
    """One way on from a `select`: a receive (`head`, a declaration, `let`, tuple or bare
    `recv` whose value is a `recv` without `within`) or a timer (`after`, a time), and
    the block that runs when it is the first to happen."""

    head: Stmt | None
    after: Expr | None
    body: Block


@dataclass
class Select(Stmt, Container):
    """`select { HEAD => { ... } ... }`: waits for whichever of its arms' messages comes
    first (or for its `after` arm's time to pass) and runs that arm."""

    ITEMS: ClassVar[str] = "arms"
    arms: list[SelectArm] = field(default_factory=list)


@dataclass
class BlockStmt(Stmt):
    """A nested `{ ... }` used as a statement."""

    block: Block


# ---------------------------------------------------------------- networks


@dataclass
class KeywordArg(Node):
    name: str
    value: Expr


@dataclass
class Setting(Item):
    """`name = value;` in a node, memory, device, link or run body."""

    name: str
    value: Expr


@dataclass
class Family(Node):
    """`[i in 0..=n]` after a node or role name: one member per index."""

    var: str
    range: Range


@dataclass
class Qubits(Item):
    count: Expr


@dataclass
class Memory(Item, Container):
    ITEMS: ClassVar[str] = "settings"
    settings: list[Setting] = field(default_factory=list)


@dataclass
class Device(Item, Container):
    ITEMS: ClassVar[str] = "settings"
    name: str
    kind: str | None = None
    settings: list[Setting] = field(default_factory=list)


@dataclass
class NodeDecl(Item, Container):
    ITEMS: ClassVar[str] = "body"
    name: str
    family: Family | None = None
    body: list[Item] = field(default_factory=list)


@dataclass
class Channel(Item):
    """`classical fiber(length = 2 km);` or `quantum free_space(...)` inside a link."""

    kind: str
    model: str
    args: list[KeywordArg] = field(default_factory=list)


@dataclass
class Link(Item, Container):
    ITEMS: ClassVar[str] = "body"
    a: Ref
    direction: str
    b: Ref
    body: list[Item] = field(default_factory=list)


@dataclass
class TopologyImport(Item, Container):
    """`import "file.json";` in a network: the nodes and links a topology file lists;
    in its braces, `node KIND { ... }` sets up the nodes of a kind and `quantum
    MODEL(...);` (or `classical`) the channels of its links."""

    ITEMS: ClassVar[str] = "body"
    path: StringLit
    body: list[Item] = field(default_factory=list)


@dataclass
class NetworkFor(Item, Container):
    ITEMS: ClassVar[str] = "body"
    var: str
    range: Range
    body: list[Item] = field(default_factory=list)


@dataclass
class Param(Node):
    name: str
    type: TypeExpr
    default: Expr | None = None


# ---------------------------------------------------------------- top level


@dataclass
class Module(Item):
    path: str


@dataclass
class Import(Item):
    path: str


@dataclass
class Const(Item):
    name: str
    type: TypeExpr | None
    value: Expr


@dataclass
class StructField(Item):
    name: str
    type: TypeExpr


@dataclass
class Struct(Item, Container):
    """`struct KeyRequest { src: int; dst: int; keys: int; }`."""

    ITEMS: ClassVar[str] = "fields"
    name: str
    fields: list[StructField] = field(default_factory=list)


@dataclass
class Network(Item, Container):
    ITEMS: ClassVar[str] = "body"
    name: str
    params: list[Param] = field(default_factory=list)
    body: list[Item] = field(default_factory=list)


@dataclass
class Role(Item):
    name: str
    family: Family | None
    body: Block


@dataclass
class Def(Item):
    name: str
    params: list[Param]
    returns: TypeExpr | None
    body: Block


@dataclass
class Protocol(Item, Container):
    ITEMS: ClassVar[str] = "body"
    name: str
    params: list[Param] = field(default_factory=list)
    body: list[Item] = field(default_factory=list)


@dataclass
class SweepAxis(Node):
    """`name in values` in a `sweep`: a list (an array expression), or a range stepped
    by adding `step` or, with `step * ratio`, by multiplying (a logarithmic range)."""

    name: str
    values: Expr | Range
    step: Expr | None = None
    geometric: bool = False

    def expressions(self) -> list[Expr]:
        """What the axis computes its values from, in the order written."""
        bounds = [self.values.start, self.values.stop] if isinstance(self.values, Range) \
            else [self.values]
        return bounds + ([self.step] if self.step is not None else [])


@dataclass
class Sweep(Item):
    """`sweep a in ... with b in ...;`: one axis of a run's grid of points; the
    parameters joined by `with` take their values in step with the first."""

    axes: list[SweepAxis]


@dataclass
class Run(Item, Container):
    """`run [label:] protocol(args) on network(args) with role = node, ... { body }`;
    the body has settings and sweeps (None: the run ends in `;`)."""

    ITEMS: ClassVar[str] = "body"
    protocol: str
    network: str
    label: str | None = None
    args: list[KeywordArg] = field(default_factory=list)
    network_args: list[KeywordArg] = field(default_factory=list)
    bindings: list[KeywordArg] = field(default_factory=list)
    body: list[Setting | Sweep] | None = None

    @property
    def settings(self) -> list[Setting]:
        return [item for item in self.body or [] if isinstance(item, Setting)]

    @property
    def sweeps(self) -> list[Sweep]:
        return [item for item in self.body or [] if isinstance(item, Sweep)]


@dataclass
class Program(Container):
    """One parsed file."""

    ITEMS: ClassVar[str] = "items"
    items: list[Item] = field(default_factory=list)
