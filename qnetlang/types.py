"""The types of the language and the rules that relate them.

Numbers carry a physical dimension: `float` is the dimensionless quantity,
`length` a quantity of dimension length, and so on, so that unit checking is
type checking. `angle` is a float in radians.
"""

from __future__ import annotations

from dataclasses import dataclass

from qnetlang import units
from qnetlang.units import Dimension


class Type:
    """A type of the language."""


@dataclass(frozen=True)
class Scalar(Type):
    """qubit, bit, bool, int, string, state (a named Bell state), or error."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Quantity(Type):
    """A real number of a dimension; the dimensionless one is `float`."""

    dimension: Dimension

    def __str__(self) -> str:
        return "float" if self.dimension == units.DIMENSIONLESS else str(self.dimension)


@dataclass(frozen=True)
class Array(Type):
    element: Type
    size: int | None

    def __str__(self) -> str:
        return f"{self.element}[{'' if self.size is None else self.size}]"


@dataclass(frozen=True)
class List(Type):
    """`bit[]`: an array whose length is known only as the protocol runs, and may differ
    between shots (the pulses a detector saw, a sifted key)."""

    element: Type

    def __str__(self) -> str:
        return f"{self.element}[]"


@dataclass(frozen=True)
class Tuple(Type):
    items: tuple[Type, ...]

    def __str__(self) -> str:
        return "(" + ", ".join(map(str, self.items)) + ")"


@dataclass(frozen=True)
class Struct(Tuple):
    """A struct: a tuple whose items have names, of a type of its own (a value of
    another struct, or a plain tuple, is not one)."""

    name: str = ""
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name

    def field(self, name: str) -> int | None:
        """The position of a field, or None."""
        return self.fields.index(name) if name in self.fields else None


QUBIT = Scalar("qubit")
BIT = Scalar("bit")
BOOL = Scalar("bool")
INT = Scalar("int")
STRING = Scalar("string")
STATE = Scalar("state")
ERROR = Scalar("<error>")  # the type of an expression that already has a diagnostic
FLOAT = Quantity(units.DIMENSIONLESS)
# A pulse train: the records of its pulses that the sender keeps (`send pulses(n) to b`),
# and those of the pulses the receiver detected (`recv clicks from a`).
TRAIN = Scalar("train")
CLICKS = Scalar("clicks")

BASE_TYPES: dict[str, Type] = {"qubit": QUBIT, "bit": BIT, "bool": BOOL, "int": INT,
                               "float": FLOAT, "angle": FLOAT, "train": TRAIN, "clicks": CLICKS}
NAMED_TYPES: dict[str, Type] = {
    "length": Quantity(units.LENGTH),
    "time": Quantity(units.TIME),
    "frequency": Quantity(units.FREQUENCY),
    "loss": Quantity(units.LOSS),
    "attenuation": Quantity(units.ATTENUATION),
    "speed": Quantity(units.SPEED),
    "string": STRING,
}


def is_error(type_: Type) -> bool:
    return type_ == ERROR


def is_bitlike(type_: Type) -> bool:
    return type_ in (BIT, BOOL)


def is_integral(type_: Type) -> bool:
    return type_ in (BIT, BOOL, INT)


def is_numeric(type_: Type) -> bool:
    return is_integral(type_) or isinstance(type_, Quantity)


def is_condition(type_: Type) -> bool:
    return is_integral(type_) or is_error(type_)


def dimension_of(type_: Type) -> Dimension | None:
    """The dimension of a number type (integers are dimensionless), or None."""
    if isinstance(type_, Quantity):
        return type_.dimension
    if is_integral(type_):
        return units.DIMENSIONLESS
    return None


def per_shot_part(type_: Type) -> bool:
    """Whether a value of this type holds a list or a train's record: an object of each
    shot's own, which `==` does not compare."""
    if isinstance(type_, List) or type_ in (TRAIN, CLICKS):
        return True
    if isinstance(type_, Tuple):
        return any(per_shot_part(item) for item in type_.items)
    return False


def contains_qubit(type_: Type) -> bool:
    if type_ == QUBIT:
        return True
    if isinstance(type_, Array):
        return contains_qubit(type_.element)
    if isinstance(type_, Tuple):
        return any(contains_qubit(t) for t in type_.items)
    return False


def assignable(target: Type, value: Type) -> bool:
    """Whether a value of type `value` may be stored where `target` is expected."""
    if is_error(target) or is_error(value) or target == value:
        return True
    if isinstance(target, Struct) or isinstance(value, Struct):
        return False  # a struct is only itself
    if target in (BIT, BOOL):
        return value in (BIT, BOOL, INT)
    if target == INT:
        return value in (BIT, BOOL)
    if isinstance(target, Quantity):
        if target.dimension == units.DIMENSIONLESS:
            return is_integral(value) or value == FLOAT
        return isinstance(value, Quantity) and value.dimension == target.dimension
    if isinstance(target, List) and isinstance(value, Array) and value.size == 0:
        return True  # `[]`: the empty list
    if isinstance(target, List) and isinstance(value, List):
        # lists are stored as they are: only widening keeps every element's meaning
        return target.element == value.element or (
            target.element in (BIT, BOOL, INT) and value.element in (BIT, BOOL)) or (
            target.element == FLOAT and is_integral(value.element))
    if isinstance(target, Array) and isinstance(value, Array):
        sizes_agree = target.size is None or value.size is None or target.size == value.size
        return sizes_agree and assignable(target.element, value.element)
    if isinstance(target, Tuple) and isinstance(value, Tuple):
        return len(target.items) == len(value.items) and all(
            assignable(t, v) for t, v in zip(target.items, value.items, strict=True))
    return False


def join_numbers(left: Type, right: Type) -> Type:
    """The type of a sum of two numbers of the same dimension."""
    if is_integral(left) and is_integral(right):
        return INT
    return left if isinstance(left, Quantity) else right


def describe(type_: Type) -> str:
    """`a length`, `a qubit`, `a (bit, bit)` — for messages.

    A type with a part that is not known (an empty array's elements, a wrong
    expression's type) is described by its shape: `ERROR` is never shown."""
    if _has_unknown_part(type_):
        if isinstance(type_, Tuple):
            return f"a tuple of {len(type_.items)} values"
        if isinstance(type_, Array) and type_.size == 0:
            return "an empty array"
        if isinstance(type_, List):
            return "a list"
        if isinstance(type_, Array):
            return "an array" if type_.size is None else f"an array of {type_.size} values"
        return "a value of unknown type"
    if type_ in _RECORDS:
        return _RECORDS[type_]
    text = str(type_)
    article = "an" if text[0].lower() in "aeiou" else "a"
    if isinstance(type_, Struct):
        return f"{article} `{text}`"
    return f"{article} {text}" if not text.startswith("(") else f"a tuple {text}"


_RECORDS = {TRAIN: "a train's record (its sender's)",
            CLICKS: "the clicks of a train (what a receiver's detectors saw)"}


def _has_unknown_part(type_: Type) -> bool:
    if isinstance(type_, Tuple):
        return any(_has_unknown_part(item) for item in type_.items)
    if isinstance(type_, (Array, List)):
        return _has_unknown_part(type_.element)
    return is_error(type_)
