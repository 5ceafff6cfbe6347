"""Long comments and strings, and many comments: time and memory grow linearly.

Checking a file with a 50 MB block comment or string once took gigabytes: the
lexers' patterns repeated a group once per character, and Python's regex engine
keeps memory for each repetition. And attaching comments to the tree searched
every item for every comment.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Callable

import pytest

from qnetlang.pipeline import check
from qnetlang.source import SourceFile
from qnetlang.syntax.formatting import formatted
from qnetlang.syntax.parser import parse_text
from qnetlang.syntax.printer import format_program
from tests.conftest import ROOT

GIB = 1 << 30

# What stands between two declarations, `size` characters long.
LONG: dict[str, Callable[[int], str]] = {
    "block comment": lambda size: "/*" + "x" * size + "*/",
    "stars in a block comment": lambda size: "/*" + "*x" * (size // 2) + "*/",
    "line comment": lambda size: "//" + "x" * size,
    "string": lambda size: 'const s = "' + "x" * size + '";',
}


def program_around(filler: str) -> str:
    return f"const a = 1;\n{filler}\nconst b = 2;\n"


def check_and_format(text: str) -> None:
    """What `qnetc fmt` does with a file: check it, then print it and verify the print."""
    result = check(SourceFile("long.qnet", text))
    assert result.ok, [d.message for d in result.diagnostics]
    assert formatted(result) == text


@pytest.mark.parametrize("kind", LONG)
def test_memory_is_a_small_multiple_of_a_long_token(kind: str) -> None:
    text = program_around(LONG[kind](5_000_000))
    tracemalloc.start()
    try:
        check_and_format(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * len(text)


@pytest.mark.slow
@pytest.mark.parametrize("kind", LONG)
def test_fifty_megabytes_take_less_than_a_gigabyte(kind: str) -> None:
    """The peak memory of a whole process, which tracemalloc does not see all of. On
    Linux it is VmHWM: ru_maxrss keeps the forking parent's peak across exec (a large
    pytest process made every child look as large)."""
    child = textwrap.dedent(f"""
        import pathlib, resource, sys
        from tests.syntax.test_long_input import LONG, check_and_format, program_around
        check_and_format(program_around(LONG[{kind!r}](50_000_000)))
        status = pathlib.Path("/proc/self/status")
        if status.exists():
            line = next(l for l in status.read_text().splitlines() if l.startswith("VmHWM:"))
            print(int(line.split()[1]) * 1024)
        else:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS
    """)
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, check=True)
    assert int(done.stdout) < GIB


def many_comments(count: int) -> str:
    lines = "".join(f"    // comment {i}\n    x = {i};\n" for i in range(count))
    return f"protocol p {{\n  role r {{\n    int x;\n{lines}  }}\n}}\n"


def seconds_to_format(text: str) -> float:
    """The best of three: the least disturbed by whatever else the machine runs."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        program = parse_text(text).program
        assert program is not None
        format_program(program)
        times.append(time.perf_counter() - start)
    return min(times)


def test_formatting_time_is_linear_in_the_number_of_comments() -> None:
    small, large = seconds_to_format(many_comments(1_500)), seconds_to_format(many_comments(6_000))
    assert large < 7 * small  # four times the comments: about 4 when linear, 16 if quadratic
