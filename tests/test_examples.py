"""Every example runs with the README's command and prints a table (a sweep's, for a run
that sweeps)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_check import qnetc
from tests.conftest import EXAMPLE_FILES, HEAVY_EXAMPLES, file_id


@pytest.mark.parametrize("path", [pytest.param(path, marks=pytest.mark.slow)
                                  if path.name in HEAVY_EXAMPLES else path
                                  for path in EXAMPLE_FILES], ids=file_id)
def test_example_runs(path: Path) -> None:
    result = qnetc("run", str(path), "--shots", "1" if path.name in HEAVY_EXAMPLES else "64",
                   *HEAVY_EXAMPLES.get(path.name, ()))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(("run ", "sweep of run "))  # a table, or a sweep's
    assert " report " in result.stdout and "mean" in result.stdout
