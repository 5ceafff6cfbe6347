"""Where qnetc keeps the compiled grammar: never anywhere another user could plant a
pickle for it to load."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import lark
import lark.lark
import pytest

from qnetlang.resources import grammar_cache
from qnetlang.syntax.parser import Parser

pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def test_the_cache_lives_in_a_private_folder_of_the_user(cache_home: Path) -> None:
    path = grammar_cache(lark.__version__)
    assert path is not None and Path(path).parent == cache_home / "qnetlang"
    assert stat.S_IMODE((cache_home / "qnetlang").stat().st_mode) == 0o700
    assert grammar_cache("another lark") != path  # compiled again for another Lark


def test_a_folder_others_may_write_to_is_not_used(cache_home: Path) -> None:
    folder = cache_home / "qnetlang"
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    assert grammar_cache(lark.__version__) is None


def test_a_folder_that_is_a_link_is_not_used(cache_home: Path, tmp_path_factory:
                                             pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    elsewhere.chmod(0o700)
    (cache_home / "qnetlang").symlink_to(elsewhere, target_is_directory=True)
    assert grammar_cache(lark.__version__) is None


def test_a_planted_cache_is_never_unpickled(cache_home: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    unpickled: list[object] = []
    real_load = lark.lark.pickle.load

    def spy(file: object) -> object:
        unpickled.append(file)
        return real_load(file)  # type: ignore[arg-type]

    monkeypatch.setattr(lark.lark.pickle, "load", spy)
    Parser()  # writes the cache into the private folder
    path = grammar_cache(lark.__version__)
    assert path is not None and Path(path).exists()
    Parser()
    assert unpickled, "the spy sees a legitimate cache being read"
    unpickled.clear()
    (cache_home / "qnetlang").chmod(0o777)  # now anyone could have replaced the file
    Parser()
    assert not unpickled
