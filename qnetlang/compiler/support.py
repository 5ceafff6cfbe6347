"""What each circuit back end can represent, and the one place that says what it cannot.

A compiled circuit carries the protocol's gates, measurements, classical
control and, as noise channels, channel noise, memory decoherence and the
nodes' gate errors (readout errors are coins, which every back end runs).
Photon loss and a detector's misses and dark counts have no circuit form: a
circuit delivers every qubit. Only Aer
runs noise channels; OpenQASM text, drawings, measurement patterns and device
models leave them out. Whatever a back end leaves out is one coded warning
here, located at the setting that asked for it; a loss that would decide the
way a program goes is refused by the lowering instead (E1001).
"""

from __future__ import annotations

from qnetlang.codes import Code
from qnetlang.compiler.circuit import NOISE, Circuit
from qnetlang.diagnostics import Diagnostic, Note
from qnetlang.ir import nodes as ir

# Where circuits go that run their noise channels (backends of `qnetc run`).
NOISY = frozenset({"aer"})


def left_out(run: ir.Run, circuits: list[Circuit], destination: str) -> list[Diagnostic]:
    """Warnings for what `destination` (an emit target or a backend) does not carry."""
    warnings = []
    lossy = {}
    for role in run.roles.values():
        for instr in role.code:
            if isinstance(instr, ir.Send) and instr.kind == "quantum" and instr.channel:
                channel = next((c for c in run.network.channels if c.id == instr.channel), None)
                if channel is not None and channel.may_lose:
                    lossy.setdefault(channel.id, channel)
    for channel in lossy.values():
        amount = "it moves" if channel.moving else f"{channel.total_loss:.3g} dB"
        warnings.append(Diagnostic.warning(
            Code.LOSS_LEFT_OUT, f"the photon loss of channel `{channel.id}` "
            f"({amount}) is not in the circuit: it delivers every qubit",
            channel.span, help="the simulator (`qnetc run`) loses qubits; a shot that loses "
                               "one there fails, or takes the `else` of its `within`"))
    receiving = run.receiving_qubits()
    for name, node in run.network.nodes.items():
        detector = node.detector
        if detector is None or detector.ideal or name not in receiving:
            continue
        warnings.append(Diagnostic.warning(
            Code.DETECTOR_LEFT_OUT, f"detector `{detector.name}` of node `{name}` (efficiency "
            f"{detector.efficiency:g}, dark counts {detector.dark_count_probability:g} per "
            "gate) is not in the circuit: it detects every qubit, and nothing else",
            detector.span,
            help="the simulator (`qnetc run`) misses qubits and clicks in the dark; a shot "
                 "that misses one there fails, or takes the `else` of its `within`"))
    noisy = [op for circuit in circuits for op in circuit.ops if op.name in NOISE]
    if noisy and destination not in NOISY:
        kinds = sorted({_KINDS[op.name] for op in noisy})
        warnings.append(Diagnostic.warning(
            Code.NOISE_LEFT_OUT, f"{destination} has no form for noise: this run's "
            f"{' and '.join(kinds)} {'is' if len(kinds) == 1 else 'are'} left out",
            noisy[0].span or run.span,
            notes=[Note(f"in run `{run.name}`")],
            help="`qnetc run --backend aer` runs the circuit with its noise"))
    return warnings


_KINDS = {"depolarizing": "depolarizing noise", "dephasing": "dephasing noise",
          "kraus": "memory decoherence"}
