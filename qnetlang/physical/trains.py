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
from dataclasses import dataclass

import numpy as np

from qnetlang.physical.devices import Receiver, ThresholdDetector, Transmitter
from qnetlang.physical.sampling import (Choices, Clicks, Schedule, click_times, count_pulses,
                                        detector_clicks, draw_choices, draw_events, find_sorted,
                                        schedule_at)


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

    def received(self) -> Clicks:
        """The receiver's part of it."""
        return Clicks(self.pulses, self.rate, self.index, self.bob_basis, self.bob_bit,
                      self.clicks, self.time)


@dataclass
class _Model(Choices):
    """The choices (c, a, b, β) of a BB84 pulse, and per segment and choice what its
    detectors see."""

    cls: np.ndarray  # (K,) the class of each choice
    alice_basis: np.ndarray
    alice_bit: np.ndarray
    bob_basis: np.ndarray
    mean_photons: np.ndarray  # (S, K, 2) mean photons reaching each detector
    quiet: np.ndarray  # (S, K, 2) no event at detector j


def simulate_train(pulses: int, transmitter: Transmitter, receiver: Receiver,
                   transmittance: Schedule, rng: np.random.Generator, *, start: float = 0.0,
                   step: float = 1e-3, delay: Schedule = 0.0) -> Detections:
    """The detections of a train of `pulses` pulses; `transmittance` is the channel's
    (a number, or a function of the sending time), `delay` the flight time in seconds."""
    pulses = count_pulses(pulses)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"`rng` is a numpy Generator (np.random.default_rng(seed)), not {rng!r}")
    for name, value in (("start", start), ("step", step)):
        if not math.isfinite(value):
            raise ValueError(f"`{name}` must be finite, not {value}")
    source = transmitter.source
    if not source.poissonian and any(d.photon_resolving for d in receiver.detectors):
        raise ValueError("photon-resolving detectors are modelled with Poisson sources only")
    model = _model(pulses, transmitter, receiver, transmittance, start, step)
    index = draw_events(pulses, model, rng)
    segment = index // model.per_segment
    choice = draw_choices(model, segment, rng)
    pattern = _patterns(model, segment, choice, rng)
    clicks: list[np.ndarray] = []
    for j, detector in enumerate(receiver.detectors):
        fired = index[(pattern >> j) & 1 == 1]
        clicks.append(detector_clicks(fired, detector, source.rate, pulses, rng))
    detected = np.concatenate(clicks)
    detected.sort(kind="stable")  # two sorted runs: merged
    detected = detected[np.r_[True, np.diff(detected) > 0]] if len(detected) else detected
    where, known = find_sorted(index, detected)
    choices = np.empty(len(detected), dtype=np.int64)
    choices[known] = choice[where[known]]
    quiet_pulses = detected[~known]  # clicks of after-pulses alone
    choices[~known] = draw_choices(model, quiet_pulses // model.per_segment, rng, quiet=True)
    sent = _sent(model, segment, choice, quiet_pulses, choices[~known], rng)
    mask = np.zeros(len(detected), dtype=np.int8)
    for j in (0, 1):
        mask |= find_sorted(clicks[j], detected)[1].astype(np.int8) << j
    bob_bit = np.where(mask == 3, rng.integers(0, 2, len(detected)), mask >> 1).astype(np.int8)
    time = click_times(detected, mask, receiver.detectors, source.rate, start, delay, rng)
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


# What the records of one detection take while a train is simulated: its pulse number,
# time and choice (8 bytes each), its pattern and clicks, and the sorting between (about
# 110 bytes at the peak of the Micius pass, measured).
BYTES_PER_DETECTION = 128


def expected_events(pulses: int, transmitter: Transmitter, receiver: Receiver,
                    transmittance: Schedule, *, start: float = 0.0, step: float = 1e-3
                    ) -> float:
    """How many pulses of a train have an event at Bob's detectors, on average: what its
    simulation costs in time and memory, known before it runs."""
    model = _model(count_pulses(pulses), transmitter, receiver, transmittance, start, step)
    first = np.arange(model.segments) * model.per_segment
    sizes = np.minimum(model.per_segment, np.maximum(0, model.pulses - first))
    return float(model.event @ sizes) * (1 + max(d.afterpulse for d in receiver.detectors))


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
    eta = schedule_at(transmittance, middle)
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
    return _Model(prior=prior, none=none, event=event, per_segment=per_segment,
                  segments=segments, pulses=pulses, cls=cls, alice_basis=a, alice_bit=b,
                  bob_basis=beta, mean_photons=mean, quiet=quiet)


def _patterns(model: _Model, segment: np.ndarray, choice: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """Which detectors each event reaches (bit j: detector j), given its choice."""
    none = model.none[segment, choice]
    quiet0, quiet1 = model.quiet[segment, choice, 0], model.quiet[segment, choice, 1]
    only0, only1 = quiet1 - none, quiet0 - none  # an event at one detector, not the other
    target = rng.random(len(segment)) * (1 - none)
    return np.where(target < only0, 1, np.where(target < only0 + only1, 2, 3)).astype(np.int8)


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
