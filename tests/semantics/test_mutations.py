"""The project's programs check clean, and each made wrong in one typical way
gives the diagnostic that names the mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.pipeline import check
from qnetlang.source import SourceFile
from tests.conftest import ROOT

STDLIB = ROOT / "stdlib"
EXAMPLES = ROOT / "examples"


def as_local(module: str, example: str) -> str:
    """A standard-library protocol pasted into its example, to be edited freely."""
    protocol = (STDLIB / f"{module}.qnet").read_text().replace(f"module std.{module};", "")
    program = (EXAMPLES / f"{example}.qnet").read_text().replace(f"import std.{module};", "")
    return protocol + "\n" + program


def codes(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "mutated.qnet"
    path.write_text(text)
    result = check(SourceFile(str(path), text), path)
    return [d.code for d in result.diagnostics]


def test_pasted_programs_check_clean(tmp_path: Path) -> None:
    for module, example in [("teleport", "teleport"), ("chsh", "chsh"),
                            ("swap", "swap_chain"), ("bb84", "bb84")]:
        assert codes(as_local(module, example), tmp_path) == [], module


def mutate(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize(("module", "example", "old", "new", "code"), [
    pytest.param("teleport", "teleport", "send a to sender;", "send a to sender;\n    h a;",
                 "E0701", id="qubit used after send"),
    pytest.param("teleport", "teleport",
                 "link charlie -> bob { quantum fiber(length = L); }",
                 "", "E0601", id="missing channel"),
    pytest.param("chsh", "chsh", "    send x to alice;\n    send y to bob;\n"
                 "    bit a = recv bit from alice;\n",
                 "    send y to bob;\n    bit a = recv bit from alice;\n    send x to alice;\n",
                 "E0801", id="swapped receive order deadlocks"),
    pytest.param("teleport", "teleport", "link charlie -> bob { quantum fiber(length = L); }",
                 "link charlie -> bob { quantum fiber(length = L, attenuation = 0.2 km); }",
                 "E0402", id="unit mismatch"),
    pytest.param("teleport", "teleport", ", receiver = bob", "", "E0501",
                 id="missing role binding"),
    pytest.param("swap", "swap_chain", "send out to hop[i + 1];\n      qubit left",
                 "send out to hop[i + 2];\n      qubit left", "E0510",
                 id="chain peer out of range"),
    pytest.param("bb84", "bb84", "send q to eve;", "send q to eve;\n      send q to eve;",
                 "E0702", id="qubit sent twice"),
])
def test_one_typical_mistake(tmp_path: Path, module: str, example: str, old: str, new: str,
                             code: str) -> None:
    assert code in codes(mutate(as_local(module, example), old, new), tmp_path)
