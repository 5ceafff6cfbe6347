"""The parameter tables: one source for the checker, the IR, its JSON form and the docs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from qnetlang.ir import dump, parameters
from qnetlang.ir import nodes as ir
from qnetlang.ir.parameters import CHANNEL, MEMORY, NODE, Place
from tests.conftest import ROOT
from tests.ir.test_ir import build

HOLDERS = {Place.NODE: ir.Node, Place.MEMORY: ir.Memory, Place.CHANNEL: ir.Channel,
           Place.DETECTOR: ir.Detector, Place.LASER: ir.Source, Place.PHOTON_SOURCE: ir.Source,
           Place.PAIR_SOURCE: ir.Source, Place.ANALYSER: ir.Analyser}
EVERY = [parameter for table in parameters.TABLES.values() for parameter in table.values()]

# A setting of every parameter as a program writes it, and its value in SI units.
SETTINGS = {
    "gate_error": ("0.01", 0.01), "readout_error": ("0.02", 0.02),
    "t1": ("2 ms", 2e-3), "t2": ("500 us", 5e-4), "depolarizing_time": ("1 s", 1.0),
    "length": ("3 km", 3e3), "refractive_index": ("1.5", 1.5),
    "attenuation": ("0.2 dB/km", 2e-4), "loss": ("3 dB", 3.0),
    "depolarizing": ("0.03", 0.03), "dephasing": ("0.04", 0.04),
    "efficiency": ("0.8", 0.8), "dark_count_rate": ("2 kHz", 2e3), "gate_width": ("1 ns", 1e-9),
    "dark_count": ("1e-6", 1e-6),  # per gate, so on the other node's detector
    "dead_time": ("50 ns", 5e-8), "afterpulse": ("0.01", 0.01), "jitter": ("300 ps", 3e-10),
    # sources (a laser on a, a single-photon source on b) and an analyser, on a; the
    # names they share with each other and with the detector take one value here
    "rate": ("100 MHz", 1e8), "mean_photons": ("0.5", 0.5), "decoy": ("0.1", 0.1),
    "decoy_probability": ("0.25", 0.25), "vacuum_probability": ("0.125", 0.125),
    "z_probability": ("0.75", 0.75), "multi_photon": ("0.05", 0.05),
    "misalignment": ("0.02", 0.02), "mean_pairs": ("0.3", 0.3),  # pairs: on c
    # files, on a free-space channel of their own (in place of length and attenuation)
    "track": ('"track.csv"', "track.csv"), "loss_table": ('"loss.csv"', "loss.csv"),
}

IDLE = """
protocol idle { role r { wait 1 us; } }
run idle on net with r = a;
"""


def full_program(tmp_path: Path) -> ir.Program:
    """A run on a network that sets every parameter once, to its value in SETTINGS."""
    node = " ".join(f"{name} = {SETTINGS[name][0]};" for name in NODE)
    memory = " ".join(f"{name} = {SETTINGS[name][0]};" for name in MEMORY)
    channel = ", ".join(f"{name} = {SETTINGS[name][0]}" for name in CHANNEL
                        if name not in parameters.MOVING)
    moving = ", ".join(f"{name} = {SETTINGS[name][0]}" for name in parameters.MOVING)
    (tmp_path / "track.csv").write_text("time (s),distance (km)\n0,500\n10,600\n")
    (tmp_path / "loss.csv").write_text("distance (km),loss (dB)\n400,20\n700,30\n")
    detector = " ".join(f"{name} = {SETTINGS[name][0]};"
                        for name in ("efficiency", "dark_count_rate", "gate_width", "dead_time",
                                     "afterpulse", "jitter"))
    devices = {place: " ".join(f"{name} = {SETTINGS[name][0]};"
                               for name in parameters.TABLES[place])
               for place in (Place.LASER, Place.PHOTON_SOURCE, Place.PAIR_SOURCE, Place.ANALYSER)}
    return build(f"""
network net {{
  node a {{ qubits 1; memory {{ {memory} }} {node} device d: threshold_detector {{ {detector} }}
           device l: weak_coherent_source {{ {devices[Place.LASER]} }}
           device o: analyser {{ {devices[Place.ANALYSER]} }} }}
  node b {{ qubits 1; device d: threshold_detector {{ dark_count = 1e-6; }}
           device s: single_photon_source {{ {devices[Place.PHOTON_SOURCE]} }} }}
  node c {{ device p: spdc_source {{ {devices[Place.PAIR_SOURCE]} }} }}
  link a -> b {{ quantum fiber({channel}); }}
  link b -> a {{ quantum free_space({moving}); }}
  link c -> b {{ quantum fiber; }}
}}
""" + TRAINS, tmp_path)


# A train from b's source to a's analyser and detector (the fiber from a to b has noise,
# which a train is refused; a's laser sends nothing, a warning), and pairs from c to b.
TRAINS = """
protocol trains {
  role r { let c = recv clicks from s; }
  role s { send pulses(10) to r; }
  role p { send pairs(10) to q; }
  role q { let c = recv clicks from p; }
}
run trains on net with r = a, s = b, p = c, q = b;
"""


def test_each_parameter_is_a_typed_field_of_the_ir() -> None:
    for place, table in parameters.TABLES.items():
        fields = {field.name: field.type for field in dataclasses.fields(HOLDERS[place])}
        for parameter in table.values():
            assert parameter.place is place
            expected = "str | None" if parameter.dimension is None else \
                "float" if parameter.default is not None else "float | None"
            assert fields.get(parameter.name) == expected, parameter.name


def test_defaults_are_possible_values() -> None:
    for parameter in EVERY:
        assert parameter.effect and parameter.unset
        assert parameter.default is None or parameter.problem(parameter.default) is None
    for overrides in parameters.CHANNEL_MODELS.values():
        for name, value in overrides.items():
            assert CHANNEL[name].problem(value) is None


def test_rules_and_their_statements() -> None:
    assert NODE["gate_error"].problem(0.0) is None and NODE["gate_error"].problem(1.0) is None
    assert NODE["readout_error"].problem(1.01) == \
        "`readout_error` is a probability: it lies between 0 and 1"
    assert CHANNEL["length"].problem(0.0) is None
    assert CHANNEL["loss"].problem(-1e-9) == "`loss` is a finite number, not negative"
    assert CHANNEL["length"].problem(float("inf")) == "`length` is a finite number, not negative"
    assert CHANNEL["refractive_index"].problem(1.0) is None
    assert "at least 1" in (CHANNEL["refractive_index"].problem(0.99) or "")
    assert MEMORY["t1"].problem(1e-12) is None
    assert MEMORY["t1"].problem(0.0) == \
        "`t1` is a time greater than 0; leave the setting out for no relaxation"
    assert not parameters.t2_exceeds_bound(1e-3, 2e-3)
    assert parameters.t2_exceeds_bound(1e-3, 2.001e-3)
    assert not parameters.t2_exceeds_bound(None, 5.0)
    assert not parameters.t2_exceeds_bound(5.0, None)


def test_values_are_shown_in_the_units_people_write() -> None:
    assert CHANNEL["attenuation"].shown(-0.2e-3) == "-0.2 dB/km"
    assert CHANNEL["length"].shown(-3000.0) == "-3000 m"
    assert MEMORY["t2"].shown(0.0) == "0 s"
    assert NODE["gate_error"].shown(1.5) == "1.5"


def test_misplaced_names_say_where_they_belong() -> None:
    assert parameters.place_of("t1") is Place.MEMORY
    assert parameters.place_of("attenuaton") is None
    assert Place.MEMORY.how_to_set("t1") == \
        "`t1` is a memory setting: `memory { t1 = ...; }` in a node"


def test_an_unset_parameter_has_its_default(tmp_path: Path) -> None:
    network = build("""
network net {
  node a { qubits 1; }
  node b { qubits 1; }
  link a -> b { quantum fiber; }
  link b -> a { quantum free_space; }
}
""" + IDLE, tmp_path).runs[0].network
    node = network.nodes["a"]
    for name, parameter in NODE.items():
        assert getattr(node, name) == parameter.default
    for name, parameter in MEMORY.items():
        assert getattr(node.memory, name) is None and parameter.default is None
    fiber, free_space = network.channels
    for channel in (fiber, free_space):
        for name, value in parameters.defaults(Place.CHANNEL, channel.model).items():
            assert getattr(channel, name) == value
    assert (fiber.refractive_index, free_space.refractive_index) == (1.468, 1.0)


def test_every_setting_fills_its_field_in_si_units(tmp_path: Path) -> None:
    assert set(SETTINGS) == {parameter.name for parameter in EVERY}
    network = full_program(tmp_path).runs[0].network
    a, b = network.nodes["a"], network.nodes["b"]
    holders = {Place.NODE: a, Place.MEMORY: a.memory, Place.CHANNEL: network.channels[0],
               Place.DETECTOR: a.detector, Place.LASER: a.source, Place.ANALYSER: a.analyser,
               Place.PHOTON_SOURCE: b.source, Place.PAIR_SOURCE: network.nodes["c"].source}
    for parameter in EVERY:
        holder = network.nodes["b"].detector if parameter.name == "dark_count" else \
            network.channels[1] if parameter.name in parameters.MOVING else \
            holders[parameter.place]
        value = getattr(holder, parameter.name)
        assert value == pytest.approx(SETTINGS[parameter.name][1]), parameter.name


def test_link_settings_are_shared_and_channel_arguments_override(tmp_path: Path) -> None:
    network = build("""
network net {
  node a { qubits 1; }
  node b { qubits 1; }
  link a <-> b { length = 2 km; dephasing = 0.1; classical fiber; quantum fiber(length = 5 km); }
}
""" + IDLE, tmp_path).runs[0].network
    lengths = {channel.id: channel.length for channel in network.channels}
    assert lengths == {"a->b:classical": 2e3, "b->a:classical": 2e3,
                       "a->b:quantum": 5e3, "b->a:quantum": 5e3}
    assert all(channel.dephasing == 0.1 for channel in network.channels)


def test_the_json_form_holds_every_parameter(tmp_path: Path) -> None:
    network = dump.to_json(full_program(tmp_path))["runs"][0]["network"]
    node = network["nodes"][0]
    assert node["memory"] == {"t1_s": 2e-3, "t2_s": 5e-4, "depolarizing_time_s": 1.0}
    assert (node["gate_error"], node["readout_error"]) == (0.01, 0.02)
    channel = network["channels"][0]
    assert list(channel) == ["id", "kind", "model", "source", "target", "length_m",
                             "refractive_index", "attenuation_db_per_m", "loss_db",
                             "depolarizing", "dephasing", "track", "loss_table", "delay_s",
                             "total_loss_db", "span"]
    moving = network["channels"][1]
    assert (moving["track"], moving["loss_table"], moving["delay_s"]) == \
        ("track.csv", "loss.csv", None)
    assert channel["attenuation_db_per_m"] == pytest.approx(2e-4)
    assert node["detector"] == {"name": "d", "efficiency": 0.8, "dark_count": 0.0,
                                "dark_count_rate_hz": 2e3, "gate_width_s": 1e-9,
                                "dead_time_s": pytest.approx(5e-8), "afterpulse": 0.01,
                                "jitter_s": pytest.approx(3e-10)}
    assert node["source"] == {"name": "l", "kind": "weak_coherent_source", "rate_hz": 1e8,
                              "mean_photons": 0.5, "decoy": 0.1, "decoy_probability": 0.25,
                              "vacuum_probability": 0.125, "z_probability": 0.75}
    assert node["analyser"] == {"name": "o", "misalignment": 0.02, "z_probability": 0.75,
                                "efficiency": 0.8}


def test_the_language_reference_lists_every_parameter() -> None:
    text = (ROOT / "docs" / "language.md").read_text()
    section = text.split("\n## Physical parameters\n")[1].split("\n## ")[0]
    rows = [[cell.strip() for cell in row.split("|")[1:-1]]
            for row in section.splitlines() if row.startswith("| `")]
    where = {Place.NODE: "node", Place.MEMORY: "`memory { }`", Place.CHANNEL: "channel, link",
             **{place: f"`{kind}`" for kind, place in parameters.DEVICE_KINDS.items()}}
    assert {(row[0], row[1]): (row[3], row[5]) for row in rows} == {
        (f"`{parameter.name}`", where[parameter.place]): (parameter.unset, parameter.effect)
        for parameter in EVERY}
