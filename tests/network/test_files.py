"""Topology files: QNET's JSON and GraphML read alike, and what is not a topology refused
with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import networkx
import pytest

from qnetlang.network.files import Fiber, TopologyError, load_topology
from tests.conftest import ROOT

BEIJING = ROOT / "examples" / "data" / "beijing_qman_topology.json"


def test_the_beijing_network_reads_as_qnet_wrote_it() -> None:
    topology = load_topology(BEIJING)
    kinds = [site.kind for site in topology.sites]
    assert len(topology.sites) == 35 and len(topology.spans) == 37
    assert (kinds.count("BackboneNode"), kinds.count("TrustedRepeaterNode"),
            kinds.count("EndNode")) == (1, 16, 18)
    first = topology.spans[0]
    assert (first.a, first.b) == ("Beijing_Backbone", "TR1")
    assert first.classical == Fiber(3080.0) and first.quantum == Fiber(3080.0)
    assert first.quantum.attenuation is None  # the file gives none
    assert topology.sites[1].latitude == pytest.approx(39.93055556)


def test_graphml_reads_like_json(tmp_path: Path) -> None:
    graph = networkx.Graph()
    graph.add_node("a", type="EndNode", latitude=1.0, longitude=2.0)
    graph.add_node("b", type="TrustedRepeaterNode")
    graph.add_edge("a", "b", length=2500.0, attenuation=0.2)
    path = tmp_path / "lab.graphml"
    networkx.write_graphml(graph, path)
    topology = load_topology(path)
    assert [(s.name, s.kind, s.latitude) for s in topology.sites] == \
        [("a", "EndNode", 1.0), ("b", "TrustedRepeaterNode", None)]
    (span,) = topology.spans
    assert span.classical == Fiber(2500.0) and span.quantum == Fiber(2500.0, 0.2)


@pytest.mark.parametrize("content, reason", [
    ("{", "not JSON"),
    ('{"links": []}', "a list of `nodes`"),
    ('{"nodes": [{"type": "EndNode"}]}', "node 0 has no `name`"),
    ('{"nodes": [{"name": "a"}, {"name": "a"}]}', "listed twice"),
    ('{"nodes": [{"name": "1st"}]}', "not a name a program can write"),
    ('{"nodes": [{"name": "a"}], "links": [{"node1": "a", "node2": "b"}]}', "not listed"),
    ('{"nodes": [{"name": "a"}, {"name": "b"}], "links": [{"node1": "a", "node2": "b", '
     '"qchannel": {"distance": -5}}]}', "negative length"),
    ('{"nodes": [{"name": "a"}, {"name": "b"}], "links": [{"node1": "a", "node2": "b", '
     '"qchannel": {}}]}', "no `distance`"),
    ('{"nodes": [{"name": "a", "latitude": "north"}]}', "not a number"),
    ('{"nodes": [{"name": 5}]}', "name is not text"),
    ('{"nodes": [{"name": "a"}, {"name": "b"}], "links": [{"node1": "a", "node2": "b", '
     '"qchannel": {"distance": 5, "attenuaton": 0.2}}]}', "`attenuaton`, which qnetlang"),
    ('{"nodes": [{"name": "a", "key_pool_volume": 20}]}', "`key_pool_volume`"),
    ('{"nodes": [{"name": "a"}, {"name": "b"}], "links": [{"node1": "a", "node2": "b", '
     '"qchannel": {"distance": 5}}, {"node1": "b", "node2": "a", "qchannel": '
     '{"distance": 1}}]}', "listed twice"),
    ('{"nodes": [{"name": "a"}, {"name": "b"}], "links": [{"node1": "a", "node2": "b", '
     '"qchannel": {"distance": 5, "attenuation": -1}}]}', "negative attenuation"),
])
def test_what_is_not_a_topology_is_refused(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(TopologyError, match=reason):
        load_topology(path)


def test_files_that_are_not_there_or_of_no_known_format(tmp_path: Path) -> None:
    with pytest.raises(TopologyError, match="no file"):
        load_topology(tmp_path / "missing.json")
    (tmp_path / "net.csv").write_text("a,b\n")
    with pytest.raises(TopologyError, match="neither"):
        load_topology(tmp_path / "net.csv")
    (tmp_path / "bad.graphml").write_text("<graphml")
    with pytest.raises(TopologyError, match="not GraphML"):
        load_topology(tmp_path / "bad.graphml")
    assert json.loads(BEIJING.read_text())["nodes"][0]["name"] == "Beijing_Backbone"


def test_a_directed_graph_has_one_way_links_and_parallel_edges_are_refused(
        tmp_path: Path) -> None:
    graph = networkx.DiGraph()
    graph.add_edge("a", "b", length=100.0)
    networkx.write_graphml(graph, tmp_path / "one_way.graphml")
    (span,) = load_topology(tmp_path / "one_way.graphml").spans
    assert not span.both_ways
    multi = networkx.MultiGraph()
    multi.add_edge("a", "b", length=100.0)
    multi.add_edge("a", "b", length=5.0)
    networkx.write_graphml(multi, tmp_path / "twice.graphml")
    with pytest.raises(TopologyError, match="two edges join the same nodes"):
        load_topology(tmp_path / "twice.graphml")
    single = networkx.MultiGraph()  # written with edge ids, as yEd writes them too
    single.add_edge("a", "b", length=100.0)
    networkx.write_graphml(single, tmp_path / "ids.graphml")
    assert " id=\"0\"" in (tmp_path / "ids.graphml").read_text()
    (span,) = load_topology(tmp_path / "ids.graphml").spans
    assert span.quantum == Fiber(100.0)
    integers = networkx.path_graph(3)
    networkx.set_edge_attributes(integers, 10.0, "length")
    networkx.write_graphml(integers, tmp_path / "numbered.graphml")
    with pytest.raises(TopologyError, match="relabel_nodes"):
        load_topology(tmp_path / "numbered.graphml")
