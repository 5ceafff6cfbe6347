"""The Micius satellite-to-ground QKD pass of 2017, photon by photon: the sifted key
rate over the whole 274 s pass, next to the model's closed form and QNET's numbers.

Run: python examples/micius_pass.py [--plot micius.png] [--seconds S]

Liao et al. (Nature 549, 43, 2017) sent decoy-state BB84 from the Micius satellite
to the Xinglong station at 100 MHz, with mean photon numbers 0.8 / 0.1 / 0 sent with
probabilities 0.5 / 0.25 / 0.25, to detectors of efficiency 0.5; the link's loss
follows the satellite's distance (examples/data: the track, 1,196 km down to 645 km
and back up, and the loss against distance). Every one of the 2.74e10 pulses is
simulated, at the cost of its detections. The sifted key counts, as QNET does,
signal pulses detected in matching bases, 90 % of them kept (10 % tested). The
experiment saw about 1 kbit/s at 1,200 km and 12-14 kbit/s near 645 km; QNET's
model of it gives 9.52 kbit/s at 645 km, 0.83 kbit/s at 1,200 km and about 1.59
Mbit in the whole pass.

This is the physical layer used from Python; examples/micius.qnet is the same pass
as a `.qnet` program (`send pulses(n) to r`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from qnetlang.network.curves import read_loss_table, read_track
from qnetlang.physical.channels import FreeSpaceLink
from qnetlang.physical.devices import (IntensityClass, Receiver, ThresholdDetector,
                                       Transmitter, WeakCoherentSource)
from qnetlang.physical.trains import simulate_train

DATA = Path(__file__).resolve().parent / "data"
RATE = 1e8
SIGNAL, KEPT = 0.8, 0.9


def micius() -> FreeSpaceLink:
    return FreeSpaceLink(read_track(DATA / "micius2017_track.csv"),
                         read_loss_table(DATA / "micius2017_link_efficiency.csv"))


def closed_form(link: FreeSpaceLink, times: np.ndarray) -> np.ndarray:
    """Sifted bits per second at each time: signal pulses (1/2) in matching bases (1/2)
    detected, 1 - e^(-η μ) with η the link's transmittance times the detectors' 0.5."""
    return RATE * 0.5 * 0.5 * -np.expm1(-link.transmittance(times) * 0.5 * SIGNAL) * KEPT


def simulate(seconds: float, seed: int = 2017) -> tuple[np.ndarray, np.ndarray]:
    """The sifted bits of each whole second of the first `seconds` of the pass (QNET's
    convention), and the closed form averaged over each second."""
    link = micius()
    source = WeakCoherentSource(RATE, (IntensityClass("signal", SIGNAL, 0.5),
                                       IntensityClass("decoy", 0.1, 0.25),
                                       IntensityClass("vacuum", 0.0, 0.25)))
    detector = ThresholdDetector(efficiency=0.5)
    found = simulate_train(round(seconds * RATE), Transmitter(source),
                           Receiver((detector, detector)), link.transmittance,
                           np.random.default_rng(seed), step=0.01, delay=link.delay)
    sifted = (found.intensity == 0) & (found.alice_basis == found.bob_basis)
    whole = int(seconds)
    per_second = np.bincount((found.index[sifted] // int(RATE)).astype(np.int64),
                             minlength=whole)[:whole] * KEPT
    inside = (np.arange(100) + 0.5) / 100
    model = np.array([closed_form(link, second + inside).mean() for second in range(whole)])
    return per_second, model


def main(argv: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", type=Path, help="write the figure here (.png, .svg, .pdf)")
    parser.add_argument("--seconds", type=float, default=274.0,
                        help="simulate the pass's first S seconds (default: all 274)")
    args = parser.parse_args(argv)
    sifted, model = simulate(args.seconds)
    link = micius()
    print(f"{'t (s)':>6}  {'distance (km)':>13}  {'sifted (bit/s)':>14}  {'model (bit/s)':>13}  "
          f"{'ratio':>6}")
    for second in range(0, len(sifted), 10):
        print(f"{second:6d}  {float(link.distance(second + 0.5)) / 1e3:13.1f}  "
              f"{sifted[second]:14.0f}  {model[second]:13.0f}  "
              f"{sifted[second] / model[second]:6.3f}")
    closest = int(link.track.x[np.argmin(link.track.y)])  # the second of the closest approach
    table = link.loss
    at_645 = RATE * 0.25 * -np.expm1(-10 ** (-float(table(645e3)) / 10) * 0.5 * SIGNAL) * KEPT
    at_1200 = RATE * 0.25 * -np.expm1(-10 ** (-float(table(1200e3)) / 10) * 0.5 * SIGNAL) * KEPT
    rows = [("at 645 km (kbit/s)", 9.52, at_645 / 1e3,
             f"{sifted[closest] / 1e3:.3g} (second {closest})" if closest < len(sifted) else "-"),
            ("at 1,200 km (kbit/s)", 0.83, at_1200 / 1e3,
             f"{sifted[0] / 1e3:.3g} (1,196 km)" if len(sifted) else "-"),
            ("whole pass (Mbit)", 1.59, model.sum() / 1e6, f"{sifted.sum() / 1e6:.3g}")]
    print(f"\n{'':22}  {'QNET (published)':>16}  {'closed form':>11}  {'simulated':>22}")
    for name, published, ours, simulated in rows:
        print(f"{name:22}  {published:16.3g}  {ours:11.3g}  {simulated:>22}")
    print(f"largest gap between a second's sifted bits and the model: "
          f"{np.max(np.abs(sifted / model - 1)):.1%}")
    if args.plot is not None:
        plot(sifted, model, args.plot)
    return sifted, model


def plot(sifted: np.ndarray, model: np.ndarray, path: Path) -> None:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise SystemExit("the plot needs matplotlib: pip install 'qnetlang[plot]'") from None
    figure = Figure(figsize=(6.4, 4.2), layout="constrained")
    axes = figure.add_subplot()
    seconds = np.arange(len(sifted)) + 0.5
    axes.plot(seconds, sifted / 1e3, ".", markersize=3, label="simulated, each second")
    axes.plot(seconds, model / 1e3, "-", label="closed form")
    axes.axhspan(12, 14, color="0.85", label="experiment near 645 km (12-14 kbit/s)")
    axes.axhline(1.0, color="0.5", linestyle=":", label="experiment at 1,200 km (about 1)")
    axes.set_xlabel("time of the pass (s)")
    axes.set_ylabel("sifted key rate (kbit/s)")
    axes.set_title("The Micius pass, 2.74e10 pulses")
    axes.legend(fontsize="small")
    figure.savefig(path)


if __name__ == "__main__":
    main()
