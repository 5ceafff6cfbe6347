"""The checker's model, returned with the check result: what each name stands for,
where it is declared, what type each expression has — as the language server and the
REPL read it."""

from __future__ import annotations

from pathlib import Path

from qnetlang.pipeline import check
from qnetlang.semantics.context import Kind, Model
from qnetlang.source import SourceFile
from qnetlang.syntax import ast

TEXT = """\
import std.prelude;

network lab(spacing: length = 1 km) {
  node a { qubits 2; }
  node b { qubits 2; }
  link a <-> b { classical fiber(length = spacing); quantum fiber(length = spacing); }
}

protocol p(theta: angle = 0.5) {
  role first {
    qubit q, e;
    bell_pair(q, e);
    rx(theta) q;
    send e to second;
    report m = measure q;
  }
  role second {
    qubit q = recv qubit from first;
    report m = measure q;
  }
}

run named: p(theta = 1.0) on lab(spacing = 2 km) with first = a, second = b;
"""


def model(tmp_path: Path) -> Model:
    path = tmp_path / "lab.qnet"
    result = check(SourceFile(str(path), TEXT), path)
    assert result.diagnostics == [] and result.model is not None
    return result.model


def offset(word: str, occurrence: int = 0) -> int:
    index = -1
    for _ in range(occurrence + 1):
        index = TEXT.index(word, index + 1)
    return index


def test_a_name_stands_for_its_declaration(tmp_path: Path) -> None:
    found = model(tmp_path)
    second_q = found.symbol_at(offset("report m = measure q", 1) + len("report m = measure "))
    assert second_q is not None and second_q.kind is Kind.VARIABLE
    declaration = found.occurrence_at(offset("qubit q =") + len("qubit "))
    assert declaration is not None and declaration.declares
    assert declaration.symbol is second_q and found.declared_at(second_q) == declaration.span
    first_q = found.symbol_at(offset("rx(theta) q") + len("rx(theta) "))
    assert first_q is not None and first_q is not second_q
    theta = found.symbol_at(offset("theta", 1))
    assert theta is not None and theta.kind is Kind.PARAM and str(theta.type) == "float"


def test_runs_name_their_protocol_network_parameters_and_roles(tmp_path: Path) -> None:
    found = model(tmp_path)
    run = TEXT.index("run named")

    def kind_at(word: str) -> Kind | None:
        symbol = found.symbol_at(TEXT.index(word, run))
        return symbol.kind if symbol is not None else None

    assert (kind_at("p(theta"), kind_at("lab("), kind_at("second")) == (
        Kind.PROTOCOL, Kind.NETWORK, Kind.ROLE)
    assert found.symbol_at(TEXT.index("theta", run)) is found.symbol_at(offset("theta"))
    assert found.symbol_at(TEXT.index("spacing", run)) is found.symbol_at(offset("spacing"))
    assert kind_at("named") is None  # a label is no symbol


def test_imported_names_resolve_into_their_module(tmp_path: Path) -> None:
    found = model(tmp_path)
    bell_pair = found.symbol_at(offset("bell_pair"))
    assert bell_pair is not None and bell_pair.kind is Kind.FUNCTION
    declared = found.declared_at(bell_pair)
    assert declared is not None and declared.file == "std/prelude.qnet"
    assert found.symbol_at(declared.start, declared.file) is bell_pair
    assert set(found.programs) == {str(tmp_path / "lab.qnet"), "std/prelude.qnet"}
    assert {"lab", "p", "first", "q", "theta", "spacing", "bell_pair"} <= found.names()


def test_nodes_of_the_tree_have_their_symbols_and_types(tmp_path: Path) -> None:
    found = model(tmp_path)
    program = found.programs[found.file]
    protocol = next(item for item in program.items if isinstance(item, ast.Protocol))
    role = protocol.body[0]
    assert isinstance(role, ast.Role)
    report = role.body.body[-1]
    assert isinstance(report, ast.Report) and isinstance(report.value, ast.Measure)
    assert str(found.type_of(report.value)) == "bit"
    assert found.definition_of(role) is found.symbol_at(offset("first"))


def test_there_is_no_model_of_a_file_that_does_not_parse(tmp_path: Path) -> None:
    path = tmp_path / "broken.qnet"
    assert check(SourceFile(str(path), "protocol p {"), path).model is None
