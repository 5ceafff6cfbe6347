"""Quantum engines. Only the names live here, so that naming an engine imports no numpy."""

SHOT_ENGINES = ("statevector", "density")  # simulate shots in batches, beside the events
# mbqc runs the protocol's compiled circuit as a measurement pattern (docs/mbqc.md).
ENGINE_NAMES = (*SHOT_ENGINES, "mbqc")
