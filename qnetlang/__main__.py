"""`python -m qnetlang` is `qnetc`."""

from qnetlang.cli.main import entry_point

entry_point()
