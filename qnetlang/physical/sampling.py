"""Drawing the pulses of a train that have an event, at the cost of the events rather
than of the pulses, shared by the prepare-and-measure trains (trains.py) and the
entangled pairs (pairs.py).

Every pulse picks a *choice* (bases, bits, intensity: the model's) with a prior
probability; given the choice it has an *event* (a photon or a dark count at some
detector) with probability 1 - none. A train is cut into segments of pulses over
which these probabilities hold. Pulses with an event are found by geometric gaps at
the largest event probability of a block and thinned to each segment's; each then
draws its choice given that it has an event. A detector's clicks follow from the
gates in which it has an event, its dead time and its after-pulses.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qnetlang.physical.devices import ThresholdDetector

CANDIDATES = 1 << 18  # candidate pulses drawn at once: memory stays bounded
EVENTS = 1 << 16  # events whose choices are drawn at once (a row of priors each)

Schedule = float | Callable[[np.ndarray], np.ndarray]  # a value, or one of time (s)


@dataclass
class Choices:
    """Per segment (rows) and choice (columns): what a pulse chooses, and its chance of
    an event."""

    prior: np.ndarray  # (K,) probability of each choice
    none: np.ndarray  # (S, K) no event at any detector, given the choice
    event: np.ndarray  # (S,) P(event) of a pulse of each segment
    per_segment: int  # pulses of a segment (the last may have fewer)
    segments: int
    pulses: int


@dataclass
class Clicks:
    """What one receiver knows of a train: the pulses in which its detectors clicked, in
    order, with its basis (0 Z, 1 X), its bit (a random one for a double click: the
    squashing convention), which detectors clicked (bit j for detector j) and when."""

    pulses: int
    rate: float
    index: np.ndarray  # int64: which pulse of the train
    basis: np.ndarray  # int8
    bit: np.ndarray  # int8
    clicks: np.ndarray  # int8
    time: np.ndarray  # float64 seconds: the first click

    def __len__(self) -> int:
        return len(self.index)


def click_times(index: np.ndarray, clicks: np.ndarray, detectors: tuple[ThresholdDetector, ...],
                rate: float, start: float, delay: Schedule,
                rng: np.random.Generator) -> np.ndarray:
    """When each pulse's first click happens: it leaves at start + k / rate, flies for
    the delay at that moment, and each detector that clicks adds its jitter."""
    emitted = start + index / rate
    flight = schedule_at(delay, emitted)
    if not np.all((flight >= 0) & np.isfinite(flight)):
        raise ValueError("a delay is a time of flight: finite and not negative")
    arrival = emitted + flight
    time = np.full(len(index), np.inf)
    for j, detector in enumerate(detectors):
        jitter = rng.normal(0.0, detector.jitter, len(index)) if detector.jitter else 0.0
        time = np.where((clicks >> j) & 1 == 1, np.minimum(time, arrival + jitter), time)
    return time


def find_sorted(sorted_: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each value is in a sorted array of distinct values, and whether it is there."""
    where = np.searchsorted(sorted_, values)
    if len(sorted_) == 0:
        return where, np.zeros(len(values), dtype=bool)
    return where, sorted_[np.minimum(where, len(sorted_) - 1)] == values


MAX_PULSES = 2 ** 62  # pulse indices are 64-bit integers


def count_pulses(pulses: object) -> int:
    if isinstance(pulses, float) and pulses.is_integer():
        pulses = int(pulses)
    if isinstance(pulses, bool) or not isinstance(pulses, numbers.Integral) or \
            not 0 <= pulses <= MAX_PULSES:
        raise ValueError(f"a train has a whole number of pulses, 0 to 2^62, not {pulses!r}")
    return int(pulses)


def schedule_at(schedule: Schedule, times: np.ndarray) -> np.ndarray:
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
    if isinstance(schedule, bool) or not isinstance(schedule, numbers.Real):
        raise ValueError(f"a schedule is a number or a function of the time, not {schedule!r}")
    return np.full(np.shape(times), float(schedule))


def draw_events(pulses: int, model: Choices, rng: np.random.Generator) -> np.ndarray:
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


def draw_choices(model: Choices, segment: np.ndarray, rng: np.random.Generator,
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


def detector_clicks(fired: np.ndarray, detector: ThresholdDetector, rate: float, pulses: int,
            rng: np.random.Generator) -> np.ndarray:
    """The gates in which a detector clicks, from those with an event: after a click it
    sees nothing until `dead_gates` later, when it may click by an after-pulse."""
    dead = detector.dead_gates(rate)
    if detector.afterpulse == 0:
        return fired if dead == 1 else first_of_each_dead_time(fired, dead)
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


def first_of_each_dead_time(fired: np.ndarray, dead: int) -> np.ndarray:
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
