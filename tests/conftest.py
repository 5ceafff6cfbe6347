"""Shared test helpers: where the project's .qnet files are."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# As qnetc does (cli/main.py): deep programs (B92's running sums over 256 rounds) nest
# expressions deeper than Python's default; tests that call the library directly get
# the same room as the command, whatever ran before them.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))

ROOT = Path(__file__).resolve().parent.parent
STDLIB_FILES = sorted((ROOT / "stdlib").glob("*.qnet"))
EXAMPLE_FILES = sorted((ROOT / "examples").glob("*.qnet"))
PROGRAM_FILES = STDLIB_FILES + EXAMPLE_FILES
# Examples whose runs take seconds to minutes for the many shots a test would ask for:
# pulse trains of 10^6 to 10^10 pulses a shot, some over a sweep (the whole Micius pass
# takes about 5 s, the sweep of decoy_bb84 about 12 s), and the QMAN sweep of 42 runs
# of a 35-node network (about 100 s of work). They run one shot each, with the slow
# tests, and with the arguments given here (one short point of the QMAN sweep).
HEAVY_EXAMPLES: dict[str, tuple[str, ...]] = {
    "micius.qnet": (), "decoy_bb84.qnet": (), "bbm92.qnet": (),
    "qman.qnet": ("--set", "capacity=40", "--set", "duration=50 ms")}


def file_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.fixture(params=PROGRAM_FILES, ids=file_id)
def program_file(request: pytest.FixtureRequest) -> Path:
    return request.param
