"""The REPL's inputs and commands, as a script piped in: declare, run, inspect, and
every mistake answered with a diagnostic or a one-line error, never a traceback."""

from __future__ import annotations

import io
import re
from pathlib import Path

from qnetlang.repl import Session, Shell, feed
from tests.conftest import ROOT
from tests.repl.test_session import LAB, PROTOCOL


def script(text: str) -> tuple[Shell, str, str]:
    out, err = io.StringIO(), io.StringIO()
    shell = Shell(Session(), out=out, err=err)
    feed(shell, io.StringIO(text))
    return shell, out.getvalue(), err.getvalue()


def test_define_then_run() -> None:
    shell, out, err = script(LAB + PROTOCOL +
                             "run hello on lab with alice = alice, bob = bob;\n"
                             ":run --shots 300 --seed 4\n:check\n")
    assert err == "" and shell.errors == 0
    assert "added network lab\nadded protocol hello\nadded run hello\n" in out
    assert "run hello: protocol hello, 300 shots, engine statevector, seed 4" in out
    assert re.search(r"\n  plus +1\.0000 +0\.0000 +300  1: 300\n", out)
    assert out.endswith("ok: 1 network, 1 protocol, 1 run\n")


def test_mistakes_are_reported_and_the_session_goes_on() -> None:
    shell, out, err = script(":run\n:frob\n:run --shots x\n" + LAB +
                             "protocol p {\n  role r {\n    hh q;\n  }\n}\n"
                             ":load no/such/file.qnet\n:ir nope\n:check\n")
    assert "error: the session has no run yet" in err
    assert "error: unknown command `:frob`" in err
    assert "error: argument --shots: invalid int value: 'x'" in err
    assert "error[E0130]: unknown gate `hh`\n --> <in:2>:3:5" in err
    assert "error: cannot read `no/such/file.qnet`" in err
    assert "Traceback" not in err and shell.errors == 6
    assert out.endswith("ok: 1 network\n")


def test_load_ir_list_and_reset() -> None:
    path = ROOT / "examples" / "teleport.qnet"
    shell, out, err = script(f":load {path}\n:ir\n:list\n:reset\n:list\n:q\n:check\n")
    assert err == "" and "added import std.teleport, const L, network lab, run teleport" in out
    assert '"schema": "qnetlang-ir/1"' in out
    assert "network lab {" in out
    assert out.endswith("the session is empty\n(the session is empty)\n")  # :q quit before


def test_a_blank_line_ends_an_unfinished_input(tmp_path: Path) -> None:
    shell, out, err = script("network lab {\n\n:check\n")
    assert "error[E0110]: unclosed `{`" in err and "ok: nothing yet" in out


def test_qasm_of_a_run() -> None:
    path = ROOT / "examples" / "superdense.qnet"
    shell, out, err = script(f":load {path}\n:qasm\n:qasm nope\n")
    assert "OPENQASM 3.0;" in out and "if (" in out
    assert "error: no run named `nope`" in err and shell.errors == 1


def test_a_sweeping_run_and_values_given_to_a_run() -> None:
    """`:run` sweeps a run that sweeps, `--set` fixes a parameter (here the only swept
    one, so it is one run), and a compilation's refusal points into the input."""
    run = "run hello on lab with alice = alice, bob = bob { sweep tilt in [0.0, pi]; }\n"
    protocol = PROTOCOL.replace("protocol hello {", "protocol hello(tilt: float = 0.0) {")
    shell, out, err = script(LAB + protocol + run + ":run --shots 20\n"
                             ":run --shots 20 --set tilt=0.5\n:qasm\n:run --set nope=1\n")
    assert "sweep of run hello over tilt: 2 points" in out
    assert re.search(r"\n  0\.0 +\d+ +plus", out) and "3.14159265358979" in out
    assert "run hello: protocol hello, 20 shots" in out
    assert "error[E1001]: run `hello` sweeps `tilt`: a circuit is one point of it\n" \
           " --> <in:3>:1:50" in err
    assert "error[E0505]: `nope` is given a value" in err and shell.errors == 2
