"""The diagnostic renderers."""

from __future__ import annotations

from qnetlang.diagnostics import Diagnostic, HumanRenderer, Note, to_json
from qnetlang.source import SourceFile


def render(diagnostic: Diagnostic, source: SourceFile, color: bool = False) -> str:
    return HumanRenderer({source.name: source}, color=color).render(diagnostic)


def test_caret_under_the_whole_token_and_notes() -> None:
    source = SourceFile("a.qnet", "role r {\n\tsend qq to b;\n}\n")
    diagnostic = Diagnostic.error(
        "E9999", "something is wrong", source.span(15, 17), label="here",
        notes=[Note("opened here", source.span(7, 8)), Note("plain note")], help="fix it")
    assert render(diagnostic, source) == (
        "error[E9999]: something is wrong\n"
        " --> a.qnet:2:7\n"
        "  |\n"
        "2 |     send qq to b;\n"
        "  |          ^^ here\n"
        "  |\n"
        "note: opened here\n"
        " --> a.qnet:1:8\n"
        "  |\n"
        "1 | role r {\n"
        "  |        -\n"
        "  |\n"
        "  = note: plain note\n"
        "  = help: fix it\n")


def test_colour_codes_only_when_asked() -> None:
    source = SourceFile("a.qnet", "x\n")
    diagnostic = Diagnostic.warning("W0001", "careful", source.span(0))
    assert "\x1b[" not in render(diagnostic, source)
    assert "\x1b[1;33mwarning[W0001]" in render(diagnostic, source, color=True)


def test_position_of_offsets_and_line_text() -> None:
    source = SourceFile("a.qnet", "ab\r\ncd\n")
    assert source.position(4) == (2, 1)
    assert source.line(1) == "ab" and source.line(3) == "" and source.line(9) == ""


def test_json_is_stable() -> None:
    source = SourceFile("a.qnet", "abc\n")
    record = to_json(Diagnostic.error("E0001", "m", source.span(1, 3), help="h"))
    assert record == {"severity": "error", "code": "E0001", "message": "m",
                      "span": {"file": "a.qnet", "line": 1, "column": 2, "end_line": 1,
                               "end_column": 4},
                      "label": None, "notes": [], "help": "h"}


def test_control_characters_from_a_file_never_reach_the_terminal() -> None:
    source = SourceFile("f.qnet", "role r { hh q; } // \x1b]0;title\x07 \x1b[31mred\n")
    diagnostic = Diagnostic.error("E0130", "unknown gate `hh`", source.span(9, 11),
                                  label="\x1b[2J")
    text = render(diagnostic, source)
    assert "\x1b" not in text and "\x07" not in text
    assert "\u241b]0;title\u2407" in text  # shown as control pictures
    lines = text.splitlines()
    assert lines[4].index("^") == lines[3].index("hh")  # the caret stays under the token

