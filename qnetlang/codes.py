"""Stable diagnostic codes, grouped by the stage that reports them.

E01xx: reading and parsing a file. Later stages take the next hundreds.
Every code is explained, with a failing example and its fix, in
docs/diagnostics.md; a test keeps that page, the fixtures and this list equal.
"""

from enum import StrEnum


class Code(StrEnum):
    # reading and lexing
    INVALID_ENCODING = "E0100"
    UNEXPECTED_CHARACTER = "E0101"
    UNTERMINATED_STRING = "E0102"
    UNTERMINATED_COMMENT = "E0103"
    # delimiters
    UNCLOSED_DELIMITER = "E0110"
    UNEXPECTED_CLOSING_DELIMITER = "E0111"
    MISMATCHED_DELIMITER = "E0112"
    NESTING_TOO_DEEP = "E0113"
    # grammar
    MISSING_SEMICOLON = "E0120"
    UNEXPECTED_TOKEN = "E0121"
    UNEXPECTED_END = "E0122"
    UNKNOWN_KEYWORD = "E0123"
    RESERVED_WORD = "E0124"
    CHAINED_COMPARISON = "E0125"
    # constructs the grammar accepts but the language does not
    UNKNOWN_GATE = "E0130"
    UNKNOWN_UNIT = "E0131"
    MISSING_UNIT = "E0132"
    UNKNOWN_BASIS = "E0133"
    BASIS_ANGLE = "E0134"
    GATE_ARITY = "E0135"
    INVALID_ESCAPE = "E0136"
