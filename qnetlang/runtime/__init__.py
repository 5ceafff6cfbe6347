"""The simulator: the discrete-event core, batches of shots, and their statistics."""
