"""Entangled pairs (qnetlang.physical.pairs) against the closed forms of Ma, Fung and Lo
(PRA 76, 012307, 2007) for a down-conversion source with multi-pair emission, and
against a photon-by-photon reference (a chi-squared test of homogeneity at
significance 1e-4). Fixed seeds; tolerances of 4 standard errors.

With λ = μ/2 pairs per polarisation mode and η_A, η_B the two sides' overall
efficiencies, no dark counts and no misalignment, a pulse gives a coincidence with

    Q = 1 - 1/(1 + η_A λ)² - 1/(1 + η_B λ)² + 1/(1 + η_A λ + η_B λ - η_A η_B λ)²

and, in matching bases, a wrong bit among them with

    E Q = Q/2 - η_A η_B λ (1 + λ) / [(1 + η_A λ)(1 + η_B λ) D],
    D = 1 + η_A λ + η_B λ - η_A η_B λ,

so the visibility V = 1 - 2E falls as multi-pair emission grows.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from qnetlang.physical.devices import PairSource, Receiver, ThresholdDetector
from qnetlang.physical.pairs import PairDetections, _model, simulate_pairs


def closed_form(lam: float, eta_a: float, eta_b: float) -> tuple[float, float]:
    """Q and E in matching bases."""
    both = 1 + eta_a * lam + eta_b * lam - eta_a * eta_b * lam
    gain = 1 - 1 / (1 + eta_a * lam) ** 2 - 1 / (1 + eta_b * lam) ** 2 + 1 / both ** 2
    correlated = eta_a * eta_b * lam * (1 + lam) / ((1 + eta_a * lam) * (1 + eta_b * lam) * both)
    return gain, (gain / 2 - correlated) / gain


def receiver(z: float = 0.5, dark_count: float = 0.0, misalignment: float = 0.0,
             dead_time: float = 0.0) -> Receiver:
    detector = ThresholdDetector(dark_count=dark_count, dead_time=dead_time)
    return Receiver((detector, detector), z_probability=z, misalignment=misalignment)


def within(count: float, expected: float, trials: int) -> bool:
    return abs(count / trials - expected) <= 4 * math.sqrt(expected * (1 - expected) / trials)


def matching(found: PairDetections) -> np.ndarray:
    return found.coincidences & (found.alice_basis == found.bob_basis)


@pytest.mark.parametrize("mean_pairs", [0.02, 0.4, 1.0])
def test_matching_bases_follow_the_closed_form(mean_pairs: float) -> None:
    pulses, eta_a, eta_b = 600_000, 0.5, 0.1
    found = simulate_pairs(pulses, PairSource(1e8, mean_pairs), receiver(), receiver(),
                           np.random.default_rng(1), transmittance_a=eta_a,
                           transmittance_b=eta_b)
    gain, error = closed_form(mean_pairs / 2, eta_a, eta_b)
    both = matching(found)
    matched_pulses = int(pulses / 2)  # each side picks Z or X with 1/2
    assert within(both.sum(), gain, matched_pulses)
    assert within((found.alice_bit[both] != found.bob_bit[both]).sum(), error, int(both.sum()))


def test_multi_pair_emission_lowers_the_visibility() -> None:
    visibility = [1 - 2 * closed_form(mu / 2, 0.5, 0.1)[1] for mu in (0.02, 0.4, 1.0)]
    assert visibility[0] > 0.98 and visibility[0] > visibility[1] > visibility[2] > 0.5


def test_unmatched_bases_are_as_likely_to_coincide_and_uncorrelated() -> None:
    pulses = 600_000
    found = simulate_pairs(pulses, PairSource(1e8, 0.4), receiver(), receiver(),
                           np.random.default_rng(2), transmittance_a=0.5, transmittance_b=0.1)
    gain, _ = closed_form(0.2, 0.5, 0.1)
    other = found.coincidences & (found.alice_basis != found.bob_basis)
    assert within(other.sum(), gain, pulses // 2)
    assert within((found.alice_bit[other] != found.bob_bit[other]).sum(), 0.5, int(other.sum()))


def test_dark_counts_alone_click_each_side_independently() -> None:
    pulses, dark = 1_000_000, 0.01
    found = simulate_pairs(pulses, PairSource(1e8, 0.0), receiver(dark_count=dark),
                           receiver(dark_count=dark), np.random.default_rng(3))
    either = 1 - (1 - dark) ** 2
    assert within((found.alice_clicks > 0).sum(), either, pulses)
    assert within(found.coincidences.sum(), either ** 2, pulses)


def test_misalignments_add_as_rotations() -> None:
    # one pair at a time (λ small): a wrong bit with sin²(θ_A + θ_B), sin²θ = e_d
    found = simulate_pairs(4_000_000, PairSource(1e8, 2e-3), receiver(misalignment=0.02),
                           receiver(misalignment=0.03), np.random.default_rng(4))
    both = matching(found)
    expected = math.sin(math.asin(math.sqrt(0.02)) + math.asin(math.sqrt(0.03))) ** 2
    wrong = (found.alice_bit[both] != found.bob_bit[both]).sum()
    assert abs(wrong / both.sum() - expected) <= \
        4 * math.sqrt(expected * (1 - expected) / both.sum()) + 2e-3  # + multi-pair share


def test_dead_time_acts_on_each_detector() -> None:
    source, rng = PairSource(1e9, 0.4), np.random.default_rng(5)
    free = simulate_pairs(200_000, source, receiver(), receiver(), rng)
    blind = simulate_pairs(200_000, source, receiver(dead_time=10e-9), receiver(), rng)
    assert (blind.alice_clicks > 0).sum() < 0.6 * (free.alice_clicks > 0).sum()
    for found in (free, blind):
        for j in (1, 2):
            clicked = found.index[(found.alice_clicks & j) > 0]
            gaps = np.diff(clicked)
            assert found is free or gaps.min() >= 10  # 10 ns at 1 GHz: ten gates


def test_a_long_train_costs_its_detections() -> None:
    found = simulate_pairs(10 ** 10, PairSource(1e8, 0.1), receiver(), receiver(),
                           np.random.default_rng(6), transmittance_a=1e-4, transmittance_b=1e-5)
    assert found.index.max() < 10 ** 10 and np.all(np.diff(found.index) > 0)
    singles = 1 - 1 / (1 + 1e-4 * 0.05) ** 2
    assert within((found.alice_clicks > 0).sum(), singles, 10 ** 10)


def per_pulse(pulses: int, lam: float, eta_a: float, eta_b: float, dark: float,
              rng: np.random.Generator) -> np.ndarray:
    """Both sides in Z, photon by photon: k1 pairs of Alice's H and Bob's V, k2 of
    Alice's V and Bob's H, each thermal with mean λ; each photon detected on its own.
    The pattern of clicks of each pulse (bit j: Alice's 0, 1, Bob's 0, 1)."""
    k1 = rng.geometric(1 / (1 + lam), pulses) - 1
    k2 = rng.geometric(1 / (1 + lam), pulses) - 1
    seen = [rng.binomial(k1, eta_a), rng.binomial(k2, eta_a), rng.binomial(k1, eta_b),
            rng.binomial(k2, eta_b)]
    pattern = np.zeros(pulses, dtype=np.int64)
    for j, photons in enumerate(seen):
        pattern |= (((photons > 0) | (rng.random(pulses) < dark)).astype(np.int64) << j)
    return pattern


def test_the_fast_path_agrees_with_the_photon_by_photon_reference() -> None:
    pulses, lam, eta_a, eta_b, dark = 400_000, 0.3, 0.6, 0.4, 0.01
    fast = simulate_pairs(pulses, PairSource(1e8, 2 * lam), receiver(z=1.0, dark_count=dark),
                          receiver(z=1.0, dark_count=dark), np.random.default_rng(7),
                          transmittance_a=eta_a, transmittance_b=eta_b)
    fast_patterns = np.bincount(fast.alice_clicks + 4 * fast.bob_clicks.astype(np.int64),
                                minlength=16)
    slow = np.bincount(per_pulse(pulses, lam, eta_a, eta_b, dark, np.random.default_rng(8)),
                       minlength=16)
    counts = np.stack([fast_patterns[1:], slow[1:]])  # the pulses with no click aside
    counts = counts[:, counts.sum(axis=0) >= 10]
    assert counts.shape[1] >= 12
    assert chi2_contingency(counts).pvalue > 1e-4


@pytest.mark.parametrize("mean_pairs, eta", [(0.1, 1e-5), (0.01, 1e-6), (0.4, 0.3)])
def test_the_probabilities_keep_their_precision_over_lossy_links(mean_pairs: float,
                                                                 eta: float) -> None:
    # 60 dB a side: a coincidence in 10^14 pulses, its probability still to 1e-6
    lam = mean_pairs / 2

    def seen(x: float) -> float:  # 1 - 1/(1 + xλ)², without losing its digits
        return -math.expm1(-2 * math.log1p(x * lam))

    gain = seen(eta) + seen(eta) - seen(2 * eta - eta * eta)
    both = 1 + 2 * eta * lam - eta * eta * lam
    error = (gain / 2 - eta * eta * lam * (1 + lam) / ((1 + eta * lam) ** 2 * both)) / gain
    model = _model(10, PairSource(1e8, mean_pairs), receiver(), receiver(), eta, eta, 0.0, 1e-3)
    p = model.patterns[0, 0]  # Z and Z
    coincident = [m for m in range(16) if m & 3 and m >> 2]
    wrong = sum(p[m] * (0.5 if 3 in (m & 3, m >> 2) else float((m & 3) != (m >> 2)))
                for m in coincident)
    assert sum(p[m] for m in coincident) == pytest.approx(gain, rel=1e-6)
    assert wrong / gain == pytest.approx(error, rel=1e-6)


def test_impossible_sources_are_refused() -> None:
    for rate, mean in ((0.0, 0.1), (1e8, -0.1), (1e8, math.inf)):
        with pytest.raises(ValueError):
            PairSource(rate, mean)


@pytest.mark.parametrize("change, reason", [
    ({"pulses": 10 ** 20}, "0 to 2^62"),
    ({"source": ThresholdDetector()}, "a PairSource"),
    ({"alice": ThresholdDetector()}, "a Receiver"),
    ({"transmittance_a": "0.5"}, "a number or a function"),
    ({"transmittance_b": 1.5}, "Bob's transmittance is 1.5"),
])
def test_inputs_that_are_not_pairs_are_refused_with_the_reason(change: dict[str, object],
                                                                 reason: str) -> None:
    arguments: dict[str, object] = {"pulses": 10, "source": PairSource(1e8, 0.1),
                                    "alice": receiver(), "bob": receiver(),
                                    "rng": np.random.default_rng(0), **change}
    with pytest.raises(ValueError, match=re.escape(reason)):
        simulate_pairs(**arguments)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="two ThresholdDetector"):
        Receiver((0.5, 0.5))  # type: ignore[arg-type]
