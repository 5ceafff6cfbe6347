"""The printer and `fmt`: round trips, idempotence, comments, precedence."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from qnetlang.syntax import ast
from qnetlang.syntax.parser import parse_text
from qnetlang.syntax.printer import format_expr, format_program

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.qnet"))


def reformat(text: str) -> str:
    result = parse_text(text, "t.qnet")
    assert result.ok, result.diagnostics
    assert result.program is not None
    return format_program(result.program)


def test_project_files_are_formatted(program_file: Path) -> None:
    text = program_file.read_text()
    assert reformat(text) == text


def test_round_trip_gives_an_equal_tree(program_file: Path) -> None:
    first = parse_text(program_file.read_text()).program
    assert first is not None
    second = parse_text(format_program(first)).program
    assert second == first


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_round_trip_of_what_parses_in_each_fixture(path: Path) -> None:
    """Fixtures with errors still parse in part; printing that part must round-trip."""
    result = parse_text(path.read_bytes().decode("utf-8", errors="replace"), path.name)
    if result.program is None:
        return
    printed = format_program(result.program)
    again = parse_text(printed)
    assert again.program == result.program
    assert format_program(again.program) == printed


def test_formatting_is_idempotent_on_messy_input() -> None:
    messy = """network   n{node a{qubits 2;memory{t1=1 ms;}}
link a<->b{classical fiber(length=1 km);quantum fiber ( length = 1 km , attenuation = 0.2 dB/km ) ;}}
protocol p(x:int=3){role r{qubit q;if(x>1)h q;else{x q;}for i in 0..x{wait 1 us;}}}
run p(x=2) on n with r=a{shots=3;}"""
    once = reformat(messy)
    assert reformat(once) == once
    assert "  node a { qubits 2; memory { t1 = 1 ms; } }\n" in once
    assert "    if (x > 1) h q; else {\n      x q;\n    }\n" in once


def test_comments_are_kept_in_place() -> None:
    text = """// file header

import std.x; // trailing
network n {
  // before a
  node a { qubits 1; }

  /* before b */
  node b {
    qubits 1; // inside b
    // at the end of b
  }
  // at the end of n
}
// end of file
"""
    assert reformat(text) == text


def test_blank_lines_collapse_to_one() -> None:
    assert reformat("import a;\n\n\n\nimport b;\n") == "import a;\n\nimport b;\n"


def test_comment_inside_a_statement_stays_inside() -> None:
    text = "protocol p {\n  role r {\n    cx a, // control first\n      b;\n  }\n}\n"
    assert reformat(text) == (
        "protocol p {\n  role r {\n    cx a, // control first\n        b;\n  }\n}\n")


def test_long_run_headers_wrap_before_with() -> None:
    names = ", ".join(f"role{i} = node{i}" for i in range(8))
    text = reformat(f"run proto on net with {names};")
    header, bindings = text.splitlines()
    assert header == "run proto on net"
    assert bindings == f"    with {names};"


@pytest.mark.parametrize(("tree", "text"), [
    (ast.Binary("*", ast.Binary("+", ast.Name("a"), ast.Name("b")), ast.Name("c")),
     "(a + b) * c"),
    (ast.Binary("-", ast.Name("a"), ast.Binary("-", ast.Name("b"), ast.Name("c"))),
     "a - (b - c)"),
    (ast.Binary("**", ast.Binary("**", ast.Name("a"), ast.Name("b")), ast.Name("c")),
     "(a ** b) ** c"),
    (ast.Binary("==", ast.Binary("<", ast.Name("a"), ast.Name("b")), ast.Name("c")),
     "(a < b) == c"),
    (ast.Unary("-", ast.Binary("+", ast.Name("a"), ast.Name("b"))), "-(a + b)"),
    (ast.Index(ast.Unary("-", ast.Name("a")), ast.IntLit(0)), "(-a)[0]"),
    (ast.StringLit('say "hi"\n'), '"say \\"hi\\"\\n"'),
    (ast.FloatLit(0.5), "0.5"),
])
def test_hand_built_trees_get_the_parentheses_they_need(tree: ast.Expr, text: str) -> None:
    assert format_expr(tree) == text
    program = parse_text(f"const c = {text};").program
    assert program is not None and without_parens(program.items[0].value) == tree


def without_parens(node: ast.Node) -> ast.Node:
    """The tree with the author's parentheses dropped (the printer adds what is needed)."""
    while isinstance(node, ast.Paren):
        node = node.expr
    changes = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, ast.Node):
            changes[field.name] = without_parens(value)
    return dataclasses.replace(node, **changes)
