"""Where the grammar and the standard library are, installed or in a checkout, and
where the compiled grammar may be cached.

A built wheel carries them inside the package (`qnetlang/_data/`); an editable
install or a source checkout has them at the top of the project.
"""

from __future__ import annotations

import hashlib
import os
import stat
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


def grammar_cache(version: str) -> str | None:
    """The file in which Lark may keep the compiled grammar, or None for no cache.

    Lark unpickles its cache, so it may only live where nobody else can write: the
    user's own cache folder (`$XDG_CACHE_HOME/qnetlang`, else `~/.cache/qnetlang`),
    created private, and used only while it is a real folder of this user's that no
    one else may write to. Never the shared temporary folder. The name carries the
    grammar's hash and Lark's `version`, so an edited grammar is compiled again.
    """
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(root) / "qnetlang"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
        text = grammar_file().read_bytes()
    except OSError:
        return None
    owner = os.getuid() if hasattr(os, "getuid") else info.st_uid
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != owner or info.st_mode & 0o077:
        return None
    digest = hashlib.sha256(text + version.encode()).hexdigest()[:20]
    return str(folder / f"grammar-{digest}.cache")

