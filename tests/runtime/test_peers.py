"""Messages to members worked out as the run goes (`send m to station[k];`) and from any
role (`recv T from any`): each goes where its shot says, over the route of classical
channels when it is not a neighbour, and one seed reproduces the run whatever the jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.codes import Code
from qnetlang.pipeline import check
from qnetlang.runtime.batch import RuntimeFailure
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.runtime.helpers import simulate

KM_US = 1e3 * 1.468 / 299_792_458.0 * 1e6

LINE = """
network line(n: int = 4) {
  node station[i in 0..n] { }
  for i in 0..n - 1 { link station[i] <-> station[i + 1] { classical fiber(length = 10 km); } }
}
"""

RANDOM_DESTINATION = LINE + """
protocol p(n: int = 4) {
  role station[i in 0..n] {
    if (i == 0) {
      int dest = 1 + floor(uniform() * (n - 1));
      send dest to station[dest];
      report sent_to = dest;
    } else {
      select {
        int k = recv int from any => {
          report wrong = k != i;
          report late_us = now() / 1 us - 10 * i * DELAY;
        }
        after 1 ms => { return; }
      }
    }
  }
}
run p on line with station = station { shots = 200; seed = 1; }
""".replace("DELAY", repr(KM_US))


def test_a_message_goes_to_the_member_its_shot_chose_over_the_route(tmp_path: Path) -> None:
    """Station k hears from station 0 after k hops of 10 km, stored and forwarded."""
    result = simulate(RANDOM_DESTINATION, tmp_path)
    assert result.reports["wrong"].mean == 0
    assert abs(result.reports["late_us"].mean) < 1e-6
    counts = result.reports["sent_to"].counts
    assert set(counts) == {"1", "2", "3"} and sum(counts.values()) == 200


def test_a_chain_relays_by_what_each_message_says(tmp_path: Path) -> None:
    """Each station passes the message on to the station its hop count names."""
    program = LINE + """
struct Hop { target: int; hops: int; }
protocol relay(n: int = 4) {
  role station[i in 0..n] {
    if (i == 0) { send Hop(target = n - 1, hops = 0) to station[1]; }
    while (true) {
      select {
        Hop h = recv Hop from any => {
          if (h.target == i) {
            report hops = h.hops + 1;
            report at_us = now() / 1 us;
          } else {
            send Hop(target = h.target, hops = h.hops + 1) to station[h.hops + 2];
          }
        }
      }
    }
  }
}
run relay on line with station = station;
"""
    result = simulate(program, tmp_path)
    assert result.reports["hops"].mean == 3
    assert abs(result.reports["at_us"].mean - 30 * KM_US) < 1e-6


def test_a_member_that_does_not_exist_is_an_error_where_it_is_named(tmp_path: Path) -> None:
    program = LINE + """
protocol p(n: int = 4) {
  role station[i in 0..n] {
    if (i == 0) { int k = floor(uniform() * 2) + 10; send 1 to station[k]; }
  }
}
run p on line with station = station { shots = 4; }
"""
    with pytest.raises(RuntimeFailure) as failure:
        simulate(program, tmp_path)
    assert failure.value.diagnostic.code == Code.RUNTIME_VALUE
    assert "no member of role family `station`, whose members are 0 to 3" in \
        failure.value.diagnostic.message


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_seed_reproduces_computed_destinations(tmp_path: Path, jobs: int) -> None:
    path = tmp_path / "t.qnet"
    path.write_text(RANDOM_DESTINATION)
    checked = check(SourceFile(str(path), path.read_text()), path)
    assert checked.ir is not None
    (run,) = checked.ir.runs
    first = run_shots(run, shots=40, seed=4).to_json()["reports"]
    assert run_shots(run, shots=40, seed=4, jobs=jobs).to_json()["reports"] == first
    assert run_shots(run, shots=40, seed=5).to_json()["reports"] != first


def test_routes_in_a_family_follow_the_network(tmp_path: Path) -> None:
    """On a ring of six, member 0 reaches member 4 through 5, two channels away; its
    neighbours are 1 and 5; a message relayed by `next_hop` arrives after two hops."""
    program = """
struct Hop { target: int; hops: int; }
network ring(n: int = 6) {
  node station[i in 0..n] { }
  for i in 0..n { link station[i] <-> station[(i + 1) % n] { classical fiber(length = 10 km); } }
  link station[0] -> station[1] {
    quantum fiber(length = 25 km, attenuation = 0.2 dB/km, loss = 0.4576 dB);
  }
}
protocol relay(n: int = 6) {
  role station[i in 0..n] {
    if (i == 0) {
      report first_hop = next_hop(4);
      report count = hop_count(4);
      report own = hop_count(0);
      report neighbours = sum(neighbours() * 10 ** indices(2));
      report loss = transmittance(1);
      send Hop(target = 4, hops = 0) to station[next_hop(4)];
    }
    select {
      Hop h = recv Hop from any => {
        if (h.target == i) {
          report hops = h.hops + 1;
          report at_us = now() / 1 us;
        } else {
          send Hop(target = h.target, hops = h.hops + 1) to station[next_hop(h.target)];
        }
      }
      after 1 ms => { return; }
    }
  }
}
run relay on ring with station = station;
"""
    result = simulate(program, tmp_path)
    value = {name: summary.mean for name, summary in result.reports.items()}
    assert (value["first_hop"], value["count"], value["own"]) == (5, 2, 0)
    assert value["loss"] == pytest.approx(10 ** -((25 * 0.2 + 0.4576) / 10))  # with fixed loss
    assert value["neighbours"] == 1 + 5 * 10
    assert value["hops"] == 2 and abs(value["at_us"] - 20 * KM_US) < 1e-6

