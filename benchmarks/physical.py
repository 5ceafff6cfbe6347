"""Pulse trains (qnetlang.physical.trains): their cost grows with detections, not pulses.

Run: python benchmarks/physical.py [--quick]
- the Micius pass of 2017 (Liao et al., Nature 549, 43): 274 s at 100 MHz, that is
  2.74e10 weak coherent pulses of mean photon number 0.8 / 0.1 / 0 sent with
  probabilities 0.5 / 0.25 / 0.25, through the shared track and link-loss table
  (examples/data), to detectors of efficiency 0.5; the wall time, the detections,
  the sifted key in QNET's convention (signal pulses, matched bases, 90 % kept) and
  its rate at three times, next to the model's closed form;
- BB84 over 10 km of fiber (0.2 dB/km, mean photon number 0.5 at 1 GHz, detectors of
  efficiency 0.1 with dark counts of 1e-6 a gate, dead time 50 ns): sifted bits per
  wall second, as trains grow tenfold (a detection in 57 pulses: the cost is theirs);
- entangled pairs (qnetlang.physical.pairs) from a down-conversion source at 100 MHz,
  0.1 pairs a pulse, down two links of 20 and 25 dB with detectors of efficiency 0.5:
  coincidences and their error rate next to Ma, Fung and Lo's closed form, as trains
  grow tenfold;
- the same trains as `.qnet` programs (`send pulses(n) to r`): examples/micius.qnet's
  whole pass, and examples/decoy_bb84.qnet over 50 km (10^8 pulses, then the decoy
  estimate, Cascade, verification and privacy amplification written in .qnet), and
  pairs (`send pairs(n) to r`): examples/bbm92.qnet's 10^6 pulses over 25 km, each
  from loading the file to the reports.
QNET 1.3, which simulates every photon, reports 300-600 sifted bits per wall second on
fiber, and it did not finish 0.1 s of the Micius pass in 10 minutes (no QNET venv is
needed here: those are its published figures, see the issue tracker).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

from qnetlang.driver import load
from qnetlang.network.curves import read_loss_table, read_track
from qnetlang.physical.channels import FreeSpaceLink
from qnetlang.physical.devices import (IntensityClass, PairSource, Receiver, ThresholdDetector,
                                       Transmitter, WeakCoherentSource)
from qnetlang.physical.pairs import simulate_pairs
from qnetlang.physical.trains import simulate_train

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DATA = EXAMPLES / "data"


def micius(seconds: float) -> None:
    link = FreeSpaceLink(read_track(DATA / "micius2017_track.csv"),
                         read_loss_table(DATA / "micius2017_link_efficiency.csv"))

    source = WeakCoherentSource(1e8, (IntensityClass("signal", 0.8, 0.5),
                                      IntensityClass("decoy", 0.1, 0.25),
                                      IntensityClass("vacuum", 0.0, 0.25)))
    detector = ThresholdDetector(efficiency=0.5)
    start = time.perf_counter()
    found = simulate_train(round(seconds * 1e8), Transmitter(source),
                           Receiver((detector, detector)), link.transmittance,
                           np.random.default_rng(2017), step=0.01, delay=link.delay)
    wall = time.perf_counter() - start
    sifted = (found.intensity == 0) & (found.alice_basis == found.bob_basis)
    print(f"Micius pass, {seconds:g} s of it ({found.pulses:.3g} pulses): {wall:.1f} s wall, "
          f"{len(found):,} detections, {0.9 * sifted.sum() / 1e6:.3f} Mbit sifted "
          "(QNET's convention)")
    print("   t (s)  distance (km)  sifted (bit/s)  closed form (bit/s)")
    for at in (0.0, seconds / 2, seconds - 1):
        window = sifted & (found.time >= at) & (found.time < at + 1)
        times = at + (np.arange(1000) + 0.5) / 1000  # the closed form, averaged over 1 s
        eta = link.transmittance(times) * 0.5
        model = float(np.mean(1e8 * 0.5 * 0.5 * -np.expm1(-eta * 0.8) * 0.9))
        print(f"  {at:6.1f}  {float(link.distance(at + 0.5)) / 1e3:13.1f}  "
              f"{0.9 * window.sum():14.0f}  {model:19.0f}")


def fiber(pulses: int) -> None:
    source = WeakCoherentSource(1e9, (IntensityClass("signal", 0.5, 1.0),))
    detector = ThresholdDetector(efficiency=0.1, dark_count=1e-6, dead_time=50e-9)
    start = time.perf_counter()
    found = simulate_train(pulses, Transmitter(source), Receiver((detector, detector)),
                           10 ** (-0.2 * 10 / 10), np.random.default_rng(10))
    wall = time.perf_counter() - start
    sifted = int((found.alice_basis == found.bob_basis).sum())
    print(f"  {pulses:>14,}  {len(found):>10,}  {sifted:>10,}  {wall:7.2f}  "
          f"{sifted / wall:>12,.0f}")


def pairs(pulses: int) -> None:
    lam, eta_a, eta_b = 0.05, 1e-2 * 0.5, 10 ** -2.5 * 0.5
    detector = ThresholdDetector(efficiency=0.5)
    start = time.perf_counter()
    found = simulate_pairs(pulses, PairSource(1e8, 2 * lam), Receiver((detector, detector)),
                           Receiver((detector, detector)), np.random.default_rng(11),
                           transmittance_a=1e-2, transmittance_b=10 ** -2.5)
    wall = time.perf_counter() - start
    both = found.coincidences & (found.alice_basis == found.bob_basis)
    error = float((found.alice_bit[both] != found.bob_bit[both]).mean()) if both.any() else 0.0
    joint = 1 + eta_a * lam + eta_b * lam - eta_a * eta_b * lam
    gain = 1 - 1 / (1 + eta_a * lam) ** 2 - 1 / (1 + eta_b * lam) ** 2 + 1 / joint ** 2
    expected = 0.5 - eta_a * eta_b * lam * (1 + lam) / (
        (1 + eta_a * lam) * (1 + eta_b * lam) * joint) / gain
    print(f"  {pulses:>14,}  {len(found):>10,}  {int(both.sum()):>12,}  {error:8.4f}  "
          f"{expected:8.4f}  {wall:7.2f}")


def in_qnet(quick: bool) -> None:
    start = time.perf_counter()
    program = load(EXAMPLES / "micius.qnet")
    if quick:
        program = program.given(lasting="27.4 s")
    reports = program.simulate("whole_pass").reports
    wall = time.perf_counter() - start
    print(f"examples/micius.qnet, whole_pass{' (27.4 s of it)' if quick else ''}: "
          f"{wall:.1f} s wall, {reports['sifted_mbit'].mean:.3f} Mbit sifted")
    start = time.perf_counter()
    reports = load(EXAMPLES / "decoy_bb84.qnet").simulate("fifty_km").reports
    wall = time.perf_counter() - start
    value = {name: summary.mean for name, summary in reports.items()}
    print(f"examples/decoy_bb84.qnet, fifty_km (10^8 pulses): {wall:.1f} s wall, "
          f"{value['key_bits']:,.0f} key bits, {value['corrected']:,.0f} corrected, "
          f"{value['leaked']:,.0f} leaked, {value['final_bits']:,.0f} final bits, identical: "
          f"{value['identical'] == 1}")
    start = time.perf_counter()
    reports = load(EXAMPLES / "bbm92.qnet").simulate("pairs").reports
    wall = time.perf_counter() - start
    value = {name: summary.mean for name, summary in reports.items()}
    print(f"examples/bbm92.qnet, pairs (10^6 pulses of pairs): {wall:.1f} s wall, "
          f"{value['coincidences']:.2e} coincidences and {value['sifted']:.2e} sifted a "
          f"pulse, error {value['qber']:.4f}, key {value['key_rate']:.2e} a pulse")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of each workload")
    quick = parser.parse_args().quick
    micius(27.4 if quick else 274.0)
    print("BB84 over 10 km of fiber")
    print(f"  {'pulses':>14}  {'detections':>10}  {'sifted':>10}  {'wall s':>7}  "
          f"{'sifted bit/s':>12}")
    for pulses in (10 ** 7, 10 ** 8) if quick else (10 ** 7, 10 ** 8, 10 ** 9):
        fiber(pulses)
    print("Entangled pairs down two links (20 and 25 dB)")
    print(f"  {'pulses':>14}  {'clicks':>10}  {'coincident':>12}  {'error':>8}  "
          f"{'closed':>8}  {'wall s':>7}")
    for pulses in (10 ** 8, 10 ** 9) if quick else (10 ** 8, 10 ** 9, 10 ** 10):
        pairs(pulses)
    print("As .qnet programs")
    in_qnet(quick)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB (the records of every detection are held at once)")


if __name__ == "__main__":
    main()
