"""qnetlang: a language and toolchain for quantum network protocols.

The public API: parse and check .qnet source, format it, and read diagnostics.
"""

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic, Note, Severity
from qnetlang.pipeline import CheckResult, check
from qnetlang.source import SourceFile, Span
from qnetlang.syntax import ast
from qnetlang.syntax.parser import ParseResult, parse_source, parse_text
from qnetlang.syntax.printer import format_program

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "Code",
    "Diagnostic",
    "Note",
    "ParseResult",
    "Severity",
    "SourceFile",
    "Span",
    "ast",
    "check",
    "format_program",
    "parse_source",
    "parse_text",
]
