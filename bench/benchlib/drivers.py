"""How the typing replay talks to each system under test.

Every driver mirrors the document, sends one edit and one completion request per
keystroke, cancels the previous request when it is still unanswered, and records when
each answer arrived.  ``LspDriver`` speaks LSP over stdio (ghost-ls and the naive
server) through ghost-ls' synchronous test client; ``HttpDriver`` (in ``http_driver``)
posts to llama-server.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlib.keystrokes import Keystroke, utf16_column
from ghost_ls.devtools.lsp_client import LspClient, Message


class Mirror:
    """The document as the editor holds it."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def insert(self, key: Keystroke) -> None:
        current = self.lines[key.line]
        head, tail = current[: key.column], current[key.column :]
        new = (head + key.text + tail).split("\n")
        self.lines[key.line : key.line + 1] = new


@dataclass
class Answer:
    """One completion request and what became of it."""

    index: int
    sent: float
    pause: bool
    arrived: float | None = None
    status: str = "pending"
    """``answered``, ``cancelled`` (by us or the server), ``error`` or ``pending``."""
    text: str = ""
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def latency_ms(self) -> float | None:
        return None if self.arrived is None else (self.arrived - self.sent) * 1000


class StampingClient(LspClient):
    """``LspClient`` that notes when each response arrived."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.arrivals: dict[Any, float] = {}
        super().__init__(*args, **kwargs)

    def _dispatch(self, message: Message) -> None:
        if "method" not in message and "id" in message:
            self.arrivals[message["id"]] = time.perf_counter()
        super()._dispatch(message)


class LspDriver:
    """ghost-ls or the naive server, over stdio."""

    def __init__(
        self, command: list[str], status_method: str, options: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.client = StampingClient(command, env=env)
        self.status_method = status_method
        self.options = options or {}
        self.uri = ""
        self.version = 0
        self.mirror = Mirror("")
        self._pending: tuple[int, Any, Answer] | None = None
        self._open: list[tuple[int, Any, Answer]] = []
        self.answers: list[Answer] = []

    def start(self, timeout: float = 300) -> None:
        self.client.initialize(self.options)
        if self.status_method == "ghost/status":
            ready = self.client.wait_ready(timeout)
            if ready["params"]["kind"] != "ready":
                raise SystemExit(f"ghost-ls did not load its model: {ready['params']}")

    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = self.client.request(self.status_method, None, timeout=120)
        return result

    def open(self, path: str, text: str, language: str = "python") -> None:
        """``textDocument/didOpen`` of ``text`` as ``path`` (its extension too) in ``language``."""
        self.uri = Path(path).resolve().as_uri()
        self.version = 1
        self.mirror = Mirror(text)
        self.client.open(self.uri, text, language, self.version)

    def _position(self, line: int, column: int) -> tuple[int, int]:
        """(line, UTF-16 character) of a code-point column in the mirrored text."""
        return line, utf16_column(self.mirror.lines[line], column)

    def keystroke(self, key: Keystroke, index: int) -> Answer:
        self.cancel_pending()
        start = self._position(key.line, key.column)
        self.mirror.insert(key)
        self.version += 1
        self.client.change(self.uri, self.version, key.text, start=start)
        return self.request(key.after_line, key.after_column, index, key.pause)

    def request(self, line: int, column: int, index: int, pause: bool) -> Answer:
        line, character = self._position(line, column)
        answer = Answer(index, time.perf_counter(), pause)
        request_id, waiter = self.client.inline_async(self.uri, line, character)
        self._pending = (request_id, waiter, answer)
        self._open.append(self._pending)
        self.answers.append(answer)
        return answer

    def did_show(self, answer: Answer) -> None:
        """Tell the server the suggestion is on screen, as VS Code and Neovim clients do."""
        item = answer.extra.get("item")
        if item is not None:
            self.client.show(item)

    def cancel_pending(self) -> None:
        if self._pending is None:
            return
        request_id, waiter, answer = self._pending
        self._pending = None
        if waiter.empty():
            self.client.cancel(request_id)
            answer.extra["cancelSent"] = True

    def wait(self, answer: Answer, timeout: float = 300) -> Answer:
        for entry in list(self._open):
            if entry[2] is answer:
                self._collect(entry, timeout)
        return answer

    def _collect(self, entry: tuple[int, Any, Answer], timeout: float) -> None:
        request_id, waiter, answer = entry
        message = self.client.wait_response(waiter, timeout)
        self._open.remove(entry)
        answer.arrived = self.client.arrivals.get(request_id, time.perf_counter())
        if "error" in message:
            code = message["error"].get("code")
            answer.status = "cancelled" if code == -32800 else "error"
            answer.extra["error"] = message["error"].get("message")
            return
        items = (message.get("result") or {}).get("items") or []
        answer.status = "answered"
        if items:
            answer.text = items[0].get("insertText", "")
            answer.extra["item"] = items[0]
            arguments = (items[0].get("command") or {}).get("arguments") or [{}]
            answer.source = str(arguments[0].get("source", "")) if arguments else ""

    def drain(self, timeout: float = 300) -> None:
        """Wait for every outstanding answer (cancelled ones answer quickly)."""
        self._pending = None
        for entry in list(self._open):
            self._collect(entry, timeout)

    def close(self) -> None:
        self.client.close()
