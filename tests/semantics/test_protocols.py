"""Protocols are checked on their own, with or without a run: ownership with the
parameters symbolic, messages matched at the parameters' defaults where that decides
them, and nothing a run already reported repeated."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang import semantics
from qnetlang.diagnostics import Severity
from qnetlang.pipeline import CheckResult, check
from qnetlang.semantics.protocols import check_protocols
from qnetlang.source import SourceFile

NETWORK = """
network lab {
  node a { qubits 8; }
  node b { qubits 8; }
  link a <-> b { classical fiber(length = 1 km); quantum fiber(length = 1 km); }
}
"""

USE_AFTER_SEND = """
protocol p {
  role first {
    qubit q;
    send q to second;
    h q;
  }
  role second {
    qubit q = recv qubit from first;
    measure q;
  }
}
"""

EXCHANGE = """
protocol exchange(rounds: int = 2) {
  role left {
    for r in 0..rounds {
      bit theirs = recv bit from right;
      send theirs to right;
    }
  }
  role right {
    for r in 0..rounds {
      bit theirs = recv bit from left;
      send theirs to left;
    }
  }
}
"""


def checked(text: str, tmp_path: Path, name: str = "p.qnet") -> CheckResult:
    path = tmp_path / name
    path.write_text(text)
    return check(SourceFile(str(path), text), path)


def codes(text: str, tmp_path: Path) -> list[str]:
    return [d.code for d in checked(text, tmp_path).diagnostics]


def test_every_program_checks_clean(program_file: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """No error and no warning; and checking the protocols on their own adds nothing
    (not even a note) to what the runs of a correct program say."""
    source = SourceFile.read(program_file)
    result = check(source, program_file)
    assert not [d for d in result.diagnostics if d.is_error or d.severity is Severity.WARNING]
    monkeypatch.setattr(semantics, "PASSES",
                        tuple(p for p in semantics.PASSES if p is not check_protocols))
    assert result.diagnostics == check(source, program_file).diagnostics


def test_a_module_protocol_is_checked_without_a_run(tmp_path: Path) -> None:
    assert codes(USE_AFTER_SEND, tmp_path) == ["E0701"]


def test_what_a_run_reports_is_not_reported_again(tmp_path: Path) -> None:
    run = "run p on lab with first = a, second = b;\n"
    assert codes(USE_AFTER_SEND + NETWORK + run, tmp_path) == ["E0701"]
    run = "run exchange(rounds = 3) on lab with left = a, right = b;\n"
    (deadlock,) = checked(EXCHANGE + NETWORK + run, tmp_path).diagnostics
    assert deadlock.code == "E0801" and "run `exchange`" in deadlock.message


@pytest.mark.parametrize(("body", "expected"), [
    pytest.param("qubit[n] q;\n for i in 0..n { h q[i]; measure q[i]; }", [],
                 id="every element measured in a loop to a parameter"),
    pytest.param("qubit[n] q;\n send q to second;\n h q[0];", ["E0701"],
                 id="an element of an array sent whole"),
    pytest.param("qubit[n] q;\n send q to second;\n send q to second;", ["E0702"],
                 id="an array of unknown size sent twice"),
    pytest.param("qubit[n] q;\n send q[0] to second;\n measure q[0];", ["E0701"],
                 id="an element sent, then measured"),
    pytest.param("qubit[n] q;\n for i in 0..n { send q[i] to second; }", [],
                 id="each element sent in a loop to a parameter"),
    pytest.param("qubit q;\n if (n > 2) send q to second;\n measure q;", ["E0701"],
                 id="a qubit maybe sent, on a branch on a parameter"),
    pytest.param("for i in 0..n { qubit q; send q to second; }", [],
                 id="a fresh qubit each turn of a loop to a parameter"),
    pytest.param("qubit[n] q;\n h q[0];", ["W0704"],
                 id="an array of unknown size never measured"),
])
def test_ownership_with_symbolic_parameters(tmp_path: Path, body: str,
                                            expected: list[str]) -> None:
    program = f"""
protocol p(n: int) {{
  role first {{
    {body}
  }}
  role second {{
    wait 1 us;
  }}
}}
"""
    ownership = [code for code in codes(program, tmp_path) if code[1:3] == "07"]
    assert ownership == expected


def test_a_role_family_is_checked_once_for_a_symbolic_member(tmp_path: Path) -> None:
    program = """
protocol ring(k: int) {
  role member[i in 0..k] {
    qubit token;
    send token to member[(i + 1) % k];
    send token to member[(i + 2) % k];
  }
}
"""
    (twice,) = checked(program, tmp_path).diagnostics
    assert twice.code == "E0702" and twice.span is not None and twice.span.line == 6


def test_messages_are_matched_at_the_defaults(tmp_path: Path) -> None:
    program = """
protocol fan(k: int = 2) {
  role hub {
    for i in 0..k {
      send i to leaf[i];
    }
    send 9 to leaf[0];
  }
  role leaf[i in 0..k] {
    int x = recv int from hub;
    report x = x;
  }
}
"""
    (extra,) = checked(program, tmp_path).diagnostics
    assert extra.code == "E0803" and extra.span is not None and extra.span.line == 7
    # Without a default the family's size is not known: the messages are not matched.
    assert codes(program.replace("k: int = 2", "k: int"), tmp_path) == []


def test_a_parameter_without_a_default_that_picks_a_peer_leaves_messages_unmatched(
        tmp_path: Path) -> None:
    program = """
protocol shift(k: int = 3, step: int) {
  role member[i in 0..k] {
    send i to member[(i + step) % k];
    int x = recv int from member[(i + k - step) % k];
    report x = x;
  }
}
"""
    assert codes(program, tmp_path) == []


def test_a_deadlock_at_the_defaults_is_found_without_a_run(tmp_path: Path) -> None:
    (deadlock,) = checked(EXCHANGE, tmp_path).diagnostics
    assert deadlock.code == "E0801" and deadlock.span is not None
    assert (deadlock.span.line, deadlock.span.column) == (5, 20)


def test_imported_protocols_are_checked_when_their_module_is(tmp_path: Path) -> None:
    checked(USE_AFTER_SEND, tmp_path, "helpers.qnet")
    assert codes("import helpers;\n", tmp_path) == []
    assert codes(USE_AFTER_SEND, tmp_path) == ["E0701"]
