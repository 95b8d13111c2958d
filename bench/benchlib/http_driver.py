"""The typing replay against llama.cpp's ``llama-server`` over HTTP on 127.0.0.1.

Each keystroke posts one streaming request on a fresh connection; a new keystroke
cancels the previous request by closing its connection (llama-server drops a task
whose client went away).  Two payloads:
- ``completion``: ``/completion`` with the same ``window``-line sliding window the naive
  server uses (prefix only), ``cache_prompt: true`` (for models without FIM tokens,
  where ``/infill`` refuses);
- ``infill``: ``/infill`` as llama.vim sends it: ``input_prefix`` (up to 256 lines above
  the cursor line), ``prompt`` (the cursor line up to the cursor), ``input_suffix``
  (the rest of the line and up to 64 lines below), ``input_extra`` (llama.vim's ring of
  chunks; empty here, one file is open), ``cache_prompt: true``.
Sampling is greedy (``temperature: 0``) for both, like ghost-ls and the naive server.
llama.vim itself samples with ``top_k/top_p/infill``; on a random-weight model the
``infill`` sampler ends at once (a flat distribution looks like "nothing to say"),
which would make the comparison meaningless.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from typing import Any

from benchlib.drivers import Answer, Mirror
from benchlib.keystrokes import Keystroke

INFILL_PREFIX_LINES = 256
INFILL_SUFFIX_LINES = 64


class Request(threading.Thread):
    """One streaming HTTP request that can be cancelled by closing its socket."""

    def __init__(self, port: int, path: str, payload: dict[str, Any], answer: Answer) -> None:
        super().__init__(daemon=True)
        self.port, self.path, self.payload, self.answer = port, path, payload, answer
        self.connection: http.client.HTTPConnection | None = None
        self.lock = threading.Lock()
        self.cancelled = False

    def run(self) -> None:
        body = json.dumps(self.payload).encode("utf-8")
        try:
            with self.lock:
                if self.cancelled:
                    raise ConnectionAbortedError
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                self.connection.connect()
            self.connection.request(
                "POST", self.path, body, {"Content-Type": "application/json"}
            )
            response = self.connection.getresponse()
            if response.status != 200:
                self.answer.status = "error"
                self.answer.extra["error"] = response.read().decode("utf-8", "replace")[:300]
                return
            self._read_stream(response)
        except (OSError, http.client.HTTPException, ValueError, AttributeError):
            # a cancel closes the socket under the reader: http.client fails in several ways
            self.answer.status = "cancelled" if self.cancelled else "error"
        finally:
            if self.answer.arrived is None:
                self.answer.arrived = time.perf_counter()

    def _read_stream(self, response: http.client.HTTPResponse) -> None:
        pieces: list[str] = []
        for raw in response:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data: "):
                continue
            chunk = json.loads(line[6:])
            pieces.append(chunk.get("content", ""))
            if chunk.get("stop"):
                self.answer.arrived = time.perf_counter()
                self.answer.status = "answered"
                self.answer.text = "".join(pieces)
                timings = chunk.get("timings") or {}
                self.answer.extra.update(
                    promptEvaluated=timings.get("prompt_n"),
                    generated=timings.get("predicted_n"),
                    tokensCached=chunk.get("tokens_cached"),
                    promptMs=timings.get("prompt_ms"),
                    predictedMs=timings.get("predicted_ms"),
                )
                return

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            connection = self.connection
        if connection is not None and connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)
            connection.close()


class HttpDriver:
    """llama-server with ``/completion`` (sliding window) or ``/infill`` (llama.vim)."""

    def __init__(self, port: int, mode: str, *, max_tokens: int, window_lines: int,
                 stop: list[str] | None = None) -> None:
        self.port, self.mode, self.stop = port, mode, list(stop or [])
        self.max_tokens, self.window_lines = max_tokens, window_lines
        self.mirror = Mirror("")
        self._pending: Request | None = None
        self._threads: list[Request] = []
        self.answers: list[Answer] = []

    def open(self, path: str, text: str) -> None:
        self.mirror = Mirror(text)
        self.path = path

    def payload(self, line: int, column: int) -> tuple[str, dict[str, Any]]:
        lines = self.mirror.lines
        current = lines[line]
        if self.mode == "completion":
            above = lines[max(0, line - self.window_lines + 1) : line]
            prompt = "".join(f"{text}\n" for text in above) + current[:column]
            return "/completion", {
                "prompt": prompt, "n_predict": self.max_tokens, "cache_prompt": True,
                "temperature": 0.0, "top_k": 40, "stream": True, "stop": self.stop,
            }
        above = lines[max(0, line - INFILL_PREFIX_LINES) : line]
        below = lines[line + 1 : line + 1 + INFILL_SUFFIX_LINES]
        return "/infill", {
            "input_prefix": "".join(f"{text}\n" for text in above),
            "prompt": current[:column],
            "input_suffix": current[column:] + "\n" + "".join(f"{text}\n" for text in below),
            "input_extra": [],
            "n_predict": self.max_tokens, "cache_prompt": True, "stream": True,
            "temperature": 0.0, "top_k": 40, "stop": self.stop,
        }

    def keystroke(self, key: Keystroke, index: int) -> Answer:
        self.cancel_pending()
        self.mirror.insert(key)
        return self.request(key.after_line, key.after_column, index, key.pause)

    def request(self, line: int, column: int, index: int, pause: bool) -> Answer:
        path, payload = self.payload(line, column)
        answer = Answer(index, time.perf_counter(), pause)
        thread = Request(self.port, path, payload, answer)
        thread.start()
        self._pending = thread
        self._threads.append(thread)
        self.answers.append(answer)
        return answer

    def cancel_pending(self) -> None:
        thread, self._pending = self._pending, None
        if thread is not None and thread.is_alive():
            thread.cancel()
            thread.answer.extra["cancelSent"] = True

    def wait(self, answer: Answer, timeout: float = 600) -> Answer:
        for thread in self._threads:
            if thread.answer is answer:
                thread.join(timeout)
        return answer

    def drain(self, timeout: float = 600) -> None:
        self._pending = None
        for thread in self._threads:
            thread.join(timeout)
