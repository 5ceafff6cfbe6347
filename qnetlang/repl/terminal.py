"""The REPL on a terminal: prompt_toolkit with highlighted multi-line input, a history
kept across sessions, and completion of keywords, gates, built-ins and the names in
the session."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.lexers import PygmentsLexer

from qnetlang.builtins import CONSTANTS, FUNCTIONS
from qnetlang.gates import GATES
from qnetlang.highlight import KEYWORDS, QnetLexer
from qnetlang.repl.session import unfinished
from qnetlang.repl.shell import COMMANDS, Shell

PROMPT = "qnet> "
CONTINUATION = "  ... "
_WORD = re.compile(r"[A-Za-z_]\w*")


def history_path() -> Path:
    """QNET_HISTORY, else the XDG state folder: ~/.local/state/qnetlang/history."""
    if os.environ.get("QNET_HISTORY"):
        return Path(os.environ["QNET_HISTORY"])
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "qnetlang" / "history"


class SessionCompleter(Completer):
    """Commands after `:`; otherwise keywords, gates, built-ins and every name declared
    in the session or in the input so far."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterator[Completion]:
        before = document.text_before_cursor
        if re.fullmatch(r"\s*:\w*", before):
            word = before.strip()[1:]
            for command in COMMANDS:
                if command.startswith(word):
                    yield Completion(command, -len(word))
            return
        word = document.get_word_before_cursor(pattern=_WORD)
        if not word:
            return
        names = self.shell.session.names() | set(_WORD.findall(document.text)) - {word}
        candidates = {*KEYWORDS, *GATES, *FUNCTIONS, *CONSTANTS, *names}
        for candidate in sorted(candidates):
            if candidate.startswith(word) and candidate != word:
                yield Completion(candidate, -len(word))


def _bindings(completer: Completer) -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("tab")
    def _tab(event: Any) -> None:
        """Completes at once: the only candidate, else what all candidates share, else
        the menu of them. In the leading whitespace of a line, indents."""
        buffer = event.current_buffer
        if not buffer.document.current_line_before_cursor.strip():
            buffer.insert_text("  ")
            return
        found = list(completer.get_completions(buffer.document,
                                               CompleteEvent(completion_requested=True)))
        if len(found) == 1:
            buffer.apply_completion(found[0])
            return
        shared = os.path.commonprefix([c.text for c in found])
        typed = -found[0].start_position if found else 0
        if len(shared) > typed:
            buffer.insert_text(shared[typed:])
        elif found:
            buffer.start_completion(select_first=False)

    @bindings.add("enter")
    def _enter(event: Any) -> None:
        """Submits a finished input; inside an open block, starts a new line. Enter on
        an empty line submits whatever is there."""
        buffer = event.current_buffer
        text = buffer.text
        at_end = buffer.document.is_cursor_at_the_end
        if at_end and (text.lstrip().startswith(":") or text.endswith("\n") or
                       not unfinished(text)):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    return bindings


def prompt_session(shell: Shell, history: History | None = None, **options: Any) -> PromptSession:
    """The prompt; `options` (input, output) let tests drive it through a pipe."""
    if history is None:
        path = history_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            history = FileHistory(str(path))
        except OSError:  # a read-only home: a history for this session only
            history = InMemoryHistory()
    completer = SessionCompleter(shell)
    return PromptSession(
        message=PROMPT, multiline=True, key_bindings=_bindings(completer), history=history,
        lexer=PygmentsLexer(QnetLexer), completer=completer,
        complete_while_typing=False, prompt_continuation=lambda *_: CONTINUATION,
        **options)


def interact(shell: Shell, session: PromptSession) -> None:
    """Reads and runs inputs until :quit or end of input (Ctrl-D); Ctrl-C drops the input."""
    while True:
        try:
            text = session.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            return
        try:
            if not shell.handle(text):
                return
        except KeyboardInterrupt:  # a long :run stopped; the session goes on
            shell.err.write("interrupted\n")
