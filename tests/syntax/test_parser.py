"""Parsing to the AST: shapes, spans, and every project file parsing cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from qnetlang.syntax import ast
from qnetlang.syntax.parser import parse_text


def parse_ok(text: str) -> ast.Program:
    result = parse_text(text, "t.qnet")
    assert result.ok, result.diagnostics
    assert result.program is not None
    return result.program


def role_body(text: str) -> list[ast.Stmt]:
    program = parse_ok(f"protocol p {{\n  role r {{\n{text}\n  }}\n}}\n")
    role = program.items[0].body[0]
    assert isinstance(role, ast.Role)
    return role.body.body


def expr(text: str) -> ast.Expr:
    (stmt,) = role_body(f"let v = {text};")
    assert isinstance(stmt, ast.Let)
    return stmt.value


def test_project_files_parse_cleanly(program_file: Path) -> None:
    result = parse_text(program_file.read_text(), str(program_file))
    assert result.ok, [d.message for d in result.diagnostics]


def test_parsed_tree_equals_hand_built_tree() -> None:
    program = parse_ok("""
        network lab {
          node a { qubits 2; }
          link a -> b { quantum fiber(length = 10 km); }
        }
    """)
    expected = ast.Program([ast.Network("lab", [], [
        ast.NodeDecl("a", None, [ast.Qubits(ast.IntLit(2))]),
        ast.Link(ast.Ref("a"), "->", ast.Ref("b"), [
            ast.Channel("quantum", "fiber",
                        [ast.KeywordArg("length", ast.Quantity(ast.IntLit(10), "km"))])]),
    ])])
    assert program == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1 + 2 * 3", ast.Binary("+", ast.IntLit(1), ast.Binary("*", ast.IntLit(2), ast.IntLit(3)))),
    ("1 - 2 - 3", ast.Binary("-", ast.Binary("-", ast.IntLit(1), ast.IntLit(2)), ast.IntLit(3))),
    ("2 ** 3 ** 2",
     ast.Binary("**", ast.IntLit(2), ast.Binary("**", ast.IntLit(3), ast.IntLit(2)))),
    ("-x ** 2", ast.Unary("-", ast.Binary("**", ast.Name("x"), ast.IntLit(2)))),
    ("a & b == c ^ d", ast.Binary("==", ast.Binary("&", ast.Name("a"), ast.Name("b")),
                                  ast.Binary("^", ast.Name("c"), ast.Name("d")))),
    ("a || b && !c", ast.Binary("||", ast.Name("a"),
                                ast.Binary("&&", ast.Name("b"), ast.Unary("!", ast.Name("c"))))),
    ("0.2 dB/km * 10 km", ast.Binary("*", ast.Quantity(ast.FloatLit(0.2), "dB/km"),
                                     ast.Quantity(ast.IntLit(10), "km"))),
    ("10 km / 2", ast.Binary("/", ast.Quantity(ast.IntLit(10), "km"), ast.IntLit(2))),
    ("f(x)[0]", ast.Index(ast.Call("f", [ast.Name("x")]), ast.IntLit(0))),
    ("measure q[1] in xy(pi / 2) == 0",
     ast.Binary("==", ast.Measure(ast.Ref("q", ast.IntLit(1)), "xy",
                                  ast.Binary("/", ast.Name("pi"), ast.IntLit(2))),
                ast.IntLit(0))),
    ("(1, |+>, \"s\\n\", [true])",
     ast.TupleExpr([ast.IntLit(1), ast.Ket("+"), ast.StringLit("s\n"),
                    ast.ArrayExpr([ast.BoolLit(True)])])),
    ("1e-3", ast.FloatLit(0.001)),
])
def test_expression_precedence(text: str, expected: ast.Expr) -> None:
    assert expr(text) == expected


def test_statements() -> None:
    body = role_body("""
        qubit[2] r;
        (bit a, b) = recv (bit, bit) from s[1] within 1 ms else { return; };
        if (a) x r[0]; else if (b) { z r[1]; }
        for i in 0..=3 { wait 1 us; }
        rx(pi) r[0];
        send r[1] to t;
    """)
    kinds = [type(s).__name__ for s in body]
    assert kinds == ["Decl", "TupleAssign", "If", "For", "Gate", "Send"]
    tuple_assign = body[1]
    assert isinstance(tuple_assign, ast.TupleAssign)
    assert tuple_assign.targets == [ast.Pattern(ast.ScalarType("bit"), "a"),
                                    ast.Pattern(None, "b")]
    recv = tuple_assign.value
    assert isinstance(recv, ast.Recv) and recv.source == ast.Ref("s", ast.IntLit(1))
    assert recv.type == ast.TupleType([ast.ScalarType("bit"), ast.ScalarType("bit")])
    assert recv.on_timeout == ast.Block([ast.Return()])
    if_stmt = body[2]
    assert isinstance(if_stmt, ast.If) and isinstance(if_stmt.orelse, ast.If)
    assert isinstance(if_stmt.orelse.then, ast.BlockStmt)
    loop = body[3]
    assert isinstance(loop, ast.For) and loop.range.inclusive


def test_spans_cover_keywords_and_braces() -> None:
    text = "protocol p {\n  role r {\n    send q to b;\n  }\n}\n"
    program = parse_ok(text)
    protocol = program.items[0]
    assert text[protocol.span.start:protocol.span.end] == text.strip()
    send = protocol.body[0].body.body[0]
    assert (send.span.line, send.span.column, send.span.end_column) == (3, 5, 17)
    assert text[send.dest.span.start:send.dest.span.end] == "b"


def test_run_forms() -> None:
    program = parse_ok("""
        run chsh on t with a = x;
        run named: p(n = 2) on line(n = 3) with hop = [a, b] { shots = 5; }
    """)
    plain, named = program.items
    assert isinstance(plain, ast.Run) and plain.label is None and plain.body is None
    assert isinstance(named, ast.Run) and named.label == "named"
    assert named.network_args == [ast.KeywordArg("n", ast.IntLit(3))]
    assert named.settings == [ast.Setting("shots", ast.IntLit(5))]


def test_empty_file_is_an_empty_program() -> None:
    assert parse_ok("") == ast.Program([])
    assert parse_ok("// only a comment\n") == ast.Program([])
