"""Loops whose turns are independent run side by side, as rows of one batch, and mean
exactly what their turns one after the other mean (runtime/folding.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qnetlang.pipeline import check
from qnetlang.ir import nodes as ir
from qnetlang.results import RunResult
from qnetlang.runtime import folding
from qnetlang.ir.loops import independent_loops
from qnetlang.runtime.batch import RuntimeFailure
from qnetlang.runtime.limits import Limits
from qnetlang.runtime.runner import run_shots
from qnetlang.source import SourceFile
from tests.conftest import ROOT

BB84 = (ROOT / "stdlib" / "bb84.qnet").read_text().replace("module std.bb84;", "")
LINK = """
network campus {
  node alice { qubits 1; }
  node tap { qubits 1; }
  node bob { qubits 1; }
  link alice -> tap { quantum fiber(length = 10 m); }
  link tap -> bob { quantum fiber(length = 20 km, attenuation = 0.2 dB/km); }
  link alice <-> bob { classical fiber(length = 20 km); }
}
"""


TWO_NODES = """
network two {
  node x { qubits 1; }
  node y { qubits 1; }
  link x -> y { quantum fiber(length = 1 km); }
}
run p on two with a = x, b = y;
"""


def runs_of(text: str, tmp_path: Path) -> list[ir.Run]:
    path = tmp_path / "test.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    assert result.ok and result.ir is not None, [d.message for d in result.diagnostics]
    return result.ir.runs


def folds(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The groups of loops run side by side from now on, by their roles."""
    made: list[list[str]] = []
    commit = folding.Folding.commit

    def counted(self: folding.Folding, *args: Any) -> None:
        made.append(sorted(self.stops))
        commit(self, *args)

    monkeypatch.setattr(folding.Folding, "commit", counted)
    return made


def same(a: RunResult, b: RunResult) -> bool:
    return {k: v.to_json() for k, v in a.reports.items()} == \
        {k: v.to_json() for k, v in b.reports.items()}


def agree(a: RunResult, b: RunResult) -> None:
    """Every report of two runs agrees within 4 standard errors of their difference."""
    assert a.reports.keys() == b.reports.keys()
    for name, x in a.reports.items():
        y = b.reports[name]
        tolerance = 4 * (x.stderr ** 2 + y.stderr ** 2) ** 0.5 + 1e-12
        assert abs(x.mean - y.mean) <= tolerance, (name, x.mean, y.mean, tolerance)


def test_the_qkd_loops_of_the_standard_library_are_independent() -> None:
    from qnetlang import load
    (honest, _) = load(ROOT / "examples" / "bb84.qnet")._ir.runs
    groups = {frozenset(loop.role for loop in group.loops)
              for group in independent_loops(honest).values()}
    # The quantum loop of the three roles; Alice's disclosure; Bob's sifting (its sums).
    assert groups == {frozenset({"alice", "eve", "bob"}), frozenset({"alice"}),
                      frozenset({"bob"})}
    bob = next(group for (role, _), group in independent_loops(honest).items()
               if role == "bob" and len(group.loops) == 1).loops[0]
    assert bob.sums == {"arrived", "sifted", "checked", "errors"}
    quantum = next(group for group in independent_loops(honest).values()
                   if len(group.loops) == 3)
    assert quantum.peel == 1  # Bob's `slot` settles in the first turn


@pytest.mark.parametrize("body, why", [
    ("acc = acc * 2 + random();", "a value carried from turn to turn"),
    ("b[i] = random(); if (b[0] == 1) acc += 1;", "an element at another index"),
    ("b[i] = random(); acc += sum(b);", "the whole array"),
    ("report r = random();", "a report"),
    ("b[i] = now() > 1 us;", "the time"),
])
def test_a_loop_whose_turns_share_state_runs_turn_by_turn(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, why: str) -> None:
    text = f"""
protocol p(n: int = 16) {{
  role a {{
    bit[n] b;
    int acc = 1;
    for i in 0..n {{ {body} }}
    report acc = acc;
  }}
}}
network one {{ node x {{ qubits 1; }} }}
run p on one with a = x;
"""
    (run,) = runs_of(text, tmp_path)
    assert not independent_loops(run), why
    made = folds(monkeypatch)
    assert same(run_shots(run, shots=20, seed=1), run_shots(run, shots=20, seed=1, fold=False))
    assert made == []


def test_a_channel_also_used_outside_the_loop_keeps_it_turn_by_turn(tmp_path: Path) -> None:
    text = """
protocol p(n: int = 8) {
  role a {
    qubit first;
    send first to b;
    for i in 0..n { qubit q; send q to b; wait 1 us; }
  }
  role b {
    qubit first = recv qubit from a;
    measure first;
    for i in 0..n { qubit q = recv qubit from a; measure q; }
  }
}
"""
    (run,) = runs_of(text + TWO_NODES, tmp_path)
    assert not independent_loops(run)


@pytest.mark.parametrize("example", [pytest.param("bb84", marks=pytest.mark.slow), "b92", "e91"])
def test_side_by_side_agrees_with_turn_by_turn(example: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from qnetlang import load
    made = folds(monkeypatch)
    for run in load(ROOT / "examples" / f"{example}.qnet")._ir.runs:
        made.clear()
        together = run_shots(run, shots=1500, seed=4)
        assert made, "its quantum loop ran side by side"
        alone = run_shots(run, shots=1500, seed=4, fold=False)
        agree(together, alone)
        assert together.sim_time_s == alone.sim_time_s  # the same timing, to the picosecond


@pytest.mark.slow
def test_noise_in_memory_and_on_the_way_is_the_same_side_by_side(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    noisy = LINK.replace("node tap { qubits 1; }",
                         "node tap { qubits 1; memory { t1 = 2 us; t2 = 1 us; } }") \
        .replace("attenuation = 0.2 dB/km", "attenuation = 0.2 dB/km, depolarizing = 0.1")
    # Eve holds each qubit 0.4 us, while it decoheres; Bob's windows open that much later.
    program = BB84.replace("send q to bob;", "wait 0.4 us;\n      send q to bob;") \
        .replace("wait latency(alice, eve);", "wait latency(alice, eve) + 0.4 us;") + \
        noisy + "run bb84(n = 256) on campus with alice = alice, eve = tap, bob = bob;"
    assert program.count("0.4 us") == 2
    (run,) = runs_of(program, tmp_path)
    made = folds(monkeypatch)
    together = run_shots(run, shots=1000, seed=2)
    assert ["alice", "bob", "eve"] in made
    alone = run_shots(run, shots=1000, seed=2, fold=False)
    agree(together, alone)
    assert together.reports["qber"].mean > 0.05  # the noise shows


PAIR = """
protocol p(n: int = 100, window: time = 1 us, late: time = 0 s) {
  role a {
    for i in 0..n { wait 1 us; qubit q; h q; send q to b; }
  }
  role b {
    int got = 0;
    int ones = 0;
    wait latency(a) + late;
    for i in 0..n {
      qubit q = recv qubit from a within window else { continue; };
      got += 1;
      ones += measure q;
    }
    report got = got;
    report ones = ones;
  }
}
network two {
  node x { qubits 1; }
  node y { qubits 8; }
  link x -> y { quantum fiber(length = 10 km, attenuation = 0.5 dB/km); }
}
"""


@pytest.mark.parametrize("arguments, why", [
    pytest.param("window = 3 us", "a lost qubit makes the receiver wait longer than a period",
                 marks=pytest.mark.slow),
    ("n = 4, late = 100 us", "the sender's loop ends before the receiver's starts"),
])
def test_turns_that_do_not_follow_one_period_run_turn_by_turn(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: str, why: str) -> None:
    (run,) = runs_of(PAIR + f"run p({arguments}) on two with a = x, b = y;", tmp_path)
    assert independent_loops(run)
    made = folds(monkeypatch)
    together = run_shots(run, shots=100, seed=3)
    assert made == [], why
    # The batch went back to where the first role stopped, and on turn by turn.
    assert same(together, run_shots(run, shots=100, seed=3, fold=False))


def test_turns_one_period_apart_run_side_by_side(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (run,) = runs_of(PAIR + "run p on two with a = x, b = y;", tmp_path)
    made = folds(monkeypatch)
    together = run_shots(run, shots=2000, seed=3)
    assert made == [["a", "b"]] * 2  # in each batch
    agree(together, run_shots(run, shots=2000, seed=3, fold=False))
    passed = 10 ** -0.5
    got = together.reports["got"]
    assert abs(got.mean - 100 * passed) <= 4 * got.stderr


def test_each_turn_keeps_its_own_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn i's outcome lands at index i, in every shot, over frames of a few rows."""
    program = """
protocol p(n: int = 50) {
  role a {
    bit[n] pattern;
    for i in 0..n {
      pattern[i] = i % 3 == 1;
      qubit q;
      if (pattern[i]) x q;
      send q to b;
      wait 1 us;
    }
  }
  role b {
    bit[n] seen;
    for i in 0..n {
      qubit q = recv qubit from a;
      seen[i] = measure q;
    }
    int wrong = 0;
    int ones = 0;
    for i in 0..n {
      if (seen[i] != (i % 3 == 1)) wrong += 1;
      ones += seen[i];
    }
    report wrong = wrong;
    report ones = ones;
  }
}
"""
    (run,) = runs_of(program + TWO_NODES, tmp_path)
    monkeypatch.setattr(folding, "FRAME_ROWS", 64)  # 3 shots a frame: 17 frames a loop
    made = folds(monkeypatch)
    result = run_shots(run, shots=5, seed=1)
    assert made == [["a", "b"], ["b"]]
    assert result.reports["wrong"].mean == 0
    assert result.reports["ones"].mean == 17


def test_one_long_shot_of_bb84(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """20,000 qubits in one shot: 20 km at 0.2 dB/km lets 10^-0.4 through; half the bases
    agree (binomial standard errors)."""
    n = 20_000
    program = BB84 + LINK + f"run bb84(n = {n}) on campus with alice = alice, eve = tap, bob = bob;"
    (run,) = runs_of(program, tmp_path)
    made = folds(monkeypatch)
    # A loop run side by side takes the steps of one turn (60,000 turn by turn here).
    result = run_shots(run, shots=1, seed=7, limits=Limits(max_steps=20_000))
    assert len(made) == 3
    detected = 10 ** -0.4
    rate = result.reports["detection_rate"].mean
    assert abs(rate - detected) <= 4 * (detected * (1 - detected) / n) ** 0.5
    arrived = rate * n
    assert abs(result.reports["sifting_ratio"].mean - 0.5) <= 4 * (0.25 / arrived) ** 0.5
    assert result.reports["qber"].mean == 0


def test_a_traced_run_follows_every_turn(tmp_path: Path) -> None:
    program = BB84 + LINK + "run bb84(n = 16) on campus with alice = alice, eve = tap, bob = bob;"
    (run,) = runs_of(program, tmp_path)
    records: list[dict[str, Any]] = []
    run_shots(run, shots=4, seed=1, tracer=records.append)
    sends = [r for r in records if r["event"] == "send" and r["role"] == "alice"]
    assert len(sends) == 16 + 2  # each qubit, then the bases and the disclosure


@pytest.mark.slow
def test_side_by_side_is_the_same_for_any_number_of_jobs() -> None:
    from qnetlang import load
    run = load(ROOT / "examples" / "bb84.qnet")._ir.runs[1]
    assert same(run_shots(run, shots=2500, seed=8, jobs=1),
                run_shots(run, shots=2500, seed=8, jobs=2))


ONE = "network one { node x { qubits 1; } }\nrun p on one with a = x;\n"


def alone(body: str, n: int = 5) -> str:
    return f"protocol p(n: int = {n}) {{\n  role a {{\n{body}\n  }}\n}}\n" + ONE


# Programs found by review, each once folded wrongly or crashing.
REVIEWED = {
    "a loop's length per shot": alone(
        "int k = random() * 4 + 1; int ones = 0;\nfor i in 0..k { ones += 1; }\n"
        "report ones = ones;"),
    "a value set from the counter": alone(
        "int last = 100; int s = 0;\nfor i in 0..n { s += last; last = i; }\nreport s = s;"),
    "a value read after the loop on one path": alone(
        "int x = 100; int y = 100; bit c = random();\nfor i in 0..n { x = i; y = i; }\n"
        "if (c) { y = 0; } else { x = 0; }\nreport x = x;"),
    "an array read at another index": alone(
        "int[n] b; int t = 0;\nfor i in 0..n { b[i] = i * 2; }\n"
        "for i in 0..n { t += b[1]; }\nreport t = t;"),
}


@pytest.mark.parametrize("name", list(REVIEWED))
def test_loops_that_share_state_mean_what_their_turns_mean(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (run,) = runs_of(REVIEWED[name], tmp_path)
    made = folds(monkeypatch)
    together = run_shots(run, shots=64, seed=1)
    assert same(together, run_shots(run, shots=64, seed=1, fold=False)), name
    assert made in ([], [["a"]], [["a"], ["a"]]), made


def test_a_turn_whose_shots_part_ways_runs_as_parts_of_its_frame(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (run,) = runs_of(alone(
        "bit[n] s;\nfor i in 0..n {\n  qubit q; h q; bit m = measure q;\n"
        "  if (m) { wait 1 us; s[i] = 1; } else { wait 1 us; }\n}\n"
        "int ones = 0;\nfor i in 0..n { ones += s[i]; }\nreport ones = ones;", n=8),
        tmp_path)
    made = folds(monkeypatch)
    together = run_shots(run, shots=2000, seed=1)
    assert ["a"] in made
    agree(together, run_shots(run, shots=2000, seed=1, fold=False))
    within_four = 4 * (8 * 0.25 / 2000) ** 0.5
    assert abs(together.reports["ones"].mean - 4) <= within_four


@pytest.mark.parametrize("body, code", [
    ("bit[n] s;\nfor i in -1..n { s[i] = 1; }", "E0905"),  # an index out of range
    ("int t = 0;\nfor i in 0..n { int k = 0; while (k < 1) { k = k * 1; } t += k; }\n"
     "report t = t;", "E0906"),  # a turn that never ends: the step bound
])
def test_a_turn_that_fails_fails_as_turn_by_turn(tmp_path: Path, body: str,
                                                 code: str) -> None:
    (run,) = runs_of(alone(body), tmp_path)
    failures = []
    for fold in (True, False):
        with pytest.raises(RuntimeFailure) as failure:
            run_shots(run, shots=4, seed=1, fold=fold, limits=Limits(max_steps=20_000))
        failures.append((failure.value.diagnostic.code, failure.value.diagnostic.message))
    assert failures[0] == failures[1] and failures[0][0] == code


def test_turns_at_one_instant_keep_the_order_of_their_events(tmp_path: Path) -> None:
    """B92's source sends every qubit at once; a receiver that waits (even 0 s) before
    measuring lets them all arrive first, and its one-qubit memory overflows turn by
    turn: so it must run side by side."""
    program = """
protocol p(n: int = 16) {
  role a { for i in 0..n { qubit q; h q; send q to b; } }
  role b {
    int ones = 0;
    for i in 0..n { qubit q = recv qubit from a; wait 0 s; ones += measure q; }
    report ones = ones;
  }
}
"""
    (run,) = runs_of(program + TWO_NODES, tmp_path)
    for fold in (True, False):
        with pytest.raises(RuntimeFailure, match="already holds its 1 qubit"):
            run_shots(run, shots=4, seed=1, fold=fold)


# Found by a second review: each once gave another result side by side.
WINDOW_AFTER_RECEIPT = """
protocol p(n: int = 40) {
  role b { for i in 0..n { qubit q; bit s = random(); if (s) x q; send q to r; send s to r; wait 1 us; } }
  role r {
    int wrong = 0; int got = 0;
    for i in 0..n {
      bit v = recv bit from b;
      qubit q = recv qubit from b within 1 us else { continue; };
      bit m = measure q;
      got += 1;
      if (m != v) wrong += 1;
      wait 1 us;
    }
    report wrong = wrong; report got = got;
  }
}
network net {
  node z { qubits 1; }
  node y { qubits 2; }
  link z <-> y { classical fiber(length = 1 km); }
  link z -> y { quantum fiber(length = 1 km, attenuation = 3 dB/km); }
}
run p on net with b = z, r = y;
"""
QUBIT_FROM_OUTSIDE = """
protocol p(n: int = 20) {
  role a { for i in 0..n { qubit q; h q; send q to b; wait 1 us; } }
  role b {
    int ones = 0;
    for i in 0..n { qubit q = recv qubit from a; wait 0.5 us; ones += measure q; }
    qubit r = recv qubit from c;
    ones += measure r;
    report ones = ones;
  }
  role c { wait 3 us; qubit q; send q to b; }
}
network net {
  node x { qubits 1; }
  node y { qubits 1; }
  node w { qubits 1; }
  link x -> y { quantum fiber(length = 1 km); }
  link w -> y { quantum fiber(length = 1 km); }
}
run p on net with a = x, b = y, c = w;
"""
ERROR_WHILE_WAITING = """
protocol p(n: int = 8) {
  role a { int[1] s; for i in 1..n { s[i] = 1; qubit q; h q; send q to b; wait 1 us; } }
  role b {
    int[2] arr;
    int k = 5;
    wait 2 us;
    arr[k] = 1;
    for i in 1..n { qubit q = recv qubit from a; measure q; }
  }
}
network two {
  node x { qubits 1; }
  node y { qubits 4; }
  link x -> y { quantum fiber(length = 1 km); }
}
run p on two with a = x, b = y;
"""


@pytest.mark.slow
def test_a_turn_that_ends_as_the_next_message_comes_runs_turn_by_turn(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The relay's window closes 1 us after its first receipt, when the next turn's qubit
    arrives: delivered first, that qubit lands in this turn's window."""
    (run,) = runs_of(WINDOW_AFTER_RECEIPT, tmp_path)
    made = folds(monkeypatch)
    together = run_shots(run, shots=200, seed=1)
    assert made == []
    assert same(together, run_shots(run, shots=200, seed=1, fold=False))
    assert together.reports["wrong"].mean > 1  # turn by turn, qubits meet the wrong bits


@pytest.mark.parametrize("program", [QUBIT_FROM_OUTSIDE, ERROR_WHILE_WAITING])
def test_what_fails_turn_by_turn_fails_alike(tmp_path: Path, program: str) -> None:
    """A qubit from outside the loops fills the receiver's memory during them; an error
    of a role while another waits at its loop's head is the error turn by turn."""
    (run,) = runs_of(program, tmp_path)
    failures = []
    for fold in (True, False):
        with pytest.raises(RuntimeFailure) as failure:
            run_shots(run, shots=8, seed=1, fold=fold)
        diagnostic = failure.value.diagnostic
        failures.append((diagnostic.code, diagnostic.message, diagnostic.span))
    assert failures[0] == failures[1]
