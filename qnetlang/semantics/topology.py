"""Pass 5: every message has a channel to travel on.

A qubit needs a quantum channel from the sender's node to the receiver's, in that
direction. A classical value takes the classical channel between them, or, where
there is none, a route of classical channels: the nodes on the way store and
forward it (`ir.Network.route`). Roles bound to the same node exchange messages
locally. Each send and receive is given the id of its channel in the IR (none for
a route). `latency(a, b)` needs a channel or a route between the two roles' nodes
too: the delay it gives is theirs.
"""

from __future__ import annotations

from qnetlang.codes import Code
from qnetlang.diagnostics import Note
from qnetlang.ir import nodes as ir
from qnetlang.semantics.context import Context
from qnetlang.source import Span


def check_topology(ctx: Context) -> None:
    reported: set[tuple[int, int, str, str]] = set()
    reported_idle: set[tuple[str, Span | None]] = set()
    for run in ctx.program.runs:
        latencies: dict[int, list[ir.Builtin]] = {}  # the calls of a shape's code (once)
        for role in run.roles.values():
            for instr in role.code:
                if isinstance(instr, ir.Send):
                    _send(ctx, run, role, instr, reported)
                elif isinstance(instr, ir.Recv):
                    source = run.roles.get(instr.source)
                    if source is not None and source.node != role.node:
                        channel = run.network.channel(source.node, role.node, instr.kind)
                        instr.channel = channel.id if channel is not None else None
            calls = latencies.get(role.shape) if role.shape is not None else None
            if calls is None:
                calls = [expr for instr in role.code for expr in ir.expressions_of(instr)
                         if isinstance(expr, ir.Builtin) and expr.name == "latency"]
                if role.shape is not None:
                    latencies[role.shape] = calls
            for call in calls:
                _latency(ctx, run, role, call)
        _idle_detectors(ctx, run, reported_idle)
        _train_devices(ctx, run, reported_idle)


def _idle_detectors(ctx: Context, run: ir.Run, reported: set[tuple[str, Span | None]]) -> None:
    """A detector declared where no role receives a qubit over a quantum channel, nor a
    train (nor sends pairs, whose kept photons it detects), acts on nothing in this run:
    a warning, at the declaration, once (a family's detector acts
    if any member's does)."""
    receiving = run.receiving_qubits() | run.receiving_trains()
    hosting = {role.node for role in run.roles.values()}
    declared: dict[tuple[str, Span | None], list[str]] = {}
    for name, node in run.network.nodes.items():
        if node.detector is not None and name in hosting:
            declared.setdefault((node.detector.name, node.detector.span), []).append(name)
    for key, nodes in declared.items():
        if key in reported or any(name in receiving for name in nodes):
            continue
        reported.add(key)
        where = f"node `{nodes[0]}`" if len(nodes) == 1 else f"nodes {', '.join(nodes[:3])}"
        ctx.warning(Code.IDLE_DEVICE, f"detector `{key[0]}` of {where} acts on nothing in "
                    f"run `{run.name}`: no role there receives a qubit over a quantum channel",
                    key[1], help="a detector acts where qubits arrive: declare it on the "
                                 "receiving node")


def _train_devices(ctx: Context, run: ir.Run, reported: set[tuple[str, Span | None]]) -> None:
    """A train needs a source where it leaves; an analyser, and a detector's settings for
    trains, act only where one arrives: elsewhere they are refused (E0604), and a source
    that sends nothing is a warning (W0602). Each is reported once per declaration."""
    hosting = {role.node for role in run.roles.values()}
    receiving, sending = run.receiving_trains(), run.sending_trains()
    for role in run.roles.values():
        node = run.network.nodes.get(role.node)
        if node is None:
            continue
        for instr in role.code:
            if isinstance(instr, ir.Send) and instr.pulses is not None and \
                    (node.source is None or node.source.pairs != instr.pairs) and \
                    ("source", instr.span) not in reported:
                reported.add(("source", instr.span))
                _no_source(ctx, run, role, instr, node.source)
    for role in run.roles.values():
        for instr in role.code:
            if isinstance(instr, ir.Send) and instr.pulses is not None:
                _train_channel(ctx, run, role, instr, reported)
    for name, node in run.network.nodes.items():
        if name not in hosting:
            continue
        if node.source is not None and name not in sending and \
                (node.source.name, node.source.span) not in reported:
            reported.add((node.source.name, node.source.span))
            ctx.warning(Code.IDLE_DEVICE, f"source `{node.source.name}` of node `{name}` acts "
                        f"on nothing in run `{run.name}`: no role there sends pulses",
                        node.source.span, help="a source acts where `send "
                                               f"{'pairs' if node.source.pairs else 'pulses'}"
                                               "(n) to r;` is")
        if name in receiving:
            continue
        idle = [(f"analyser `{node.analyser.name}`", node.analyser.span)] \
            if node.analyser is not None else []
        detector = node.detector
        if detector is not None:
            idle += [(f"`{setting}` of detector `{detector.name}`", detector.span)
                     for setting in ("dead_time", "afterpulse", "jitter")
                     if getattr(detector, setting)]
        for what, span in idle:
            if (what, span) in reported:
                continue
            reported.add((what, span))
            ctx.error(Code.TRAINS_ONLY, f"{what} acts only on pulse trains, and no role on node "
                      f"`{name}` receives one in run `{run.name}`", span,
                      help="qubits sent one by one each open their own gate, with no clicks "
                           "between them: remove it, or receive a train (`recv clicks from "
                           "...`)")


def _no_source(ctx: Context, run: ir.Run, role: ir.Role, send: ir.Send,
               source: ir.Source | None) -> None:
    """A train whose node has no source, or one of the other sort (pulses, or pairs)."""
    wanted, example = ("source of entangled pairs", "`device pairs: spdc_source { rate = "
                                                    "10 MHz; mean_pairs = 0.1; }`") \
        if send.pairs else ("light source to send pulses", "`device laser: "
                            "weak_coherent_source { rate = 100 MHz; mean_photons = 0.5; }`")
    notes = [Note(f"in run `{run.name}`, role `{role.name}` runs on node `{role.node}`",
                  run.span)]
    if source is not None:
        other = "pairs" if source.pairs else "pulses"
        notes.append(Note(f"its source `{source.name}` is a `{source.kind}`, which sends "
                          f"`{other}(n)`", source.span))
    ctx.error(Code.NO_SOURCE, f"node `{role.node}` has no {wanted}", send.span, notes=notes,
              help=f"declare one on the node: {example}" if source is None else
              f"this source sends `{'pairs' if source.pairs else 'pulses'}(n)`; or "
              f"declare in its place {example}")


def _train_channel(ctx: Context, run: ir.Run, role: ir.Role, send: ir.Send,
                   reported: set[tuple[str, Span | None]]) -> None:
    """A train's channel and receiver: channel noise acts on qubits, not on a train's
    photons (whose errors are the analyser's misalignment), and a detector's gate that
    outlasts the pulses' period would hold two pulses at once: both are refused."""
    source = run.network.nodes[role.node].source
    dest = run.roles.get(send.dest)
    channel = next((c for c in run.network.channels if c.id == send.channel), None)
    if channel is not None and (channel.depolarizing or channel.dephasing) and \
            ("noise", channel.span) not in reported:
        reported.add(("noise", channel.span))
        ctx.error(Code.TRAINS_ONLY, f"channel `{channel.id}` carries a pulse train, on which "
                  "its `depolarizing` and `dephasing` do not act", channel.span,
                  notes=[Note("the train is sent here", send.span)],
                  help="a train's errors are its receiver's misalignment: `device NAME: "
                       "analyser { misalignment = ...; }`; keep channel noise for qubits")
    analysing = ([dest.node] if dest is not None else []) + ([role.node] if send.pairs else [])
    if source is None or not source.rate:
        return
    for detector in (run.network.nodes[node].detector for node in analysing):
        if detector is None or detector.gate_width is None or \
                detector.gate_width <= 1 / source.rate or ("gate", detector.span) in reported:
            continue
        reported.add(("gate", detector.span))
        ctx.error(Code.IMPOSSIBLE_VALUE, f"detector `{detector.name}` opens gates of "
                  f"{detector.gate_width:g} s, longer than the {1 / source.rate:g} s between "
                  f"the pulses of source `{source.name}`", detector.span,
                  label="physically impossible", notes=[Note("the train is sent here",
                                                             send.span)],
                  help="a gate holds one pulse: make `gate_width` at most the pulses' period")


def _latency(ctx: Context, run: ir.Run, role: ir.Role, call: ir.Builtin) -> None:
    names = [arg.value if isinstance(arg, ir.Const) else None for arg in call.args]
    source, dest = run.roles.get(names[0] or ""), run.roles.get(names[1] or role.name)
    if source is None or dest is None or source.node == dest.node:
        return
    network = run.network
    if network.channel(source.node, dest.node, "quantum") is None and \
            network.channel(source.node, dest.node, "classical") is None and \
            network.route(source.node, dest.node) is None:
        ctx.error(Code.NO_CHANNEL, f"no channel from `{source.node}` to `{dest.node}` for "
                  f"`latency` to measure", call.span,
                  notes=[Note(f"in run `{run.name}`, role `{source.name}` runs on node "
                              f"`{source.node}` and role `{dest.name}` on `{dest.node}`",
                              run.span)],
                  help=f"add a link from `{source.node}` to `{dest.node}` to network "
                       f"`{run.network.name}`")


def _send(ctx: Context, run: ir.Run, role: ir.Role, send: ir.Send,
          reported: set[tuple[int, int, str, str]]) -> None:
    dest = run.roles.get(send.dest)
    if dest is None or dest.node == role.node:
        return
    channel = run.network.channel(role.node, dest.node, send.kind)
    if channel is not None:
        send.channel = channel.id
        return
    if send.kind == "classical" and run.network.route(role.node, dest.node) is not None:
        return  # stored and forwarded by the nodes on the way
    key = (send.span.start if send.span else -1, send.span.line if send.span else -1,
           role.node, dest.node)
    if key in reported:
        return
    reported.add(key)
    what = "pulse train" if send.pulses is not None else \
        "qubit" if send.kind == "quantum" else "classical message"
    other = "classical" if send.kind == "quantum" else "quantum"
    notes = [Note(f"in run `{run.name}`, role `{role.name}` runs on node `{role.node}` and "
                  f"role `{dest.name}` on node `{dest.node}`", run.span)]
    if run.network.channel(role.node, dest.node, other) is not None:
        notes.append(Note(f"there is a {other} channel from `{role.node}` to `{dest.node}`, "
                          f"but a {what} needs a {send.kind} one"))
    elif run.network.channel(dest.node, role.node, send.kind) is not None:
        notes.append(Note(f"the {send.kind} channel between them goes the other way, "
                          f"from `{dest.node}` to `{role.node}`"))
    model = "fiber(length = ...)"
    route = " or route" if send.kind == "classical" else ""
    ctx.error(Code.NO_CHANNEL,
              f"no {send.kind} channel{route} from `{role.node}` to `{dest.node}` for this {what}",
              send.span, label=f"sent to `{dest.name}` on `{dest.node}`", notes=notes,
              help=f"add `link {role.node} -> {dest.node} {{ {send.kind} {model}; }}` to network "
                   f"`{run.network.name}`")
