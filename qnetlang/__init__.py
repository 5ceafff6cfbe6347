"""qnetlang: a language and toolchain for quantum network protocols.

The public API: parse and check .qnet source, format it, read diagnostics,
and simulate the checked runs (`run_shots`, loaded on first use so that
checking never imports numpy).
"""

from typing import Any

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic, Note, Severity
from qnetlang.pipeline import CheckResult, check
from qnetlang.source import SourceFile, Span
from qnetlang.syntax import ast
from qnetlang.syntax.parser import ParseResult, parse_source, parse_text
from qnetlang.syntax.printer import format_program

__version__ = "0.1.0"

_LAZY = {"run_shots": "qnetlang.runtime.runner", "RunResult": "qnetlang.runtime.runner"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qnetlang' has no attribute {name!r}")


__all__ = [
    "CheckResult",
    "Code",
    "Diagnostic",
    "Note",
    "ParseResult",
    "RunResult",
    "Severity",
    "SourceFile",
    "Span",
    "ast",
    "check",
    "format_program",
    "parse_source",
    "parse_text",
    "run_shots",
]
