"""Every example runs with the README's command and prints a table (a sweep's, for a run
that sweeps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_check import qnetc
from tests.conftest import EXAMPLE_FILES, file_id


# Pulse trains of 10^8 pulses and more a shot: one shot each, and with the slow tests
# (the whole Micius pass takes about 5 s, the sweep of decoy_bb84 about 12 s); and a
# sweep of pairs (bbm92, about 1 s a shot).
ONE_SHOT = {"micius.qnet", "decoy_bb84.qnet", "bbm92.qnet"}


@pytest.mark.parametrize("path", [pytest.param(path, marks=pytest.mark.slow)
                                  if path.name in ONE_SHOT else path
                                  for path in EXAMPLE_FILES], ids=file_id)
def test_example_runs(path: Path) -> None:
    result = qnetc("run", str(path), "--shots", "1" if path.name in ONE_SHOT else "64")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(("run ", "sweep of run "))  # a table, or a sweep's
    assert " report " in result.stdout and "mean" in result.stdout
