"""Quantum engines. Naming an engine imports no numpy; engine_class imports it on use."""

from __future__ import annotations

from typing import Any

ENGINE_NAMES = ("statevector", "density", "mbqc", "stabilizer")


def engine_class(name: str) -> Any:
    """The engine class of a name in ENGINE_NAMES (docs/runtime.md, docs/mbqc.md); stim is
    imported only for the stabilizer engine."""
    from qnetlang.quantum.engine import DensityMatrix, StateVector
    from qnetlang.quantum.mbqc_engine import PatternEngine

    if name == "stabilizer":
        from qnetlang.quantum.stabilizer import Stabilizer
        return Stabilizer
    classes = {"statevector": StateVector, "density": DensityMatrix, "mbqc": PatternEngine}
    return classes[name]
