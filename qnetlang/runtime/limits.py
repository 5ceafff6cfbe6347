"""How much a run may take: instructions, wall-clock time and memory.

A run that will not fit is refused before it starts where the check foresaw
its needs (the largest group of entangled qubits, the values its shots
report), and stopped with a diagnostic where it could not (a gate that would
build a state past the memory allowed, a loop past its step bound): it is
never left to exhaust the machine or to run for ever.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from qnetlang.codes import Code
from qnetlang.diagnostics import Diagnostic, Note
from qnetlang.ir import nodes as ir
from qnetlang.quantum import engine_class

DEFAULT_MAX_STEPS = 10_000_000  # instructions of one batch, all roles together
# A reported value kept (8 bytes), then gathered, converted and sorted to tally.
SAMPLE_BYTES = 40
FALLBACK_MEMORY = 4 * 2 ** 30  # the default where the machine's memory is not known

_UNITS = {"": 1, "b": 1, "kb": 10 ** 3, "mb": 10 ** 6, "gb": 10 ** 9, "tb": 10 ** 12,
          "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30, "tib": 2 ** 40}


def physical_memory() -> int | None:
    """The machine's memory in bytes, where the system tells it."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_max_memory() -> int:
    """Half of the machine's memory: room for the run, the rest for everything else."""
    memory = physical_memory()
    return memory // 2 if memory else FALLBACK_MEMORY


@dataclass(frozen=True)
class Limits:
    """What a run may use; the defaults are documented in docs/runtime.md."""

    max_steps: int = DEFAULT_MAX_STEPS
    max_memory: int = field(default_factory=default_max_memory)  # bytes
    max_seconds: float | None = None  # wall-clock time; None: no bound


def parse_size(text: str) -> int:
    """Bytes from `16GB`, `512 MiB`, `2e9`; ValueError for anything else."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?(?:[eE][0-9]+)?)\s*([A-Za-z]*)\s*", text)
    if match is None or match.group(2).lower() not in _UNITS:
        raise ValueError(f"not a size: {text!r} (write e.g. 16GB or 512MiB)")
    size = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if not 1 <= size < 2 ** 63:
        raise ValueError(f"not a size: {text!r} (write e.g. 16GB or 512MiB)")
    return int(size)


def format_size(size: float) -> str:
    for unit, scale in (("PiB", 2 ** 50), ("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20),
                        ("KiB", 2 ** 10)):
        if size >= scale:
            return f"{size / scale:,.3g} {unit}" if size < 1000 * scale else \
                f"{size / scale:,.0f} {unit}"
    return f"{size:,.0f} bytes"


def refusal(run: ir.Run, engine: str, shots: int, batch: int, parallel: int,
            limits: Limits, keep_values: bool = False) -> Diagnostic | None:
    """Why a run will not fit in `limits.max_memory`, foreseen from its footprint
    (`parallel` batches of `batch` shots at once, and every reported value when they are
    kept); None when it fits as far as the check could tell (the engine still refuses a
    state that grows past it)."""
    footprint = run.footprint
    if footprint is None:
        return None
    kept = shots if keep_values else batch * parallel  # values: kept, or tallied per batch
    samples = float(kept) * max(footprint.reports, 1) * SAMPLE_BYTES
    qubits = footprint.entangled
    engine_type = engine_class(engine)
    # The mbqc engine keeps only the qubits still to be measured, not whole groups.
    state = engine_type.state_bytes(qubits, batch) * parallel \
        if engine != "mbqc" and qubits > 1 else 0.0
    if samples + state <= limits.max_memory:
        return None
    allowed = format_size(limits.max_memory)
    if state < samples:
        return Diagnostic.error(
            Code.MEMORY_LIMIT, f"run `{run.name}` would keep {format_size(samples)} of "
            f"reported values ({shots:,} shots), more than the {allowed} allowed", run.span,
            help="keep fewer shots' values (each shot's values are kept only when asked "
                 "for), or allow more with `--max-memory`")
    shown = ", ".join(footprint.qubits[:8]) + \
        (f" and {len(footprint.qubits) - 8} more" if len(footprint.qubits) > 8 else "")
    ways = ["`--engine mbqc`, which keeps only the qubits still to be measured"]
    if engine == "density":
        ways.append("`--engine statevector`, which keeps 2**n amplitudes rather than 4**n")
    if engine in ("statevector", "density"):
        from qnetlang.quantum.stabilizer import clifford
        if clifford(run):
            twirled = any(node.memory.t1 for node in run.network.nodes.values())
            ways.append("`--engine stabilizer`, which keeps (2n)**2 bits" +
                        (" (and memory decay with T1 as its Pauli twirl)" if twirled else ""))
    fitting = int((limits.max_memory - samples) // max(engine_type.state_bytes(qubits, 1), 1.0))
    if 1 <= fitting < batch:
        ways.append(f"at most {fitting:,} shots (`--shots {fitting}`)")
    return Diagnostic.error(
        Code.MEMORY_LIMIT, f"run `{run.name}` would need {format_size(samples + state)} of "
        f"memory, more than the {allowed} allowed: {qubits} qubits become entangled in "
        f"{engine_type.state_text(qubits)}" + (f" for each of {batch * parallel:,} shots at "
                                              "once" if batch * parallel > 1 else ""),
        footprint.span or run.span, label=f"this makes a group of {qubits} qubits",
        notes=[Note(f"the entangled qubits: {shown}")],
        help="simulate it with " + "; or with ".join(ways) + "; or allow more with "
             "`--max-memory`")
