"""The vim support, driven headlessly with `vim -es`: filetype detection, the syntax
groups of each kind of token, comment settings, and indentation that agrees with
`qnetc fmt` on every project file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

VIM = shutil.which("vim")
pytestmark = pytest.mark.skipif(VIM is None, reason="vim is not installed")

SAMPLE = """\
/// A protocol.
protocol teleport(theta: angle = pi / 3, spacing: length = 10 km) {
  role sender {
    qubit psi = |+>;
    rx(theta) psi;
    int x = 1;
    bit m = measure psi in xy(theta);
    if (m) x psi; else z psi;
    wait 0.2 dB/km * 5 us; // TODO
    report f = fidelity(psi, e, phi_plus);
    assert true, "a \\"b\\"";
  }
}
"""

# (line, the token, its occurrence on the line, the syntax group vim must give it)
EXPECTED = [
    (1, "/// A", 0, "qnetDocComment"),
    (2, "protocol", 0, "qnetDeclaration"),
    (2, "teleport", 0, "qnetDeclared"),
    (2, "angle", 0, "qnetType"),
    (2, "pi", 0, "qnetConstant"),
    (2, "length", 0, "qnetNamedType"),
    (2, "10", 0, "qnetNumber"),
    (2, "km", 0, "qnetUnit"),
    (3, "role", 0, "qnetDeclaration"),
    (4, "|+>", 0, "qnetKet"),
    (5, "rx", 0, "qnetGate"),
    (6, "x", 0, ""),
    (7, "measure", 0, "qnetKeyword"),
    (7, "xy", 0, "qnetBasis"),
    (8, "if", 0, "qnetConditional"),
    (8, "x", 0, "qnetGate"),
    (8, "else", 0, "qnetConditional"),
    (9, "dB/km", 0, "qnetUnit"),
    (9, "us", 0, "qnetUnit"),
    (9, "// ", 0, "qnetComment"),
    (9, "TODO", 0, "qnetTodo"),
    (10, "fidelity", 0, "qnetBuiltin"),
    (10, "phi_plus", 0, "qnetConstant"),
    (11, "true", 0, "qnetBoolean"),
    (11, '"a', 0, "qnetString"),
    (11, '\\"', 0, "qnetEscape"),
]


def vim(path: Path, *commands: str) -> None:
    subprocess.run([VIM, "-es", "-N", "-u", "NONE", "-i", "NONE",  # type: ignore[list-item]
                    "--cmd", f"set rtp^={ROOT / 'editors' / 'vim'}",
                    "--cmd", "filetype plugin indent on", "--cmd", "syntax on",
                    *[part for command in commands for part in ("-c", command)], str(path)],
                   check=True, timeout=60, stdin=subprocess.DEVNULL)


def test_syntax_groups(tmp_path: Path) -> None:
    source = tmp_path / "sample.qnet"
    source.write_text(SAMPLE)
    lines = SAMPLE.splitlines()
    positions = []
    for number, token, occurrence, _ in EXPECTED:
        column = -1
        for _ in range(occurrence + 1):
            column = lines[number - 1].index(token, column + 1)
        positions.append(f"[{number}, {column + 1}]")
    out = tmp_path / "groups.txt"
    vim(source, f"let g:found = map([{', '.join(positions)}], "
                "{_, p -> synIDattr(synID(p[0], p[1], 1), 'name')})",
        f"call writefile(g:found + [&filetype, &commentstring], '{out}')", "qa!")
    found = out.read_text().splitlines()
    assert found[-2:] == ["qnet", "// %s"]
    assert found[:-2] == [group for *_, group in EXPECTED]


@pytest.mark.parametrize("name", ["examples/language_tour.qnet", "examples/bqc.qnet",
                                  "stdlib/bb84.qnet", "stdlib/swap.qnet", "stdlib/bqc.qnet"])
def test_reindenting_keeps_the_formatters_layout(tmp_path: Path, name: str) -> None:
    original = (ROOT / name).read_text()
    flat = tmp_path / "flat.qnet"
    flat.write_text("\n".join(line.lstrip() for line in original.splitlines()) + "\n")
    vim(flat, "normal gg=G", "wq")
    assert flat.read_text() == original
