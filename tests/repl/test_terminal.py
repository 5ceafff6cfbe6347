"""The REPL on a terminal, driven through a pipe with prompt_toolkit's own test input:
multi-line input decided by the parser, a history kept in a file and recalled with the
up arrow, and completion of names from the session."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from qnetlang.repl import Session, Shell
from qnetlang.repl.terminal import SessionCompleter, interact, prompt_session
from tests.repl.test_session import LAB, PROTOCOL

ENTER, UP, TAB = "\r", "\x1b[A", "\t"
SUBMIT = "\x00"  # in the tests' key strings: Enter that submits, then a pause


def drive(keys: str, history: Path) -> tuple[Shell, str, str]:
    """Types the keys into a REPL. Each submitted input is sent a moment after the one
    before, as a person types: prompt_toolkit loads the history for a new prompt in the
    background, and the up arrow must find it there."""
    out, err = io.StringIO(), io.StringIO()
    shell = Shell(Session(), out=out, err=err)
    with create_pipe_input() as pipe:

        def type_keys() -> None:
            for chunk in keys.split(SUBMIT):
                pipe.send_text(chunk + ENTER)
                time.sleep(0.2)

        session = prompt_session(shell, history=FileHistory(str(history)), input=pipe,
                                 output=DummyOutput())
        typist = threading.Thread(target=type_keys)
        typist.start()
        interact(shell, session)
        typist.join()
    return shell, out.getvalue(), err.getvalue()


def typed(text: str) -> str:
    """Declarations as typed: Enter at each line's end, the last one submitting."""
    return text.rstrip("\n").replace("\n", ENTER) + SUBMIT


def test_define_run_and_recall_from_history(tmp_path: Path) -> None:
    history = tmp_path / "history"
    keys = (typed(LAB) + typed(PROTOCOL) +
            typed("run hello on lab with alice = alice, bob = bob;\n") +
            ":run --shots 50" + SUBMIT + UP + SUBMIT + ":quit")
    shell, out, err = drive(keys, history)
    assert err == "" and shell.errors == 0
    assert out.count("run hello: protocol hello, 50 shots") == 2  # the recalled :run
    assert [e.key[0] for e in shell.session.entries] == ["network", "protocol", "run"]
    saved = history.read_text()
    assert "+network lab {\n+  node alice { qubits 2; }" in saved  # one entry, many lines
    assert saved.count("+:run --shots 50") == 1  # a recalled input is not saved twice


def test_history_persists_across_sessions(tmp_path: Path) -> None:
    history = tmp_path / "history"
    drive(":help" + SUBMIT + ":quit", history)
    _, out, _ = drive(UP + UP + SUBMIT + ":quit", history)
    assert "Type declarations" in out  # :help, recalled from the earlier session


def test_tab_completes_a_name_in_the_session(tmp_path: Path) -> None:
    shell, out, err = drive(typed(LAB) + typed(PROTOCOL) + "run hel" + TAB +
                            typed(" on lab with alice = alice, bob = bob;\n") + ":quit",
                            tmp_path / "history")
    assert err == "" and "added run hello" in out


def test_completions() -> None:
    shell = Shell(Session(), out=io.StringIO(), err=io.StringIO())
    shell.session.declare(LAB + PROTOCOL)
    completer = SessionCompleter(shell)

    def complete(text: str) -> list[str]:
        document = Document(text, len(text))
        return [c.text for c in completer.get_completions(document, CompleteEvent())]

    assert complete("run he") == ["hello"]
    assert complete("  measu") == ["measure"]
    assert "swap" in complete("  sw") and "sqrt" in complete("  sq")
    assert complete(":ch") == ["check"]
    assert complete("  zzz") == []
