"""Noise as Kraus operators of single-qubit channels."""

from __future__ import annotations

import math

import numpy as np

from qnetlang.quantum.gates import I2, X, Y, Z

Kraus = list[np.ndarray]


def depolarizing(p: float) -> Kraus:
    """rho -> (1 - p) rho + p I/2: with probability p the qubit is replaced by noise."""
    p = min(max(p, 0.0), 1.0)
    return [math.sqrt(1 - 3 * p / 4) * I2, math.sqrt(p / 4) * X, math.sqrt(p / 4) * Y,
            math.sqrt(p / 4) * Z]


def dephasing(p: float) -> Kraus:
    """rho -> (1 - p) rho + p Z rho Z."""
    p = min(max(p, 0.0), 1.0)
    return [math.sqrt(1 - p) * I2, math.sqrt(p) * Z]


def amplitude_damping(gamma: float) -> Kraus:
    gamma = min(max(gamma, 0.0), 1.0)
    return [np.array([[1, 0], [0, math.sqrt(1 - gamma)]], dtype=complex),
            np.array([[0, math.sqrt(gamma)], [0, 0]], dtype=complex)]


def compose(first: Kraus, second: Kraus) -> Kraus:
    """The channel `second` after `first`."""
    return [b @ a for a in first for b in second]


def memory(duration: float, t1: float | None, t2: float | None,
           depolarizing_time: float | None) -> Kraus | None:
    """Decoherence of a qubit stored for `duration` seconds, or None if there is none.

    T1 gives amplitude damping with gamma = 1 - exp(-t/T1); T2 the dephasing
    left over after T1's share, so that coherences decay as exp(-t/T2);
    `depolarizing_time` T depolarizes with p = 1 - exp(-t/T).
    """
    if duration <= 0:
        return None
    channel: Kraus | None = None
    if t1:
        channel = amplitude_damping(1 - math.exp(-duration / t1))
    if t2:
        # Coherence after T1 damping alone decays as exp(-t/(2 T1)).
        rate = 1 / t2 - (1 / (2 * t1) if t1 else 0.0)
        if rate > 0:
            lam = math.exp(-duration * rate)
            step = dephasing((1 - lam) / 2)
            channel = step if channel is None else compose(channel, step)
    if depolarizing_time:
        step = depolarizing(1 - math.exp(-duration / depolarizing_time))
        channel = step if channel is None else compose(channel, step)
    return channel
