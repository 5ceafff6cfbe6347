"""The grammar and the standard library are found from a checkout and from a built wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import qnetlang
from qnetlang.resources import grammar_file, stdlib_dir
from tests.conftest import ROOT


def test_resources_from_the_checkout() -> None:
    if Path(qnetlang.__file__).resolve().parent.parent != ROOT:
        pytest.skip("qnetlang is not imported from this checkout")
    assert grammar_file() == ROOT / "grammar" / "qnet.lark"
    assert stdlib_dir() == ROOT / "stdlib"


@pytest.mark.slow
def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(ROOT)], check=True, timeout=600)
    (wheel,) = wheels.glob("qnetlang-*.whl")
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   timeout=600)
    work = tmp_path / "work"  # outside the checkout, so only the wheel can be imported
    shutil.copytree(ROOT / "examples", work / "examples")
    probe = subprocess.run(
        [str(python), "-c", "from qnetlang.resources import grammar_file, stdlib_dir;"
                            "print(grammar_file()); print(stdlib_dir())"],
        capture_output=True, text=True, cwd=work, check=True, timeout=120)
    grammar, stdlib = probe.stdout.split()
    assert grammar.endswith("qnetlang/_data/grammar/qnet.lark") and Path(grammar).is_file()
    assert sorted(p.name for p in Path(stdlib).glob("*.qnet")) == \
        sorted(p.name for p in (ROOT / "stdlib").glob("*.qnet"))
    check = subprocess.run([str(environment / "bin" / "qnetc"), "check", "examples", stdlib],
                           capture_output=True, text=True, cwd=work, timeout=120)
    assert check.returncode == 0, check.stderr
