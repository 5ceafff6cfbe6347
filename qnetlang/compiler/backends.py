"""Running compiled circuits on qiskit-aer, and rebuilding the protocol's reports.

A report is an expression over the circuit's classical bits; with one memory
record per shot from Aer, every report is evaluated for every shot, exactly
as the simulator would have reported it, and summarised in the same schema.
"""

from __future__ import annotations

import time

import numpy as np

from qnetlang.compiler.circuit import Circuit, bit_index
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import evaluate
from qnetlang.runtime.runner import RunResult, describe
from qnetlang.runtime.values import batch_operations

FORMS = ("dynamic", "deferred")


def reports(circuit: Circuit, bits: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Every report of every shot, from the shots' bits (shots x bits)."""
    ops = batch_operations(None)
    shots = bits.shape[0]

    def value(expression: object) -> np.ndarray:
        if not isinstance(expression, ir.Expr):
            return np.broadcast_to(np.asarray(expression), (shots,))
        result = evaluate(expression, lambda var: bits[:, bit_index(var)], None, ops)
        return np.broadcast_to(np.asarray(result), (shots,))

    found: dict[str, list[np.ndarray]] = {}
    for report in circuit.reports:
        values = value(report.value)
        if values.dtype == bool:
            values = values.astype(np.int64)
        if report.condition is not True:
            values = values[value(report.condition).astype(bool)]
        found.setdefault(report.name, []).append(np.array(values))
    return found


def run_aer(run: ir.Run, circuits: list[Circuit], *, shots: int, seed: int,
            form: str = "dynamic", noise: bool = True) -> RunResult:
    """Samples the circuits on Aer (shots shared by their weights) and summarises."""
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    from qnetlang.compiler import qiskit_bridge

    started = time.perf_counter()
    sequence = np.random.SeedSequence(seed)
    shares = np.random.default_rng(sequence).multinomial(shots, [c.weight for c in circuits])
    seeds = [int(s.generate_state(1)[0]) for s in sequence.spawn(len(circuits))]
    samples: dict[str, list[np.ndarray]] = {}
    for circuit, count, circuit_seed in zip(circuits, shares, seeds, strict=True):
        if count == 0:
            continue
        simulator = AerSimulator(seed_simulator=circuit_seed)
        build = qiskit_bridge.dynamic if form == "dynamic" else qiskit_bridge.deferred
        compiled = transpile(build(circuit, noise=noise), simulator, optimization_level=0,
                             seed_transpiler=circuit_seed)
        memory = simulator.run(compiled, shots=int(count), memory=True).result().get_memory()
        # One register per bit: a record lists them last first, separated by spaces; the
        # protocol's bits come first, then any the circuit added for its conditions.
        width = len(circuit.bits)
        bits = np.array([[int(ch) for ch in reversed(record.replace(" ", ""))][:width]
                         for record in memory], dtype=np.int64).reshape(int(count), width)
        for name, values in reports(circuit, bits).items():
            samples.setdefault(name, []).extend(values)
    result = RunResult(run.name, run.protocol, "aer", form, shots, seed)
    result.reports = {name: describe(np.concatenate(parts))
                      for name, parts in sorted(samples.items())}
    result.wall_s = time.perf_counter() - started
    return result
