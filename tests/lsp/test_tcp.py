"""``ghost-ls serve --tcp``: the debugging transport answers LSP on loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time


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
