"""A small synchronous LSP client over a subprocess' stdio, for tests and benchmarks.

It starts ``ghost-ls serve`` (or any command), frames JSON-RPC messages, answers the
server's own requests (``window/workDoneProgress/create``, ``workspace/configuration``)
and keeps notifications so a test can wait for them.  Deliberately independent of
pygls, so tests check the server against the protocol, not against its own library.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Message = dict[str, Any]


class LspError(Exception):
    """The server answered a request with a JSON-RPC error."""

    def __init__(self, error: Message) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = int(error.get("code", 0))
        self.error = error


def default_command() -> list[str]:
    """``ghost-ls serve`` from the running interpreter's environment."""
    return [sys.executable, "-m", "ghost_ls", "serve"]


class LspClient:
    """Drives a language server process; use as a context manager."""

    def __init__(
        self,
        command: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
    ) -> None:
        self.process = subprocess.Popen(
            list(command or default_command()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        self._ids = itertools.count(1)
        self._pending: dict[int | str, queue.Queue[Message]] = {}
        self._lock = threading.Lock()
        self.notifications: list[Message] = []
        self._notified = threading.Condition()
        self.stderr_lines: list[str] = []
        self.stray_responses: list[Message] = []
        threading.Thread(target=self._read_loop, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # -- framing ----------------------------------------------------------------------

    def send_raw(self, body: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _send(self, message: Message) -> None:
        self.send_raw(json.dumps(message).encode("utf-8"))

    def _read_message(self) -> Message | None:
        stream = self.process.stdout
        assert stream is not None
        length = 0
        while True:
            header = stream.readline()
            if not header:
                return None
            if header in (b"\r\n", b"\n"):
                break
            name, _, value = header.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        parsed: Message = json.loads(stream.read(length))
        return parsed

    def _read_loop(self) -> None:
        while True:
            try:
                message = self._read_message()
            except (ValueError, OSError):
                message = None
            if message is None:
                with self._notified:
                    self._notified.notify_all()
                return
            self._dispatch(message)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self.stderr_lines.append(raw.decode("utf-8", "replace").rstrip())

    def _dispatch(self, message: Message) -> None:
        if "method" in message and "id" in message:
            self._answer_server_request(message)
        elif "method" in message:
            with self._notified:
                self.notifications.append(message)
                self._notified.notify_all()
        else:
            with self._lock:
                waiter = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
            if waiter is None:
                self.stray_responses.append(message)
            else:
                waiter.put(message)

    def _answer_server_request(self, message: Message) -> None:
        result: Any = None
        if message["method"] == "workspace/configuration":
            result = [None for _ in message.get("params", {}).get("items", [])]
        self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    # -- requests and notifications -----------------------------------------------------

    def request_async(self, method: str, params: Any = None) -> tuple[int, queue.Queue[Message]]:
        request_id = next(self._ids)
        waiter: queue.Queue[Message] = queue.Queue()
        with self._lock:
            self._pending[request_id] = waiter
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return request_id, waiter

    @staticmethod
    def wait_response(waiter: queue.Queue[Message], timeout: float = 60) -> Message:
        try:
            return waiter.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no response within {timeout} s") from None

    def request(self, method: str, params: Any = None, timeout: float = 60) -> Any:
        _, waiter = self.request_async(method, params)
        response = self.wait_response(waiter, timeout)
        if "error" in response:
            raise LspError(response["error"])
        return response.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def cancel(self, request_id: int) -> None:
        self.notify("$/cancelRequest", {"id": request_id})

    def wait_notification(
        self, predicate: Callable[[Message], bool], timeout: float = 60, start: int = 0
    ) -> Message:
        """The first notification (from index ``start``) matching ``predicate``."""
        deadline = time.monotonic() + timeout
        with self._notified:
            while True:
                for message in self.notifications[start:]:
                    if predicate(message):
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise TimeoutError(f"no matching notification within {timeout} s")
                self._notified.wait(remaining)

    # -- LSP conveniences ---------------------------------------------------------------

    def initialize(
        self, options: Message | None = None, root: Path | None = None, progress: bool = True
    ) -> Message:
        result: Message = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.resolve().as_uri() if root else None,
                "capabilities": {
                    "window": {"workDoneProgress": progress},
                    "textDocument": {"inlineCompletion": {}},
                },
                "initializationOptions": options or {},
            },
        )
        self.notify("initialized", {})
        return result

    def wait_ready(self, timeout: float = 120) -> Message:
        """Wait for ``ghost/didChangeStatus`` ready (or error)."""
        return self.wait_notification(
            lambda m: (
                m["method"] == "ghost/didChangeStatus" and m["params"]["kind"] in ("ready", "error")
            ),
            timeout,
        )

    def open(self, uri: str, text: str, language: str = "python", version: int = 1) -> None:
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": language,
                    "version": version,
                    "text": text,
                }
            },
        )

    def change(
        self,
        uri: str,
        version: int,
        text: str,
        start: tuple[int, int] | None = None,
        end: tuple[int, int] | None = None,
    ) -> None:
        """``textDocument/didChange`` with one change: ``text`` replaces the range from
        ``start`` to ``end`` (``(line, character)``; an insertion at ``start`` when ``end``
        is left out), or the whole document when ``start`` is left out."""
        change: Message = {"text": text}
        if start is not None:
            stop = end if end is not None else start
            change["range"] = {
                "start": {"line": start[0], "character": start[1]},
                "end": {"line": stop[0], "character": stop[1]},
            }
        elif end is not None:
            raise ValueError("an end without a start")
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )

    def close_document(self, uri: str) -> None:
        """``textDocument/didClose`` (``close`` shuts the server down)."""
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def change_settings(self, settings: Message) -> None:
        """``workspace/didChangeConfiguration`` with ``settings`` (camelCase)."""
        self.notify("workspace/didChangeConfiguration", {"settings": settings})

    def focus(self, uri: str, line: int, character: int) -> None:
        """``ghost/didFocus``: the cursor rests at the position."""
        self.notify(
            "ghost/didFocus",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
        )

    def show(self, item: Message) -> None:
        """``textDocument/didShowCompletion``: ``item`` is on screen."""
        self.notify("textDocument/didShowCompletion", {"item": item})

    def status(self, timeout: float = 60) -> Message:
        """The server's ``ghost/status``."""
        result: Message = self.request("ghost/status", timeout=timeout)
        return result

    def clear_cache(self) -> None:
        """The ``ghost.clearCache`` command: the next request asks the model again."""
        self.request("workspace/executeCommand", {"command": "ghost.clearCache", "arguments": []})

    def inline(
        self, uri: str, line: int, character: int, invoked: bool = False, timeout: float = 60
    ) -> Any:
        return self.request(
            "textDocument/inlineCompletion",
            self.inline_params(uri, line, character, invoked),
            timeout=timeout,
        )

    def inline_async(
        self, uri: str, line: int, character: int, invoked: bool = False
    ) -> tuple[int, queue.Queue[Message]]:
        """Send ``textDocument/inlineCompletion``; its id and where its answer arrives."""
        return self.request_async(
            "textDocument/inlineCompletion", self.inline_params(uri, line, character, invoked)
        )

    @staticmethod
    def inline_params(uri: str, line: int, character: int, invoked: bool = False) -> Message:
        return {
            "textDocument": {"uri": uri},
            "position": {"line": line, "character": character},
            "context": {"triggerKind": 1 if invoked else 2},
        }

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.request("shutdown", None, timeout=10)
                self.notify("exit")
                self.process.wait(timeout=10)
            except (TimeoutError, OSError, LspError, subprocess.TimeoutExpired):
                self.process.kill()
        self.process.wait(timeout=10)

    def __enter__(self) -> LspClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
