"""`select` in a protocol: the first message to arrive wins (ties: none, arrivals are
ordered), its arm takes it, the `after` arm fires when nothing came in time, what a
`select` did not take waits for a later `recv`, a run's `duration` ends the roles that
serve, and one seed reproduces a run whatever the number of jobs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from qnetlang.pipeline import check
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.runtime.helpers import simulate, within

STAR = """
network star {
  node hub { }
  node spoke[i in 0..3] { }
  for i in 0..3 { link hub <-> spoke[i] { classical fiber(length = (i + 1) * 1 km); } }
}
"""

# One kilometre of fiber takes 4.897 us.
KM_US = 1e3 * 1.468 / 299_792_458.0 * 1e6


def hub_program(hub: str, client: str, settings: str = "") -> str:
    return STAR + f"""
protocol p() {{
  role hub {{ {hub} }}
  role client[i in 0..3] {{ {client} }}
}}
run p on star with hub = hub, client = spoke {{ shots = 4; {settings} }}
"""


SERVE = """
int order = 0;
int total = 0;
while (true) {
  select {
    int k = recv int from client[0] => { order = order * 4 + 1; total += k; }
    int k = recv int from client[1] => { order = order * 4 + 2; total += k; }
    int k = recv int from client[2] => { order = order * 4 + 3; total += k; }
    after 1 ms => {
      report order = order;
      report total = total;
      report ended_us = now() / 1 us;
      return;
    }
  }
}
"""

# client[1] arrives first (9.8 us), then client[2] (10 + 14.7 us), then client[0] (20 +
# 4.9 us): the arms run in that order, 2, 3, 1.
STAGGERED = """
if (i == 0) wait 20 us;
if (i == 2) wait 10 us;
send 10 * (i + 1) to hub;
"""
ORDER = (2 * 4 + 3) * 4 + 1


def test_the_first_message_to_arrive_wins(tmp_path: Path) -> None:
    result = simulate(hub_program(SERVE, STAGGERED), tmp_path)
    assert result.reports["order"].mean == ORDER
    assert result.reports["total"].mean == 60
    last = max(20 + KM_US, 10 + 3 * KM_US, 2 * KM_US)
    within(result, "ended_us", last + 1000, floor=1e-6)  # the timer starts anew each turn


def test_messages_waiting_already_are_taken_in_the_order_they_came(tmp_path: Path) -> None:
    result = simulate(hub_program("wait 100 us; " + SERVE, STAGGERED), tmp_path)
    assert result.reports["order"].mean == ORDER
    within(result, "ended_us", 1100, floor=1e-6)


def test_what_a_select_did_not_take_waits_for_a_later_recv(tmp_path: Path) -> None:
    hub = """
    select {
      int k = recv int from client[1] => { report early = 1; }
      after 1 us => { report early = 0; }
    }
    int late = recv int from client[1];
    report late = late;
    report at_us = now() / 1 us;
    """
    result = simulate(hub_program(hub, "if (i == 1) send 7 to hub;"), tmp_path)
    assert result.reports["early"].mean == 0 and result.reports["late"].mean == 7
    within(result, "at_us", 2 * KM_US, floor=1e-6)


def test_a_duration_ends_a_server_and_its_clients(tmp_path: Path) -> None:
    hub = """
    while (true) {
      select {
        int k = recv int from client[0] => { send k + 1 to client[0]; }
        int k = recv int from client[1] => { send k + 2 to client[1]; }
        int k = recv int from client[2] => { send k + 3 to client[2]; }
      }
    }
    """
    client = """
    while (true) {
      send 10 to hub;
      int answer = recv int from hub;
      report answer = answer - 10 - i;
      report answered_at_us = now() / 1 us;
      wait 1 ms;
    }
    """
    result = simulate(hub_program(hub, client, "duration = 10.5 ms;"), tmp_path)
    assert result.reports["answer"].mean == 1
    # client i's answers come a round trip of 2(i + 1) km after each request, and the
    # requests 1 ms plus that apart: 11 of each fit in 10.5 ms
    rounds = [math.floor((10.5e3 - 2 * (i + 1) * KM_US) / (1e3 + 2 * (i + 1) * KM_US)) + 1
              for i in range(3)]
    assert rounds == [11, 11, 11]
    assert result.reports["answer"].n == 4 * sum(rounds)
    assert result.sim_time_s == pytest.approx(10.5e-3)


RANDOM = "wait uniform() * 30 us; send i to hub;"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_seed_reproduces_a_run_whose_shots_choose_different_arms(tmp_path: Path,
                                                                   jobs: int) -> None:
    path = tmp_path / "t.qnet"
    path.write_text(hub_program(SERVE, RANDOM).replace("shots = 4;", "shots = 12;"))
    checked = check(SourceFile(str(path), path.read_text()), path)
    assert checked.ir is not None
    (run,) = checked.ir.runs
    first = run_shots(run, shots=12, seed=4).to_json()
    assert run_shots(run, shots=12, seed=4, jobs=jobs).to_json()["reports"] == first["reports"]
    assert run_shots(run, shots=12, seed=5).to_json()["reports"] != first["reports"]
    assert len(first["reports"]["order"]["counts"]) > 1  # the shots' orders differ


def test_arms_for_one_source_take_the_messages_of_their_types(tmp_path: Path) -> None:
    hub = """
    while (true) {
      select {
        int k = recv int from client[0] => { report single = k; }
        (int k, bit b) = recv from client[0] => { report pair = k; }
        after 1 ms => { return; }
      }
    }
    """
    client = "if (i == 0) { send (5, 1) to hub; send 3 to hub; }"
    result = simulate(hub_program(hub, client), tmp_path)
    assert (result.reports["single"].mean, result.reports["pair"].mean) == (3, 5)


def test_a_message_goes_to_the_arm_of_its_very_type(tmp_path: Path) -> None:
    """A `bit` arm could hold an int, but the int goes to the `int` arm listed after it."""
    hub = """
    while (true) {
      select {
        bit flag = recv bit from client[0] => { report flag = flag; }
        int k = recv int from client[0] => { report k = k; }
        after 1 ms => { return; }
      }
    }
    """
    client = "if (i == 0) { send 7 to hub; bit f = 1; send f to hub; }"
    result = simulate(hub_program(hub, client), tmp_path)
    assert (result.reports["flag"].mean, result.reports["k"].mean) == (1, 7)
