"""Semantic analysis: the passes that check a parsed file and build its IR.

Each pass is a plain function of the shared Context, run in the order of
PASSES. A barrier stops the analysis when the passes before it found errors,
so that later passes, which need a well-formed program, never report
consequences of earlier mistakes.
"""

from __future__ import annotations

from pathlib import Path

from qnetlang.semantics.communication import check_communication
from qnetlang.semantics.context import Context, Module, Options
from qnetlang.semantics.elaborate import elaborate_runs
from qnetlang.semantics.imports import resolve_imports
from qnetlang.semantics.names import resolve_names
from qnetlang.semantics.ownership import check_ownership
from qnetlang.semantics.protocols import check_protocols
from qnetlang.semantics.topology import check_topology
from qnetlang.semantics.typecheck import check_types
from qnetlang.source import SourceFile
from qnetlang.syntax import ast


def stop_on_errors(ctx: Context) -> None:
    """A barrier: later passes need what the earlier ones established."""
    ctx.halted = ctx.has_errors


PASSES = (
    resolve_imports,
    resolve_names,
    check_types,
    stop_on_errors,
    elaborate_runs,
    stop_on_errors,
    check_topology,
    check_ownership,
    check_communication,
    check_protocols,  # last, so that it repeats nothing the runs reported
)


def analyze(source: SourceFile, program: ast.Program, path: Path | None = None,
            options: Options | None = None) -> Context:
    name = path.stem if path is not None else source.name
    ctx = Context(Module(name, path, source, program), options or Options())
    for pass_ in PASSES:
        if ctx.halted:
            break
        pass_(ctx)
    return ctx


__all__ = ["PASSES", "Context", "Options", "analyze"]
