"""`qnetc lsp` driven by a client over stdio, as an editor drives it: open a file with an
error and get a diagnostic at the right range, fix it and see it go, hover, go to a
definition here and in the standard library, complete, format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

PROGRAM = """\
import std.teleport;

network lab {
  node alice { qubits 2; }
  node bob { qubits 2; }
  node charlie { qubits 2; }
  link alice <-> bob { classical fiber(length = 2 km); }
  link charlie -> alice { quantum fiber(length = 1 km); }
  link charlie -> bob { quantum fiber(length = 1 km); }
}

run teleport on lab with source = charlie, sender = alice, receiver = bob;
"""


class Client:
    """A minimal LSP client: Content-Length framed JSON-RPC over the server's pipes."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "qnetlang", "lsp"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.next_id = 0
        self.notifications: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while True:
            line = self.process.stdout.readline()
            assert line, "the server closed its output"
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(self.process.stdout.read(length))

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == self.next_id and "method" not in message:
                assert "error" not in message, message
                return message.get("result")
            if "method" in message:
                self.notifications.append(message)

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def diagnostics(self, uri: str) -> list[dict[str, Any]]:
        """The next diagnostics published for the document."""
        while True:
            for index, message in enumerate(self.notifications):
                if (message["method"] == "textDocument/publishDiagnostics"
                        and message["params"]["uri"] == uri):
                    del self.notifications[: index + 1]
                    return message["params"]["diagnostics"]
            message = self.receive()
            if "method" in message:
                self.notifications.append(message)

    def close(self) -> None:
        self.request("shutdown", {})
        self.notify("exit", {})
        self.process.wait(timeout=20)


@pytest.fixture
def client() -> Any:
    started = Client()
    started.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    started.notify("initialized", {})
    yield started
    started.close()


def position(text: str, word: str, occurrence: int = 0) -> dict[str, int]:
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(word, index + 1)
    line = text.count("\n", 0, index)
    return {"line": line, "character": index - (text.rfind("\n", 0, index) + 1)}


def test_diagnostics_follow_the_text(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "lab.qnet"
    uri = path.as_uri()
    broken = PROGRAM.replace("sender = alice", "sender = alicia")
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "qnet", "version": 1, "text": broken}})
    (diagnostic,) = client.diagnostics(uri)
    start = position(broken, "alicia")
    assert diagnostic["range"] == {"start": start,
                                   "end": {**start, "character": start["character"] + 6}}
    assert diagnostic["code"] == "E0301" and diagnostic["source"] == "qnetc"
    assert diagnostic["severity"] == 1 and "alicia" in diagnostic["message"]
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": PROGRAM}]})
    assert client.diagnostics(uri) == []


MODULE = """\
protocol relay {
  role source {
    qubit q;
    send q to sink;
    send q to sink;
  }
  role sink {
    qubit first = recv qubit from source;
    qubit second = recv qubit from source;
    measure first;
    measure second;
  }
}
"""


def test_a_protocol_without_a_run_is_checked(client: Client, tmp_path: Path) -> None:
    uri = (tmp_path / "relay.qnet").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "qnet", "version": 1, "text": MODULE}})
    (diagnostic,) = client.diagnostics(uri)
    assert diagnostic["code"] == "E0702" and "sent twice" in diagnostic["message"]
    assert diagnostic["range"]["start"] == position(MODULE, "send q", 1)
    (note,) = diagnostic["relatedInformation"]
    assert note["location"]["range"]["start"] == position(MODULE, "send q")


def test_hover_definition_and_completion(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "lab.qnet"
    uri = path.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "qnet", "version": 1, "text": PROGRAM}})
    assert client.diagnostics(uri) == []
    document = {"textDocument": {"uri": uri}}

    hover = client.request("textDocument/hover",
                           {**document, "position": position(PROGRAM, "teleport", 1)})
    assert "protocol teleport(theta: angle" in hover["contents"]["value"]
    assert "Quantum teleportation" in hover["contents"]["value"]  # the stdlib docs
    units = client.request("textDocument/hover",
                           {**document, "position": position(PROGRAM, "km")})
    assert "length" in units["contents"]["value"]

    here = client.request("textDocument/definition",
                          {**document, "position": position(PROGRAM, "charlie", 3)})
    assert here["uri"] == uri
    assert here["range"]["start"] == position(PROGRAM, "charlie")
    std = client.request("textDocument/definition",
                         {**document, "position": position(PROGRAM, "sender")})
    assert std["uri"].endswith("/teleport.qnet") and std["uri"] != uri
    target = Path(std["uri"].removeprefix("file://")).read_text().splitlines()
    line = target[std["range"]["start"]["line"]]
    assert line[std["range"]["start"]["character"]:].startswith("sender")

    completion = client.request("textDocument/completion",
                                {**document, "position": {"line": 11, "character": 0}})
    labels = {item["label"] for item in completion["items"]}
    assert {"charlie", "lab", "teleport", "measure", "cx", "fidelity", "km"} <= labels


def test_formatting_gives_the_formatters_layout(client: Client, tmp_path: Path) -> None:
    uri = (tmp_path / "lab.qnet").as_uri()
    messy = "\n".join(line.strip() for line in PROGRAM.splitlines()) + "\n"
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "qnet", "version": 1, "text": messy}})
    options = {"tabSize": 2, "insertSpaces": True}
    (edit,) = client.request("textDocument/formatting",
                             {"textDocument": {"uri": uri}, "options": options})
    assert edit["newText"] == PROGRAM
    assert edit["range"]["start"] == {"line": 0, "character": 0}
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": "network {"}]})
    assert client.request("textDocument/formatting",
                          {"textDocument": {"uri": uri}, "options": options}) is None
