"""Reading a network's topology from a file: QNET's JSON, or GraphML.

A topology is nodes (a name, a kind, a position) and links between two of them, each
with a classical and a quantum fiber of given length (and the quantum one's
attenuation). Lengths are in metres, attenuations in dB/km, as both formats write
them:

- QNET's JSON: `{"nodes": [{"name", "type", "latitude", "longitude"}, ...],
  "links": [{"node1", "node2", "cchannel": {"distance"}, "qchannel": {"distance",
  "attenuation"}}, ...]}`, both ways; a link without `cchannel` (or `qchannel`) has
  no classical (or quantum) fiber;
- GraphML: a node's id is its name, its `type` (or `kind`), `latitude` and
  `longitude` attributes the rest; an edge's `length` (or `distance`), in metres, is
  both fibers' length, `attenuation` the quantum one's; an edge of a directed graph
  goes one way.

Nothing is left unread: a key or attribute the format does not have, a link listed
twice, or anything else that is not a valid topology raises TopologyError with the
reason.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class TopologyError(Exception):
    """A file that does not describe a topology; the message says why."""


@dataclass(frozen=True)
class Site:
    """A node of a topology."""

    name: str
    kind: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Fiber:
    length: float  # metres
    attenuation: float | None = None  # dB/km; None where the file gives none


@dataclass(frozen=True)
class Span:
    """A link, with a classical and a quantum fiber where the file has them."""

    a: str
    b: str
    classical: Fiber | None
    quantum: Fiber | None
    both_ways: bool = True  # else from a to b only


@dataclass
class Topology:
    sites: list[Site] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)


def load_topology(path: Path) -> Topology:
    """The topology in `path` (`.json`: QNET's format; `.graphml`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TopologyError(f"no file `{path}`") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TopologyError(f"cannot read `{path}`: {error}") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        topology = _from_qnet_json(text)
    elif suffix == ".graphml":
        topology = _from_graphml(text)
    else:
        raise TopologyError(f"`{path.name}` is neither QNET's JSON (.json) nor GraphML "
                            "(.graphml)")
    _check(topology)
    return topology


def _from_qnet_json(text: str) -> Topology:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TopologyError(f"not JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) or \
            not isinstance(data.get("links", []), list):
        raise TopologyError("QNET's JSON has a list of `nodes` and a list of `links`")
    _only(data, {"nodes", "links"}, "the file")
    topology = Topology()
    for k, node in enumerate(data["nodes"]):
        if not isinstance(node, dict) or "name" not in node:
            raise TopologyError(f"node {k} has no `name`")
        if not isinstance(node["name"], str):
            raise TopologyError(f"node {k}'s name is not text: {node['name']!r}")
        _only(node, {"name", "type", "latitude", "longitude"}, f"node `{node['name']}`")
        topology.sites.append(Site(node["name"], _text(node.get("type"), f"node {k}'s type"),
                                   _number(node.get("latitude"), f"`{node['name']}`'s latitude"),
                                   _number(node.get("longitude"),
                                           f"`{node['name']}`'s longitude")))
    for k, link in enumerate(data.get("links", [])):
        if not isinstance(link, dict) or not all(isinstance(link.get(end), str)
                                                 for end in ("node1", "node2")):
            raise TopologyError(f"link {k} needs `node1` and `node2`")
        _only(link, {"node1", "node2", "cchannel", "qchannel"}, f"link {k}")
        fibers = [_fiber(link.get(key), f"link {k}'s {key}", keys)
                  for key, keys in (("cchannel", {"distance"}),
                                    ("qchannel", {"distance", "attenuation"}))]
        topology.spans.append(Span(link["node1"], link["node2"], *fibers))
    return topology


def _fiber(channel: Any, what: str, keys: set[str]) -> Fiber | None:
    if channel is None:
        return None
    if not isinstance(channel, dict):
        raise TopologyError(f"{what} is not an object")
    _only(channel, keys, what)
    length = _number(channel.get("distance"), f"{what}'s distance")
    if length is None:
        raise TopologyError(f"{what} has no `distance` (metres)")
    return Fiber(length, _number(channel.get("attenuation"), f"{what}'s attenuation"))


def _from_graphml(text: str) -> Topology:
    import networkx  # only for GraphML

    try:
        graph = networkx.parse_graphml(text)
    except Exception as error:  # noqa: BLE001 - the parser raises many kinds
        raise TopologyError(f"not GraphML: {error}") from None
    if graph.is_multigraph() and graph.number_of_edges() != len(set(graph.edges())):
        raise TopologyError("two edges join the same nodes: only one fiber each way acts")
    topology = Topology()
    for name, attributes in graph.nodes(data=True):
        _only(attributes, {"type", "kind", "latitude", "longitude"}, f"node `{name}`")
        kind = attributes.get("type", attributes.get("kind"))
        topology.sites.append(Site(str(name), _text(kind, f"`{name}`'s type"),
                                   _number(attributes.get("latitude"), f"`{name}`'s latitude"),
                                   _number(attributes.get("longitude"),
                                           f"`{name}`'s longitude")))
    for a, b, attributes in graph.edges(data=True):
        # `id` is the edge's own XML id (yEd writes one), not a setting
        _only(attributes, {"id", "length", "distance", "attenuation"}, f"the edge {a} - {b}")
        length = _number(attributes.get("length", attributes.get("distance")),
                         f"the edge {a} - {b}'s length")
        if length is None:
            raise TopologyError(f"the edge {a} - {b} has no `length` (metres)")
        attenuation = _number(attributes.get("attenuation"), f"the edge {a} - {b}'s "
                              "attenuation")
        topology.spans.append(Span(str(a), str(b), Fiber(length), Fiber(length, attenuation),
                                   both_ways=not graph.is_directed()))
    return topology


def _only(found: dict[str, Any], known: set[str], what: str) -> None:
    """Refuses what a format does not have: a misspelt key would be silently unread."""
    unknown = sorted(set(found) - known)
    if unknown:
        raise TopologyError(f"{what} has {', '.join(f'`{k}`' for k in unknown)}, which "
                            f"qnetlang does not read (it reads {', '.join(sorted(known))})")


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TopologyError(f"{what} is not a number: {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise TopologyError(f"{what} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise TopologyError(f"{what} is not finite: {value!r}")
    return number


def _text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TopologyError(f"{what} is not text: {value!r}")


def _check(topology: Topology) -> None:
    names: set[str] = set()
    for site in topology.sites:
        if not _NAME.fullmatch(site.name):
            raise TopologyError(f"node name `{site.name}` is not a name a program can write "
                                "(letters, digits and `_`, not starting with a digit): "
                                "rename the file's nodes (networkx: relabel_nodes)")
        if site.name in names:
            raise TopologyError(f"node `{site.name}` is listed twice")
        names.add(site.name)
    directions: set[tuple[str, str]] = set()
    for span in topology.spans:
        for end in (span.a, span.b):
            if end not in names:
                raise TopologyError(f"a link names node `{end}`, which is not listed")
        if span.a == span.b:
            raise TopologyError(f"a link joins `{span.a}` to itself")
        ways = {(span.a, span.b), (span.b, span.a)} if span.both_ways else {(span.a, span.b)}
        if ways & directions:
            raise TopologyError(f"the link {span.a} - {span.b} is listed twice: only one "
                                "fiber each way acts")
        directions |= ways
        for fiber in (span.classical, span.quantum):
            if fiber is not None and fiber.length < 0:
                raise TopologyError(f"the link {span.a} - {span.b} has a negative length")
            if fiber is not None and fiber.attenuation is not None and fiber.attenuation < 0:
                raise TopologyError(f"the link {span.a} - {span.b} has a negative "
                                    "attenuation")
