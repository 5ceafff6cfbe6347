"""The QNET 1.3 side of benchmarks/runtime.py; run by a Python that has qcompute-qnet.

Usage: QNET_PYTHON=... python benchmarks/runtime.py (this script is called by it)
       python qnet_peer.py des N | teleport SHOTS | chsh ROUNDS
Prints one number: events per second for `des`, wall seconds otherwise. The
workloads mirror qnetlang's: entities that reschedule themselves; the
teleportation and CHSH protocols that QNET ships, run on its state-vector backend.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time


def des(events: int, entities: int = 100) -> float:
    from qcompute_qnet.core.des import DESEnv, Entity, EventHandler

    env = DESEnv("benchmark", default=True)
    remaining = [events]

    class Ticker(Entity):
        def __init__(self, name: str, period: int) -> None:
            super().__init__(name, env)
            self.period = period

        def init(self) -> None:
            self.scheduler.schedule_now(EventHandler(self, "act"))

        def act(self) -> None:
            remaining[0] -= 1
            if remaining[0] > 0:
                self.scheduler.schedule_after(self.period, EventHandler(self, "act"))

    for entity in range(entities):
        Ticker(f"ticker{entity}", 1000 + entity)
    env.init()
    start = time.perf_counter()
    env.run(summary=False)
    return env.counter_handled / (time.perf_counter() - start)


def teleport(shots: int) -> float:
    from qcompute_qnet.models.qpu.env import QuantumEnv
    from qcompute_qnet.models.qpu.node import QuantumNode
    from qcompute_qnet.models.qpu.protocol import Teleportation
    from qcompute_qnet.quantum.backends import Backend
    from qcompute_qnet.topology.link import Link
    from qcompute_qnet.topology.network import Network

    start = time.perf_counter()
    env = QuantumEnv("teleportation", default=True)
    alice = QuantumNode("Alice", qreg_size=2, protocol=Teleportation)
    bob = QuantumNode("Bob", qreg_size=1, protocol=Teleportation)
    charlie = QuantumNode("Charlie", qreg_size=2, protocol=Teleportation)
    links = [Link("ab", ends=(alice, bob), distance=20e3),
             Link("ac", ends=(alice, charlie), distance=10e3),
             Link("bc", ends=(bob, charlie), distance=10e3)]
    network = Network("teleportation network")
    network.install([alice, bob, charlie, *links])
    alice.qreg.rx(0, 0.7853981633974483)
    alice.start(role="Sender", peer=bob, ent_source=charlie, address_to_teleport=0)
    bob.start(role="Receiver", peer=alice, ent_source=charlie)
    charlie.start(role="Source")
    env.init()
    env.run(shots=shots, backend=Backend.QNET.StateVector, print_cir=False, summary=False)
    return time.perf_counter() - start


def chsh(rounds: int) -> float:
    from qcompute_qnet.models.qpu.env import QuantumEnv
    from qcompute_qnet.models.qpu.node import QuantumNode
    from qcompute_qnet.models.qpu.protocol import CHSHGame
    from qcompute_qnet.quantum.backends import Backend
    from qcompute_qnet.topology.link import Link
    from qcompute_qnet.topology.network import Network

    start = time.perf_counter()
    env = QuantumEnv("CHSH game", default=True)
    alice = QuantumNode("Alice", qreg_size=1, protocol=CHSHGame)
    bob = QuantumNode("Bob", qreg_size=1, protocol=CHSHGame)
    source = QuantumNode("Source", qreg_size=2, protocol=CHSHGame)
    referee = QuantumNode("Referee", qreg_size=0, protocol=CHSHGame)
    links = [Link("as", ends=(alice, source), distance=1e3),
             Link("bs", ends=(bob, source), distance=1e3),
             Link("ar", ends=(alice, referee), distance=1e3),
             Link("br", ends=(bob, referee), distance=1e3)]
    network = Network("CHSH network")
    network.install([alice, bob, referee, source, *links])
    alice.start(role="Player1", peer=bob, ent_source=source, referee=referee, rounds=rounds)
    bob.start(role="Player2", peer=alice, ent_source=source, referee=referee)
    source.start(role="Source")
    referee.start(role="Referee", players=[alice, bob])
    env.init()
    results = env.run(backend=Backend.QNET.StateVector, print_cir=False, summary=False)
    referee.protocol.estimate_statistics(results)
    return time.perf_counter() - start


def _mbqc_run(vertices: list, edges: list, order: list) -> float:
    from qcompute_qnet.quantum.backends.mbqc import MBQC
    from qcompute_qnet.quantum.basis import Basis

    mbqc = MBQC()
    mbqc.set_graph([vertices, edges])
    start = time.perf_counter()
    for vertex in order:
        mbqc.measure(vertex, Basis.Plane("XY", 0.3))
    return time.perf_counter() - start


def mbqc_line(length: int) -> float:
    vertices = list(range(length))
    return _mbqc_run(vertices, [(v, v + 1) for v in range(length - 1)], vertices[:-1])


def mbqc_grid8(length: int, width: int = 8) -> float:
    """A width x length grid measured column by column, as qnetlang's greedy order does."""
    vertices = list(range(width * length))
    edges = [(c * width + r, c * width + r + 1) for c in range(length) for r in range(width - 1)]
    edges += [(c * width + r, (c + 1) * width + r) for c in range(length - 1) for r in range(width)]
    return _mbqc_run(vertices, edges, vertices[: width * (length - 1)])


if __name__ == "__main__":
    task, size = sys.argv[1], int(sys.argv[2])
    with contextlib.redirect_stdout(io.StringIO()):
        value = {"des": des, "teleport": teleport, "chsh": chsh, "mbqc_line": mbqc_line,
                 "mbqc_grid8": mbqc_grid8}[task](size)
    print(value)
