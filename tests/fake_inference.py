"""A scripted inference server on 127.0.0.1 for fault injection (stdlib ``http.server``).

It speaks just enough of llama-server's ``/infill`` and the OpenAI ``/v1/completions``
stream to be a server, and misbehaves on request: ``mode`` is one of

- ``ok``: streams ``pieces`` (one event each, ``delay`` seconds apart), then the end;
- ``die``: streams the first two pieces, then drops the connection;
- ``500``, ``400``: answers HTTP 500 (400) with ``error_body``;
- ``hang``: reads the request and answers nothing until :meth:`close`;
- ``malformed``: one event that is not JSON;
- ``strict``: answers HTTP 422 to a request with a ``grammar`` field (a server that
  validates its fields), as ``ok`` to one without.

Everything is recorded: request bodies and headers, and ``client_gone`` is set when a
write fails because the client closed the connection (a cancel or an early stop).
Tests wait on events, never sleep.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class FakeInferenceServer:
    """Start with :meth:`start`; ``url`` is its base URL."""

    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self.mode = "ok"
        self.pieces: list[str] = ["return ", "a", " +", " b", "\n", "\n", "def", " sub"]
        self.delay = 0.0
        self.bodies: list[dict[str, Any]] = []
        self.total_slots = 0
        """What ``GET /props`` reports as llama-server's ``total_slots``; 0: no ``/props``."""
        self.props_requests = 0
        self.headers: list[dict[str, str]] = []
        self.error_body = "internal error"
        self.requested = threading.Event()
        self.client_gone = threading.Event()
        self.release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> int:
        return len(self.bodies)

    def start(self) -> FakeInferenceServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                if self.path != "/props" or not fake.total_slots:
                    self.send_error(404)
                    return
                fake.props_requests += 1
                data = json.dumps({"total_slots": fake.total_slots}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                fake.bodies.append(json.loads(self.rfile.read(length)))
                fake.headers.append(dict(self.headers.items()))
                fake.requested.set()
                try:
                    fake._answer(self)
                except (BrokenPipeError, ConnectionResetError):
                    fake.client_gone.set()

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeInferenceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- answers -----------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        mode = self.mode
        if mode == "hang":
            self._wait_for_hangup(handler)
            return
        refused = mode == "strict" and "grammar" in self.bodies[-1]
        if mode in ("500", "400") or refused:
            body = ("unknown field: grammar" if refused else self.error_body).encode()
            handler.send_response(422 if refused else int(mode))
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        infill = handler.path.endswith("/infill")
        if mode == "malformed":
            self._send(handler, '{"choices": [{"text": "ret')
            return
        pieces = self.pieces[:2] if mode == "die" else self.pieces
        for piece in pieces:
            self._send(handler, json.dumps(self._event(piece, infill, last=False)))
            if self.delay:
                time.sleep(self.delay)  # pacing the stream, not synchronisation
        if mode == "die":
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(handler, json.dumps(self._event("", infill, last=True)))
        if not infill:
            self._send(handler, "[DONE]")

    @staticmethod
    def _event(text: str, infill: bool, *, last: bool) -> dict[str, Any]:
        if infill:
            event: dict[str, Any] = {"content": text, "stop": last}
            if last:
                event.update(tokens_evaluated=40, timings={"prompt_n": 3, "cache_n": 37})
            return event
        return {"choices": [{"text": text, "index": 0, "finish_reason": "stop" if last else None}]}

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, data: str) -> None:
        handler.wfile.write(f"data: {data}\n\n".encode())
        handler.wfile.flush()

    def _wait_for_hangup(self, handler: BaseHTTPRequestHandler) -> None:
        """Send nothing; notice when the client closes (a read returns EOF)."""
        handler.connection.settimeout(0.05)
        while not self.release.is_set():
            try:
                if handler.connection.recv(1) == b"":
                    self.client_gone.set()
                    return
            except TimeoutError:
                continue
            except OSError:
                self.client_gone.set()
                return
