"""A network imported from a topology file: its nodes and fibers in the IR, role families
bound by node kind, and messages forwarded along the shortest routes networkx finds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx
import pytest

from qnetlang.ir import nodes as ir
from qnetlang.network.files import load_topology
from qnetlang.pipeline import check
from qnetlang.runtime.events import to_ps
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "beijing_routes.qnet"
BEIJING = ROOT / "examples" / "data" / "beijing_qman_topology.json"


def compiled(path: Path) -> ir.Run:
    result = check(SourceFile(str(path), path.read_text()), path)
    assert result.ok and result.ir is not None, [d.message for d in result.diagnostics]
    return result.ir.runs[0]


def test_the_nodes_and_fibers_of_the_file() -> None:
    run = compiled(EXAMPLE)
    network = run.network
    assert len(network.nodes) == 35
    assert len(network.channels) == 37 * 2 * 2  # a classical and a quantum fiber each way
    tr1 = network.nodes["TR1"]
    assert tr1.kind == "TrustedRepeaterNode" and tr1.qubits is None
    assert tr1.position == pytest.approx((39.93055556, 116.2130556))
    fiber = network.channel("Beijing_Backbone", "TR1", "quantum")
    assert fiber is not None and fiber.length == 3080.0 and fiber.refractive_index == 1.468


def test_a_family_bound_by_kind_takes_its_nodes_in_file_order() -> None:
    run = compiled(EXAMPLE)
    ends = [site.name for site in load_topology(BEIJING).sites if site.kind == "EndNode"]
    assert [run.roles[f"end[{k}]"].node for k in range(18)] == ends


def test_messages_take_the_shortest_routes(tmp_path: Path) -> None:
    run = compiled(EXAMPLE)
    graph = networkx.Graph()
    for span in load_topology(BEIJING).spans:
        assert span.classical is not None
        graph.add_edge(span.a, span.b, length=span.classical.length)
    records: list[dict[str, Any]] = []
    result = run_shots(run, shots=1, seed=0, tracer=records.append)
    arrivals = []
    for record in (r for r in records if r["event"] == "send"):
        route = record.get("route") or [record["node"], run.roles[record["to"]].node]
        source, target = route[0], route[-1]
        assert sum(graph.edges[a, b]["length"] for a, b in zip(route, route[1:])) == \
            pytest.approx(networkx.shortest_path_length(graph, source, target, "length"))
        hops = [run.network.channel(a, b, "classical") for a, b in zip(route, route[1:])]
        arrivals.append(sum(to_ps(hop.delay) for hop in hops if hop is not None))
    assert len(arrivals) == 18
    assert result.reports["one_way_us"].mean == pytest.approx(sum(arrivals) / 18 / 1e6)


def diagnosed(tmp_path: Path, network: str, binding: str = "end = nodes(\"EndNode\")") -> list[str]:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "beijing.json").write_text(BEIJING.read_text())
    text = network + """
protocol ring(n: int = 2) {
  role end[i in 0..n] {
    send i to end[(i + 1) % n];
    int from_before = recv int from end[(i + n - 1) % n];
  }
}
run ring(n = 18) on beijing with """ + binding + ";\n"
    path = tmp_path / "net.qnet"
    path.write_text(text)
    return [f"{d.code}: {d.message}" for d in check(SourceFile(str(path), text), path).diagnostics]


def test_mistakes_with_imported_networks_are_each_reported_once(tmp_path: Path) -> None:
    twice = 'network beijing { import "data/beijing.json"; import "data/beijing.json"; }'
    assert diagnosed(tmp_path, twice) == \
        ["E0517: this network imports this topology already"]
    over = 'network beijing { import "data/beijing.json";\n' \
           '  link EN2 <-> EN3 { classical fiber(length = 1 km); } }'
    found = diagnosed(tmp_path, over)
    assert len(found) == 2 and all(d.startswith("E0519: a second classical channel")
                                   for d in found)
    missing = 'network beijing { import "data/nowhere.json";\n' \
              '  link EN2 <-> EN3 { classical fiber(length = 1 km); } }'
    (only,) = diagnosed(tmp_path, missing)  # no consequences: the links' nodes are unknown
    assert only.startswith("E0517: cannot import this topology: no file")
    plain = 'network beijing { import "data/beijing.json"; }'
    assert diagnosed(tmp_path, plain, "end = nodes(EndNode)") == \
        ["E0506: `nodes` takes one kind, in quotes"]


SET_UP = """network beijing {
  import "data/beijing.json" {
    node TrustedRepeaterNode { qubits 4; memory { t2 = 1 ms; } }
    node EndNode { qubits 2; gate_error = 0.01; }
    quantum fiber(attenuation = 0.2 dB/km);
    classical free_space;
  }
}"""


def test_the_import_block_sets_up_each_kind_and_each_kind_of_channel(tmp_path: Path) -> None:
    assert diagnosed(tmp_path, SET_UP) == []
    path = tmp_path / "net.qnet"
    run = compiled(path)
    nodes = run.network.nodes
    assert (nodes["TR1"].qubits, nodes["TR1"].memory.t2, nodes["TR1"].gate_error) == \
        (4, 1e-3, 0.0)
    assert (nodes["EN1"].qubits, nodes["EN1"].memory.t2, nodes["EN1"].gate_error) == \
        (2, None, 0.01)
    assert nodes["Beijing_Backbone"].qubits is None  # a kind with no block: as the file has it
    quantum = run.network.channel("Beijing_Backbone", "TR1", "quantum")
    classical = run.network.channel("Beijing_Backbone", "TR1", "classical")
    assert quantum is not None and classical is not None
    assert (quantum.model, quantum.length, quantum.attenuation) == ("fiber", 3080.0, 0.2e-3)
    assert (classical.model, classical.refractive_index) == ("free_space", 1.0)


def test_a_node_of_the_file_set_up_on_its_own(tmp_path: Path) -> None:
    own = SET_UP.replace("node EndNode { qubits 2; gate_error = 0.01; }",
                         "node EndNode { qubits 2; gate_error = 0.01; }\n"
                         "    node EN8 { qubits 6; memory { t1 = 5 ms; } }")
    assert diagnosed(tmp_path, own) == []
    nodes = compiled(tmp_path / "net.qnet").network.nodes
    assert (nodes["EN8"].qubits, nodes["EN8"].memory.t1, nodes["EN8"].gate_error) == \
        (6, 5e-3, 0.0)  # its own block, not its kind's
    assert (nodes["EN7"].qubits, nodes["EN7"].gate_error) == (2, 0.01)
    twice = own.replace("node EN8 {", "node EN8 { }\n    node EN8 {")
    assert diagnosed(tmp_path, twice) == ["E0302: `EN8` is set up twice"]


def test_what_the_import_block_cannot_set_up(tmp_path: Path) -> None:
    wrong = SET_UP.replace("node EndNode {", "node EndNodes {") \
        .replace("quantum fiber(attenuation = 0.2 dB/km);", "quantum fiber(length = 2 km);")
    assert diagnosed(tmp_path, wrong) == [
        'E0518: the file has no node or kind "EndNodes"',
        "E0302: `length` is set beside the file, which gives each link its length"]
    data = json.loads(BEIJING.read_text())
    data["links"][0]["qchannel"]["attenuation"] = 0  # given, even if 0: the file's
    own = json.dumps(data)
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "own.json").write_text(own)
    found = diagnosed(tmp_path, SET_UP.replace("data/beijing.json", "data/own.json"))
    assert found == ["E0302: `attenuation` is set twice: the file gives the link "
                     "Beijing_Backbone - TR1 its own"]


def test_a_topology_is_not_imported_in_a_loop(tmp_path: Path) -> None:
    looped = 'network beijing { for i in 0..2 { import "data/beijing.json"; } }'
    assert diagnosed(tmp_path, looped) == \
        ["E0517: cannot import this topology: a file is imported once, not in a loop"]


REQUESTS = ROOT / "examples" / "beijing_requests.qnet"


def test_requests_relayed_hop_by_hop_arrive_after_their_routes_delays() -> None:
    """Every end node sends one request to every other (306 of them), each station
    passing it on to `next_hop`: each arrives after its shortest route's fiber delay
    (networkx, by length), having crossed that route's channels, and every station on
    the way but the ends forwards it once."""
    run = compiled(REQUESTS)
    graph = networkx.Graph()
    for span in load_topology(BEIJING).spans:
        assert span.classical is not None
        graph.add_edge(span.a, span.b, length=span.classical.length)
    ends = [run.roles[f"station[{k}]"].node for k in range(18)]
    delays, hops = [], []
    for a in ends:
        for b in ends:
            if a != b:
                path = networkx.shortest_path(graph, a, b, "length")
                channels = [run.network.channel(x, y, "classical") for x, y in zip(path, path[1:])]
                delays.append(sum(to_ps(c.delay) for c in channels if c is not None) / 1e6)
                hops.append(len(path) - 1)
    result = run_shots(run, shots=1, seed=0)
    assert result.reports["latency_us"].n == 306
    assert result.reports["latency_us"].mean == pytest.approx(sum(delays) / 306, rel=1e-9)
    assert result.reports["hops"].mean == pytest.approx(sum(hops) / 306, rel=1e-12)
    assert result.reports["forwarded"].mean == sum(h - 1 for h in hops)
