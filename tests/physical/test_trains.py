"""Pulse trains against closed forms (within 4 standard errors, fixed seeds) and against
the pulse-by-pulse reference (a chi-squared test of homogeneity at significance 1e-4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from qnetlang.physical.devices import (IntensityClass, Receiver, SinglePhotonSource,
                                       ThresholdDetector, Transmitter, WeakCoherentSource)
from qnetlang.physical.trains import Detections, simulate_train
from tests.physical.per_pulse import per_pulse

DECOY = (IntensityClass("signal", 0.6, 0.5), IntensityClass("decoy", 0.1, 0.25),
         IntensityClass("vacuum", 0.0, 0.25))


def laser(*classes: IntensityClass, rate: float = 1e9) -> Transmitter:
    return Transmitter(WeakCoherentSource(rate, classes or DECOY))


def receiver(**detector: float) -> Receiver:
    misalignment = detector.pop("misalignment", 0.0)
    one = ThresholdDetector(**detector)  # type: ignore[arg-type]
    return Receiver((one, one), misalignment=misalignment)


def within(observed: float, expected: float, trials: int) -> bool:
    """`observed` (a fraction of `trials`) within 4 binomial standard errors of `expected`."""
    error = math.sqrt(max(expected * (1 - expected), 1e-300) / trials)
    return abs(observed - expected) <= 4 * error


def test_detection_probability_per_intensity_is_one_minus_exp_minus_eta_mu_plus_darks() -> None:
    eta, efficiency, dark = 10 ** -1.5, 0.45, 2e-4
    found = simulate_train(20_000_000, laser(), receiver(efficiency=efficiency, dark_count=dark),
                           eta, np.random.default_rng(3))
    assert found.sent.sum() == 20_000_000
    for c, kind in enumerate(DECOY):
        gain = 1 - (1 - dark) ** 2 * math.exp(-eta * efficiency * kind.mean)
        assert within((found.intensity == c).sum() / found.sent[c], gain, int(found.sent[c]))
        assert within(found.sent[c] / 20_000_000, kind.probability, 20_000_000)


def test_error_rate_in_matching_bases_is_the_squashed_closed_form() -> None:
    eta, e_d, dark = 0.05, 0.033, 1e-3
    found = simulate_train(4_000_000, laser(), receiver(dark_count=dark, misalignment=e_d),
                           eta, np.random.default_rng(4))
    matching = found.alice_basis == found.bob_basis
    for c, kind in enumerate(DECOY):
        mine = matching & (found.intensity == c)
        right = 1 - (1 - dark) * math.exp(-eta * kind.mean * (1 - e_d))
        wrong = 1 - (1 - dark) * math.exp(-eta * kind.mean * e_d)
        gain = 1 - (1 - right) * (1 - wrong)
        error = (wrong * (1 - right) + 0.5 * wrong * right) / gain
        errors = (found.bob_bit[mine] != found.alice_bit[mine]).mean()
        assert within(errors, error, int(mine.sum()))


def test_dark_counts_alone_click_at_their_rate_in_each_detector() -> None:
    dark = ThresholdDetector.dark_count_per_gate(rate=2e5, gate=1e-9)  # 200 kHz, 1 ns gates
    assert dark == pytest.approx(2e-4, rel=1e-3)
    found = simulate_train(10_000_000, laser(IntensityClass("vacuum", 0.0, 1.0)),
                           receiver(dark_count=dark), 1.0, np.random.default_rng(5))
    for j in (0, 1):
        assert within(((found.clicks >> j) & 1).sum() / 10_000_000, dark, 10_000_000)
    both = (found.clicks == 3).sum() / 10_000_000
    assert within(both, dark ** 2, 10_000_000)


def one_detector(mean: float, dead_time: float = 0.0, afterpulse: float = 0.0,
                 dark: float = 0.0, resolving: bool = False) -> tuple[Transmitter, Receiver]:
    """Only detector 0 sees anything: Alice and Bob in Z, detector 1 blind. So detector 0
    has an event in a gate with probability (1 - exp(-mean)) / 2 + dark (bit 0 only)."""
    transmitter = Transmitter(WeakCoherentSource(1e9, (IntensityClass("signal", mean, 1.0),)),
                              z_probability=1.0)
    detector = ThresholdDetector(dark_count=dark, dead_time=dead_time, afterpulse=afterpulse,
                                 photon_resolving=resolving)
    return transmitter, Receiver((detector, ThresholdDetector(efficiency=0.0)),
                                 z_probability=1.0)


def renewal(event: float, dead: int, afterpulse: float) -> tuple[float, float]:
    """Clicks per gate of a detector with an event in each gate with probability `event`,
    blind for dead - 1 gates after a click and after-pulsing in the next with probability
    `afterpulse` (a renewal process: one over the mean time between clicks), and the
    standard error of that rate over `gates` gates times sqrt(gates)."""
    waiting = dead - 1 + 1 / event  # no after-pulse: dead gates, then geometric
    mean = afterpulse * dead + (1 - afterpulse) * waiting
    square = afterpulse * dead ** 2 + (1 - afterpulse) * ((1 - event) / event ** 2 + waiting ** 2)
    return 1 / mean, math.sqrt((square - mean ** 2) / mean ** 3)


@pytest.mark.parametrize("dead_time, afterpulse", [(20e-9, 0.0), (0.0, 0.08), (50e-9, 0.05)])
def test_dead_time_and_afterpulses_set_the_click_rate(dead_time: float,
                                                      afterpulse: float) -> None:
    mean, gates = 0.1, 2_000_000  # a saturating input: an event in 1 gate of 20
    transmitter, receiver_ = one_detector(mean, dead_time, afterpulse)
    found = simulate_train(gates, transmitter, receiver_, 1.0, np.random.default_rng(6))
    assert (found.clicks == 1).all()
    dead = receiver_.detectors[0].dead_gates(1e9)
    event = -math.expm1(-mean) / 2
    rate, spread = renewal(event, dead, afterpulse)
    assert abs(len(found) / gates - rate) < 4 * spread / math.sqrt(gates)
    assert np.diff(found.index).min() >= dead
    if afterpulse == 0:  # the non-paralysable detector's R / (1 + R tau), per gate
        assert rate == pytest.approx(event / (1 + event * (dead - 1)))


def test_afterpulses_raise_the_dark_click_rate_as_stated() -> None:
    dark, afterpulse, gates = 1e-3, 0.2, 5_000_000
    transmitter, receiver_ = one_detector(0.0, afterpulse=afterpulse, dark=dark)
    found = simulate_train(gates, transmitter, receiver_, 1.0, np.random.default_rng(7))
    rate, spread = renewal(dark, 1, afterpulse)
    assert rate == pytest.approx(dark / (1 - afterpulse * (1 - dark)))
    assert abs(len(found) / gates - rate) < 4 * spread / math.sqrt(gates)
    # an after-pulse comes in the gate right after its click
    following = afterpulse + (1 - afterpulse) * dark
    assert within((np.diff(found.index) == 1).mean(), following, len(found) - 1)


def test_jitter_spreads_the_click_times() -> None:
    jitter = 40e-12
    found = simulate_train(2_000_000, laser(), receiver(jitter=jitter), 0.2,
                           np.random.default_rng(8), start=1.0, delay=5e-6)
    offset = found.time - (1.0 + found.index / 1e9 + 5e-6)
    single = found.clicks != 3  # a double click keeps the earlier of two
    spread = offset[single].std()
    assert abs(spread - jitter) < 4 * jitter / math.sqrt(2 * single.sum())


def test_a_changing_transmittance_acts_segment_by_segment() -> None:
    def eta(time: np.ndarray) -> np.ndarray:
        return np.where(time < 1e-3, 0.2, 0.02)

    found = simulate_train(2_000_000, laser(IntensityClass("signal", 0.5, 1.0)),
                           receiver(), eta, np.random.default_rng(9), step=1e-6)
    for half, value in ((found.index < 1_000_000, 0.2), (found.index >= 1_000_000, 0.02)):
        assert within(half.sum() / 1_000_000, 1 - math.exp(-0.5 * value), 1_000_000)


def test_photon_resolving_detectors_count_the_photons() -> None:
    mean = 3.0
    transmitter, receiver_ = one_detector(mean, resolving=True)
    found = simulate_train(200_000, transmitter, receiver_, 1.0, np.random.default_rng(10))
    assert found.counts is not None
    seen = found.counts[:, 0]
    expected = mean / -math.expm1(-mean)  # Poisson given at least one
    assert abs(seen.mean() - expected) < 4 * seen.std() / math.sqrt(len(seen))
    assert (seen >= 1).all() and (found.counts[:, 1] == 0).all()
    assert within(len(found) / 200_000, -math.expm1(-mean) / 2, 200_000)


def test_photon_counts_of_bright_pulses() -> None:
    from qnetlang.physical.trains import _positive_poisson
    rng = np.random.default_rng(16)
    for mean in (0.2, 3.0, 760.0):  # exp(-760) underflows: no term of it may be needed
        seen = _positive_poisson(np.full(100_000, mean), rng)
        expected = mean / -math.expm1(-mean)
        assert seen.min() >= 1
        assert abs(seen.mean() - expected) < 4 * seen.std() / math.sqrt(len(seen)) + 1e-12


def test_a_single_photon_source_with_multi_photon_emission() -> None:
    source = SinglePhotonSource(1e9, efficiency=0.6, multi_photon=0.1)
    eta = 0.3
    found = simulate_train(2_000_000, Transmitter(source), receiver(), eta,
                           np.random.default_rng(11))
    table = source.photon_numbers()[0]
    nothing = table[0] + table[1] * (1 - eta) + table[2] * (1 - eta) ** 2
    assert within(len(found) / 2_000_000, 1 - nothing, 2_000_000)
    # both detectors at once need two photons, in the other basis split at random
    other = found.alice_basis != found.bob_basis
    assert (found.clicks[other] == 3).any()
    assert not (found.clicks[~other] == 3).any()  # no misalignment, no dark counts


def test_one_seed_gives_one_train() -> None:
    runs = [simulate_train(1_000_000, laser(), receiver(dark_count=1e-4, dead_time=10e-9,
                                                        afterpulse=0.01, jitter=1e-11),
                           0.1, np.random.default_rng(12)) for _ in range(2)]
    for name in ("index", "time", "intensity", "alice_basis", "alice_bit", "bob_basis",
                 "clicks", "bob_bit", "sent"):
        assert np.array_equal(getattr(runs[0], name), getattr(runs[1], name))


def test_a_long_train_costs_its_detections() -> None:
    found = simulate_train(10 ** 11, laser(rate=1e8), receiver(efficiency=0.5, dark_count=1e-8),
                           1e-6, np.random.default_rng(13))
    assert found.sent.sum() == 10 ** 11
    signal = 1 - (1 - 1e-8) ** 2 * math.exp(-1e-6 * 0.5 * 0.6)
    chosen = found.intensity == 0
    assert within(chosen.sum() / found.sent[0], signal, int(found.sent[0]))
    assert found.index.max() < 10 ** 11 and np.all(np.diff(found.index) > 0)


def table(found: Detections) -> np.ndarray:
    """Detections per intensity, bases, Alice's bit and click pattern."""
    cell = (((found.intensity.astype(np.int64) * 2 + found.alice_basis) * 2 + found.bob_basis)
            * 2 + found.alice_bit) * 3 + (found.clicks - 1)
    return np.bincount(cell, minlength=cell.max() + 1)


CONFIGURATIONS = {
    "decoy, darks and misalignment": (laser(), receiver(efficiency=0.6, dark_count=2e-3,
                                                        misalignment=0.05), 0.3),
    "dead time and after-pulses": (laser(), receiver(dark_count=1e-3, dead_time=4e-9,
                                                     afterpulse=0.05), 0.5),
    "single photons": (Transmitter(SinglePhotonSource(1e9, 0.7, 0.2), z_probability=0.7),
                       receiver(dark_count=5e-3, misalignment=0.02), 0.6),
}


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_the_fast_path_agrees_with_the_pulse_by_pulse_reference(name: str) -> None:
    transmitter, receiver_, eta = CONFIGURATIONS[name]
    fast = table(simulate_train(300_000, transmitter, receiver_, eta, np.random.default_rng(14)))
    slow = table(per_pulse(300_000, transmitter, receiver_, eta, np.random.default_rng(15)))
    size = max(len(fast), len(slow))
    counts = np.stack([np.pad(fast, (0, size - len(fast))), np.pad(slow, (0, size - len(slow)))])
    counts = counts[:, counts.sum(axis=0) >= 10]  # cells too rare to test are left out
    assert counts.shape[1] > 10
    assert chi2_contingency(counts).pvalue > 1e-4


def test_inputs_that_are_not_a_train_are_refused_with_the_reason() -> None:
    rng = np.random.default_rng(0)
    assert len(simulate_train(1e4, laser(), receiver(), 0.5, rng).sent) == 3  # 1e4 is whole
    with pytest.raises(ValueError, match="whole number of pulses"):
        simulate_train(10.5, laser(), receiver(), 0.5, rng)
    with pytest.raises(TypeError, match="numpy Generator"):
        simulate_train(10, laser(), receiver(), 0.5, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="time of flight"):
        simulate_train(10_000, laser(), receiver(), 1.0, rng, delay=-5.0)
    with pytest.raises(ValueError, match="numpy's functions"):
        simulate_train(10, laser(), receiver(), lambda t: math.exp(-t), rng)
    constant = simulate_train(100_000, laser(), receiver(), lambda t: 0.1, rng)
    assert len(constant) > 0  # a function may give one number for every time
    with pytest.raises(ValueError, match="is a number"):
        ThresholdDetector(efficiency="high")  # type: ignore[arg-type]


def test_impossible_devices_are_refused() -> None:
    with pytest.raises(ValueError, match="probability"):
        ThresholdDetector(efficiency=1.2)
    with pytest.raises(ValueError, match="add up to 1"):
        WeakCoherentSource(1e9, (IntensityClass("signal", 0.5, 0.6),))
    with pytest.raises(ValueError, match="not negative"):
        ThresholdDetector(dead_time=-1e-9)
    with pytest.raises(ValueError, match="transmittance"):
        simulate_train(10, laser(), receiver(), 1.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="Poisson sources only"):
        simulate_train(10, Transmitter(SinglePhotonSource(1e9, 0.5)),
                       Receiver((ThresholdDetector(photon_resolving=True),) * 2), 0.5,
                       np.random.default_rng(0))
