"""The VS Code extension: its manifest and files, the TextMate grammar's scopes checked
with vscode-tmgrammar-test on the fixtures in editors/vscode/test, and a .vsix built by
vsce. The node tools come from `npm ci` in editors/vscode, which CI runs (.ci/run sets
QNET_EDITOR_TESTS=1, so that there they are required, not skipped)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXTENSION = ROOT / "editors" / "vscode"
TOOLS = EXTENSION / "node_modules" / ".bin"


def node_tool(name: str) -> str:
    tool = TOOLS / name
    if not tool.exists() or shutil.which("node") is None:
        if os.environ.get("QNET_EDITOR_TESTS"):
            pytest.fail(f"{name} is missing: run `npm ci` in editors/vscode")
        pytest.skip(f"{name} is not installed (npm ci in editors/vscode)")
    return str(tool)


def test_the_manifest_contributes_the_language() -> None:
    manifest = json.loads((EXTENSION / "package.json").read_text())
    contributes = manifest["contributes"]
    (language,) = contributes["languages"]
    assert language["id"] == "qnet" and language["extensions"] == [".qnet"]
    (grammar,) = contributes["grammars"]
    assert grammar["scopeName"] == "source.qnet"
    for path in (language["configuration"], grammar["path"], contributes["snippets"][0]["path"],
                 manifest["main"]):
        assert (EXTENSION / path).is_file(), path
    configuration = json.loads((EXTENSION / language["configuration"]).read_text())
    assert configuration["comments"] == {"lineComment": "//", "blockComment": ["/*", "*/"]}
    assert ["{", "}"] in configuration["brackets"]
    assert re.match(configuration["indentationRules"]["increaseIndentPattern"], "role a {")
    snippets = json.loads((EXTENSION / "snippets/qnet.json").read_text())
    assert {"network", "protocol", "role", "run"} <= {s["prefix"] for s in snippets.values()}


def test_the_snippets_expand_to_programs_that_parse() -> None:
    from qnetlang.syntax.parser import parse_text

    snippets = json.loads((EXTENSION / "snippets/qnet.json").read_text())
    inside = {"sweep": "run p on lab with a = b {{ {} }}"}  # where a statement snippet goes
    for name in ("network", "protocol", "run", "sweep"):
        body = "\n".join(snippets[name]["body"])
        # Each placeholder takes its default; $0 and $N with no default become nothing.
        text = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", body)
        for number, default in re.findall(r"\$\{(\d+):([^}]*)\}", body):
            text = text.replace(f"${number}", default)
        text = inside.get(name, "{}").format(re.sub(r"\$\d+", "", text))
        result = parse_text(text, f"{name}.qnet")
        assert not result.diagnostics, (name, text, [d.message for d in result.diagnostics])


def test_textmate_scopes(tmp_path: Path) -> None:
    tool = node_tool("vscode-tmgrammar-test")
    done = subprocess.run([tool, "-g", "syntaxes/qnet.tmLanguage.json", "test/**/*.qnet"],
                          cwd=EXTENSION, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failed" not in done.stdout


def test_vsce_packages_a_vsix(tmp_path: Path) -> None:
    tool = node_tool("vsce")
    out = tmp_path / "qnetlang.vsix"
    done = subprocess.run([tool, "package", "--skip-license", "--out", str(out)],
                          cwd=EXTENSION, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    names = zipfile.ZipFile(out).namelist()
    for path in ("extension/package.json", "extension/syntaxes/qnet.tmLanguage.json",
                 "extension/extension.js", "extension/snippets/qnet.json",
                 "extension/node_modules/vscode-languageclient/package.json"):
        assert path in names
    assert not any(name.startswith("extension/test/") for name in names)
