"""Pass 1: find, parse and link the modules a file imports.

`import std.x` is `x.qnet` of the standard library; any other dotted path
`a.b` is `a/b.qnet` next to the importing file, then in each folder of the
search path. Each module is parsed once; a cycle of imports is an error.
"""

from __future__ import annotations

from pathlib import Path

from qnetlang.codes import Code
from qnetlang.diagnostics import Note
from qnetlang.resources import stdlib_dir
from qnetlang.semantics.context import Context, Module
from qnetlang.source import SourceDecodeError, SourceFile
from qnetlang.syntax import ast
from qnetlang.syntax.parser import parse_source


def resolve_imports(ctx: Context) -> None:
    loaded: dict[Path, Module] = {}
    if ctx.root.path is not None:
        loaded[ctx.root.path.resolve()] = ctx.root
    ctx.modules.append(ctx.root)
    _link(ctx, ctx.root, loaded, [ctx.root])


def _candidates(ctx: Context, importer: Module, dotted: str) -> list[Path]:
    parts = dotted.split(".")
    if parts[0] == "std":
        return [stdlib_dir().joinpath(*parts[1:]).with_suffix(".qnet")]
    relative = Path(*parts).with_suffix(".qnet")
    folders = [importer.path.parent] if importer.path is not None else [Path.cwd()]
    return [folder / relative for folder in folders + ctx.options.search_path]


def _link(ctx: Context, module: Module, loaded: dict[Path, Module], chain: list[Module]) -> None:
    for item in module.program.items:
        if not isinstance(item, ast.Import):
            continue
        path = next((p for p in _candidates(ctx, module, item.path) if p.is_file()), None)
        if path is None:
            looked = ", ".join(str(p) for p in _candidates(ctx, module, item.path))
            ctx.error(Code.MODULE_NOT_FOUND, f"module `{item.path}` not found", item.span,
                      label="imported here", notes=[Note(f"looked for {looked}")],
                      help="check the name, or add its folder with `--path`")
            continue
        key = path.resolve()
        if key in loaded:
            imported = loaded[key]
            if imported in chain:
                cycle = " -> ".join(m.name for m in chain[chain.index(imported):])
                ctx.error(Code.IMPORT_CYCLE, f"import cycle: {cycle} -> {imported.name}",
                          item.span, help="move what both modules need into a third one")
                continue
            module.imports.append(imported)
            continue
        imported = _load(ctx, item, path)
        if imported is None:
            continue
        loaded[key] = imported
        module.imports.append(imported)
        ctx.modules.append(imported)
        _link(ctx, imported, loaded, chain + [imported])


def _load(ctx: Context, item: ast.Import, path: Path) -> Module | None:
    # Standard-library files are named std/<file>, the same on every machine.
    name = f"std/{path.relative_to(stdlib_dir()).as_posix()}" \
        if path.is_relative_to(stdlib_dir()) else str(path)
    try:
        source = SourceFile.read(path, name)
    except (OSError, SourceDecodeError) as error:
        ctx.error(Code.MODULE_NOT_FOUND, f"module `{item.path}` cannot be read: {error}",
                  item.span)
        return None
    parsed = parse_source(source)
    ctx.diagnostics.extend(parsed.diagnostics)
    if parsed.program is None or not parsed.ok:
        return None
    declared = next((i.path for i in parsed.program.items if isinstance(i, ast.Module)), None)
    if declared is not None and declared != item.path:
        ctx.warning(Code.MODULE_NAME_MISMATCH,
                    f"`{item.path}` declares itself as module `{declared}`", item.span,
                    help=f"import it as `{declared}`, or rename its `module` line")
    return Module(item.path, path, source, parsed.program)
