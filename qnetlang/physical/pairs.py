"""Entangled pairs from a down-conversion source to two receivers (BBM92), simulated at
the cost of their detections rather than of their pulses.

Each pulse of a `PairSource` holds the two-mode squeezed state of a polarisation
singlet: a Gaussian state of four modes (Alice's H and V, Bob's H and V). Each
receiver picks a basis, Z (H/V) or X (D/A), and splits its photons between its
two detectors; its misalignment e_d rotates the polarisation it sees by θ with
sin²θ = e_d (Alice's and Bob's rotations add). Loss (the channel's transmittance,
the receiver's optics, each detector's efficiency) thermalises each mode. All of it
keeps the state Gaussian, so the probability that every detector of a set S sees
no photon is exact and closed:

    P(no photon at S) = 2^|S| / sqrt(det(V_S + I)),

where V_S is the covariance of S's modes (the vacuum's is the identity). Dark counts
are independent of the photons, so P(no event at S) is that times the product of
(1 - d_j) over S, and by inclusion and exclusion each of the 16 patterns of events at
the four detectors has its probability, given the bases. Multi-pair emission, the
photons' bunching in a basis that does not match, and the visibility lost to both
are in these probabilities, not approximated.

The pulses with an event are found as for prepare-and-measure trains (sampling.py):
geometric gaps at the largest event probability, thinned to each segment's; each then
draws its bases, then its pattern. Dead time and after-pulses act on each detector's
clicks. Bob's detector k is the one whose photons are correlated with Alice's
detector k (the singlet's partner polarisation), so that matching bases give equal
bits; a double click gives a random bit (squashing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qnetlang.physical.devices import PairSource, Receiver
from qnetlang.physical.sampling import (Choices, Clicks, Schedule, click_times, count_pulses,
                                        detector_clicks, draw_choices, draw_events, find_sorted,
                                        schedule_at)

# The subsets of the four detectors (Alice's 0 and 1, Bob's 0 and 1), as bit masks.
_SUBSETS = np.arange(16)
_SIZES = np.array([bin(mask).count("1") for mask in _SUBSETS])


@dataclass
class PairDetections:
    """The pulses in which either receiver clicked, in order. Bases are 0 for Z and 1
    for X; `alice_clicks` and `bob_clicks` have bit k set when detector k clicked (0:
    that side saw nothing); a side's bit is its detector's, a random bit for a double
    click, and -1 where it did not click."""

    pulses: int
    rate: float
    index: np.ndarray  # int64: which pulse of the train
    alice_basis: np.ndarray
    bob_basis: np.ndarray
    alice_clicks: np.ndarray
    bob_clicks: np.ndarray
    alice_bit: np.ndarray
    bob_bit: np.ndarray
    alice_time: np.ndarray  # float64 seconds: the side's first click (inf: none)
    bob_time: np.ndarray

    def __len__(self) -> int:
        return len(self.index)

    def sides(self) -> tuple[Clicks, Clicks]:
        """What each receiver knows: the pulses in which it clicked, and its records."""
        return (self._side(self.alice_basis, self.alice_bit, self.alice_clicks, self.alice_time),
                self._side(self.bob_basis, self.bob_bit, self.bob_clicks, self.bob_time))

    def _side(self, basis: np.ndarray, bit: np.ndarray, clicks: np.ndarray,
              time: np.ndarray) -> Clicks:
        seen = clicks > 0
        return Clicks(self.pulses, self.rate, self.index[seen], basis[seen], bit[seen],
                      clicks[seen], time[seen])

    @property
    def coincidences(self) -> np.ndarray:
        """Where both receivers clicked."""
        return (self.alice_clicks > 0) & (self.bob_clicks > 0)


@dataclass
class _PairModel(Choices):
    """The choices (a, β) of a pulse's bases, and per segment and choice the probability
    of each pattern of events at the four detectors."""

    alice_basis: np.ndarray  # (K,)
    bob_basis: np.ndarray
    patterns: np.ndarray  # (S, K, 16): pattern m has events at the detectors of mask m


def simulate_pairs(pulses: int, source: PairSource, alice: Receiver, bob: Receiver,
                   rng: np.random.Generator, *, transmittance_a: Schedule = 1.0,
                   transmittance_b: Schedule = 1.0, start: float = 0.0,
                   step: float = 1e-3, delay_a: Schedule = 0.0,
                   delay_b: Schedule = 0.0) -> PairDetections:
    """The detections of `pulses` pulses of pairs, Alice's photons through a channel of
    transmittance `transmittance_a` and Bob's through `transmittance_b` (numbers, or
    functions of the time, held over segments of `step` seconds), and flying for
    `delay_a` and `delay_b` seconds."""
    pulses = count_pulses(pulses)
    if not isinstance(source, PairSource):
        raise ValueError(f"the source of pairs is a PairSource, not {source!r}")
    if not (isinstance(alice, Receiver) and isinstance(bob, Receiver)):
        raise ValueError("each side of the pairs is a Receiver (its basis choice and its "
                         "two detectors)")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"`rng` is a numpy Generator (np.random.default_rng(seed)), not {rng!r}")
    if any(d.photon_resolving for d in alice.detectors + bob.detectors):
        raise ValueError("pairs are detected by threshold detectors: no photon counts")
    model = _model(pulses, source, alice, bob, transmittance_a, transmittance_b, start, step)
    index = draw_events(pulses, model, rng)
    segment = index // model.per_segment
    choice = draw_choices(model, segment, rng)
    pattern = _draw_patterns(model, segment, choice, rng)
    detectors = alice.detectors + bob.detectors
    clicks = [detector_clicks(index[(pattern >> j) & 1 == 1], detector, source.rate, pulses,
                              rng) for j, detector in enumerate(detectors)]
    detected = np.unique(np.concatenate(clicks)) if any(len(c) for c in clicks) else \
        np.zeros(0, dtype=np.int64)
    where, known = find_sorted(index, detected)
    choices = np.empty(len(detected), dtype=np.int64)
    choices[known] = choice[where[known]]
    quiet = detected[~known]  # after-pulses alone
    choices[~known] = draw_choices(model, quiet // model.per_segment, rng, quiet=True)
    mask = np.zeros(len(detected), dtype=np.int8)
    for j in range(4):
        mask |= find_sorted(clicks[j], detected)[1].astype(np.int8) << j
    alice_clicks, bob_clicks = mask & 3, mask >> 2
    times = [click_times(detected, side, receiver.detectors, source.rate, start, delay, rng)
             for side, receiver, delay in ((alice_clicks, alice, delay_a),
                                           (bob_clicks, bob, delay_b))]
    return PairDetections(pulses, source.rate, detected.astype(np.int64),
                          model.alice_basis[choices].astype(np.int8),
                          model.bob_basis[choices].astype(np.int8), alice_clicks, bob_clicks,
                          _bits(alice_clicks, rng), _bits(bob_clicks, rng), *times)


def expected_pair_events(pulses: int, source: PairSource, alice: Receiver, bob: Receiver, *,
                         transmittance_a: Schedule = 1.0, transmittance_b: Schedule = 1.0,
                         start: float = 0.0, step: float = 1e-3) -> float:
    """How many pulses of pairs have an event at either side's detectors, on average:
    what their simulation costs in time and memory, known before it runs."""
    model = _model(count_pulses(pulses), source, alice, bob, transmittance_a, transmittance_b,
                   start, step)
    first = np.arange(model.segments) * model.per_segment
    sizes = np.minimum(model.per_segment, np.maximum(0, model.pulses - first))
    afterpulse = max(d.afterpulse for d in alice.detectors + bob.detectors)
    return float(model.event @ sizes) * (1 + 2 * afterpulse)


def _bits(clicks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Detector k's bit k; a random bit for both (squashing); -1 for none."""
    random = rng.integers(0, 2, len(clicks))
    return np.select([clicks == 1, clicks == 2, clicks == 3], [0, 1, random], -1).astype(np.int8)


def _model(pulses: int, source: PairSource, alice: Receiver, bob: Receiver,
           transmittance_a: Schedule, transmittance_b: Schedule, start: float,
           step: float) -> _PairModel:
    for name, value in (("start", start), ("step", step)):
        if not math.isfinite(value):
            raise ValueError(f"`{name}` must be finite, not {value}")
    a, beta = (axis.ravel() for axis in np.meshgrid([0, 1], [0, 1], indexing="ij"))
    prior = np.where(a == 0, alice.z_probability, 1 - alice.z_probability) * \
        np.where(beta == 0, bob.z_probability, 1 - bob.z_probability)
    changing = callable(transmittance_a) or callable(transmittance_b)
    if changing and step <= 0:
        raise ValueError(f"the step of a changing transmittance must be > 0, not {step}")
    per_segment = max(1, round(step * source.rate)) if changing else max(1, pulses)
    segments = max(1, math.ceil(pulses / per_segment))
    first = np.arange(segments) * per_segment
    middle = start + (first + np.minimum(per_segment, pulses - first) / 2) / source.rate
    etas = [schedule_at(transmittance_a, middle), schedule_at(transmittance_b, middle)]
    for side, eta in zip(("Alice's", "Bob's"), etas, strict=True):
        wrong = np.flatnonzero(~((eta >= 0) & (eta <= 1)))
        if len(wrong):
            raise ValueError(f"{side} transmittance is {eta[wrong[0]]:g} at "
                             f"{middle[wrong[0]]:g} s: a transmittance lies between 0 and 1")
    quiet = _log_silent(source, alice, bob, etas[0], etas[1], a, beta)  # (S, K, 16)
    patterns = _inclusion_exclusion(quiet)
    none = np.exp(quiet[..., 15])
    event = (prior * -np.expm1(quiet[..., 15])).sum(-1)  # exact where events are rare
    return _PairModel(prior=prior, none=none, event=event, per_segment=per_segment,
                      segments=segments, pulses=pulses, alice_basis=a, bob_basis=beta,
                      patterns=patterns)


def _log_silent(source: PairSource, alice: Receiver, bob: Receiver, eta_a: np.ndarray,
                eta_b: np.ndarray, a: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """log P(no event at any detector of subset m), per segment, choice and subset. With
    V_S + I = 2 (I + X), it is the sum of log(1 - d_j) less half the sum of log1p of X's
    eigenvalues: accurate however close to 1 the probability is (a lossy link)."""
    lam = source.per_mode
    c, s = 2 * lam + 1, 2 * math.sqrt(lam * (lam + 1))
    # Covariance of Alice's H, V and Bob's H, V, quadratures x then p; vacuum = identity.
    state = np.eye(8) * c
    for (i, j), sign in (((0, 3), 1.0), ((1, 2), -1.0)):  # a_H b_V, and - a_V b_H
        state[i, j] = state[j, i] = sign * s
        state[4 + i, 4 + j] = state[4 + j, 4 + i] = -sign * s
    theta_a, theta_b = (math.asin(math.sqrt(r.misalignment)) for r in (alice, bob))
    efficiency = np.array([alice.efficiency * d.efficiency for d in alice.detectors] +
                          [bob.efficiency * d.efficiency for d in bob.detectors])
    dark = np.array([d.dark_count for d in alice.detectors + bob.detectors])
    result = np.empty((len(eta_a), len(a), 16))
    for k, (basis_a, basis_b) in enumerate(zip(a, beta, strict=True)):
        modes = np.zeros((4, 4))  # rows: the detectors' modes, in Alice's and Bob's H, V
        phi = theta_a + basis_a * math.pi / 4
        modes[0, :2], modes[1, :2] = (math.cos(phi), math.sin(phi)), (-math.sin(phi),
                                                                     math.cos(phi))
        psi = -theta_b + basis_b * math.pi / 4  # Bob's 0: the partner of Alice's 0
        modes[2, 2:], modes[3, 2:] = (-math.sin(psi), math.cos(psi)), (math.cos(psi),
                                                                      math.sin(psi))
        passive = np.kron(np.eye(2), modes)
        rotated = passive @ state @ passive.T
        # loss on each detector's mode: per segment, the side's transmittance too
        eta = np.concatenate([np.outer(eta_a, efficiency[:2]), np.outer(eta_b, efficiency[2:])],
                             axis=1)  # (S, 4)
        root = np.sqrt(np.concatenate([eta, eta], axis=1))  # (S, 8)
        lossy = root[:, :, None] * rotated * root[:, None, :] + \
            np.eye(8) * (1 - np.concatenate([eta, eta], axis=1))[:, :, None]
        excess = (lossy - np.eye(8)) / 2
        result[:, k, 0] = 0.0
        for mask in range(1, 16):
            chosen = [j for j in range(4) if mask >> j & 1]
            rows = chosen + [4 + j for j in chosen]
            spectrum = np.linalg.eigvalsh(excess[:, rows][:, :, rows])
            result[:, k, mask] = np.log1p(-dark[chosen]).sum() - \
                0.5 * np.log1p(spectrum).sum(-1)
    return result


def _inclusion_exclusion(quiet: np.ndarray) -> np.ndarray:
    """P(events at exactly the detectors of mask m) from log P(no event at subset m):
    the sum over U within m of (-1)^|U| P(no event outside m, nor at U). For m not
    empty the ones in those probabilities cancel, so the sum is taken of expm1 of their
    logarithms: the small terms keep their precision however rare the events are."""
    patterns = np.zeros_like(quiet)
    patterns[..., 0] = np.exp(quiet[..., 15])
    for clicked in range(1, 16):
        outside = 15 & ~clicked
        for part in _SUBSETS[(_SUBSETS & ~clicked) == 0]:
            patterns[..., clicked] += (-1) ** _SIZES[part] * np.expm1(quiet[..., outside | part])
    return np.clip(patterns, 0.0, None)


def _draw_patterns(model: _PairModel, segment: np.ndarray, choice: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """Each event's pattern, given its choice and that it has one (not pattern 0)."""
    weights = model.patterns[segment, choice, 1:]
    cumulative = np.cumsum(weights, axis=1)
    target = rng.random(len(segment)) * cumulative[:, -1]
    picked = (cumulative <= target[:, None]).sum(axis=1)
    return (1 + np.minimum(picked, 14)).astype(np.int8)

