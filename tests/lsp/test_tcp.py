"""``ghost-ls serve --tcp``: the debugging transport answers LSP on loopback, one client at a time."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

WAIT = 30.0
"""Seconds any one answer may take (the fake backend answers in milliseconds)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_over_tcp_answers_initialize() -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ghost_ls", "serve", "--tcp", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.2)
        with connection:
            body = json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": None, "rootUri": None, "capabilities": {}},
                }
            ).encode()
            connection.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            reply = b""
            while b"serverInfo" not in reply:
                chunk = connection.recv(65536)
                assert chunk, "connection closed without an answer"
                reply += chunk
        assert b'"name": "ghost-ls"' in reply or b'"name":"ghost-ls"' in reply
    finally:
        server.kill()
        server.wait(timeout=10)
    assert server.stdout is not None
    assert server.stdout.read() == b""  # logs never go to stdout


class Connection:
    """One TCP client: framed JSON-RPC over a socket, every read bounded by WAIT."""

    def __init__(self, port: int) -> None:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                self.socket = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never listened"
                time.sleep(0.2)
        self.buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        self.socket.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _fill(self) -> bool:
        try:
            chunk = self.socket.recv(65536)
        except ConnectionResetError:
            chunk = b""
        self.buffer += chunk
        return bool(chunk)

    def read(self) -> dict[str, Any] | None:
        """The next message; None when the server closed the connection."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                return None
        header, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(header.split(b":")[1].split(b"\r\n")[0])
        while len(rest) < length:
            assert self._fill(), "the connection closed in the middle of a message"
            header, _, rest = self.buffer.partition(b"\r\n\r\n")
        self.buffer = rest[length:]
        message: dict[str, Any] = json.loads(rest[:length])
        return message

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        """The next message that matches; the server's own requests are answered."""
        while True:
            message = self.read()
            assert message is not None, f"closed before {what}"
            if "method" in message and "id" in message:
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            if predicate(message):
                return message

    def answer(self, request_id: int) -> dict[str, Any]:
        return self.wait_for(lambda m: m.get("id") == request_id and "method" not in m,
                             f"answer {request_id}")

    def request(self, request_id: int, method: str, params: Any = None) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return self.answer(request_id)

    def close(self) -> None:
        self.socket.close()


def test_a_second_connection_is_refused_and_the_first_served_unchanged() -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ghost_ls", "serve", "--tcp", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "GHOST_LS_BACKEND": "fake"},
    )
    first = second = None
    try:
        first = Connection(port)
        first.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {},
                                        "initializationOptions": {"model": "(fake)"}})
        first.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        first.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": "file:///tmp/secret.py", "languageId": "python", "version": 1,
            "text": "secret_token = 'hunter2'\nresult = "}}})
        first.wait_for(lambda m: m.get("method") == "ghost/didChangeStatus"
                       and m["params"]["kind"] == "ready", "ready")
        first.request(3, "textDocument/inlineCompletion", {
            "textDocument": {"uri": "file:///tmp/secret.py"}, "position": {"line": 1, "character": 9},
            "context": {"triggerKind": 2}})

        second = Connection(port)
        second.send({"jsonrpc": "2.0", "id": 1, "method": "ghost/status"})
        told = []
        while (message := second.read()) is not None:  # until the server closes it
            told.append(message)
        assert [m.get("method") for m in told] == ["window/showMessage"], told  # no answer, no data
        assert told[0]["params"]["type"] == 1 and "one connection" in told[0]["params"]["message"]

        state = first.request(4, "ghost/status")["result"]  # the first client is served still
        assert "hunter2" in state["lastPrompt"]  # its own session
        first.close()
        first = None
        assert server.wait(timeout=WAIT) == 0  # its client gone, the server ends, as over stdio
    finally:
        for connection in (first, second):
            if connection is not None:
                connection.close()
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)
    assert server.stdout is not None
    assert server.stdout.read() == b""


@pytest.mark.parametrize(("shutdown", "code"), [(False, 1), (True, 0)])
def test_exit_over_tcp_ends_the_server_with_the_lsp_exit_code(shutdown: bool, code: int) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ghost_ls", "serve", "--tcp", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "GHOST_LS_BACKEND": "fake"},
    )
    client = None
    try:
        client = Connection(port)
        client.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        if shutdown:
            client.request(2, "shutdown")
        client.send({"jsonrpc": "2.0", "method": "exit"})
        assert server.wait(timeout=WAIT) == code
        assert server.stderr is not None
        assert b"Traceback" not in server.stderr.read()  # an orderly end, not a task's crash
    finally:
        if client is not None:
            client.close()
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)
