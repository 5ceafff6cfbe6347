"""Where the grammar and the standard library are, installed or in a checkout.

A built wheel carries them inside the package (`qnetlang/_data/`); an editable
install or a source checkout has them at the top of the project.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"qnetlang is installed without its `{name}` folder")


def grammar_file() -> Path:
    return data_dir("grammar") / "qnet.lark"


def stdlib_dir() -> Path:
    return data_dir("stdlib")
