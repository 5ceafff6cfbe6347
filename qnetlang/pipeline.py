"""The stages a file goes through, as `qnetc` and the library run them.

`load` reads a file into a SourceFile (a file that is not UTF-8 becomes a
diagnostic); `check` parses it and runs the checks. Later stages (semantics,
IR, runtime, compiler) plug in after parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic
from qnetlang.ir import nodes as ir_nodes
from qnetlang.semantics import Options, analyze
from qnetlang.semantics.context import Model
from qnetlang.source import SourceDecodeError, SourceFile
from qnetlang.syntax.parser import ParseResult, parse_source


@dataclass
class CheckResult(ParseResult):
    """What `check` learnt of a file: its tree, its IR, every diagnostic of every stage,
    the sources of the modules it imports (which diagnostics may point into), and the
    checker's model of what its names stand for (None when it did not parse)."""

    ir: ir_nodes.Program | None = None
    sources: dict[str, SourceFile] = field(default_factory=dict)
    model: Model | None = None


def load(path: Path, name: str | None = None) -> SourceFile | CheckResult:
    """The file's source, or a failed result when its bytes are not UTF-8.

    Raises OSError when the file cannot be read at all.
    """
    data = path.read_bytes()
    return decode(data, str(path) if name is None else name)


def decode(data: bytes, name: str) -> SourceFile | CheckResult:
    try:
        return SourceFile.decode(data, name)
    except SourceDecodeError as error:
        source = SourceFile(name, data.decode("utf-8", errors="replace"))
        # Offsets in the replaced text differ from byte offsets; count characters instead.
        offset = len(data[: error.offset].decode("utf-8", errors="replace"))
        diagnostic = Diagnostic.error(
            Code.INVALID_ENCODING, f"the file is not valid UTF-8 (byte {error.offset})",
            source.span(offset), label="this byte",
            help="save the file as UTF-8; .qnet files are text")
        return CheckResult(source, None, [diagnostic], sources={name: source})


def check(source: SourceFile, path: Path | None = None,
          options: Options | None = None) -> CheckResult:
    """Parses a source and runs every check on it, collecting all diagnostics.

    `path` is where the file lives, for its relative imports (the working
    folder when None).
    """
    try:
        parsed = parse_source(source)
        if not parsed.ok or parsed.program is None:
            return CheckResult(source, parsed.program, _sorted(parsed.diagnostics),
                               sources={source.name: source})
        ctx = analyze(source, parsed.program, path, options)
    except RecursionError:
        return CheckResult(source, None, [too_deep(source)], sources={source.name: source})
    program = ctx.program if not ctx.has_errors else None
    return CheckResult(source, parsed.program, _sorted(parsed.diagnostics + ctx.diagnostics),
                       ir=program, sources=ctx.sources, model=Model(ctx))


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in the order of their files and positions, each once."""
    unique = list(dict.fromkeys(diagnostics))
    return sorted(unique, key=Diagnostic.sort_key)


def too_deep(source: SourceFile) -> Diagnostic:
    """The diagnostic for a program whose nesting exhausts the recursion limit."""
    return Diagnostic.error(Code.NESTING_TOO_DEEP, "the program is nested too deeply to process",
                            source.span(0, 0),
                            help="split long expressions and deep nesting into parts")
