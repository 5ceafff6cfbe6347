"""Key rates of decoy-state BB84: the estimates Alice and Bob make from their counts,
and the closed forms they are checked against.

The rate per pulse is GLLP's (Gottesman, Lo, Lütkenhaus, Preskill 2004) as written
by Lo, Ma and Chen (2005):

    R = q { -Q_μ f H2(E_μ) + Q_1 [1 - H2(e_1)] },

q the fraction of pulses kept by sifting (1/2 for BB84 with even bases), Q_μ and
E_μ the signal's gain and error rate, f the error correction's inefficiency, and
Q_1 = Y_1 μ e^-μ, e_1 the single-photon gain and error rate. With infinitely many
decoys Y_1 and e_1 are known; with one weak decoy ν and the vacuum, Ma, Qi, Zhao and
Lo (PRA 72, 012326, 2005) bound them from the counts: Y_1 from below, e_1 from above.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from qnetlang.physical.trains import Detections

E0 = 0.5  # the error rate of a click with no photon: a random bit


def binary_entropy(x: float) -> float:
    if x <= 0.0 or x >= 1.0:
        return 0.0
    return -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def plob(transmittance: float) -> float:
    """The repeaterless bound (Pirandola, Laurenza, Ottaviani, Banchi 2017): secret bits
    per use of a pure-loss channel of this transmittance, -log2(1 - η)."""
    if not 0 <= transmittance <= 1:
        raise ValueError(f"a transmittance lies between 0 and 1, not {transmittance}")
    return -math.log2(1 - transmittance) if transmittance < 1 else math.inf


@dataclass(frozen=True)
class Link:
    """The standard model of a fiber link (as GYS: Gobby, Yuan, Shields 2004):
    transmittance η = 10^(-α L / 10) η_Bob, dark yield Y_0, misalignment e_d."""

    attenuation: float  # dB/km
    receiver: float  # η_Bob, detectors included
    dark_yield: float  # Y_0: a detection with no photon, per pulse
    misalignment: float  # e_d

    def __post_init__(self) -> None:
        if not 0 <= self.attenuation < math.inf:
            raise ValueError(f"`attenuation` is finite and not negative, not {self.attenuation}")
        for name in ("receiver", "dark_yield", "misalignment"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"`{name}` lies between 0 and 1, not {getattr(self, name)}")

    def transmittance(self, km: float) -> float:
        return 10 ** (-self.attenuation * km / 10) * self.receiver

    def gain(self, mean: float, km: float) -> float:
        """Q_μ = Y_0 + 1 - e^(-ημ)."""
        return self.dark_yield - math.expm1(-self.transmittance(km) * mean)

    def error(self, mean: float, km: float) -> float:
        """E_μ = (e_0 Y_0 + e_d (1 - e^(-ημ))) / Q_μ."""
        signal = -math.expm1(-self.transmittance(km) * mean)
        return (E0 * self.dark_yield + self.misalignment * signal) / self.gain(mean, km)

    def single_photons(self, km: float) -> tuple[float, float]:
        """Y_1 = Y_0 + η and e_1 = (e_0 Y_0 + e_d η) / Y_1."""
        eta = self.transmittance(km)
        yield_ = self.dark_yield + eta
        return yield_, (E0 * self.dark_yield + self.misalignment * eta) / yield_


def gllp(mean: float, gain: float, error: float, single_yield: float, single_error: float,
         inefficiency: float, sifting: float = 0.5) -> float:
    """R = q { -Q_μ f H2(E_μ) + Q_1 [1 - H2(e_1)] }, Q_1 = Y_1 μ e^-μ; at or below 0
    no key can be distilled (the value is kept, so that a search can climb out of it)."""
    single_gain = single_yield * mean * math.exp(-mean)
    return sifting * (-gain * inefficiency * binary_entropy(error) +
                      single_gain * (1 - binary_entropy(single_error)))


def vacuum_weak_bounds(signal: float, decoy: float, signal_gain: float, decoy_gain: float,
                       decoy_error: float, dark_yield: float) -> tuple[float, float]:
    """The lower bound on Y_1 and the upper bound on e_1 from a signal μ, a weak decoy
    ν < μ and the vacuum (Ma, Qi, Zhao, Lo 2005, eqs. 34 and 37):

        Y_1 >= μ / (μν - ν²) [Q_ν e^ν - Q_μ e^μ ν²/μ² - (μ² - ν²)/μ² Y_0],
        e_1 <= (E_ν Q_ν e^ν - e_0 Y_0) / (Y_1 ν).
    """
    mu, nu = signal, decoy
    if not 0 < nu < mu:
        raise ValueError(f"the decoy's mean ({nu}) lies between 0 and the signal's ({mu})")
    yield_ = mu / (mu * nu - nu * nu) * (decoy_gain * math.exp(nu) -
                                         signal_gain * math.exp(mu) * nu * nu / (mu * mu) -
                                         (mu * mu - nu * nu) / (mu * mu) * dark_yield)
    if yield_ <= 0:
        return 0.0, 0.5
    error = (decoy_error * decoy_gain * math.exp(nu) - E0 * dark_yield) / (yield_ * nu)
    return yield_, min(max(error, 0.0), 0.5)


def infinite_decoy_rate(link: Link, mean: float, km: float, inefficiency: float) -> float:
    """The rate when Y_1 and e_1 are known exactly (infinitely many decoys)."""
    single_yield, single_error = link.single_photons(km)
    return gllp(mean, link.gain(mean, km), link.error(mean, km), single_yield, single_error,
                inefficiency)


def vacuum_weak_rate(link: Link, mean: float, decoy: float, km: float,
                     inefficiency: float) -> float:
    """The rate with a weak decoy and the vacuum, from the model's expected counts."""
    single_yield, single_error = vacuum_weak_bounds(
        mean, decoy, link.gain(mean, km), link.gain(decoy, km), link.error(decoy, km),
        link.dark_yield)
    return gllp(mean, link.gain(mean, km), link.error(mean, km), single_yield, single_error,
                inefficiency)


def best(rate: Callable[[float], float], low: float = 1e-3,
         high: float = 1.0) -> tuple[float, float]:
    """The argument in [low, high] where a unimodal `rate` is highest, and that rate
    (golden-section search, to 1e-6 of the interval)."""
    ratio = (math.sqrt(5) - 1) / 2
    a, b = low, high
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = rate(c), rate(d)
    while b - a > 1e-6 * (high - low):
        if fc >= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = rate(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = rate(d)
    middle = (a + b) / 2
    return middle, rate(middle)


def cutoff(rate_at: Callable[[float], float], near: float, far: float) -> float:
    """The distance where a rate falling with distance reaches 0 (bisection to 1 m)."""
    if rate_at(far) > 0 or rate_at(near) <= 0:
        raise ValueError(f"the rate does not end between {near} and {far} km")
    while far - near > 1e-3:
        middle = (near + far) / 2
        near, far = (middle, far) if rate_at(middle) > 0 else (near, middle)
    return (near + far) / 2


@dataclass(frozen=True)
class DecoyEstimate:
    """What Alice and Bob learn from a train with a signal, a weak decoy and the vacuum:
    each class's gain and error rate (in matching bases), the bounds on the single
    photons, and the key rate per signal pulse (at or below 0: no key)."""

    gains: dict[str, float]
    errors: dict[str, float]
    single_yield: float  # lower bound on Y_1
    single_error: float  # upper bound on e_1
    rate: float


def decoy_estimate(found: Detections, signal: str, decoy: str, vacuum: str,
                   inefficiency: float, sifting: float | None = None) -> DecoyEstimate:
    """The vacuum + weak decoy estimate (`vacuum_weak_bounds`, `gllp`) from a train's
    detections, its classes named as its source names them. `sifting` (q) is by
    default the fraction of detections in matching bases."""
    index = {name: k for k, name in enumerate(found.classes)}
    for name in (signal, decoy, vacuum):
        if name not in index:
            raise ValueError(f"the train has no intensity class `{name}`: its classes are "
                             f"{', '.join(found.classes)}")
    if found.means[index[vacuum]] != 0:
        raise ValueError(f"`{vacuum}` is not the vacuum: its mean is {found.means[index[vacuum]]}")
    gains, errors = {}, {}
    matching = found.alice_basis == found.bob_basis
    wrong = found.alice_bit != found.bob_bit
    for name, k in index.items():
        mine = found.intensity == k
        gains[name] = float(mine.sum() / found.sent[k]) if found.sent[k] else 0.0
        sifted = int((mine & matching).sum())
        errors[name] = float((mine & matching & wrong).sum() / sifted) if sifted else 0.5
    if sifting is None:
        sifting = float(matching.mean()) if len(found) else 0.5
    mean = found.means[index[signal]]
    single_yield, single_error = vacuum_weak_bounds(
        mean, found.means[index[decoy]], gains[signal], gains[decoy], errors[decoy],
        gains[vacuum])
    rate = gllp(mean, gains[signal], errors[signal], single_yield, single_error, inefficiency,
                sifting)
    return DecoyEstimate(gains, errors, single_yield, single_error, rate)
