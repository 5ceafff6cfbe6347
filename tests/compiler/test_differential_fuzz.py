"""The compiler's differential fuzzer in CI: a few random protocols on every run, more in
the slow suite (the campaigns of the notes run `python -m tests.compiler.differential_fuzz`)."""

from __future__ import annotations

import pytest

from qnetlang.compiler.lower import lower_run
from qnetlang.pipeline import check
from qnetlang.source import SourceFile
from tests.compiler.differential_fuzz import campaign, protocol


def test_the_protocols_check_and_compile() -> None:
    """A generator of refused programs would compare nothing."""
    for index in range(12):
        result = check(SourceFile("random.qnet", protocol(5, index)))
        assert result.ok and result.ir is not None, \
            [d.message for d in result.diagnostics if d.is_error]
        lower_run(result.ir.runs[0])


def test_a_few_random_protocols_agree_with_the_simulator() -> None:
    tally = campaign(seed=2, count=4)
    assert tally.refused == 0 and tally.compared == 8
    assert not tally.failures, tally.failures


@pytest.mark.slow
def test_a_campaign_agrees_with_the_simulator() -> None:
    tally = campaign(seed=3, count=150)
    assert tally.refused == 0
    assert not tally.failures, tally.failures
