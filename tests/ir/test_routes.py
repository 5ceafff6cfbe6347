"""Classical messages between nodes no channel joins: stored and forwarded along the route
of least delay, arriving after the sum of its channels' delays, on every back end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qnetlang.codes import Code
from qnetlang.ir import nodes as ir
from qnetlang.pipeline import check
from qnetlang.runtime.events import to_ps
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.runtime.helpers import simulate

FIBER = 1.468 / 299_792_458  # seconds per metre

# a - b - c in a line, and a long way round a - d - c; e alone
RING = """
network ring {
  node a { qubits 1; }
  node b { qubits 1; }
  node c { qubits 1; }
  node d { qubits 1; }
  node e { qubits 1; }
  link a <-> b { classical fiber(length = 10 km); }
  link b <-> c { classical fiber(length = 20 km); }
  link a <-> d { classical fiber(length = 15 km); }
  link d <-> c { classical fiber(length = 25 km); }
}
protocol relay {
  role sender {
    send 7 to receiver;
    int back = recv int from receiver;
    report round_trip_us = now() / 1 us;
  }
  role receiver {
    int got = recv int from sender;
    report arrival_us = now() / 1 us;
    report got = got;
    send got + 1 to sender;
  }
}
"""


def network(text: str) -> ir.Network:
    result = check(SourceFile("routes.qnet", text + "run relay on ring with sender = a, "
                                                   "receiver = c;"))
    assert result.ok and result.ir is not None, [d.message for d in result.diagnostics]
    return result.ir.runs[0].network


def test_the_route_is_the_path_of_least_delay() -> None:
    ring = network(RING)
    route = ring.route("a", "c")
    assert route is not None
    assert [(hop.source, hop.target) for hop in route] == [("a", "b"), ("b", "c")]
    assert ring.route("c", "a") is not None and len(ring.route("c", "a") or ()) == 2
    assert ring.route("a", "e") is None and ring.route("a", "a") is None


def test_equal_routes_go_through_the_first_names() -> None:
    text = RING.replace("link a <-> d { classical fiber(length = 15 km); }\n"
                        "  link d <-> c { classical fiber(length = 25 km); }",
                        "link a <-> d { classical fiber(length = 10 km); }\n"
                        "  link d <-> c { classical fiber(length = 20 km); }")
    route = network(text).route("a", "c")
    assert route is not None and [hop.target for hop in route] == ["b", "c"]


def test_a_forwarded_message_arrives_after_the_sum_of_the_delays(tmp_path: Path) -> None:
    text = RING + "run relay on ring with sender = a, receiver = c { shots = 4; }"
    result = simulate(text, tmp_path, shots=4, seed=1)
    one_way = (to_ps(10e3 * FIBER) + to_ps(20e3 * FIBER)) / 1e6
    assert result.reports["arrival_us"].mean == pytest.approx(one_way, abs=1e-9)
    assert result.reports["round_trip_us"].mean == pytest.approx(2 * one_way, abs=1e-9)
    assert result.reports["got"].mean == 7


def test_the_trace_shows_the_route(tmp_path: Path) -> None:
    path = tmp_path / "routes.qnet"
    text = RING + "run relay on ring with sender = a, receiver = c;"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    assert result.ir is not None
    records: list[dict[str, Any]] = []
    run_shots(result.ir.runs[0], shots=1, seed=1, tracer=records.append)
    sends = [r for r in records if r["event"] == "send"]
    assert [r.get("route") for r in sends] == [["a", "b", "c"], ["c", "b", "a"]]


def test_qubits_are_not_forwarded_and_unreachable_nodes_are_refused() -> None:
    qubit = RING.replace("send 7 to receiver;", "qubit q; send q to receiver; send 7 to receiver;") \
        .replace("int got = recv int from sender;",
                 "qubit q = recv qubit from sender; measure q; int got = recv int from sender;")
    found = check(SourceFile("q.qnet", qubit + "run relay on ring with sender = a, receiver = c;"))
    assert [d.code for d in found.diagnostics] == [Code.NO_CHANNEL]
    assert "no quantum channel from `a` to `c`" in found.diagnostics[0].message
    alone = check(SourceFile("e.qnet", RING + "run relay on ring with sender = a, receiver = e;"))
    assert {d.code for d in alone.diagnostics} == {Code.NO_CHANNEL}
    assert "no classical channel or route from `a` to `e`" in alone.diagnostics[0].message


def test_latency_measures_the_route() -> None:
    text = RING.replace("report round_trip_us = now() / 1 us;",
                        "report round_trip_us = now() / 1 us;\n"
                        "    report latency_us = latency(receiver) / 1 us;")
    result = check(SourceFile("l.qnet", text + "run relay on ring with sender = a, "
                                               "receiver = c;"))
    assert result.ok and result.ir is not None
    found = run_shots(result.ir.runs[0], shots=2, seed=1)
    one_way = (to_ps(10e3 * FIBER) + to_ps(20e3 * FIBER)) / 1e6
    assert found.reports["latency_us"].mean == pytest.approx(one_way, abs=1e-9)
