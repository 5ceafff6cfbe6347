"""Device models of the physical layer, each a frozen record whose values are checked.

Values are in SI units (Hz, s, m); probabilities and efficiencies lie in [0, 1]. A
value that no device could have raises ValueError with the reason, so that a
model never runs with an impossible setting.

A source is described by the generating function G(s) = sum_n P(n) s^n of the
photon number of one pulse of each intensity class: everything a train needs
follows from it (a loss eta turns G(s) into G(1 - eta + eta s)).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from qnetlang.ir import nodes as ir
from qnetlang.ir.nodes import dark_count_per_gate


def _real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"`{name}` is a number, not {value!r}")
    return float(value)


def _probability(name: str, value: float) -> None:
    if not 0.0 <= _real(name, value) <= 1.0:
        raise ValueError(f"`{name}` is a probability: it lies between 0 and 1, not {value}")


def _positive(name: str, value: float) -> None:
    if not 0.0 < _real(name, value) < math.inf:
        raise ValueError(f"`{name}` must be greater than 0 and finite, not {value}")


def _not_negative(name: str, value: float) -> None:
    if not 0.0 <= _real(name, value) < math.inf:
        raise ValueError(f"`{name}` must be finite and not negative, not {value}")


@dataclass(frozen=True)
class IntensityClass:
    """Pulses of one mean photon number (signal, decoy, vacuum), sent with a probability."""

    name: str
    mean: float  # mean photon number per pulse
    probability: float  # that a pulse is of this class

    def __post_init__(self) -> None:
        _not_negative(f"mean photon number of `{self.name}`", self.mean)
        _probability(f"probability of `{self.name}`", self.probability)


@dataclass(frozen=True)
class WeakCoherentSource:
    """An attenuated laser: a pulse of class c holds Poisson(mean_c) photons."""

    rate: float  # pulses per second
    classes: tuple[IntensityClass, ...]

    def __post_init__(self) -> None:
        _positive("rate", self.rate)
        _classes(self.classes)

    poissonian = True

    def generating(self, s: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """G_c(s), for the classes `classes` (indices, broadcast with `s`)."""
        means = np.array([c.mean for c in self.classes])
        return np.exp(means[classes] * (s - 1.0))


@dataclass(frozen=True)
class SinglePhotonSource:
    """A triggered single-photon source: a pulse holds a photon with probability
    `efficiency`, and then a second one with probability `multi_photon`."""

    rate: float
    efficiency: float
    multi_photon: float = 0.0
    classes: tuple[IntensityClass, ...] = field(init=False)

    def __post_init__(self) -> None:
        _positive("rate", self.rate)
        _probability("efficiency", self.efficiency)
        _probability("multi_photon", self.multi_photon)
        mean = self.efficiency * (1.0 + self.multi_photon)
        object.__setattr__(self, "classes", (IntensityClass("signal", mean, 1.0),))

    poissonian = False

    def photon_numbers(self) -> np.ndarray:
        """P(n) for n = 0, 1, 2, one row per class."""
        e, m = self.efficiency, self.multi_photon
        return np.array([[1.0 - e, e * (1.0 - m), e * m]])

    def generating(self, s: np.ndarray, classes: np.ndarray) -> np.ndarray:
        table = self.photon_numbers()[classes]
        return table[..., 0] + table[..., 1] * s + table[..., 2] * s * s


Source = WeakCoherentSource | SinglePhotonSource


@dataclass(frozen=True)
class PairSource:
    """Spontaneous parametric down-conversion into polarisation-entangled pairs: each
    pulse holds the two-mode squeezed state of a singlet, exp(t (a_H† b_V† - a_V† b_H†))
    on the vacuum, whose pairs in each of the two polarisation modes are thermal with
    mean λ = `mean_pairs` / 2. So a pulse holds n pairs with probability
    (n + 1) λ^n / (1 + λ)^(n + 2) (multi-pair emission grows as λ²), and its pairs,
    however many, are anti-correlated in every linear polarisation basis."""

    rate: float  # pulses per second
    mean_pairs: float  # μ = 2λ: pairs per pulse, on average

    def __post_init__(self) -> None:
        _positive("rate", self.rate)
        _not_negative("mean_pairs", self.mean_pairs)

    @property
    def per_mode(self) -> float:
        return self.mean_pairs / 2


def _classes(classes: tuple[IntensityClass, ...]) -> None:
    if not classes:
        raise ValueError("a source needs at least one intensity class")
    names = [c.name for c in classes]
    if len(set(names)) != len(names):
        raise ValueError(f"intensity classes must have different names: {names}")
    total = sum(c.probability for c in classes)
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"the classes' probabilities must add up to 1, not {total:g}")


@dataclass(frozen=True)
class ThresholdDetector:
    """A gated single-photon detector: it clicks in a gate when a photon is detected
    (each with probability `efficiency`) or a dark count happens; after a click it is
    blind for `dead_time`, and it may click once more, in the first gate it sees
    again, with probability `afterpulse`. With `photon_resolving` it also tells how
    many photons it saw (a dark count adds one)."""

    efficiency: float = 1.0
    dark_count: float = 0.0  # probability of a dark count in one gate
    dead_time: float = 0.0  # seconds
    afterpulse: float = 0.0  # probability that a click causes an after-pulse
    jitter: float = 0.0  # standard deviation of the click time, seconds
    photon_resolving: bool = False

    def __post_init__(self) -> None:
        _probability("efficiency", self.efficiency)
        _probability("dark_count", self.dark_count)
        _not_negative("dead_time", self.dead_time)
        _probability("afterpulse", self.afterpulse)
        _not_negative("jitter", self.jitter)

    @staticmethod
    def dark_count_per_gate(rate: float, gate: float) -> float:
        """The probability of a dark count in a gate of `gate` seconds at `rate` per second."""
        _not_negative("dark count rate", rate)
        _not_negative("gate width", gate)
        return dark_count_per_gate(rate, gate) + 0.0  # not -0.0

    def dead_gates(self, pulse_rate: float) -> int:
        """Gates from a click to the first gate whose start is `dead_time` or more later."""
        return max(1, math.ceil(self.dead_time * pulse_rate - 1e-9))


@dataclass(frozen=True)
class Transmitter:
    """BB84 preparation: basis Z with probability `z_probability` (else X), bit uniform."""

    source: Source
    z_probability: float = 0.5

    def __post_init__(self) -> None:
        _probability("z_probability", self.z_probability)


@dataclass(frozen=True)
class Receiver:
    """BB84 analysis with active basis choice and one detector per outcome: detector k
    stands for bit k of the basis chosen. A photon in the matching basis reaches the
    wrong detector with probability `misalignment` (e_d); in the other basis, either
    with probability 1/2. `efficiency` is the optics' transmittance before the
    detectors."""

    detectors: tuple[ThresholdDetector, ThresholdDetector] = (ThresholdDetector(),
                                                               ThresholdDetector())
    z_probability: float = 0.5
    misalignment: float = 0.0
    efficiency: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.detectors, tuple) or len(self.detectors) != 2 or \
                not all(isinstance(d, ThresholdDetector) for d in self.detectors):
            raise ValueError("a BB84 receiver has two detectors, one per bit value: a tuple "
                             "of two ThresholdDetector")
        _probability("z_probability", self.z_probability)
        _probability("misalignment", self.misalignment)
        _probability("efficiency", self.efficiency)


# ---------------------------------------------------------------- from a .qnet network

def transmitter_of(source: ir.Source) -> Transmitter:
    """The transmitter a node's `device` source of pulses declares."""
    assert source.rate is not None and not source.pairs
    if source.kind == "single_photon_source":
        photons: Source = SinglePhotonSource(source.rate, source.efficiency, source.multi_photon)
    else:
        signal = max(0.0, 1.0 - source.decoy_probability - source.vacuum_probability)
        photons = WeakCoherentSource(source.rate, (
            IntensityClass("signal", source.mean_photons or 0.0, signal),
            IntensityClass("decoy", source.decoy, source.decoy_probability),
            IntensityClass("vacuum", 0.0, source.vacuum_probability)))
    return Transmitter(photons, source.z_probability)


def pair_source_of(source: ir.Source) -> PairSource:
    """The source of pairs a node's `device` declares (`spdc_source`)."""
    assert source.rate is not None and source.pairs
    return PairSource(source.rate, source.mean_pairs or 0.0)


def receiver_of(analyser: ir.Analyser | None, detector: ir.Detector | None) -> Receiver:
    """The receiver a node's analyser and detector declare (ideal where it has none)."""
    each = ThresholdDetector() if detector is None else ThresholdDetector(
        detector.efficiency, detector.dark_count_probability, detector.dead_time,
        detector.afterpulse, detector.jitter)
    if analyser is None:
        return Receiver((each, each))
    return Receiver((each, each), analyser.z_probability, analyser.misalignment,
                    analyser.efficiency)
