"""Every example runs with the README's command and prints a table (a sweep's, for a run
that sweeps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_check import qnetc
from tests.conftest import EXAMPLE_FILES, file_id


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=file_id)
def test_example_runs(path: Path) -> None:
    result = qnetc("run", str(path), "--shots", "64")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(("run ", "sweep of run "))  # a table, or a sweep's
    assert " report " in result.stdout and "mean" in result.stdout
