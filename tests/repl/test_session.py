"""The REPL session: inputs split into items, replaced by name, kept only when the
session checks clean, diagnostics placed in the input they came from."""

from __future__ import annotations

import pytest

from qnetlang.repl.session import Session, unfinished

LAB = """network lab {
  node alice { qubits 2; }
  node bob { qubits 2; }
  link alice -> bob { quantum fiber(length = 1 km); }
  link alice <-> bob { classical fiber(length = 1 km); }
}
"""
PROTOCOL = """protocol hello {
  role alice {
    qubit q;
    h q;
    send q to bob;
  }
  role bob {
    qubit q = recv qubit from alice;
    report plus = measure q in x == 0;
  }
}
"""


@pytest.mark.parametrize(("text", "more"), [
    ("network lab {", True), ("network lab { node a {", True), ("const x = 1", True),
    ("/* a comment", True), ("run p on lab with a = b", True), ("const x = 1;", False),
    (LAB, False), ("x q;", False), ("network lab { } }", False)])
def test_unfinished_inputs_are_decided_by_the_parser(text: str, more: bool) -> None:
    assert unfinished(text) is more


def test_declarations_accumulate_and_replace_by_name() -> None:
    session = Session()
    first = session.declare(LAB + PROTOCOL)
    assert first.accepted and first.added == ["network lab", "protocol hello"]
    run = session.declare("run hello on lab with alice = alice, bob = bob;")
    assert run.accepted and run.added == ["run hello"]
    again = session.declare(LAB.replace("1 km", "2 km"))
    assert again.accepted and again.replaced == ["network lab"] and not again.added
    assert [entry.key for entry in session.entries] == [
        ("network", "lab"), ("protocol", "hello"), ("run", "hello")]
    assert "2 km" in session.text() and "1 km" not in session.text()
    assert {"lab", "alice", "bob", "hello", "q"} <= session.names()


def test_an_input_that_breaks_the_session_is_not_kept() -> None:
    session = Session()
    session.declare(LAB + PROTOCOL + "run hello on lab with alice = alice, bob = bob;")
    before = session.text()
    broken = session.declare("network lab {\n  node alice { qubits 2; }\n}\n")
    assert not broken.accepted and session.text() == before
    (error, *_) = [d for d in broken.diagnostics if d.is_error]
    # The run that no longer checks is pointed at in the input that declared it.
    assert error.span is not None and error.span.file == "<in:1>"
    assert error.span.line == LAB.count("\n") + PROTOCOL.count("\n") + 1


def test_parse_errors_point_into_the_input() -> None:
    session = Session()
    session.declare(LAB)
    outcome = session.declare("\nprotocol p {\n  role r {\n    hh q;\n  }\n}\n")
    assert not outcome.accepted
    (error,) = outcome.diagnostics
    assert error.span is not None and (error.span.file, error.span.line,
                                       error.span.column) == ("<in:2>", 4, 5)


def test_names_are_what_the_checker_knows() -> None:
    session = Session()
    assert session.names() == set()
    session.declare("import std.prelude;\n" + LAB + PROTOCOL)
    session.declare("run hi: hello on lab with alice = alice, bob = bob;")
    # The imported module's functions, and the run by its label, complete too.
    assert {"bell_pair", "hi", "lab", "hello", "q"} <= session.names()
