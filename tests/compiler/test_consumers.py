"""The consumer matrix (tests/compiler/consumers.py) as tests: every program in both
forms, read by every reader that is installed; a reader's own failure that is known
is a strict xfail, so a fix shows."""

from __future__ import annotations

import pytest

from tests.compiler.consumers import PROGRAMS, READERS, Reader, installed, outcome

# Readers that fail on a program through a fault of their own, with the reason.
KNOWN_FAILURES = {
    ("swap chain", "Braket local", "qasm3"):
        "Braket's numba kernel cannot reshape the state of 11 qubits (TypingError)",
}
FAST = {"classical logic"}


def cases() -> list[object]:
    found = []
    for label in PROGRAMS:
        for reader in READERS:
            marks = [] if label in FAST else [pytest.mark.slow]
            reason = KNOWN_FAILURES.get((label, reader.name, reader.form))
            if reason is not None:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            found.append(pytest.param(label, reader, marks=marks,
                                      id=f"{label}:{reader.name}:{reader.form}"))
    return found


@pytest.mark.parametrize(("label", "reader"), cases())
def test_a_reader_accepts_the_text_and_agrees(label: str, reader: Reader) -> None:
    if not installed(reader):
        pytest.skip(f"{reader.module} is not installed")
    _, problems = outcome(label, reader)
    assert not problems, "\n".join(problems or [])


def test_the_known_failures_name_cases() -> None:
    names = {(label, reader.name, reader.form) for label in PROGRAMS for reader in READERS}
    assert set(KNOWN_FAILURES) <= names
