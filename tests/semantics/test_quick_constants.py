"""`Lowerer.quick`, the short way to the value of a network's commonest constants, gives
what lowering them in full gives: the oracle is the same check with it turned off, on
networks whose settings, bounds and node indices are random expressions (errors too:
division by zero, overflow, fractions where a whole number belongs)."""

from __future__ import annotations

import random

import pytest

from qnetlang.diagnostics import render_json
from qnetlang.ir import dump
from qnetlang.semantics import analyze
from qnetlang.semantics.context import Context
from qnetlang.semantics.lower import _SLOW, Lowerer
from qnetlang.source import SourceFile
from qnetlang.syntax.parser import parse_source

OPERATORS = ["+", "-", "*", "/", "%", "**", "==", "<", "&", "^", "&&"]
ATOMS = ["i", "n", "K", "0", "1", "2", "3", "9223372036854775807", "2.5", "(i + 1)"]


def expression(rng: random.Random, depth: int = 0) -> str:
    if depth > 2 or rng.random() < 0.35:
        return rng.choice(ATOMS)
    left, right = expression(rng, depth + 1), expression(rng, depth + 1)
    text = f"{left} {rng.choice(OPERATORS)} {right}"
    return f"({text})" if rng.random() < 0.5 else text


def program(rng: random.Random) -> str:
    count, index, bound = (expression(rng) for _ in range(3))
    if rng.random() < 0.5:  # a network that builds, its values computed still
        count, index, bound = f"({count} == {count}) + K * 2", "i % n + (1 - 1)", "n + 1"
    return f"""
const K = 3;
network net(n: int = 4) {{
  node hop[i in 0..{bound}] {{ qubits {count}; }}
  for i in 0..n {{
    link hop[{index}] -> hop[i] {{ quantum fiber(length = 1 km); }}
  }}
}}
protocol p {{ role r {{ wait 1 us; }} }}
run p on net with r = hop[0];
"""


def outcome(text: str) -> tuple[list[str], str | None]:
    source = SourceFile("net.qnet", text)
    parsed = parse_source(source)
    assert parsed.program is not None
    ctx: Context = analyze(source, parsed.program)
    diagnostics = [render_json(d) for d in ctx.diagnostics]
    return diagnostics, None if ctx.has_errors else str(dump.to_json(ctx.program))


@pytest.mark.parametrize("seed", range(5))
def test_quick_values_are_those_of_full_lowering(seed: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    texts = [program(rng) for _ in range(25)]
    quick = [outcome(text) for text in texts]
    with monkeypatch.context() as patch:
        patch.setattr(Lowerer, "quick", lambda self, expr: _SLOW)
        full = [outcome(text) for text in texts]
    assert quick == full
    assert any(diagnostics == [] for diagnostics, _ in quick)  # some networks are built
    assert any(diagnostics != [] for diagnostics, _ in quick)  # and some refused
