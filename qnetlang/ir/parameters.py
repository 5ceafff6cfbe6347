"""The physical parameters of a network: which settings exist, and what each one does.

A setting stands in one of three places: a node's body, a node's
`memory { }` block, or a channel (its arguments, or the body of its `link`,
whose settings all the link's channels share). Each place has a table that gives
every parameter its dimension, its default, its effect on a simulation and
the rule a physically possible value obeys. The type checker refuses a name
that is not in its place's table and checks its dimension; elaboration
checks the rule and fills the typed fields of the IR (`Node`, `Memory`,
`Channel`, whose fields are named after the parameters). So every setting
either acts on the simulation or is refused: none is silently ignored.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from qnetlang import units
from qnetlang.ir.nodes import FIBER_REFRACTIVE_INDEX
from qnetlang.units import Dimension


class Place(Enum):
    """Where a setting is written; the value is how messages name the place."""

    NODE = "node"
    MEMORY = "memory"
    CHANNEL = "channel"
    DETECTOR = "detector"
    LASER = "weak coherent source"
    PHOTON_SOURCE = "single-photon source"
    PAIR_SOURCE = "pair source"
    ANALYSER = "analyser"

    def how_to_set(self, name: str) -> str:
        """How to write the setting `name` here: the help for one written elsewhere."""
        example = {Place.NODE: f"`node a {{ {name} = ...; }}`",
                   Place.MEMORY: f"`memory {{ {name} = ...; }}` in a node",
                   Place.CHANNEL: f"`quantum fiber({name} = ...)`, or in a link's body for all "
                                  "its channels",
                   Place.DETECTOR: f"`device NAME: threshold_detector {{ {name} = ...; }}` in a "
                                   "node",
                   Place.LASER: f"`device NAME: weak_coherent_source {{ {name} = ...; }}` in a "
                                "node",
                   Place.PHOTON_SOURCE: f"`device NAME: single_photon_source {{ {name} = ...; "
                                        "}}` in a node",
                   Place.PAIR_SOURCE: f"`device NAME: spdc_source {{ {name} = ...; }}` in a "
                                      "node",
                   Place.ANALYSER: f"`device NAME: analyser {{ {name} = ...; }}` in a node"
                   }[self]
        return f"`{name}` is a {self.value} setting: {example}"


@dataclass(frozen=True)
class Rule:
    """What makes a value physically possible; `statement` says it in the error's help.

    The statement may name the parameter (`{name}`) and what leaving it out
    means (`{unset}`).
    """

    holds: Callable[[float], bool]
    statement: str


PROBABILITY = Rule(lambda p: 0.0 <= p <= 1.0, "`{name}` is a probability: it lies between 0 and 1")
NOT_NEGATIVE = Rule(lambda x: 0.0 <= x < math.inf, "`{name}` is a finite number, not negative")
REFRACTIVE_INDEX = Rule(lambda n: n >= 1.0, "a refractive index is at least 1: light is not "
                                            "faster in a medium than in vacuum")
WIDTH = Rule(lambda t: 0.0 < t < math.inf, "`{name}` is a finite time greater than 0")
RATE = Rule(lambda f: 0.0 < f <= 1e12, "`{name}` is a frequency greater than 0 and at most "
                                        "1 THz: the simulation's clock counts picoseconds")
ANY_FILE = Rule(lambda _: True, "")  # a file is checked as it is read
DECAY_TIME = Rule(lambda t: t > 0.0, "`{name}` is a time greater than 0; leave the setting out "
                                     "for {unset}")


# The unit a value is shown in, and its size in SI units.
_SHOWN_UNITS: dict[Dimension, tuple[str, float]] = {
    units.DIMENSIONLESS: ("", 1.0), units.LENGTH: ("m", 1.0), units.TIME: ("s", 1.0),
    units.LOSS: ("dB", 1.0), units.ATTENUATION: ("dB/km", 1e-3),
    units.FREQUENCY: ("Hz", 1.0)}


@dataclass(frozen=True)
class Parameter:
    """A physical parameter; `name` is also the name of the IR field that holds it."""

    name: str
    place: Place
    dimension: Dimension | None  # None: a file, named by a string (relative to the .qnet)
    default: float | None  # SI units; None: the process it describes is absent
    rule: Rule
    unset: str  # what leaving the setting out means
    effect: str  # what it does to a simulation (docs/runtime.md says how)

    def shown(self, value: float) -> str:
        """A value given in SI units, as messages write it: `-3000 m`, `-0.2 dB/km`."""
        unit, size = _SHOWN_UNITS[self.dimension]
        return f"{value / size:g} {unit}".rstrip()

    def problem(self, value: float) -> str | None:
        """Why `value` (SI units) is physically impossible, or None when it is possible."""
        if self.rule.holds(value):
            return None
        return self.rule.statement.format(name=self.name, unset=self.unset)


def _table(*parameters: Parameter) -> dict[str, Parameter]:
    return {parameter.name: parameter for parameter in parameters}


NODE = _table(
    Parameter("gate_error", Place.NODE, units.DIMENSIONLESS, default=0.0, rule=PROBABILITY,
              unset="0: perfect gates",
              effect="depolarizes every qubit of every gate on the node with this probability"),
    Parameter("readout_error", Place.NODE, units.DIMENSIONLESS, default=0.0, rule=PROBABILITY,
              unset="0: perfect measurements",
              effect="flips each measurement outcome on the node with this probability"),
)

MEMORY = _table(
    Parameter("t1", Place.MEMORY, units.TIME, default=None, rule=DECAY_TIME,
              unset="no relaxation",
              effect="amplitude damping of a stored qubit, with probability 1 - exp(-t/T1) "
                     "after a wait t"),
    Parameter("t2", Place.MEMORY, units.TIME, default=None, rule=DECAY_TIME,
              unset="no dephasing",
              effect="dephasing of a stored qubit: its coherences decay as exp(-t/T2)"),
    Parameter("depolarizing_time", Place.MEMORY, units.TIME, default=None, rule=DECAY_TIME,
              unset="no depolarizing",
              effect="depolarizes a stored qubit with probability 1 - exp(-t/T)"),
)

CHANNEL = _table(
    Parameter("length", Place.CHANNEL, units.LENGTH, default=0.0, rule=NOT_NEGATIVE,
              unset="0 m: no delay",
              effect="the delay, length / (c / n), and with `attenuation` the photon loss"),
    Parameter("refractive_index", Place.CHANNEL, units.DIMENSIONLESS, default=1.0,
              rule=REFRACTIVE_INDEX,
              unset=f"{FIBER_REFRACTIVE_INDEX} for `fiber`, 1 for `free_space`",
              effect="the delay: light travels at c / n"),
    Parameter("attenuation", Place.CHANNEL, units.ATTENUATION, default=0.0, rule=NOT_NEGATIVE,
              unset="0 dB/km: lossless",
              effect="a qubit in transit is lost with probability 1 - 10^(-L/10), "
                     "L = attenuation × length + loss"),
    Parameter("loss", Place.CHANNEL, units.LOSS, default=0.0, rule=NOT_NEGATIVE,
              unset="0 dB: no fixed loss",
              effect="a fixed loss (connectors, coupling) added to the attenuation's"),
    Parameter("depolarizing", Place.CHANNEL, units.DIMENSIONLESS, default=0.0, rule=PROBABILITY,
              unset="0: no depolarizing",
              effect="replaces a qubit in transit by a maximally mixed one with this "
                     "probability"),
    Parameter("dephasing", Place.CHANNEL, units.DIMENSIONLESS, default=0.0, rule=PROBABILITY,
              unset="0: no dephasing",
              effect="applies Z to a qubit in transit with this probability"),
    Parameter("track", Place.CHANNEL, None, default=None, rule=ANY_FILE,
              unset="a fixed `length`",
              effect="a `free_space` channel's length follows this CSV of distance against "
                     "time: its delay, and its loss, at the moment a message leaves"),
    Parameter("loss_table", Place.CHANNEL, None, default=None, rule=ANY_FILE,
              unset="`attenuation` × length",
              effect="a `free_space` channel's loss at its length, from this CSV of loss "
                     "against distance, in place of `attenuation` × length"),
)

# The channel parameters that name files: a `free_space` channel's only.
MOVING = ("track", "loss_table")

# A node's detector: the receiver's pair of threshold detectors, one per outcome. It acts
# on every message of qubits the node receives over a quantum channel, once per message
# (its gate: the instant the message would arrive, lost or not).
DETECTOR = _table(
    Parameter("efficiency", Place.DETECTOR, units.DIMENSIONLESS, default=1.0, rule=PROBABILITY,
              unset="1: every photon that arrives is detected",
              effect="a message of qubits that arrives is detected with this probability, else "
                     "lost as in transit"),
    Parameter("dark_count", Place.DETECTOR, units.DIMENSIONLESS, default=0.0,
              rule=PROBABILITY, unset="0: no dark counts",
              effect="each of the two detectors clicks in the dark with this probability per "
                     "gate: a click without the photon, or two clicks with it, gives the "
                     "`recv` a maximally mixed qubit (a random bit)"),
    Parameter("dark_count_rate", Place.DETECTOR, units.FREQUENCY, default=None,
              rule=NOT_NEGATIVE, unset="no dark counts (or `dark_count`, per gate)",
              effect="dark counts of each detector at this rate: 1 - exp(-rate × gate_width) "
                     "per gate"),
    Parameter("gate_width", Place.DETECTOR, units.TIME, default=None, rule=WIDTH,
              unset="no gate (needed by `dark_count_rate`)",
              effect="how long the detectors are open for each message: with "
                     "`dark_count_rate`, the dark-count probability per gate"),
)

# Settings of the detector that act only on pulse trains (`send pulses(n) to r`): a
# qubit-level protocol opens one gate per message and counts no clicks between them.
TRAINS_ONLY = _table(
    Parameter("dead_time", Place.DETECTOR, units.TIME, default=0.0, rule=NOT_NEGATIVE,
              unset="0 s: no dead time",
              effect="after its own click, each of the two detectors sees no gate that "
                     "starts less than this later (non-paralysable, counted in the source's "
                     "pulses)"),
    Parameter("afterpulse", Place.DETECTOR, units.DIMENSIONLESS, default=0.0,
              rule=PROBABILITY, unset="0: no after-pulses",
              effect="each click causes one more with this probability, in the first gate "
                     "the detector sees again"),
    Parameter("jitter", Place.DETECTOR, units.TIME, default=0.0, rule=NOT_NEGATIVE,
              unset="0 s: exact click times",
              effect="the standard deviation of a click's time (Gaussian): `click_times`"),
)
DETECTOR.update(TRAINS_ONLY)

# The light sources of pulse trains. Each pulse has an intensity class (0 signal, 1 decoy,
# 2 vacuum) and a basis and a bit, drawn per pulse.
_ALICE_BASIS = Parameter(
    "z_probability", Place.LASER, units.DIMENSIONLESS, default=0.5, rule=PROBABILITY,
    unset="0.5: both bases alike",
    effect="each pulse is prepared in the Z basis with this probability, else in X")
LASER = _table(
    Parameter("rate", Place.LASER, units.FREQUENCY, default=None, rule=RATE,
              unset="(required)", effect="pulses per second: pulse k leaves at k / rate "
                                         "after the `send`, which lasts n / rate"),
    Parameter("mean_photons", Place.LASER, units.DIMENSIONLESS, default=None, rule=NOT_NEGATIVE,
              unset="(required)",
              effect="μ: a signal pulse holds Poisson(μ) photons"),
    Parameter("decoy", Place.LASER, units.DIMENSIONLESS, default=0.0, rule=NOT_NEGATIVE,
              unset="0", effect="ν: a decoy pulse holds Poisson(ν) photons"),
    Parameter("decoy_probability", Place.LASER, units.DIMENSIONLESS, default=0.0,
              rule=PROBABILITY, unset="0: no decoy pulses",
              effect="a pulse is a decoy with this probability"),
    Parameter("vacuum_probability", Place.LASER, units.DIMENSIONLESS, default=0.0,
              rule=PROBABILITY, unset="0: no vacuum pulses",
              effect="a pulse is empty (the vacuum decoy) with this probability; the rest "
                     "are signal pulses"),
    _ALICE_BASIS,
)
PHOTON_SOURCE = _table(
    Parameter("rate", Place.PHOTON_SOURCE, units.FREQUENCY, default=None, rule=RATE,
              unset="(required)", effect="pulses per second, as for a laser"),
    Parameter("efficiency", Place.PHOTON_SOURCE, units.DIMENSIONLESS, default=1.0,
              rule=PROBABILITY, unset="1: every pulse holds a photon",
              effect="a pulse holds a photon with this probability"),
    Parameter("multi_photon", Place.PHOTON_SOURCE, units.DIMENSIONLESS, default=0.0,
              rule=PROBABILITY, unset="0: never two photons",
              effect="a pulse that holds a photon holds a second one with this probability"),
    Parameter("z_probability", Place.PHOTON_SOURCE, units.DIMENSIONLESS, default=0.5,
              rule=PROBABILITY, unset="0.5: both bases alike", effect=_ALICE_BASIS.effect),
)
# A source of polarisation-entangled pairs (`send pairs(n) to r`): the sender's node keeps
# one photon of each pair, analysed by its own analyser and detectors.
PAIR_SOURCE = _table(
    Parameter("rate", Place.PAIR_SOURCE, units.FREQUENCY, default=None, rule=RATE,
              unset="(required)", effect="pulses per second, as for a laser"),
    Parameter("mean_pairs", Place.PAIR_SOURCE, units.DIMENSIONLESS, default=None,
              rule=NOT_NEGATIVE, unset="(required)",
              effect="μ: pairs per pulse on average; with λ = μ/2, a pulse holds n pairs "
                     "with probability (n + 1) λ^n / (1 + λ)^(n + 2)"),
)
# The receiver's optics before its detectors, for pulse trains.
ANALYSER = _table(
    Parameter("misalignment", Place.ANALYSER, units.DIMENSIONLESS, default=0.0,
              rule=PROBABILITY, unset="0: perfect alignment",
              effect="e_d: a photon in the matching basis reaches the wrong detector with this "
                     "probability"),
    Parameter("z_probability", Place.ANALYSER, units.DIMENSIONLESS, default=0.5,
              rule=PROBABILITY, unset="0.5: both bases alike",
              effect="each pulse is analysed in the Z basis with this probability, else in X"),
    Parameter("efficiency", Place.ANALYSER, units.DIMENSIONLESS, default=1.0,
              rule=PROBABILITY, unset="1: lossless optics",
              effect="the optics pass each photon to the detectors with this probability"),
)

TABLES: dict[Place, dict[str, Parameter]] = {
    Place.NODE: NODE, Place.MEMORY: MEMORY, Place.CHANNEL: CHANNEL, Place.DETECTOR: DETECTOR,
    Place.LASER: LASER, Place.PHOTON_SOURCE: PHOTON_SOURCE, Place.PAIR_SOURCE: PAIR_SOURCE,
    Place.ANALYSER: ANALYSER}

# The kinds of `device` block the simulation models, and the place of their settings.
DEVICE_KINDS: dict[str, Place] = {"threshold_detector": Place.DETECTOR,
                                  "weak_coherent_source": Place.LASER,
                                  "single_photon_source": Place.PHOTON_SOURCE,
                                  "spdc_source": Place.PAIR_SOURCE,
                                  "analyser": Place.ANALYSER}
# Models of the physical layer that a .qnet file does not reach yet, and why.
NOT_IN_QNET: dict[str, str] = {
    "photon_resolving": "photon-number-resolving detectors are modelled by the physical "
                        "layer's trains in Python (docs/physical.md), not yet in a .qnet file",
    "wavelength": "the wavelength acts in the physical layer's beam model (docs/physical.md); "
                  "a .qnet channel's loss is its `attenuation` or `loss_table`"}

SOURCES = (Place.LASER, Place.PHOTON_SOURCE, Place.PAIR_SOURCE)  # a node has one, of any kind

# What is required of a device, by its place.
REQUIRED: dict[Place, tuple[str, ...]] = {Place.LASER: ("rate", "mean_photons"),
                                          Place.PHOTON_SOURCE: ("rate",),
                                          Place.PAIR_SOURCE: ("rate", "mean_pairs")}

# The channel models, and the defaults by which they differ from the table's.
CHANNEL_MODELS: dict[str, dict[str, float]] = {
    "fiber": {"refractive_index": FIBER_REFRACTIVE_INDEX},
    "free_space": {},
}


def unit_dimension(name: str) -> Dimension | None:
    """The dimension of a parameter that is written with a unit (a length, a time...),
    wherever it stands; None for a number or a name that is not a parameter."""
    for table in TABLES.values():
        parameter = table.get(name)
        if parameter is not None and parameter.dimension not in (units.DIMENSIONLESS, None):
            return parameter.dimension
    return None


def place_of(name: str) -> Place | None:
    """The place where a parameter of this name is set, if there is one."""
    return next((place for place, table in TABLES.items() if name in table), None)


@functools.cache
def defaults(place: Place, model: str | None = None) -> Mapping[str, float | None]:
    """The value of every parameter of a place when none is set (of a channel of `model`),
    made once: a network builds a node or channel for each of thousands of members."""
    values = {name: parameter.default for name, parameter in TABLES[place].items()}
    if model is not None:
        values.update(CHANNEL_MODELS[model])
    return MappingProxyType(values)


def t2_exceeds_bound(t1: float | None, t2: float | None) -> bool:
    """T2 <= 2 T1 holds for every qubit: relaxation alone destroys coherence at rate 1/(2 T1)."""
    return t1 is not None and t2 is not None and t2 > 2 * t1
