"""Members of a role family lowered shape by shape (semantics/families.py) get exactly
the code and the diagnostics that lowering each member on its own gives: the oracle is
the same check with sharing turned off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qnetlang.codes import Code
from qnetlang.diagnostics import render_json
from qnetlang.ir import nodes as ir
from qnetlang.semantics import analyze
from qnetlang.semantics.context import Context
from qnetlang.semantics.families import Family
from qnetlang.source import SourceFile
from qnetlang.syntax.parser import parse_source

ROOT = Path(__file__).resolve().parents[2]

LINE = """
network line(n: int) {
  node hop[i in 0..=n] { qubits 4; }
  for i in 0..n {
    link hop[i] -> hop[i + 1] { quantum fiber(length = 1 km); }
    link hop[i] <-> hop[i + 1] { classical fiber(length = 1 km); }
  }
}
"""

PROGRAMS = {
    # the index as data, as a qubit index, an array size and a loop bound
    "values": LINE + """
protocol p(n: int) {
  role hop[i in 0..=n] {
    qubit[3] q;
    x q[i % 3];
    bit[i + 1] b;
    int total = 0;
    for k in 0..i { total += k; }
    if (i > 0) { wait i * 1 ns; }
    for k in 0..3 { bit m = measure q[k]; }
    report index = i + total + len(b);
  }
}
run r: p(n = 6) on line(n = 6) with hop = hop { shots = 4; }
""",
    # peers of the index, and a message with a window
    "peers": LINE + """
protocol p(n: int) {
  role hop[i in 0..=n] {
    if (i < n) { send 7 to hop[i + 1]; }
    if (i > 0) {
      int got = recv int from hop[i - 1] within latency(hop[0], hop[1]) + 1 us else { return; };
      report got = got;
    }
  }
}
run r: p(n = 5) on line(n = 5) with hop = hop { shots = 4; }
""",
    # the last member sends to a member that does not exist
    "peer out of range": LINE + """
protocol p(n: int) {
  role hop[i in 0..=n] {
    send 1 to hop[i + 1];
    if (i > 0) { int got = recv int from hop[i - 1]; }
  }
}
run r: p(n = 4) on line(n = 4) with hop = hop { shots = 4; }
""",
    # one member divides by zero
    "constant error in one member": LINE + """
protocol p(n: int) {
  role hop[i in 0..=n] {
    int k = 12 % (i - 2);
    report k = k;
  }
}
run r: p(n = 4) on line(n = 4) with hop = hop { shots = 4; }
""",
    "swap chain": (ROOT / "examples" / "swap_chain.qnet").read_text()
    .replace("const N = 4;", "const N = 12;"),
}


SHARED = {"peers": 3, "peer out of range": 2, "swap chain": 10, "constant error in one member": 1}  # members lowered as others


def _analyse(text: str, shared: bool, monkeypatch: pytest.MonkeyPatch,
             instances: list[str] | None = None) -> Context:
    source = SourceFile("input.qnet", text)
    parsed = parse_source(source)
    assert parsed.ok and parsed.program is not None
    instance = Family._instance

    def counted(self: Family, shape: Any, member: str, *rest: Any) -> Any:
        role = instance(self, shape, member, *rest)
        if role is not None and instances is not None:
            instances.append(member)
        return role

    with monkeypatch.context() as patch:
        patch.setattr(Family, "_instance", counted)
        if not shared:
            patch.setattr(Family, "_key", lambda self, index: None)
        return analyze(source, parsed.program, ROOT / "input.qnet")


def _roles(ctx: Context) -> list[tuple[str, str, str, str, str]]:
    return [(role.name, role.node, repr(role.code), repr(role.units), repr(role.variables))
            for run in ctx.program.runs for role in run.roles.values()]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_members_lowered_by_shape_are_those_lowered_one_by_one(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = _analyse(PROGRAMS[name], False, monkeypatch)
    instances: list[str] = []
    shared = _analyse(PROGRAMS[name], True, monkeypatch, instances)
    assert len(instances) == SHARED.get(name, 0)
    assert [render_json(d) for d in shared.diagnostics] == \
        [render_json(d) for d in alone.diagnostics]
    assert _roles(shared) == _roles(alone)
    channels = [[getattr(i, "channel", None) for i in role.code]
                for run in shared.program.runs for role in run.roles.values()]
    assert channels == [[getattr(i, "channel", None) for i in role.code]
                        for run in alone.program.runs for role in run.roles.values()]


def test_errors_of_one_member_are_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _analyse(PROGRAMS["peer out of range"], True, monkeypatch)
    assert [d.code for d in ctx.diagnostics] == [Code.INDEX_OUT_OF_RANGE]
    assert "`hop[5]` is not a member" in ctx.diagnostics[0].message
    ctx = _analyse(PROGRAMS["constant error in one member"], True, monkeypatch)
    assert [d.code for d in ctx.diagnostics if d.is_error] == [Code.CONSTANT_ERROR]


def test_inner_members_of_a_chain_share_their_instructions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _analyse(PROGRAMS["swap chain"], True, monkeypatch)
    roles = ctx.program.runs[0].roles
    first, other = roles["hop[3]"].code, roles["hop[8]"].code
    assert len(first) == len(other)
    for mine, theirs in zip(first, other, strict=True):
        if isinstance(mine, (ir.Send, ir.Recv)):
            assert mine is not theirs  # its own peer and channel
            assert mine.channel and theirs.channel and mine.channel != theirs.channel
        else:
            assert mine is theirs
