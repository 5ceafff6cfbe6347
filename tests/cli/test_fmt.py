"""`qnetc fmt`: rewrites in place, atomically, and never touches a broken file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.cli.test_check import qnetc

MESSY = "network n{node a{qubits 1;}}  // the lab\n"
TIDY = "network n {\n  node a { qubits 1; }\n} // the lab\n"


def test_fmt_rewrites_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "a.qnet"
    path.write_text(MESSY)
    path.chmod(0o640)
    result = qnetc("fmt", str(path))
    assert result.returncode == 0, result.stderr
    assert path.read_text() == TIDY
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "reformatted 1 file" in result.stderr
    again = qnetc("fmt", str(path))
    assert again.returncode == 0 and "reformatted" not in again.stderr
    assert sorted(os.listdir(tmp_path)) == ["a.qnet"]  # no temporary files left behind


def test_fmt_check_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.qnet"
    path.write_text(MESSY)
    result = qnetc("fmt", "--check", str(path))
    assert result.returncode == 1
    assert f"would reformat {path}" in result.stderr
    assert path.read_text() == MESSY
    path.write_text(TIDY)
    assert qnetc("fmt", "--check", str(path)).returncode == 0


def test_fmt_leaves_a_file_with_errors_alone(tmp_path: Path) -> None:
    broken = "network n{node a{qubits 1}}\n"
    path = tmp_path / "a.qnet"
    path.write_text(broken)
    before = path.stat().st_mtime_ns
    result = qnetc("fmt", str(path))
    assert result.returncode == 1
    assert "error[E0120]" in result.stderr
    assert path.read_text() == broken and path.stat().st_mtime_ns == before


def test_fmt_stdin_to_stdout() -> None:
    result = qnetc("fmt", "-", stdin=MESSY.encode())
    assert result.returncode == 0
    assert result.stdout == TIDY


def test_fmt_check_passes_on_the_project_files() -> None:
    result = qnetc("fmt", "--check", "stdlib", "examples")
    assert result.returncode == 0, result.stderr


COMMENTED = """\
network lab { node a { qubits 1; } node b { qubits 1; }
  link a -> b { quantum fiber(length = 1 km); } }
protocol p {
  role sender { qubit q = |+>; send q to receiver; }
  role receiver {
    qubit q = recv qubit from sender within 1 ms else { return; }; // lost
    if (measure q == 1) { report one = true; } // after then
    // before else
    else { report one = false; }
  }
}
run p on lab with sender = a, // the source
  receiver = b /* the sink */ { shots = 1; }
"""
COMMENTED_TIDY = """\
network lab {
  node a { qubits 1; }
  node b { qubits 1; }
  link a -> b { quantum fiber(length = 1 km); }
}
protocol p {
  role sender {
    qubit q = |+>;
    send q to receiver;
  }
  role receiver {
    qubit q = recv qubit from sender within 1 ms else {
      return;
    }; // lost
    if (measure q == 1) {
      report one = true;
    } // after then
    // before else
    else {
      report one = false;
    }
  }
}
run p on lab with sender = a, // the source
    receiver = b /* the sink */ {
  shots = 1;
}
"""


def test_fmt_keeps_comments_where_they_were(tmp_path: Path) -> None:
    """Before `else`, after a `within ... else { }` block and among a run's bindings."""
    path = tmp_path / "a.qnet"
    path.write_text(COMMENTED)
    result = qnetc("fmt", str(path))
    assert result.returncode == 0, result.stderr
    assert path.read_text() == COMMENTED_TIDY
    assert qnetc("fmt", "--check", str(path)).returncode == 0
