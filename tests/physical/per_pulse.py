"""The reference for qnetlang.physical.trains: every pulse and every photon drawn, and
each detector stepped gate by gate. Slow, and written apart from the fast path (it
shares only the device records), so that agreeing with it means something."""

from __future__ import annotations

import numpy as np

from qnetlang.physical.devices import Receiver, Transmitter, WeakCoherentSource
from qnetlang.physical.trains import Detections


def per_pulse(pulses: int, transmitter: Transmitter, receiver: Receiver, transmittance: float,
              rng: np.random.Generator) -> Detections:
    source = transmitter.source
    probabilities = [c.probability for c in source.classes]
    cls = rng.choice(len(probabilities), pulses, p=probabilities)
    alice_basis = (rng.random(pulses) >= transmitter.z_probability).astype(np.int64)
    alice_bit = rng.integers(0, 2, pulses)
    bob_basis = (rng.random(pulses) >= receiver.z_probability).astype(np.int64)
    if isinstance(source, WeakCoherentSource):
        photons = rng.poisson(np.array([c.mean for c in source.classes])[cls])
    else:
        table = source.photon_numbers()[0]
        photons = rng.choice(len(table), pulses, p=table)
    arriving = rng.binomial(photons, transmittance * receiver.efficiency)
    e_d = receiver.misalignment
    to_zero = np.where(alice_basis == bob_basis, np.where(alice_bit == 0, 1 - e_d, e_d), 0.5)
    first = rng.binomial(arriving, to_zero)
    seen = [rng.binomial(first, receiver.detectors[0].efficiency),
            rng.binomial(arriving - first, receiver.detectors[1].efficiency)]
    clicked = []
    for j, detector in enumerate(receiver.detectors):
        dark = rng.random(pulses) < detector.dark_count
        event = (seen[j] > 0) | dark
        dead = detector.dead_gates(source.rate)
        click = np.zeros(pulses, dtype=bool)
        live, pending = 0, -1
        afterpulses = rng.random(pulses) < detector.afterpulse
        for k in range(pulses):
            if k < live:
                continue
            if event[k] or pending == k:
                click[k] = True
                live = k + dead
                pending = live if afterpulses[k] else -1
        clicked.append(click)
    mask = clicked[0].astype(np.int8) | (clicked[1].astype(np.int8) << 1)
    index = np.flatnonzero(mask)
    mask = mask[index]
    bob_bit = np.where(mask == 3, rng.integers(0, 2, len(index)), mask >> 1).astype(np.int8)
    sent = np.bincount(cls, minlength=len(probabilities))
    return Detections(pulses, source.rate, tuple(c.name for c in source.classes),
                      tuple(c.mean for c in source.classes), sent, index, index / source.rate,
                      cls[index].astype(np.int8), alice_basis[index].astype(np.int8),
                      alice_bit[index].astype(np.int8), bob_basis[index].astype(np.int8),
                      mask, bob_bit)
