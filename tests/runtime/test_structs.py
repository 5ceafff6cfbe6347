"""Structs in a protocol: made with named fields, sent and received whole, read by
field, told apart by type in a `select`."""

from __future__ import annotations

from pathlib import Path

from tests.runtime.helpers import simulate

PROGRAM = """
struct Request { keys: int; urgent: bool; }
struct Ack { keys: int; }
network lab {
  node a { qubits 1; }
  node b { qubits 1; }
  link a <-> b { classical fiber(length = 1 km); }
}
protocol p {
  struct Batch { sizes: int[]; total: int; }
  role server {
    int served = 0;
    int urgent = 0;
    while (true) {
      select {
        Request r = recv Request from client => {
          served += r.keys;
          urgent += r.urgent;
          send Ack(keys = r.keys + 1) to client;
        }
        let b = recv Batch from client => { served += b.total + sum(b.sizes); }
        after 1 ms => {
          report served = served;
          report urgent = urgent;
          return;
        }
      }
    }
  }
  role client {
    qubit q;
    h q;
    bit m = measure q;
    send Request(urgent = m == 1, keys = 10) to server;
    Ack a = recv Ack from server;
    send Batch(sizes = list([1, 2, 3]), total = a.keys) to server;
    report m = m;
    report acked = a.keys;
  }
}
run p on lab with server = a, client = b { shots = 400; seed = 3; }
"""


def test_structs_travel_whole_and_are_read_by_field(tmp_path: Path) -> None:
    result = simulate(PROGRAM, tmp_path)
    assert result.reports["acked"].mean == 11
    assert result.reports["served"].mean == 10 + 11 + 6  # the request, then the batch
    # the urgent flag is the client's measured bit, shot by shot
    assert result.reports["urgent"].mean == result.reports["m"].mean
    assert 0.4 < result.reports["m"].mean < 0.6


def test_a_named_type_declares_a_variable_with_a_value(tmp_path: Path) -> None:
    result = simulate("""
network lab { node a { } }
protocol p { role r { time t = 3 ms; wait t; report at_ms = now() / 1 ms; } }
run p on lab with r = a;
""", tmp_path)
    assert result.reports["at_ms"].mean == 3
