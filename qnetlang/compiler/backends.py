"""Running compiled circuits on qiskit-aer, device models or hardware, and rebuilding the
protocol's reports.

A report is an expression over the circuit's classical bits; with one memory
record per shot from Aer, every report is evaluated for every shot, exactly
as the simulator would have reported it, and summarised in the same schema.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from qnetlang.codes import Code
from qnetlang.compiler.circuit import Circuit, bit_index
from qnetlang.diagnostics import Diagnostic, Note
from qnetlang.ir import nodes as ir
from qnetlang.ir.evaluate import evaluate
from qnetlang.runtime.batch import RuntimeFailure
from qnetlang.results import RunResult, denominator_of, report_kinds, summarise
from qnetlang.runtime.values import batch_operations

FORMS = ("dynamic", "deferred")


def reports(circuit: Circuit, bits: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Every report of every shot, from the shots' bits (shots x bits)."""
    shots = bits.shape[0]

    def value(expression: object, mask: np.ndarray | None = None) -> np.ndarray:
        if not isinstance(expression, ir.Expr):
            return np.broadcast_to(np.asarray(expression), (shots,))
        result = evaluate(expression, lambda var: bits[:, bit_index(var)], None,
                          batch_operations(mask), memo={})
        return np.broadcast_to(np.asarray(result), (shots,))

    found: dict[str, list[np.ndarray]] = {}
    for report in circuit.reports:
        mask = None if report.condition is True else value(report.condition).astype(bool)
        parts = [(report.name, report.value)]
        if report.denominator is not None:
            parts.append((denominator_of(report.name), report.denominator))
        for name, expression in parts:
            values = value(expression, mask)  # only the shots that report can fail
            if values.dtype == bool:
                values = values.astype(np.int64)
            if mask is not None:
                values = values[mask]
            found.setdefault(name, []).append(np.array(values))
    return found


def fake_backend(name: str) -> Any:
    """A noisy device model of qiskit-ibm-runtime's fake provider, by its short name."""
    try:
        from qiskit_ibm_runtime import fake_provider
    except ImportError:
        raise BackendError("fake devices need qiskit-ibm-runtime: pip install "
                           "'qnetlang[devices]'") from None
    wanted = name.lower().replace("_", "")
    for attribute in dir(fake_provider):
        key = attribute.lower().removeprefix("fake").removesuffix("v2")
        if attribute.startswith("Fake") and key == wanted:
            backend = getattr(fake_provider, attribute)()
            if hasattr(backend, "target"):
                return backend
    known = sorted({a.removeprefix("Fake").removesuffix("V2").lower()
                    for a in dir(fake_provider) if a.startswith("Fake") and a != "FakeProvider"})
    raise BackendError(f"no fake device `{name}`; known: {', '.join(known)}")


class BackendError(Exception):
    """A backend that cannot be used (a missing package, an unknown device)."""


def run_circuits(run: ir.Run, circuits: list[Circuit], *, shots: int, seed: int,
                 backend: str = "aer", form: str = "dynamic", noise: bool = True) -> RunResult:
    """Samples the circuits (shots shared by their weights) and summarises the reports.

    `backend` is `aer` (ideal, with the protocol's channel noise), `fake:NAME` (a noisy
    device model, simulated by Aer) or `ibm:NAME` (real hardware through
    qiskit-ibm-runtime, with the token of QISKIT_IBM_TOKEN). A device without classical
    control flow gets the deferred form.
    """
    from qiskit import transpile

    from qnetlang.compiler import qiskit_bridge

    kind, _, name = backend.partition(":")
    device = _device(kind, name)
    if device is not None and "if_else" not in device.target.operation_names:
        form = "deferred"

    def sample(circuit: Circuit, count: int, circuit_seed: int) -> np.ndarray:
        build = qiskit_bridge.dynamic if form == "dynamic" else qiskit_bridge.deferred
        quantum = build(circuit, noise=noise and device is None)
        return _sample(kind, device, quantum, count, circuit_seed, transpile)

    return _sample_circuits(run, circuits, shots, seed, sample, RunResult(
        run.name, run.protocol, backend, form, shots, seed))


def run_patterns(run: ir.Run, circuits: list[Circuit], *, shots: int,
                 seed: int) -> RunResult:
    """The compiled circuits translated to measurement patterns and run on the MBQC
    engine; classical control becomes adaptive measurement. Noise has no pattern form."""
    from qnetlang.compiler.pattern import sample_bits, to_pattern

    def sample(circuit: Circuit, count: int, circuit_seed: int) -> np.ndarray:
        return sample_bits(to_pattern(circuit), len(circuit.bits), count, circuit_seed)

    return _sample_circuits(run, circuits, shots, seed, sample,
                            RunResult(run.name, run.protocol, "pattern", "dynamic", shots, seed))


def _sample_circuits(run: ir.Run, circuits: list[Circuit], shots: int, seed: int,
                     sample: Callable[[Circuit, int, int], np.ndarray],
                     result: RunResult) -> RunResult:
    """Shares the shots among the circuits by weight, samples each (shots x bits) and
    summarises the reports."""
    started = time.perf_counter()
    sequence = np.random.SeedSequence(seed)
    shares = np.random.default_rng(sequence).multinomial(shots, [c.weight for c in circuits])
    seeds = [int(s.generate_state(1)[0]) for s in sequence.spawn(len(circuits))]
    samples: dict[str, list[np.ndarray]] = {}
    for circuit, count, circuit_seed in zip(circuits, shares, seeds, strict=True):
        if count == 0:
            continue
        bits = sample(circuit, int(count), circuit_seed)
        if ":" not in result.backend:  # a device's own noise flips flag bits too
            _check_assertions(run, circuit, bits, result.backend)
        for report, values in reports(circuit, bits).items():
            samples.setdefault(report, []).extend(values)
    result.reports = summarise(samples, report_kinds(run))
    result.wall_s = time.perf_counter() - started
    return result


def _check_assertions(run: ir.Run, circuit: Circuit, bits: np.ndarray, backend: str) -> None:
    """Stops as the simulator does (E0904) when an assertion failed in any shot."""
    for assertion in circuit.assertions:
        failed = int(bits[:, assertion.bit].sum())
        if failed:
            raise RuntimeFailure(Diagnostic.error(
                Code.ASSERTION_FAILED, assertion.message, assertion.span,
                notes=[Note(f"in run `{run.name}`, role `{assertion.role}`, in {failed} of "
                            f"{len(bits)} shots on {backend}")]))


def run_aer(run: ir.Run, circuits: list[Circuit], *, shots: int, seed: int,
            form: str = "dynamic", noise: bool = True) -> RunResult:
    return run_circuits(run, circuits, shots=shots, seed=seed, form=form, noise=noise)


def _device(kind: str, name: str) -> Any:
    if kind == "aer":
        return None
    if kind == "fake":
        return fake_backend(name)
    if kind == "ibm":
        try:
            from qiskit_ibm_runtime import QiskitRuntimeService
        except ImportError:
            raise BackendError("IBM hardware needs qiskit-ibm-runtime: pip install "
                               "'qnetlang[devices]'") from None
        token = os.environ.get("QISKIT_IBM_TOKEN")
        if not token:
            raise BackendError("set QISKIT_IBM_TOKEN to your IBM Quantum token")
        return QiskitRuntimeService(token=token).backend(name)
    raise BackendError(f"unknown backend `{kind}`: use aer, fake:NAME or ibm:NAME")


MAX_WIDTH = 28  # qubits Aer's state vector holds comfortably on this machine
# A circuit with noise runs as trajectories, one state vector per shot; its width is held
# lower, and Aer is kept from choosing a density matrix (4^n entries) for it.
MAX_NOISY_WIDTH = 20


def _sample(kind: str, device: Any, quantum: Any, shots: int, seed: int,
            transpile: Any) -> np.ndarray:
    """Shots x bits, the bits in the order of the circuit's classical registers."""
    from qiskit.exceptions import QiskitError
    from qiskit_aer import AerSimulator

    order = quantum.metadata["bits"]  # the circuit's bits among the QuantumCircuit's
    if not order:  # nothing is measured: every shot reads no bits
        return np.zeros((shots, 0), dtype=np.int64)
    noisy = "quantum_channel" in quantum.count_ops()
    limit = MAX_NOISY_WIDTH if noisy else MAX_WIDTH
    if device is None and quantum.num_qubits > limit:
        raise BackendError(f"the circuit has {quantum.num_qubits} qubits, more than Aer can "
                           f"simulate here{' with noise' if noisy else ''} ({limit}); try "
                           "--reuse, or fewer qubits")

    if kind == "ibm":
        from qiskit_ibm_runtime import SamplerV2

        compiled = transpile(quantum, device, optimization_level=1, seed_transpiler=seed)
        data = SamplerV2(mode=device).run([compiled], shots=shots).result()[0].data
        columns = np.concatenate([getattr(data, register.name).to_bool_array(order="little")
                                  for register in quantum.cregs], axis=1)
        return columns[:, order].astype(np.int64)
    method = "statevector" if noisy and quantum.num_qubits > 12 else "automatic"
    simulator = AerSimulator(seed_simulator=seed, method=method) if device is None else \
        AerSimulator.from_backend(device, seed_simulator=seed)
    try:
        compiled = transpile(quantum, simulator if device is None else device,
                             optimization_level=0 if device is None else 1,
                             seed_transpiler=seed)
        result = simulator.run(compiled, shots=shots, memory=True).result()
        memory = result.get_memory()
    except QiskitError as error:
        raise BackendError(f"Aer cannot run the circuit: {error}") from None
    # A record lists the registers last first, separated by spaces, each one's bits last
    # first: reversed, it is the bits in the QuantumCircuit's order.
    records = np.array([[int(ch) for ch in reversed(record.replace(" ", ""))]
                        for record in memory], dtype=np.int64).reshape(shots, -1)
    return records[:, order]
