"""Stable diagnostic codes, grouped by the stage that reports them.

E01xx reading and parsing, E02xx imports, E03xx names, E04xx types, units
and constants, E05xx runs, bindings and network parameters, E06xx topology,
E07xx ownership of qubits, E08xx communication, E09xx errors while a
protocol runs, E10xx compiling to a circuit. The letter is E for an error,
W for a warning, N for a note. Every code is explained, with a failing
example and its fix, in docs/diagnostics.md; a test keeps that page, the
fixtures and this list equal.
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
    NUMBER_TOO_LONG = "E0137"
    # imports and modules
    MODULE_NOT_FOUND = "E0201"
    IMPORT_CYCLE = "E0202"
    MODULE_NAME_MISMATCH = "W0203"
    # names and scopes
    UNKNOWN_NAME = "E0301"
    DUPLICATE_NAME = "E0302"
    SHADOWED_NAME = "E0303"
    WRONG_KIND = "E0304"
    AMBIGUOUS_NAME = "E0305"
    RECURSIVE_FUNCTION = "E0306"
    # types, units and constants
    TYPE_MISMATCH = "E0401"
    DIMENSION_MISMATCH = "E0402"
    NOT_CONSTANT = "E0403"
    CONSTANT_ERROR = "E0404"
    BAD_OPERANDS = "E0405"
    WRONG_ARGUMENTS = "E0406"
    RECV_NEEDS_TYPE = "E0407"
    QUBIT_INIT = "E0408"
    MIXED_MESSAGE = "E0409"
    NOT_IN_LOOP = "E0410"
    TIMEOUT_FALLS_THROUGH = "E0411"
    MISPLACED_RETURN = "E0412"
    COMMUNICATION_IN_FUNCTION = "E0413"
    MISSING_RETURN = "E0414"
    BAD_SELECT = "E0415"
    BAD_FIELD = "E0416"
    # runs, bindings and network parameters
    ROLE_NOT_BOUND = "E0501"
    NOT_A_ROLE = "E0502"
    FAMILY_LENGTH = "E0503"
    MISSING_ARGUMENT = "E0504"
    UNKNOWN_ARGUMENT = "E0505"
    NOT_A_NODE = "E0506"
    BAD_SETTING = "E0507"
    UNKNOWN_RUN_SETTING = "E0508"
    PEER_NOT_STATIC = "E0509"
    INDEX_OUT_OF_RANGE = "E0510"
    UNKNOWN_PARAMETER = "E0511"
    IMPOSSIBLE_VALUE = "E0512"
    T2_ABOVE_TWICE_T1 = "E0513"
    DEVICE_NOT_SIMULATED = "E0514"
    UNKNOWN_CHANNEL_MODEL = "E0515"
    BAD_SWEEP = "E0516"
    BAD_TOPOLOGY = "E0517"
    NO_NODE_OF_KIND = "E0518"
    PARALLEL_CHANNEL = "E0519"
    DEVICE_SETTINGS = "E0520"
    BAD_CURVE = "E0521"
    # topology
    NO_CHANNEL = "E0601"
    IDLE_DEVICE = "W0602"
    NO_SOURCE = "E0603"
    TRAINS_ONLY = "E0604"
    # ownership of qubits
    USE_AFTER_SEND = "E0701"
    SENT_TWICE = "E0702"
    QUBIT_LEFT = "W0704"
    # communication
    DEADLOCK = "E0801"
    NEVER_SENT = "E0802"
    NEVER_RECEIVED = "E0803"
    MESSAGE_TYPE = "E0804"
    CAPACITY = "E0805"
    UNDECIDED = "N0806"
    ANALYSIS_LIMIT = "N0807"
    BAD_TIME = "E0808"
    OFF_TRACK = "E0809"
    # while a protocol runs
    NODE_FULL = "E0901"
    QUBIT_LOST = "E0902"
    STILL_WAITING = "E0903"
    ASSERTION_FAILED = "E0904"
    RUNTIME_VALUE = "E0905"
    STEP_LIMIT = "E0906"
    MEMORY_LIMIT = "E0907"
    NOT_CLIFFORD = "E0908"
    # compiling to a circuit
    NOT_COMPILABLE = "E1001"
    LOSS_LEFT_OUT = "W1002"
    NOISE_LEFT_OUT = "W1003"
    DETECTOR_LEFT_OUT = "W1004"
