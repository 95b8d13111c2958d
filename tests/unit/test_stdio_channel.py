"""The stdio channel read by the event loop: framing, an over-long header, a file as stdin.

The LSP tests drive every request through :class:`LoopPipeReader` on a pipe; these
cover what they do not: a header line longer than the reader's limit must not end the
server, a stdin asyncio cannot watch (a regular file) is read the pygls way, and two
messages that arrive in one read are handled in order.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
from pathlib import Path

from ghost_ls.devtools.lsp_client import LspClient
from ghost_ls.stdio_channel import HEADER_LIMIT, LoopPipeReader


def frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_reads_lines_and_bodies_from_a_pipe_and_survives_an_overlong_line() -> None:
    read_fd, write_fd = os.pipe()
    junk = b"x" * (HEADER_LIMIT * 2) + b"\r\n"
    payload = junk + b"Content-Length: 5\r\n\r\nhello"

    async def read_all() -> list[bytes]:
        reader = LoopPipeReader(os.fdopen(read_fd, "rb", buffering=0), None)
        loop = asyncio.get_running_loop()
        loop.run_in_executor(None, lambda: (os.write(write_fd, payload), os.close(write_fd)))
        got = []
        while not got or not got[-1].startswith(b"Content-Length"):
            got.append(await reader.readline())
        got.append(await reader.readline())
        got.append(await reader.readexactly(5))
        got.append(await reader.readexactly(1))  # the client is gone: what is left, b""
        return got

    got = asyncio.run(asyncio.wait_for(read_all(), 60))
    assert b"".join(got[:-4]) == junk and len(got) > 5  # the long line in pieces, nothing lost
    assert got[-4:] == [b"Content-Length: 5\r\n", b"\r\n", b"hello", b""]


def test_a_regular_file_as_stdin_is_served(tmp_path: Path) -> None:
    requests = tmp_path / "requests.bin"
    requests.write_bytes(
        frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
               "params": {"capabilities": {}, "initializationOptions": {"model": "(fake)"}}})
        + frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        + frame({"jsonrpc": "2.0", "method": "exit"})
    )
    env = {**os.environ, "GHOST_LS_BACKEND": "fake"}
    with requests.open("rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "ghost_ls", "serve"], stdin=stdin,
                              capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    answered = [json.loads(part.split(b"\r\n\r\n", 1)[1])
                for part in done.stdout.split(b"Content-Length: ")[1:]]
    ids = [message["id"] for message in answered if "id" in message and "method" not in message]
    assert ids == [1, 2]
    assert answered[0]["result"]["serverInfo"]["name"] == "ghost-ls"


def test_settings_changed_just_before_a_request_apply_to_it(tmp_path: Path) -> None:
    """didChangeConfiguration and ghost/status in one write: the status has the new settings.

    The configuration handler is async; reading the next message from the buffer without
    a turn of the event loop would answer the status before the settings were applied.
    """
    client = LspClient(env={**os.environ, "GHOST_LS_BACKEND": "fake"})
    try:
        client.initialize({"model": "(fake)", "streaming": True}, root=tmp_path)
        client.wait_ready(timeout=120)
        waiter: queue.Queue[dict[str, object]] = queue.Queue()
        with client._lock:
            client._pending[999] = waiter
        assert client.process.stdin is not None
        client.process.stdin.write(
            frame({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
                   "params": {"settings": {"model": "(fake)", "streaming": False}}})
            + frame({"jsonrpc": "2.0", "id": 999, "method": "ghost/status"}))
        client.process.stdin.flush()
        status = LspClient.wait_response(waiter, timeout=60)
        assert status["result"]["settings"]["streaming"] is False  # type: ignore[index]
    finally:
        client.close()
