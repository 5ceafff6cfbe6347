"""The communication check skips the turns of independent loops once they repeat, and
finds exactly what following every turn finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.pipeline import check
from qnetlang.semantics import communication
from qnetlang.source import SourceFile
from tests.conftest import ROOT

BB84 = (ROOT / "stdlib" / "bb84.qnet").read_text().replace("module std.bb84;", "")
CAMPUS = """
network campus {
  node alice { qubits 1; }
  node tap { qubits 1; }
  node bob { qubits BOB; }
  link alice -> tap { quantum fiber(length = 10 m); }
  link tap -> bob { quantum fiber(length = 20 km, attenuation = 0.2 dB/km); }
  link alice <-> bob { classical fiber(length = 20 km); }
}
run bb84(n = N) on campus with alice = alice, eve = tap, bob = bob;
"""


def diagnostics(text: str, tmp_path: Path) -> list[tuple[str, str, int]]:
    path = tmp_path / "test.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    return sorted((d.code, d.message, d.span.start if d.span else -1)
                  for d in result.diagnostics)


def program(n: int, change: tuple[str, str] = ("", ""), bob_qubits: int = 1) -> str:
    text = BB84.replace(*change) if change[0] else BB84
    return text + CAMPUS.replace("BOB", str(bob_qubits)).replace("N", str(n))


CHANGES = {
    "clean": (("", ""), 1),
    # Bob stops a turn early: Alice's last qubit is never received.
    "one turn short": (("    for i in 0..n {\n      qubit q = recv qubit from eve within",
                        "    for i in 0..n - 1 {\n      qubit q = recv qubit from eve within"), 1),
    # Bob keeps every qubit: his memory fills up in the second turn.
    "qubits kept": (("      results[i] = measure q;", "      results[i] = 0;"), 1),
    # Bob waits for a classical message in every turn that Eve never sends.
    "wrong kind": (("      qubit q = recv qubit from eve within slot else {",
                    "      bit b = recv bit from eve within slot else {"), 1),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_skipping_repeated_turns_finds_what_following_them_finds(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    change, bob_qubits = CHANGES[name]
    text = program(200, change, bob_qubits)
    if change[0]:
        assert change[0] in BB84
    skipped = []
    skip = communication._Repeats.skip

    def counted(self: communication._Repeats, *args: object) -> None:
        skipped.append(1)
        skip(self, *args)

    monkeypatch.setattr(communication._Repeats, "skip", counted)
    fast = diagnostics(text, tmp_path)
    monkeypatch.setattr(communication._Repeats, "arrive", lambda *args: None)
    assert fast == diagnostics(text, tmp_path)
    if name == "clean":
        assert fast == [] and skipped


def test_a_million_turns_are_checked_to_their_end(tmp_path: Path) -> None:
    # Followed turn by turn, the check would stop at its step bound with N0905.
    assert diagnostics(program(1_000_000), tmp_path) == []


TWO = """
network two {
  node x { qubits 1; }
  node y { qubits 1; }
  link x <-> y { classical fiber(length = 1 km); }
}
"""

# Programs found by review: each once made the skip report a false error or miss one.
REVIEWED = {
    "an array filled from the counter": """
protocol p(n: int = 64) {
  role a {
    bit[n] flags;
    for i in 0..n { flags[i] = i >= 32; }
    if (flags[40]) { send 1 to b; }
  }
  role b { int v = recv int from a; report v = v; }
}
run p on two with a = x, b = y;
""",
    "a message made from the counter": """
protocol p(n: int = 64) {
  role a { for i in 0..n { send i to b; wait 1 us; } }
  role b {
    for i in 0..n {
      int v = recv int from a;
      if (v == 40) { send 1 to a; }
      v = 0;
    }
  }
}
run p on two with a = x, b = y;
""",
    "an array changed in place by another role": """
protocol p(n: int = 64) {
  role a {
    for i in 0..n { wait 1 us; }
    int v = recv int from c within 10 us else { send 1 to c; return; };
    report v = v;
  }
  role c {
    int[1] acc;
    while (acc[0] < 40) { wait 1 us; acc[0] = acc[0] + 1; }
    send acc[0] to a;
  }
}
run p on two with a = x, c = y;
""",
}


REVIEWED["a value copied from the counter"] = """
protocol p(n: int = 64) {
  role a {
    int[n] w;
    int x = 0;
    for i in 0..n { x = i; w[i] = x; wait 1 us; }
    if (w[40] == 40) { send 1 to b; }
  }
  role b { int v = recv int from a; report v = v; }
}
run p on two with a = x, b = y;
"""
REVIEWED.update({
    "an element no turn writes": """
protocol p(n: int = 100) {
  role a {
    int[n] w;
    w[70] = 7;
    int f = 0;
    for i in 0..n { if (f == 1) { w[i] = 1; } wait 1 us; }
    if (w[70] == 7) { send 1 to b; }
  }
  role b { int v = recv int from a; report v = v; }
}
run p on two with a = x, b = y;
""",
    "an element written from a value that settles": """
protocol p(n: int = 200) {
  role a {
    int[n] w;
    int s = 5;
    for i in 0..n { w[i] = s; s = 7; wait 1 us; }
    if (w[100] == 5) { send 1 to b; }
  }
  role b { int v = recv int from a; report v = v; }
}
run p on two with a = x, b = y;
""",
    "a `continue` on an array at the counter": """
protocol p(n: int = 200) {
  role a {
    bit[n] flags;
    for i in 0..n { flags[i] = i == 150; }
    for i in 0..n {
      wait 1 us;
      if (flags[i]) { continue; }
      send 1 to b;
    }
    int z = recv int from b;
    report z = z;
  }
  role b {
    int got = 0;
    wait latency(a) + 0.5 us;
    for i in 0..n {
      int v = recv int from a within 1 us else { continue; };
      got += v;
    }
    if (got < n) { send got to a; }
  }
}
run p on two with a = x, b = y;
""",
    "a qubit re-prepared on an array at the counter": """
protocol p(n: int = 200) {
  role a {
    bit[n] flags;
    for i in 0..n { flags[i] = i == 150; }
    for i in 0..n {
      qubit q;
      bit m = measure q;
      if (flags[i]) { x q; }
      qubit r;
      bit k = measure r;
      wait 1 us;
    }
  }
}
network one { node x { qubits 1; } }
run p on one with a = x;
""",
    "gates on an array at the counter": """
protocol p(n: int = 200) {
  role a {
    bit[n] flags;
    for i in 0..n { flags[i] = i == 150; }
    int ones = 0;
    for i in 0..n {
      qubit[3] r;
      h r[0];
      if (flags[i]) { cx r[0], r[1]; cx r[1], r[2]; }
      ones += measure r[0]; measure r[1]; measure r[2];
      wait 1 us;
    }
    report ones = ones;
  }
}
network one { node x { qubits 3; } }
run p on one with a = x;
""",
    "an array read at the counter before it is written": """
protocol p(n: int = 200) {
  role a {
    bit[n] flags;
    for i in 0..n { flags[i] = i == 150; }
    for i in 0..n {
      if (flags[i]) { send 2 to b; } else { send 1 to b; }
      flags[i] = 0;
      wait 1 us;
    }
    int z = recv int from b;
    report z = z;
  }
  role b {
    int got = 0;
    for i in 0..n { int v = recv int from a; got += v; }
    if (got > n) { send got to a; }
  }
}
run p on two with a = x, b = y;
""",
})


@pytest.mark.parametrize("name", list(REVIEWED))
def test_repeats_are_real(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = REVIEWED[name] if "network" in REVIEWED[name] else TWO + REVIEWED[name]
    fast = diagnostics(text, tmp_path), footprint(text, tmp_path)
    monkeypatch.setattr(communication._Repeats, "arrive", lambda *args: None)
    assert fast == (diagnostics(text, tmp_path), footprint(text, tmp_path))


def footprint(text: str, tmp_path: Path) -> tuple[int, ...]:
    """The largest entangled group the check foresees, in each run."""
    path = tmp_path / "test.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    if result.ir is None:
        return ()
    return tuple(run.footprint.entangled for run in result.ir.runs if run.footprint)
