"""The ownership analysis grows linearly with the qubits of a role: a state is kept only
where a basic block starts, not before every instruction (`qubit[20000]` took minutes
and gigabytes when it was)."""

from __future__ import annotations

import tracemalloc

import pytest

from qnetlang.pipeline import check
from qnetlang.semantics.ownership import _Analysis
from qnetlang.source import SourceFile

PROGRAM = """
network lab {{
  node a {{ qubits {n}; }}
}}

protocol p {{
  role x {{
    qubit[{n}] q;
    for i in 0..{n} {{
      report z = measure q[i];
    }}
  }}
}}

run p on lab with x = a;
"""


def analysed(n: int) -> tuple[int, int]:
    """(states kept, peak bytes of the analysis) for a role holding n qubits."""
    result = check(SourceFile("wide.qnet", PROGRAM.format(n=n)))
    assert result.ok and result.ir is not None
    role = result.ir.runs[0].roles["x"]
    tracemalloc.start()
    analysis = _Analysis(role)
    states = analysis.states()
    list(analysis.problems())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return len(states), peak


@pytest.mark.slow
def test_states_are_kept_per_block_and_memory_grows_linearly() -> None:
    states, peak = analysed(10_000)
    assert states < 20  # the blocks, not the 20,000 instructions
    assert peak < 2_000 * 10_000  # about a kilobyte a qubit (a state per instruction: 2 GB)


def test_roles_checked_one_after_another_each_report_their_own_problems() -> None:
    """A protocol checked on its own lowers its roles one at a time: an instruction of a
    later role must not be taken for one of a role already gone (their identities may
    be the same), or its qubit left behind goes unreported."""
    roles = "\n".join(f"  role r{k} {{ qubit q; f(q); }}" for k in range(200))
    text = f"def f(a: qubit) {{ h a; x a; }}\n\nprotocol p() {{\n{roles}\n}}\n"
    result = check(SourceFile("left.qnet", text))
    assert [d.code for d in result.diagnostics].count("W0704") == 200
