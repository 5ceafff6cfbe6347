"""Trusted-relay key distribution on the Beijing quantum metropolitan area network: the
requests each key-pool capacity completes, and where the network is busy.

Run: python examples/qman.py [--plot qman.png] [--map qman_map.png] [--jobs 2]

The QNET paper (its section on a quantum network architecture with resource
management, Fig. 26) runs 18 end nodes that ask for 10 keys of 32 bits with random
other end nodes, first at |N(10 ms, 5 ms)| and then about every 20 ms, over the 35
nodes and 37 fiber links of Beijing's network. Every link keeps key pools of capacity
V_m (20 to 80 keys), stops serving below V_i = V_m / 4 and refills to V_r = V_m; it
simulates 0.1 to 0.6 s. Its finding: the processed requests rise with the capacity
and barely improve past about 40 keys; a few repeaters carry most of the load.

examples/qman.qnet is that experiment in .qnet (std.key_relay); this script runs its
7 x 6 sweep, prints the completed requests of each point, and plots them against the
capacity (a line per simulated time) and the repeaters' load on the map (the swaps
each made, at V_m = 40 and 0.6 s).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import qnetlang

HERE = Path(__file__).resolve().parent
TOPOLOGY = HERE / "data" / "beijing_qman_topology.json"
TOTALS = ("requests", "accepted", "completed", "rejected_no_keys", "rejected_queue_full",
          "keys_delivered")


def total(result: qnetlang.RunResult, name: str) -> int:
    summary = result.reports.get(name)
    return 0 if summary is None else round(summary.mean)


def run_sweep(jobs: int) -> qnetlang.Sweep:
    return qnetlang.load(HERE / "qman.qnet").sweep(jobs=jobs)


def table(sweep: qnetlang.Sweep) -> str:
    lines = ["| V_m | t (s) | " + " | ".join(TOTALS) + " | identical |",
             "|---|---|" + "---|" * (len(TOTALS) + 1)]
    for point, result in sweep.points:
        identical = result.reports.get("identical")
        lines.append(f"| {point['capacity']} | {point['duration']} | " +
                     " | ".join(str(total(result, name)) for name in TOTALS) +
                     f" | {identical.mean if identical else '-'} |")
    return "\n".join(lines)


def plot_capacity(sweep: qnetlang.Sweep, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines: dict[str, list[tuple[int, int]]] = {}
    for point, result in sweep.points:
        lines.setdefault(str(point["duration"]), []).append(
            (int(point["capacity"]), total(result, "completed")))
    figure, axes = plt.subplots(figsize=(6, 4.5))
    for duration, values in lines.items():
        capacities, completed = zip(*sorted(values), strict=True)
        axes.plot(capacities, completed, marker="o", label=f"t = {duration}")
    axes.set_xlabel("key pool capacity V_m (keys)")
    axes.set_ylabel("completed requests")
    axes.set_title("Beijing QMAN: trusted-relay key requests (qnetlang)")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=150)


def plot_map(result: qnetlang.RunResult, path: Path) -> None:
    """The nodes at their latitude and longitude, the repeaters coloured by the swaps
    they made (the counts of `relay_station`, by member: end nodes first, then the
    trusted repeaters and the backbone, as qman.qnet binds them)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    topology = json.loads(TOPOLOGY.read_text())
    order = [node for kind in ("EndNode", "TrustedRepeaterNode", "BackboneNode")
             for node in topology["nodes"] if node["type"] == kind]
    where = {node["name"]: (node["longitude"], node["latitude"]) for node in order}
    counts = result.reports["relay_station"].counts
    load = {node["name"]: counts.get(str(member), 0) for member, node in enumerate(order)}
    figure, axes = plt.subplots(figsize=(7, 6))
    for link in topology["links"]:
        (x1, y1), (x2, y2) = where[link["node1"]], where[link["node2"]]
        axes.plot([x1, x2], [y1, y2], color="0.75", linewidth=1, zorder=1)
    relays = [node for node in order if node["type"] != "EndNode"]
    ends = [node for node in order if node["type"] == "EndNode"]
    shown = axes.scatter([where[n["name"]][0] for n in relays],
                         [where[n["name"]][1] for n in relays],
                         c=[load[n["name"]] for n in relays], cmap="RdYlGn_r", s=120,
                         edgecolors="black", zorder=3)
    axes.scatter([where[n["name"]][0] for n in ends], [where[n["name"]][1] for n in ends],
                 color="tab:blue", s=25, zorder=2, label="end node")
    figure.colorbar(shown, ax=axes, label="swaps made (load)")
    axes.set_xlabel("longitude (°)")
    axes.set_ylabel("latitude (°)")
    axes.set_title("Load on Beijing's trusted repeaters, V_m = 40, 0.6 s")
    axes.legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=150)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", type=Path, help="completed requests against V_m (PNG)")
    parser.add_argument("--map", type=Path, help="the repeaters' load on the map (PNG)")
    parser.add_argument("--jobs", type=int, default=2, help="processes for the sweep")
    args = parser.parse_args()
    started = time.perf_counter()
    sweep = run_sweep(args.jobs)
    wall = time.perf_counter() - started
    print(table(sweep))
    print(f"\n{len(sweep.points)} points in {wall:.1f} s of wall time")
    if args.plot:
        plot_capacity(sweep, args.plot)
    if args.map:
        busiest = next(result for point, result in sweep.points
                       if point["capacity"] == "40" and point["duration"] == "0.6 s")
        plot_map(busiest, args.map)


if __name__ == "__main__":
    main()
