"""Decoy-state BB84 over the GYS fiber link: the key rate per pulse from simulated counts,
next to the closed forms, the published numbers and the PLOB bound.

Run: python examples/decoy_gys.py [--plot decoy_gys.png] [--detections N]

The link is that of Gobby, Yuan and Shields (APL 84, 3762, 2004), as used by Ma, Qi,
Zhao and Lo (PRA 72, 012326, 2005): 0.21 dB/km, Bob's transmittance 0.045, dark yield
Y0 = 1.7e-6, misalignment e_d = 3.3 %, error correction at f = 1.22. Alice sends a
signal (its mean chosen for the highest vacuum + weak rate), a weak decoy of 0.1 and
the vacuum, with probabilities 0.5 / 0.25 / 0.25. At each distance a train is
simulated photon by photon (qnetlang.physical, about `--detections` detections), and
Alice and Bob estimate the single photons' yield and error from its counts and turn
them into a rate (qnetlang.physical.keyrate). Ma, Qi, Zhao and Lo give, at 100 km,
1.7186e-5 per pulse with infinitely many decoys (at a signal of 0.475) and 1.4988e-5
with one weak decoy and the vacuum; the key ends near 142 and 140 km.

This is the physical layer used from Python; examples/decoy_bb84.qnet runs the same
link as a `.qnet` program, with the estimate, Cascade and privacy amplification written
in the language (docs/physical.md).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from qnetlang.physical.devices import (IntensityClass, Receiver, ThresholdDetector,
                                       Transmitter, WeakCoherentSource)
from qnetlang.physical.keyrate import (Link, best, cutoff, decoy_estimate, infinite_decoy_rate,
                                       plob, vacuum_weak_rate)
from qnetlang.physical.trains import simulate_train

GYS = Link(attenuation=0.21, receiver=0.045, dark_yield=1.7e-6, misalignment=0.033)
F = 1.22
DECOY = 0.1
PROBABILITIES = {"signal": 0.5, "decoy": 0.25, "vacuum": 0.25}
PUBLISHED = {"infinite decoys at 100 km": 1.7186e-5, "signal mean at 100 km": 0.475,
             "vacuum + weak at 100 km": 1.4988e-5, "cut-off, infinite decoys (km)": 142,
             "cut-off, vacuum + weak (km)": 140}
DISTANCES = (0, 25, 50, 75, 100, 110, 120, 130, 135)


def simulated_rate(km: float, mean: float, detections: float, seed: int) -> float:
    """The vacuum + weak estimate from a train long enough for about `detections`."""
    means = {"signal": mean, "decoy": DECOY, "vacuum": 0.0}
    source = WeakCoherentSource(1e9, tuple(IntensityClass(name, means[name], probability)
                                           for name, probability in PROBABILITIES.items()))
    dark = -math.expm1(0.5 * math.log1p(-GYS.dark_yield))  # Y0 = 1 - (1 - d)^2
    receiver = Receiver((ThresholdDetector(dark_count=dark),) * 2,
                        misalignment=GYS.misalignment, efficiency=GYS.receiver)
    channel = 10 ** (-GYS.attenuation * km / 10)
    pulses = int(detections / (PROBABILITIES["signal"] * mean * GYS.transmittance(km)))
    found = simulate_train(pulses, Transmitter(source), receiver, channel,
                           np.random.default_rng(seed))
    return decoy_estimate(found, "signal", "decoy", "vacuum", F).rate


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", type=Path, help="write the figure here (.png, .svg, .pdf)")
    parser.add_argument("--detections", type=float, default=1e6,
                        help="signal detections simulated at each distance (default 1e6)")
    args = parser.parse_args(argv)
    rows = []
    print(f"{'km':>5}  {'signal':>6}  {'infinite':>10}  {'vac+weak':>10}  {'simulated':>10}  "
          f"{'PLOB':>10}")
    for seed, km in enumerate(DISTANCES):
        mean_infinite, infinite = best(lambda m: infinite_decoy_rate(GYS, m, km, F))
        mean, weak = best(lambda m: vacuum_weak_rate(GYS, m, DECOY, km, F), DECOY + 0.01)
        simulated = simulated_rate(km, mean, args.detections, seed)
        bound = plob(10 ** (-GYS.attenuation * km / 10))
        rows.append({"km": km, "signal": mean, "infinite": infinite, "weak": weak,
                     "simulated": simulated, "plob": bound})
        print(f"{km:>5}  {mean:6.3f}  {infinite:10.4e}  {weak:10.4e}  {simulated:10.4e}  "
              f"{bound:10.4e}")
    mean_100, rate_100 = best(lambda m: infinite_decoy_rate(GYS, m, 100, F))
    weak_100 = best(lambda m: vacuum_weak_rate(GYS, m, DECOY, 100, F), DECOY + 0.01)[1]
    ours = {"infinite decoys at 100 km": rate_100, "signal mean at 100 km": mean_100,
            "vacuum + weak at 100 km": weak_100,
            "cut-off, infinite decoys (km)": cutoff(
                lambda km: best(lambda m: infinite_decoy_rate(GYS, m, km, F))[1], 100, 200),
            "cut-off, vacuum + weak (km)": cutoff(
                lambda km: best(lambda m: vacuum_weak_rate(GYS, m, DECOY, km, F),
                                DECOY + 0.01)[1], 100, 200)}
    print(f"\n{'':32}  {'published':>10}  {'ours':>10}")
    for name, value in PUBLISHED.items():
        print(f"{name:32}  {value:10.5g}  {ours[name]:10.5g}")
    if args.plot is not None:
        plot(rows, args.plot)
    return rows


def plot(rows: list[dict[str, float]], path: Path) -> None:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise SystemExit("the plot needs matplotlib: pip install 'qnetlang[plot]'") from None
    figure = Figure(figsize=(6.4, 4.4), layout="constrained")
    axes = figure.add_subplot()
    km = [row["km"] for row in rows]
    axes.semilogy(km, [row["plob"] for row in rows], "k:", label="PLOB bound")
    axes.semilogy(km, [row["infinite"] for row in rows], "-", label="infinite decoys")
    axes.semilogy(km, [row["weak"] for row in rows], "--", label="vacuum + weak (closed form)")
    kept = [row for row in rows if row["simulated"] > 0]
    axes.semilogy([row["km"] for row in kept], [row["simulated"] for row in kept], "o",
                  label="vacuum + weak, simulated counts")
    axes.set_xlabel("fiber length (km)")
    axes.set_ylabel("key rate (bits per pulse)")
    axes.set_title("Decoy-state BB84 over the GYS link")
    axes.legend()
    figure.savefig(path)


if __name__ == "__main__":
    main()
