"""The channel's framing and the stdio reader: broken frames, huge frames, a file as stdin.

The LSP tests drive every request through :class:`LoopPipeReader` on a pipe; these
cover what they do not: :class:`FrameReader` cutting a stream with broken frames (an
over-long line, a ``Content-Length`` too large or counted in characters, one over the
limit) into the messages that are whole, a stdin asyncio cannot watch (a regular
file) read by a thread, and two messages that arrive in one read handled in order.
The same cases through the real server are in ``tests/hostile/test_protocol.py``.
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
from ghost_ls.framing import HEADER_LIMIT, MAX_CONTENT_LENGTH, FrameError, FrameReader
from ghost_ls.stdio_channel import LoopPipeReader


def frame(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Chunks:
    """A byte source handing out the given chunks, one per read, then the end."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)
        self.reader: FrameReader | None = None
        self.most_buffered = 0

    async def read(self) -> bytes:
        if self.reader is not None:
            self.most_buffered = max(self.most_buffered, len(self.reader._buffer))
        return self.chunks.pop(0) if self.chunks else b""


def read_frames(chunks: list[bytes], resync: bool = True) -> tuple[list[bytes | FrameError], Chunks]:
    """Everything a FrameReader yields from ``chunks``; a body that is no JSON is resynced
    from, as the message loop does."""
    source = Chunks(chunks)
    reader = FrameReader(source)
    source.reader = reader

    async def read_all() -> list[bytes | FrameError]:
        got: list[bytes | FrameError] = []
        while (item := await reader.next()) is not None:
            got.append(item)
            if resync and isinstance(item, bytes):
                try:
                    json.loads(item)
                except ValueError:
                    reader.resync(item)
        return got

    return asyncio.run(asyncio.wait_for(read_all(), 30)), source


FIRST = {"jsonrpc": "2.0", "id": 1, "method": "ghost/status"}
SECOND = {"jsonrpc": "2.0", "id": 2, "method": "ghost/status"}


def test_an_overlong_line_before_a_message_is_skipped_and_the_message_read() -> None:
    got, _ = read_frames([b"x" * (HEADER_LIMIT * 2) + b"\r\n", frame(FIRST)])
    assert got == [json.dumps(FIRST).encode()]


def test_two_messages_in_one_read_and_one_message_in_bytes_come_out_whole() -> None:
    both = frame(FIRST) + frame(SECOND)
    got, _ = read_frames([both])
    assert got == [json.dumps(FIRST).encode(), json.dumps(SECOND).encode()]
    split, _ = read_frames([bytes([byte]) for byte in frame(FIRST)])
    assert split == [json.dumps(FIRST).encode()]


def test_other_headers_are_read_past() -> None:
    body = json.dumps(FIRST).encode()
    message = (b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
               % len(body) + body)
    got, _ = read_frames([message, frame(SECOND)])
    assert got == [body, json.dumps(SECOND).encode()]


def test_a_content_length_too_large_costs_that_frame_only() -> None:
    body = json.dumps(FIRST).encode()
    for extra in (20, 500):  # into the next header, and past the whole next message
        bad = b"Content-Length: %d\r\n\r\n" % (len(body) + extra) + body
        # the next message comes in its own read, after the bad one: the reader must not
        # wait for bytes that belong to it
        got, _ = read_frames([bad, frame(SECOND), frame(FIRST)])
        # the broken frame (its body, which the loop answers with ParseError, or refused
        # at once when a whole header showed up in it), then both messages after it
        assert got[1:] == [json.dumps(SECOND).encode(), json.dumps(FIRST).encode()], (extra, got)


def test_a_content_length_counted_in_characters_costs_that_frame_only() -> None:
    message = {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"text": "é" * 40}}
    text = json.dumps(message, ensure_ascii=False)
    bad = b"Content-Length: %d\r\n\r\n" % len(text) + text.encode()  # 40 bytes short
    got, _ = read_frames([bad + frame(SECOND)])
    assert got[-1] == json.dumps(SECOND).encode()
    assert len(got) == 2  # the cut body, then the next message: the tail in between skipped


def test_a_content_length_over_the_limit_is_refused_and_skipped_unbuffered() -> None:
    junk = [b"x" * 65536] * 160  # 10 MiB of a body nobody will read
    got, source = read_frames([b"Content-Length: 1000000000000\r\n\r\n", *junk, frame(SECOND)])
    assert isinstance(got[0], FrameError) and got[0].code == -32600
    assert str(MAX_CONTENT_LENGTH) in got[0].message
    assert got[1:] == [json.dumps(SECOND).encode()]
    assert source.most_buffered < 4 * HEADER_LIMIT  # skipped as it came, never kept


def test_reads_a_pipe_in_chunks_until_the_client_closes() -> None:
    read_fd, write_fd = os.pipe()
    payload = frame(FIRST) * 3

    async def read_all() -> bytes:
        reader = LoopPipeReader(os.fdopen(read_fd, "rb", buffering=0), None)
        loop = asyncio.get_running_loop()
        loop.run_in_executor(None, lambda: (os.write(write_fd, payload), os.close(write_fd)))
        got = b""
        while chunk := await reader.read():
            got += chunk
        return got

    assert asyncio.run(asyncio.wait_for(read_all(), 60)) == payload


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
