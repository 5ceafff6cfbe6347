"""qnetlang: a language and toolchain for quantum network protocols.

The public API (docs/python.md): `load` or `loads` a program, then simulate,
compile or sample its runs (`Program`); errors come as `QnetError`s carrying
their diagnostics. Below that: parse and check .qnet source, format it, read
diagnostics, and simulate a checked run (`run_shots`, loaded on first use so
that checking never imports numpy).
"""

from typing import Any

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic, Note, Severity
from qnetlang.driver import (CompileFailed, Program, ProgramError, QnetError, RunFailed,
                             load, loads)
from qnetlang.pipeline import CheckResult, check
from qnetlang.source import SourceFile, Span
from qnetlang.syntax import ast
from qnetlang.syntax.parser import ParseResult, parse_source, parse_text
from qnetlang.syntax.printer import format_program

__version__ = "0.1.0"

_LAZY = {"run_shots": "qnetlang.runtime.runner", "RunResult": "qnetlang.results",
         "Sweep": "qnetlang.results"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qnetlang' has no attribute {name!r}")


__all__ = [
    "CheckResult",
    "Code",
    "CompileFailed",
    "Diagnostic",
    "Note",
    "ParseResult",
    "Program",
    "ProgramError",
    "QnetError",
    "RunFailed",
    "RunResult",
    "Severity",
    "SourceFile",
    "Span",
    "ast",
    "check",
    "format_program",
    "load",
    "loads",
    "parse_source",
    "parse_text",
    "run_shots",
]
