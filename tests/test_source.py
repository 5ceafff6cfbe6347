"""Source files: line endings of every kind give the same lines, offsets unchanged."""

from __future__ import annotations

import pytest

from qnetlang.pipeline import check
from qnetlang.source import SourceFile

PROGRAM = ["// a comment", "network lab {", "  node a { qubits 1; }", "}",
           "protocol p() {", "  role r {", "    hh q;", "  }", "}"]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_ending_ends_a_line(ending: str) -> None:
    text = ending.join(PROGRAM) + ending
    source = SourceFile("p.qnet", text)
    assert len(source.text) == len(text)  # offsets are kept
    assert source.line(7) == "    hh q;"
    (error,) = [d for d in check(source).diagnostics if d.is_error]
    assert error.code == "E0130" and (error.span.line, error.span.column) == (7, 5)
