"""The grammar itself: conflict-free LALR, and in step with the unit table."""

from __future__ import annotations

import re

import pytest
from lark import Lark

from qnetlang.resources import grammar_file
from qnetlang.syntax.parser import keywords, parser
from qnetlang.units import BASE_UNITS, DENOMINATOR_UNITS, parse_unit

LONG_TOKENS = ("STRING", "BLOCK_COMMENT")


def test_grammar_builds_in_strict_mode() -> None:
    # strict=True turns shift/reduce conflicts and colliding terminals into errors.
    Lark.open(str(grammar_file()), parser="lalr", lexer="contextual", strict=True,
              keep_all_tokens=True)


def _plain(pattern: str) -> str:
    """A pattern with its possessive quantifiers made ordinary ones."""
    return pattern.replace("*+", "*").replace("++", "+")


def test_long_tokens_collide_with_nothing_in_plain_form() -> None:
    """Strict mode's collision check skips patterns with possessive quantifiers, so the
    grammar is checked again with them written plainly, which matches the same tokens."""
    lines = grammar_file().read_text().splitlines()
    plain = [_plain(line) if line.startswith(LONG_TOKENS) else line for line in lines]
    assert plain != lines
    Lark("\n".join(plain), parser="lalr", lexer="contextual", strict=True, keep_all_tokens=True)


@pytest.mark.parametrize("text", [
    '/* a */ b */', "/***/", "/**/", "/* ** / * */", "/* a\n * b\n */", "/*/ */", "/* open *",
    '"a\\"b" c"', '"\\\\" x"', '"a\\', '"tab\\t"', '""', '"a\nb"',
])
def test_long_tokens_match_what_their_plain_form_matches(text: str) -> None:
    for name in LONG_TOKENS:
        pattern = parser().lark.get_terminal(name).pattern.to_regexp()
        possessive, plain = re.match(pattern, text), re.match(_plain(pattern), text)
        assert (possessive and possessive.group()) == (plain and plain.group())


def _unit_alternatives() -> tuple[set[str], set[str]]:
    text = grammar_file().read_text()
    pattern = re.search(r"^UNIT: /(.*)/$", text, re.MULTILINE).group(1)
    numerator, denominator = re.findall(r"\(\?:([^()]*)\)", pattern)[:2]
    return set(numerator.split("|")), set(denominator.split("|"))


def test_unit_token_lists_exactly_the_known_units() -> None:
    numerators, denominators = _unit_alternatives()
    assert numerators == set(BASE_UNITS)
    assert denominators == set(DENOMINATOR_UNITS)


def test_compound_units() -> None:
    attenuation = parse_unit("dB/km")
    assert attenuation.scale == 1e-3
    assert str(attenuation.dimension) == "attenuation (dB per length)"
    assert str(parse_unit("km/s").dimension) == "speed"


def test_keywords_are_the_grammar_words() -> None:
    words = keywords()
    assert {"network", "protocol", "role", "send", "recv", "measure", "within", "qubit",
            "run", "with", "report"} <= words
    assert "h" not in words and "fiber" not in words  # gates and models are plain names
