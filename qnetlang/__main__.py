"""`python -m qnetlang` is `qnetc`."""

from qnetlang.cli.main import run

run()
