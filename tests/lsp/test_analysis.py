"""The analysis behind the language server: names resolve to the nearest declaration in
scope, and hover explains gates, built-ins, units and declared names with their types."""

from __future__ import annotations

from pathlib import Path

from qnetlang.lsp.analysis import analyze

TEXT = """\
const L = 10 km;
protocol p(theta: angle = 0.5) {
  role a {
    qubit q;
    int k = 1;
    rx(theta) q;
    report m = measure q;
  }
  role b {
    bit k = 0;
    report n = k;
  }
}
"""


def at(word: str, occurrence: int = 0) -> tuple[int, int]:
    index = -1
    for _ in range(occurrence + 1):
        index = TEXT.index(word, index + 1)
    return TEXT.count("\n", 0, index), index - (TEXT.rfind("\n", 0, index) + 1)


def test_a_name_resolves_to_the_nearest_declaration_before_it(tmp_path: Path) -> None:
    analysis = analyze(TEXT, str(tmp_path / "p.qnet"))
    symbol = analysis.definition(*at("k", 2))  # `report n = k` in role b: b's own k
    assert symbol is not None and symbol.header == "bit k = 0;"
    assert analysis.definition(*at("theta", 1)).kind == "parameter"  # type: ignore[union-attr]


def test_hover(tmp_path: Path) -> None:
    analysis = analyze(TEXT, str(tmp_path / "p.qnet"))
    gate = analysis.hover(*at("rx"))
    assert gate is not None and "rotation about X" in gate and "1 angle" in gate
    assert analysis.hover(*at("km")).startswith("unit `km`: length")  # type: ignore[union-attr]
    assert "qubit q;" in analysis.hover(*at("q", 2))  # type: ignore[operator]
    assert "const L = 10 km;" in analysis.hover(*at("L"))  # type: ignore[operator]
    assert analysis.hover(*at("measure")) == "keyword `measure`"
    assert analysis.diagnostics() == []


def test_the_checker_decides_what_a_name_stands_for(tmp_path: Path) -> None:
    text = "protocol p {\n  role a {\n    bit x = 1;\n    qubit q;\n    if (x) x q;\n" \
           "    report r = measure q;\n  }\n}\n"
    analysis = analyze(text, str(tmp_path / "x.qnet"))
    condition = text.index("(x)") + 1
    line, column = text.count("\n", 0, condition), condition - text.rfind("\n", 0, condition) - 1
    assert analysis.definition(line, column).header == "bit x = 1;"  # type: ignore[union-attr]
    hover = analysis.hover(line, column + 3)  # the gate `x`, not the variable
    assert hover is not None and hover.startswith("gate `x`")
    assert "variable of type `bit`" in analysis.hover(line, column)  # type: ignore[operator]


def test_a_struct_is_found_where_it_names_a_type_or_makes_a_value(tmp_path: Path) -> None:
    text = ("struct Ack { keys: int; }\nprotocol p {\n  role a {\n"
            "    Ack x = Ack(keys = 1);\n    report k = x.keys;\n  }\n}\n")
    analysis = analyze(text, str(tmp_path / "s.qnet"))
    assert analysis.diagnostics() == []
    for column in (4, 12):  # `Ack x` and `Ack(keys = 1)`
        symbol = analysis.definition(3, column)
        assert symbol is not None and symbol.kind == "struct" and symbol.name == "Ack"
    assert analysis.hover(3, 4) == "```qnet\nstruct Ack { keys: int; }\n```\n\nstruct"
