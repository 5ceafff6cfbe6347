"""Any input at all ends in a result and diagnostics, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qnetlang.pipeline import CheckResult, check, decode
from tests.conftest import PROGRAM_FILES, file_id

WORDS = ["network", "node", "link", "protocol", "role", "run", "on", "with", "qubit", "bit",
         "send", "recv", "from", "to", "measure", "in", "if", "else", "for", "while", "h",
         "cx", "rx", "a", "b", "q", "1", "2.5", "10 km", "0.2 dB/km", "{", "}", "(", ")",
         "[", "]", ";", ",", "=", "==", "->", "<->", "..", "..=", "+", "*", "|+>", '"s"',
         "//c\n", "/*c*/", "\n", " ", "qubits", "wait", "report", "within", "let", "def"]


def diagnose(data: bytes) -> CheckResult:
    loaded = decode(data, "fuzz.qnet")
    result = loaded if isinstance(loaded, CheckResult) else check(loaded)
    for diagnostic in result.diagnostics:
        assert diagnostic.code[0] in "EWN" and diagnostic.message
        assert diagnostic.span is not None and diagnostic.span.line >= 1
    return result


@pytest.mark.parametrize("path", PROGRAM_FILES, ids=file_id)
def test_every_truncation_of_a_project_file(path: Path) -> None:
    data = path.read_bytes()
    step = max(1, len(data) // 300)  # about 300 cuts a file (every byte: the slow test)
    for end in range(0, len(data), step):
        result = diagnose(data[:end])
        assert result.ok or any(d.is_error for d in result.diagnostics)


@pytest.mark.slow
@pytest.mark.parametrize("path", PROGRAM_FILES, ids=file_id)
def test_every_byte_truncation_of_a_project_file(path: Path) -> None:
    """Every byte of a file, up to 3,000 cuts (a longer file's are taken evenly: each
    checks the whole prefix)."""
    data = path.read_bytes()
    for end in range(0, len(data), max(1, -(-len(data) // 3000))):
        diagnose(data[:end])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join))
def test_token_soup(text: str) -> None:
    diagnose(text.encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    diagnose(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    diagnose(text.encode())


@pytest.mark.parametrize("text", [
    "", " ", "\n\n", "\ufeff", "{", "}", "(" * 5000, ")" * 5000, "{" * 5000 + "}" * 5000,
    "const x = " + "-" * 5000 + "1;", "const x = " + " + ".join(["1"] * 5000) + ";",
    "const x = " + "!" * 3000 + "true;", "\x00" * 10, "/*", '"', "network n { node",
])
def test_extremes(text: str) -> None:
    diagnose(text.encode())
