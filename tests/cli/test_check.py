"""`qnetc check` end to end: exit codes, both output formats, colour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qnetlang.cli.main import main
from tests.conftest import EXAMPLE_FILES, ROOT, STDLIB_FILES

BAD = "protocol p {\n  role r {\n    qubit q\n    hh q;\n  }\n}\n"


def qnetc(*args: str, stdin: bytes | None = None,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    environment.pop("NO_COLOR", None) if env is None or "NO_COLOR" not in env else None
    return subprocess.run([sys.executable, "-m", "qnetlang", *args], capture_output=True,
                          input=stdin.decode() if stdin is not None else None, text=True,
                          env=environment, cwd=ROOT, timeout=120)


def test_stdlib_and_examples_check_clean() -> None:
    """Nothing but the notes of the protocols whose shots part ways (what a role does
    after a post-selection, after attempts until success, or after error correction's
    rounds until no error is left, is not followed)."""
    result = qnetc("check", "stdlib", "examples")
    assert result.returncode == 0, result.stderr
    headers = [line for line in result.stderr.splitlines() if line.startswith(("error",
                                                                               "warning",
                                                                               "note["))]
    assert all(line.startswith("note[N0806]") for line in headers), result.stderr
    noted = {line.split(":")[0].strip(" ->") for line in result.stderr.splitlines()
             if line.lstrip().startswith("--> ")}
    # heralded attempts, and Cascade's rounds: as many as it takes
    assert noted <= {"examples/distill_teleport.qnet", "examples/repeat_until_success.qnet",
                     "std/repeater.qnet", "std/decoy_bb84.qnet"}
    assert len(STDLIB_FILES) >= 5 and len(EXAMPLE_FILES) >= 5


def test_errors_exit_1_with_rustc_style_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "bad.qnet"
    path.write_text(BAD)
    result = qnetc("check", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"error[E0120]: expected `;`, found `hh`\n --> {path}:3:11\n" in result.stderr
    assert "3 |     qubit q\n  |           ^ add `;` here\n" in result.stderr
    assert "error[E0130]: unknown gate `hh`" in result.stderr
    assert "  = help: did you mean `h`?" in result.stderr
    assert result.stderr.rstrip().endswith("2 errors found")
    assert "\x1b[" not in result.stderr  # not a terminal: no colour


def test_json_format(tmp_path: Path) -> None:
    path = tmp_path / "bad.qnet"
    path.write_text(BAD)
    result = qnetc("check", "--error-format", "json", str(path))
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["code"] for r in records] == ["E0120", "E0130"]
    assert records[1] == {
        "severity": "error", "code": "E0130", "message": "unknown gate `hh`",
        "span": {"file": str(path), "line": 4, "column": 5, "end_line": 4, "end_column": 7},
        "label": "not a gate of the language", "notes": [], "help": "did you mean `h`?"}


def test_colour_when_forced_and_never_with_no_color(tmp_path: Path) -> None:
    path = tmp_path / "bad.qnet"
    path.write_text(BAD)
    assert "\x1b[1;31m" in qnetc("check", "--color", "always", str(path)).stderr
    quiet = qnetc("check", "--color", "auto", str(path), env={"NO_COLOR": "1"})
    assert "\x1b[" not in quiet.stderr


def test_stdin() -> None:
    assert qnetc("check", "-", stdin=b"import std.teleport;\n").returncode == 0
    result = qnetc("check", "-", stdin=b"import std.teleport\n")
    assert result.returncode == 1 and "<stdin>:1:19" in result.stderr


@pytest.mark.parametrize("args", [(), ("check",), ("check", "missing.qnet"), ("bogus",),
                                  ("check", "--error-format", "xml", "a.qnet")])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = qnetc(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_binary_input_is_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "binary.qnet"
    path.write_bytes(bytes(range(256)))
    result = qnetc("check", str(path))
    assert result.returncode == 1
    assert "error[E0100]" in result.stderr and "Traceback" not in result.stderr


def test_internal_errors_exit_3_without_a_traceback() -> None:
    code = ("import qnetlang.cli.check as c, qnetlang.cli.main as m\n"
            "def boom(args): raise RuntimeError('boom')\n"
            "c.run = boom\n"
            "import sys; sys.exit(m.main(['check', 'examples/teleport.qnet']))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 3
    assert "internal compiler error: RuntimeError: boom" in result.stderr
    assert "this is a bug in qnetc" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_imports_no_heavy_modules() -> None:
    code = ("import sys\nfrom qnetlang.cli.main import main\n"
            "assert main(['check', 'stdlib', 'examples']) == 0\n"
            "heavy = [m for m in ('numpy', 'qiskit', 'qiskit_aer', 'networkx', 'scipy')"
            " if m in sys.modules]\n"
            "print(heavy)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_not_read_as_a_program() -> None:
    """Reading /dev/zero would never end: anything but a regular file is a usage error."""
    assert main(["check", "/dev/zero"]) == 2

