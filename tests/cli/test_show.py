"""`qnetc show`: the source, coloured only when asked or on a terminal, line ranges and
numbers, and clear errors for what cannot be shown."""

from __future__ import annotations

import subprocess
import sys

from tests.cli.test_check import qnetc
from tests.conftest import ROOT

TELEPORT = ROOT / "examples" / "teleport.qnet"


def test_plain_when_piped_and_coloured_when_asked() -> None:
    plain = qnetc("show", str(TELEPORT))
    assert plain.returncode == 0 and plain.stdout == TELEPORT.read_text()
    coloured = qnetc("show", str(TELEPORT), "--color", "always")
    assert "\x1b[" in coloured.stdout
    assert "\x1b[" not in qnetc("show", str(TELEPORT), "--color", "never").stdout


def test_lines_and_numbers() -> None:
    lines = TELEPORT.read_text().splitlines()
    shown = qnetc("show", str(TELEPORT), "--lines", "5:6", "-n")
    width = len(str(len(lines)))
    assert shown.stdout.splitlines() == [f"{n:>{width}} | {lines[n - 1]}" for n in (5, 6)]
    assert qnetc("show", str(TELEPORT), "--lines", "3").stdout == lines[2] + "\n"
    assert qnetc("show", str(TELEPORT), "--lines", "6:2").returncode == 2


def test_a_missing_file_and_bad_bytes() -> None:
    missing = qnetc("show", "no/such.qnet")
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    bad = subprocess.run([sys.executable, "-m", "qnetlang", "show", "-"], input=b"ab\xff",
                         capture_output=True, timeout=60)
    assert bad.returncode == 1 and b"not valid UTF-8" in bad.stderr
