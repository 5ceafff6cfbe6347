"""A train of BB84 pulses from a transmitter to a receiver, simulated at the cost of its
detections rather than of its pulses.

Each pulse k, sent at `start + k / rate`, is independent of the others: Alice picks an
intensity class c, a basis a and a bit b; Bob picks a basis β; the source emits n
photons (generating function G_c); each photon reaches detector j with probability
q_j = η(t_k) η_Bob η_j f_j, where f_j is detector j's share (1 - e_d or e_d in the
matching basis, 1/2 in the other); detector j has a dark count with probability d_j.
The pulse has an *event* at detector j when a photon reaches it or a dark count
happens there. Events do not depend on what the detectors did before, so they are
drawn first; dead time and after-pulses then act on each detector's actual clicks.

Events without visiting every pulse: pulse k has an event with probability
P(k) = sum over (c, a, b, β) of its prior times 1 - P00, where
P00 = (1 - d_0)(1 - d_1) G_c(1 - q_0 - q_1) is the probability of none at either
detector. Candidates are drawn with geometric gaps at a rate P_max >= P(k) and each is
kept with probability P(k) / P_max (thinning): the kept ones are exactly the pulses
with an event. Each draws its (c, a, b, β) given that it has one, then which
detectors it reaches given those. The pulses without an event are only counted, per
class: Alice knows how many pulses of each class she sent.

The channel's transmittance may change with time (a satellite pass): it is held
constant over segments of `step` seconds, at its value in each segment's middle.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qnetlang.physical.devices import Receiver, ThresholdDetector, Transmitter

CANDIDATES = 1 << 18  # candidate pulses drawn at once: memory stays bounded
EVENTS = 1 << 16  # events whose choices are drawn at once (a row of priors each)

Schedule = float | Callable[[np.ndarray], np.ndarray]  # a value, or one of time (s)


@dataclass
class Detections:
    """The detected pulses of a train, in order, and what each side knows of them.

    Bases are 0 for Z and 1 for X. `clicks` has bit j set when detector j clicked;
    `bob_bit` is the bit of the detector that clicked, a random bit for a double
    click (the squashing convention). `counts` (photon-resolving detectors only) is
    how many photons each detector saw, a dark count or an after-pulse counting one.
    """

    pulses: int
    rate: float
    classes: tuple[str, ...]  # the intensity classes' names, in the source's order
    means: tuple[float, ...]  # and their mean photon numbers
    sent: np.ndarray  # pulses sent of each intensity class
    index: np.ndarray  # int64: which pulse of the train
    time: np.ndarray  # float64 seconds: the first click
    intensity: np.ndarray  # int8: the class of each
    alice_basis: np.ndarray
    alice_bit: np.ndarray
    bob_basis: np.ndarray
    clicks: np.ndarray
    bob_bit: np.ndarray
    counts: np.ndarray | None = None  # (detected, 2) int16

    def __len__(self) -> int:
        return len(self.index)


@dataclass
class _Model:
    """Per segment (rows) and choice (c, a, b, β) (columns): the probabilities a pulse
    needs; and each segment's pulses."""

    prior: np.ndarray  # (K,) probability of each choice
    cls: np.ndarray  # (K,) the class of each choice
    alice_basis: np.ndarray
    alice_bit: np.ndarray
    bob_basis: np.ndarray
    mean_photons: np.ndarray  # (S, K) mean photons reaching each detector: (S, K, 2)
    none: np.ndarray  # (S, K) P00: no event at either detector
    quiet: np.ndarray  # (S, K, 2) no event at detector j
    event: np.ndarray  # (S,) P(k) in each segment
    per_segment: int  # pulses of a segment (the last may have fewer)
    segments: int
    pulses: int


def simulate_train(pulses: int, transmitter: Transmitter, receiver: Receiver,
                   transmittance: Schedule, rng: np.random.Generator, *, start: float = 0.0,
                   step: float = 1e-3, delay: Schedule = 0.0) -> Detections:
    """The detections of a train of `pulses` pulses; `transmittance` is the channel's
    (a number, or a function of the sending time), `delay` the flight time in seconds."""
    pulses = _count(pulses)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"`rng` is a numpy Generator (np.random.default_rng(seed)), not {rng!r}")
    for name, value in (("start", start), ("step", step)):
        if not math.isfinite(value):
            raise ValueError(f"`{name}` must be finite, not {value}")
    source = transmitter.source
    if not source.poissonian and any(d.photon_resolving for d in receiver.detectors):
        raise ValueError("photon-resolving detectors are modelled with Poisson sources only")
    model = _model(pulses, transmitter, receiver, transmittance, start, step)
    index = _events(pulses, model, rng)
    segment = index // model.per_segment
    choice = _choices(model, segment, rng)
    pattern = _patterns(model, segment, choice, rng)
    clicks: list[np.ndarray] = []
    for j, detector in enumerate(receiver.detectors):
        fired = index[(pattern >> j) & 1 == 1]
        clicks.append(_clicks(fired, detector, source.rate, pulses, rng))
    detected = np.concatenate(clicks)
    detected.sort(kind="stable")  # two sorted runs: merged
    detected = detected[np.r_[True, np.diff(detected) > 0]] if len(detected) else detected
    where, known = _find(index, detected)
    choices = np.empty(len(detected), dtype=np.int64)
    choices[known] = choice[where[known]]
    quiet_pulses = detected[~known]  # clicks of after-pulses alone
    choices[~known] = _choices(model, quiet_pulses // model.per_segment, rng, quiet=True)
    sent = _sent(model, segment, choice, quiet_pulses, choices[~known], rng)
    mask = np.zeros(len(detected), dtype=np.int8)
    for j in (0, 1):
        mask |= _find(clicks[j], detected)[1].astype(np.int8) << j
    bob_bit = np.where(mask == 3, rng.integers(0, 2, len(detected)), mask >> 1).astype(np.int8)
    emitted = start + detected / source.rate
    flight = _at(delay, emitted)
    if not np.all((flight >= 0) & np.isfinite(flight)):
        raise ValueError("a delay is a time of flight: finite and not negative")
    arrival = emitted + flight
    time = np.full(len(detected), np.inf)
    for j, detector in enumerate(receiver.detectors):
        jitter = rng.normal(0.0, detector.jitter, len(detected)) if detector.jitter else 0.0
        time = np.where((mask >> j) & 1 == 1, np.minimum(time, arrival + jitter), time)
    counts = None
    if any(d.photon_resolving for d in receiver.detectors):
        counts = _counts(model, detected, known, where, pattern, choice, mask,
                         receiver.detectors, rng)
    return Detections(pulses, source.rate, tuple(c.name for c in source.classes),
                      tuple(c.mean for c in source.classes), sent,
                      detected.astype(np.int64), time,
                      model.cls[choices].astype(np.int8),
                      model.alice_basis[choices].astype(np.int8),
                      model.alice_bit[choices].astype(np.int8),
                      model.bob_basis[choices].astype(np.int8), mask, bob_bit, counts)


def _find(sorted_: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each value is in a sorted array of distinct values, and whether it is there."""
    where = np.searchsorted(sorted_, values)
    if len(sorted_) == 0:
        return where, np.zeros(len(values), dtype=bool)
    return where, sorted_[np.minimum(where, len(sorted_) - 1)] == values


def _count(pulses: object) -> int:
    if isinstance(pulses, float) and pulses.is_integer():
        pulses = int(pulses)
    if isinstance(pulses, bool) or not isinstance(pulses, numbers.Integral) or pulses < 0:
        raise ValueError(f"a train has a whole number of pulses, 0 or more, not {pulses!r}")
    return int(pulses)


def _at(schedule: Schedule, times: np.ndarray) -> np.ndarray:
    """A schedule's values at `times` (seconds): a number, or a function of a numpy array
    of times (a number it returns holds at every time)."""
    if callable(schedule):
        try:
            values = np.asarray(schedule(times), dtype=float)
            return np.broadcast_to(values, np.shape(times)).astype(float)
        except (TypeError, ValueError) as error:
            raise ValueError(f"a schedule is a function of a numpy array of times that "
                             f"gives one value for each (numpy's functions, not math's): "
                             f"{error}") from None
    return np.full(np.shape(times), float(schedule))


def _model(pulses: int, transmitter: Transmitter, receiver: Receiver,
           transmittance: Schedule, start: float, step: float) -> _Model:
    source = transmitter.source
    classes = len(source.classes)
    cls, a, b, beta = (axis.ravel() for axis in np.meshgrid(
        np.arange(classes), [0, 1], [0, 1], [0, 1], indexing="ij"))
    p_class = np.array([c.probability for c in source.classes])
    z_a, z_b = transmitter.z_probability, receiver.z_probability
    prior = p_class[cls] * np.where(a == 0, z_a, 1 - z_a) * 0.5 * np.where(beta == 0, z_b, 1 - z_b)
    e_d = receiver.misalignment
    share0 = np.where(a == beta, np.where(b == 0, 1 - e_d, e_d), 0.5)
    shares = np.stack([share0, 1 - share0], axis=-1)  # (K, 2)
    if callable(transmittance):
        if step <= 0:
            raise ValueError(f"the step of a changing transmittance must be > 0, not {step}")
        per_segment = max(1, round(step * source.rate))
    else:
        per_segment = max(1, pulses)
    segments = max(1, math.ceil(pulses / per_segment))
    first = np.arange(segments) * per_segment
    middle = start + (first + np.minimum(per_segment, pulses - first) / 2) / source.rate
    eta = _at(transmittance, middle)
    if np.any(~((eta >= 0) & (eta <= 1))):
        raise ValueError("a transmittance lies between 0 and 1")
    efficiency = np.array([receiver.efficiency * d.efficiency for d in receiver.detectors])
    reach = eta[:, None, None] * efficiency * shares  # (S, K, 2) q_j
    dark = np.array([d.dark_count for d in receiver.detectors])
    quiet = (1 - dark) * np.stack([source.generating(1 - reach[..., j], cls)
                                   for j in (0, 1)], axis=-1)
    none = np.prod(1 - dark) * source.generating(1 - reach.sum(-1), cls)
    event = (prior * (1 - none)).sum(-1)
    mean = np.array([c.mean for c in source.classes])[cls][None, :, None] * reach
    return _Model(prior, cls, a, b, beta, mean, none, quiet, event, per_segment, segments,
                  pulses)


def _events(pulses: int, model: _Model, rng: np.random.Generator) -> np.ndarray:
    """The pulses with an event, in order: geometric gaps at the largest probability
    of a block of segments, thinned to each segment's."""
    found: list[np.ndarray] = []
    per = model.per_segment
    block = max(1, (1 << 26) // per)  # segments of one block
    for first in range(0, model.segments, block):
        rates = model.event[first:first + block]
        highest = float(rates.max())
        if highest <= 0:
            continue
        begin, end = first * per, min(pulses, (first + len(rates)) * per)
        position = begin - 1
        while position < end - 1:
            expected = (end - 1 - position) * highest
            gaps = rng.geometric(highest, size=int(min(CANDIDATES, expected * 1.05 + 64)))
            candidates = position + np.cumsum(gaps, dtype=np.int64)
            position = int(candidates[-1])
            candidates = candidates[candidates < end]
            if not np.all(rates == highest):
                keep = rng.random(len(candidates)) * highest < model.event[candidates // per]
                candidates = candidates[keep]
            found.append(candidates)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _choices(model: _Model, segment: np.ndarray, rng: np.random.Generator,
             quiet: bool = False) -> np.ndarray:
    """Each pulse's (c, a, b, β), given that it has an event (or, `quiet`, none)."""
    chosen = np.empty(len(segment), dtype=np.int64)
    draws = rng.random(len(segment))
    for at in range(0, len(segment), EVENTS):
        rows = segment[at:at + EVENTS]
        weights = model.prior * (model.none[rows] if quiet else 1 - model.none[rows])
        cumulative = np.cumsum(weights, axis=1)
        target = draws[at:at + EVENTS] * cumulative[:, -1]
        picked = (cumulative <= target[:, None]).sum(axis=1)
        chosen[at:at + EVENTS] = np.minimum(picked, len(model.prior) - 1)
    return chosen


def _patterns(model: _Model, segment: np.ndarray, choice: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """Which detectors each event reaches (bit j: detector j), given its choice."""
    none = model.none[segment, choice]
    quiet0, quiet1 = model.quiet[segment, choice, 0], model.quiet[segment, choice, 1]
    only0, only1 = quiet1 - none, quiet0 - none  # an event at one detector, not the other
    target = rng.random(len(segment)) * (1 - none)
    return np.where(target < only0, 1, np.where(target < only0 + only1, 2, 3)).astype(np.int8)


def _clicks(fired: np.ndarray, detector: ThresholdDetector, rate: float, pulses: int,
            rng: np.random.Generator) -> np.ndarray:
    """The gates in which a detector clicks, from those with an event: after a click it
    sees nothing until `dead_gates` later, when it may click by an after-pulse."""
    dead = detector.dead_gates(rate)
    if detector.afterpulse == 0:
        return fired if dead == 1 else _first_of_each_dead_time(fired, dead)
    clicks: list[int] = []
    events = fired.tolist()
    draws = rng.random(len(events) + 16).tolist()
    drawn = 0
    live = -1  # the first gate the detector sees
    pending = -1  # the gate of an after-pulse to come
    k = 0
    while True:
        while k < len(events) and events[k] < live:
            k += 1
        following = events[k] if k < len(events) else None
        if pending >= 0 and (following is None or pending <= following):
            gate = pending
            if following == pending:
                k += 1
        elif following is not None:
            gate = following
            k += 1
        else:
            break
        clicks.append(gate)
        live = gate + dead
        if drawn == len(draws):
            draws = rng.random(len(draws)).tolist()
            drawn = 0
        pending = live if draws[drawn] < detector.afterpulse and live < pulses else -1
        drawn += 1
    return np.array(clicks, dtype=np.int64)


def _first_of_each_dead_time(fired: np.ndarray, dead: int) -> np.ndarray:
    """The clicks of a detector blind for `dead` - 1 gates after each: from the first
    event, each click's successor is the first event `dead` gates or more later. That
    chain is walked by doubling (the successor of the successor...), so the cost is
    n log n in numpy rather than a step of Python per event."""
    if len(fired) == 0 or np.all(np.diff(fired) >= dead):
        return fired
    after = np.append(np.searchsorted(fired, fired + dead), len(fired))  # len: past the end
    on_chain = np.zeros(len(fired) + 1, dtype=bool)
    on_chain[0] = True
    frontier = np.zeros(1, dtype=np.int64)  # the chain's members found in the last round
    jump = after
    while True:
        reached = jump[frontier]
        reached = reached[~on_chain[reached]]
        if len(reached) == 0:
            break
        on_chain[reached] = True
        frontier = np.flatnonzero(on_chain[:-1])
        jump = jump[jump]
    return fired[on_chain[:-1]]


def _sent(model: _Model, segment: np.ndarray, choice: np.ndarray, quiet: np.ndarray,
          quiet_choice: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pulses sent of each class: those with an event or an after-pulse by their choice,
    the others counted per segment (a multinomial over the classes, given no event)."""
    classes = int(model.cls.max()) + 1
    counted = np.bincount(model.cls[choice], minlength=classes) + \
        np.bincount(model.cls[quiet_choice], minlength=classes)
    first = np.arange(model.segments) * model.per_segment
    size = np.minimum(model.per_segment, np.maximum(0, model.pulses - first))
    others = size - np.bincount(segment, minlength=model.segments) - \
        np.bincount(quiet // model.per_segment, minlength=model.segments)
    weights = np.zeros((model.segments, classes))
    np.add.at(weights.T, model.cls, (model.prior * model.none).T)
    total = weights.sum(axis=1, keepdims=True)  # 0 only where every pulse has an event
    probabilities = np.where(total > 0, weights / np.where(total > 0, total, 1), 1 / classes)
    drawn = rng.multinomial(others, probabilities)
    return counted + drawn.sum(axis=0)


def _counts(model: _Model, detected: np.ndarray, known: np.ndarray, where: np.ndarray,
            pattern: np.ndarray, choice: np.ndarray, mask: np.ndarray,
            detectors: tuple[ThresholdDetector, ThresholdDetector],
            rng: np.random.Generator) -> np.ndarray:
    """Photons each detector saw in each detected pulse (Poisson sources): given that
    it clicked by an event, a dark count with probability d / P(event), photons
    Poisson(λ) with one and at least one without; an after-pulse counts one. A
    threshold detector gives its click."""
    counts = (mask[:, None] >> np.arange(2)) & 1
    counts = counts.astype(np.int16)
    segment = detected[known] // model.per_segment
    for j, detector in enumerate(detectors):
        if not detector.photon_resolving:
            continue
        rows = np.flatnonzero(known)
        physical = ((pattern[where[known]] >> j) & 1 == 1) & ((mask[known] >> j) & 1 == 1)
        rows, seg = rows[physical], segment[physical]
        mean = model.mean_photons[seg, choice[where[rows]], j]
        d = detector.dark_count
        dark = rng.random(len(rows)) * (1 - (1 - d) * np.exp(-mean)) < d
        photons = np.where(dark, rng.poisson(mean), _positive_poisson(mean, rng))
        counts[rows, j] = photons + dark
    return counts


def _positive_poisson(mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Poisson(mean) given that it is at least 1: by inverting its distribution for a
    mean up to 1, and by drawing again where a draw was 0 above (at least 63 % of draws
    are kept there, and no term underflows)."""
    k = np.ones(len(mean), dtype=np.int64)
    small = mean <= 1
    if small.any():
        lam = np.maximum(mean[small], 1e-300)
        draws = rng.random(len(lam))
        found = np.ones(len(lam), dtype=np.int64)
        term = lam * np.exp(-lam) / -np.expm1(-lam)  # P(1)
        cumulative = term.copy()
        for _ in range(200):  # P(k) falls faster than 1/k! with a mean of at most 1
            going = draws > cumulative
            if not going.any():
                break
            found[going] += 1
            term = np.where(going, term * lam / found, term)
            cumulative = np.where(going, cumulative + term, cumulative)
        k[small] = found
    large = np.flatnonzero(~small)
    while len(large):
        drawn = rng.poisson(mean[large])
        k[large] = drawn
        large = large[drawn == 0]
    return k
