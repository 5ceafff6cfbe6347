"""Fixture files: programs whose first line names the diagnostics they must produce.

The header is `// expect: CODE@LINE:COL, ...` in the order the diagnostics
are reported; a diagnostic in another file is `CODE@FILE:LINE:COL`. Files
whose names start with `_` are helpers that fixtures import.
"""

from __future__ import annotations

from pathlib import Path

from qnetlang.pipeline import CheckResult, check, decode

HEADER = "// expect: "


def fixtures(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.qnet") if not p.name.startswith("_"))


def diagnose(path: Path) -> CheckResult:
    loaded = decode(path.read_bytes(), str(path))
    return loaded if isinstance(loaded, CheckResult) else check(loaded, path)


def found(path: Path, result: CheckResult) -> list[str]:
    items = []
    for diagnostic in result.diagnostics:
        span = diagnostic.span
        assert span is not None, diagnostic
        where = f"{span.line}:{span.column}"
        if span.file != str(path):
            where = f"{Path(span.file).name}:{where}"
        items.append(f"{diagnostic.code}@{where}")
    return items


def expectations(path: Path) -> list[str]:
    header = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert header.startswith(HEADER), f"{path.name} has no expect header"
    listed = header.removeprefix(HEADER).strip()
    return [item.strip() for item in listed.split(",")] if listed else []
