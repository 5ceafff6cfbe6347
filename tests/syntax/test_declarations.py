"""Every kind of declaration is found once, with its kind, its declaring statement and
the top-level item it belongs to."""

from __future__ import annotations

from qnetlang.syntax import ast
from qnetlang.syntax.declarations import declarations
from qnetlang.syntax.parser import parse_text

TEXT = """\
const L = 10 km;
network line(n: int) {
  node hop[i in 0..=n] { qubits 2; device source: spdc { rate = 1 MHz; } }
}
/// Says hello.
protocol hello(theta: angle = 0.5) {
  role a {
    qubit q, r;
    let k = 2;
    (bit m, bit o) = (measure q, measure r);
    for j in 0..k { wait 1 us; }
  }
}
def twice(x: int) -> int { return 2 * x; }
run first: hello on line(n = 1) with a = hop[0];
"""


def test_every_declaration_with_its_kind_and_item() -> None:
    program = parse_text(TEXT).program
    assert program is not None
    listed = [(d.name, d.kind) for d in declarations(program.items)]
    found = set(listed)
    assert len(listed) == len(found)  # each once
    assert found == {("L", "constant"), ("line", "network"), ("n", "parameter"),
                     ("hop", "node"), ("i", "index"), ("source", "device"),
                     ("hello", "protocol"), ("theta", "parameter"), ("a", "role"),
                     ("q", "variable"), ("r", "variable"), ("k", "variable"),
                     ("m", "variable"), ("o", "variable"), ("j", "variable"),
                     ("twice", "function"), ("x", "parameter"), ("first", "run")}
    by_name = {d.name: d for d in declarations(program.items)}
    assert isinstance(by_name["r"].statement, ast.Decl)  # `qubit q, r;` declares r
    assert isinstance(by_name["q"].item, ast.Protocol) and by_name["hello"].item is None
    assert by_name["hello"].doc == "Says hello." and by_name["a"].doc == ""
