"""Quantum engines. Only the names live here, so that naming an engine imports no numpy."""

ENGINE_NAMES = ("statevector", "density")
