"""The interactive REPL (`qnetc repl`): a session of declarations, commands to check, run
and compile them, on a terminal or from a pipe."""

from qnetlang.repl.session import Session, unfinished
from qnetlang.repl.shell import Shell, feed

__all__ = ["Session", "Shell", "feed", "unfinished"]
