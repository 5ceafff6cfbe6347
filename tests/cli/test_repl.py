"""`qnetc repl` with a script on stdin: results on stdout, diagnostics on stderr, exit 1
when any input had an error, and files loaded from the command line."""

from __future__ import annotations

from tests.cli.test_check import qnetc
from tests.conftest import ROOT

TELEPORT = ROOT / "examples" / "teleport.qnet"


def test_a_clean_script_exits_0() -> None:
    done = qnetc("repl", str(TELEPORT), stdin=b":run --shots 100\n:quit\n")
    assert done.returncode == 0, done.stderr
    assert "added import std.teleport, const L, network lab, run teleport" in done.stdout
    assert "run teleport: protocol teleport, 100 shots" in done.stdout


def test_a_script_with_errors_exits_1_without_a_traceback() -> None:
    done = qnetc("repl", stdin=b"network lab {\n  node a { qubits x; }\n}\n:run\n")
    assert done.returncode == 1
    assert "error[E0301]: cannot find `x` here" in done.stderr
    assert "error: the session has no run yet" in done.stderr
    assert "Traceback" not in done.stderr
