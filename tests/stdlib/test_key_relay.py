"""std.key_relay: trusted-relay key distribution with key pools, written in .qnet.

Small networks written here make each rule show: keys relayed over three trusted
nodes arrive identical at both ends, a pool that is exhausted rejects with NO_KEYS,
reservations beyond a node's queue are rejected with QUEUE_FULL, and the links' key
generation follows decoy-state BB84's closed form (qnetlang.physical.keyrate)."""

from __future__ import annotations

from pathlib import Path

import pytest

import qnetlang
from qnetlang.physical.keyrate import Link, infinite_decoy_rate
from qnetlang.results import RunResult
from tests.conftest import ROOT
from tests.runtime.helpers import simulate

# Requests at fixed times (no spread), each end node always asking the same partner.
FIXED = "first = 1 ms, spread = 0 s, gap_spread = 0 s, setup = 0 s"


def total(result: RunResult, name: str) -> float:
    """A total report's value; 0 when no shot reported it."""
    return result.reports[name].mean if name in result.reports else 0.0


def chain(ends: str, repeaters: int, duration: str = "10.5 ms",
          length: str = "10 km") -> str:
    """End nodes e[0] and e[1] joined through `repeaters` trusted nodes in a line."""
    links = [f"link e[0] <-> r[0] {{ classical fiber(length = {length}); "
             f"quantum fiber(length = {length}, attenuation = 0.2 dB/km); }}",
             f"link r[{repeaters - 1}] <-> e[1] {{ classical fiber(length = {length}); "
             f"quantum fiber(length = {length}, attenuation = 0.2 dB/km); }}"]
    links += [f"link r[{k}] <-> r[{k + 1}] {{ classical fiber(length = {length}); "
              f"quantum fiber(length = {length}, attenuation = 0.2 dB/km); }}"
              for k in range(repeaters - 1)]
    return f"""
import std.key_relay;
network line {{
  node e[i in 0..2] {{ qubits 1; }}
  node r[i in 0..{repeaters}] {{ qubits 1; }}
  {chr(10).join(links)}
}}
run relay: key_relay(stations = {repeaters + 2}, ends = 2, partner = 1, {ends})
    on line with station = [e, r] {{
  shots = 1;
  duration = {duration};
}}
"""


def test_keys_relayed_over_three_trusted_nodes_arrive_identical(tmp_path: Path) -> None:
    program = chain(f"{FIXED}, gap = 2 ms, capacity = 120", 3, duration="20.5 ms")
    result = simulate(program, tmp_path, seed=3)
    reports = result.reports
    assert total(result, "requests") == 20  # ten each way, each done within 1 ms
    assert total(result, "completed") == 20
    assert total(result, "rejected_no_keys") == total(result, "rejected_queue_full") == 0
    assert reports["identical"].n == 20 and reports["identical"].mean == 1.0
    assert total(result, "keys_delivered") == 200
    # every request is swapped at the three trusted nodes (members 2, 3 and 4)
    assert reports["relay_station"].counts == {"2": 20, "3": 20, "4": 20}


def test_an_exhausted_pool_rejects_with_no_keys(tmp_path: Path) -> None:
    """Pools of 20 keys serve two requests of 10 each way; generation at 1 kHz refills
    nothing within the run: the other eight of each end's requests are rejected."""
    program = chain(f"{FIXED}, gap = 1 ms, capacity = 20, rate = 1 kHz", 1)
    result = simulate(program, tmp_path, seed=4)
    assert total(result, "requests") == 20
    assert total(result, "completed") == 4
    assert total(result, "rejected_no_keys") == 16
    assert total(result, "rejected_queue_full") == 0


STAR = """
import std.key_relay;
network bridge {{
  node e[i in 0..6] {{ qubits 1; }}
  node r[i in 0..2] {{ qubits 1; }}
  link r[0] <-> r[1] {{ classical fiber(length = 5 km);
                        quantum fiber(length = 5 km, attenuation = 0.2 dB/km); }}
  for i in 0..3 {{
    link e[i] <-> r[0] {{ classical fiber(length = 10 km);
                          quantum fiber(length = 10 km, attenuation = 0.2 dB/km); }}
    link e[i + 3] <-> r[1] {{ classical fiber(length = 10 km);
                              quantum fiber(length = 10 km, attenuation = 0.2 dB/km); }}
  }}
}}
run relay: key_relay(stations = 8, ends = 6, partner = 3, capacity = 20, queue = {queue},
                     {fixed}, gap = 1 s) on bridge with station = [e, r] {{
  shots = 1;
  duration = 50 ms;
}}
"""


@pytest.mark.parametrize(("queue", "rejected"), [(0, 2), (1, 0)])
def test_reservations_beyond_the_queue_are_rejected(tmp_path: Path, queue: int,
                                                    rejected: int) -> None:
    """Three requests cross the bridge r[0] - r[1] each way at once; its pools of 20 keys
    serve two of them. The third reservation waits in the node's queue for the refill,
    or with no room in the queue is rejected with QUEUE_FULL."""
    program = STAR.format(queue=queue, fixed=FIXED)
    result = simulate(program, tmp_path, seed=5)
    assert total(result, "requests") == 6
    assert total(result, "rejected_queue_full") == rejected
    assert total(result, "rejected_no_keys") == 0
    assert total(result, "completed") == 6 - rejected
    assert result.reports["identical"].mean == 1.0


@pytest.mark.parametrize("km", [5.0, 20.0, 60.0])
def test_the_links_key_rate_is_decoy_bb84_s(tmp_path: Path, km: float) -> None:
    program = f"""
import std.key_relay;
network one {{ node a {{ qubits 1; }} }}
protocol rate() {{
  role a {{
    report r = decoy_key_rate({10 ** (-0.2 * km / 10)}, 0.045, 1.7e-6, 0.033, 0.48, 1.16);
  }}
}}
run rate on one with a = a {{ shots = 1; }}
"""
    expected = infinite_decoy_rate(Link(0.2, 0.045, 1.7e-6, 0.033), 0.48, km, 1.16)
    assert simulate(program, tmp_path).reports["r"].mean == pytest.approx(expected, rel=1e-9)


def test_the_beijing_qman_experiment(tmp_path: Path) -> None:
    """Two short points of examples/qman.qnet: every end-to-end key delivered is checked
    identical, requests come about every 20 ms from each of the 18 end nodes, each is
    completed, rejected or still on its way, and a larger pool completes more (the
    outages of a pool that refills less often cost fewer requests)."""
    from examples.qman import plot_capacity, plot_map, table

    program = qnetlang.load(ROOT / "examples" / "qman.qnet")
    sweep = program.sweep({"capacity": [20, 80], "duration": ["0.2 s"]}, jobs=2)
    completed = []
    for _, result in sweep.points:
        assert result.reports["identical"].mean == 1.0
        asked = total(result, "requests")
        assert 18 * 8 <= asked <= 18 * 11  # at |N(10 ms, 5 ms)|, then every |N(20 ms, 5 ms)|
        done = total(result, "completed")
        rejected = total(result, "rejected_no_keys") + total(result, "rejected_queue_full")
        assert 0 <= asked - done - rejected <= 18  # at most one on its way per end node
        assert total(result, "keys_delivered") == 10 * done
        completed.append(done)
    assert completed[1] > completed[0]
    assert "| 80 | 0.2 s |" in table(sweep)
    plot_capacity(sweep, tmp_path / "capacity.png")
    plot_map(sweep.points[1][1], tmp_path / "map.png")
    assert (tmp_path / "capacity.png").stat().st_size > 0 and (tmp_path / "map.png").exists()


def test_a_pool_too_short_for_a_request_refills(tmp_path: Path) -> None:
    """V_m = 25, V_i = 5: after two requests a pool holds 5 keys, not below V_i but too few
    for a request of 10; it goes out of service and refills, so every request completes
    (it would otherwise wait for ever, and reject every later request)."""
    program = chain(f"{FIXED}, gap = 2 ms, capacity = 25, interrupt = 0.2", 1,
                    duration="40.5 ms")
    result = simulate(program, tmp_path, seed=6)
    assert total(result, "requests") == 40
    assert total(result, "completed") == 40
