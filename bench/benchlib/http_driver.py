"""The typing replay against llama.cpp's ``llama-server`` over HTTP on 127.0.0.1.

Each keystroke posts one streaming request on a fresh connection; a new keystroke
cancels the previous request by closing its connection (llama-server drops a task
whose client went away).  Two payloads:
- ``completion``: ``/completion`` with the same ``window``-line sliding window the naive
  server uses (prefix only), ``cache_prompt: true`` (for models without FIM tokens,
  where ``/infill`` refuses);
- ``infill``: ``/infill`` with the fields llama.vim's ``llama#fim`` sends
  (github.com/ggml-org/llama.vim, autoload/llama.vim, ``s:fim_ctx_local``):
  ``input_prefix`` (the 256 lines above the cursor line, joined by newlines, plus a
  newline), ``prompt`` (the cursor line up to the cursor), ``input_suffix`` (the rest of
  the line, a newline, the next 64 lines, a newline), and for a line of only whitespace
  ``prompt`` and the line's part of the suffix empty and ``n_indent`` 0 (else
  ``n_indent`` = the line's indentation: llama-server then ends the suggestion at a line
  indented less); ``input_extra`` (llama.vim's ring of chunks from other places: empty
  here), ``id_slot: 0``, ``cache_prompt: true``, ``top_k: 40``, ``top_p: 0.90``,
  llama.vim's ``response_fields``, and with ``time_limits`` llama.vim's
  ``t_max_prompt_ms: 500`` (not implemented by llama-server yet, sent anyway) and
  ``t_max_predict_ms: 250`` (its value for a first request, which is every request
  here: llama.vim uses its configured 1000 only for the speculative follow-up after a
  shown suggestion, which this replay does not send; llama-server then stops at the
  first newline generated after 250 ms).
Deliberate differences from llama.vim, both the same for every system of the replay:
- greedy sampling (``samplers: [top_k, top_p, temperature]`` with ``temperature: 0``)
  instead of llama.vim's ``[top_k, top_p, infill]`` sampling, like ghost-ls and the
  naive server; on a random-weight model the ``infill`` sampler ends at once (a flat
  distribution looks like "nothing to say"), which would make the comparison
  meaningless;
- ``stream: true`` instead of ``false``: llama-server notices a closed connection of a
  non-streaming request only when it polls, once a second (``HTTP_POLLING_SECONDS``),
  and this replay's editor cancels on every keystroke (llama.vim instead holds new
  requests until the running one ends).  Streamed text past ``n_indent``'s cut is cut
  here the same way llama-server cuts its non-streamed text;
- ``n_predict`` is the replay's ``--max-tokens`` for every system (llama.vim: 128).
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
"""llama.vim's ``n_prefix``."""
INFILL_SUFFIX_LINES = 64
"""llama.vim's ``n_suffix``."""
LLAMA_VIM_T_MAX_PROMPT_MS = 500
LLAMA_VIM_T_MAX_PREDICT_FIRST_MS = 250
LLAMA_VIM_RESPONSE_FIELDS = [
    "content", "timings/prompt_n", "timings/prompt_ms", "timings/prompt_per_token_ms",
    "timings/prompt_per_second", "timings/predicted_n", "timings/predicted_ms",
    "timings/predicted_per_token_ms", "timings/predicted_per_second", "truncated",
    "tokens_cached",
]


def cut_at_indent(text: str, n_indent: int) -> str:
    """llama-server's ``n_indent`` rule on a whole text: end before the first line after a
    newline that is not blank and indented less than ``n_indent`` (its indentation kept)."""
    if n_indent <= 0:
        return text
    position = text.find("\n")
    while position != -1:
        start = position + 1
        end = start
        while end < len(text) and text[end] in " \t":
            end += 1
        if end < len(text) and text[end] != "\n" and end - start < n_indent:
            return text[:end]
        position = text.find("\n", start)
    return text


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
            if self.answer.status == "pending":  # the stream ended without its last chunk
                self.answer.status = "cancelled" if self.cancelled else "error"
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
            if chunk.get("stop", True):  # with response_fields the last chunk has no "stop"
                self.answer.arrived = time.perf_counter()
                self.answer.status = "answered"
                self.answer.text = cut_at_indent("".join(pieces), self.payload.get("n_indent", 0))
                # response_fields "timings/prompt_n" moves prompt_n to the top level
                fields = {**(chunk.get("timings") or {}), **chunk}
                self.answer.extra.update(
                    promptEvaluated=fields.get("prompt_n"),
                    generated=fields.get("predicted_n"),
                    tokensCached=fields.get("tokens_cached"),
                    promptMs=fields.get("prompt_ms"),
                    predictedMs=fields.get("predicted_ms"),
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
                 stop: list[str] | None = None, time_limits: bool = True) -> None:
        self.port, self.mode, self.stop = port, mode, list(stop or [])
        self.max_tokens, self.window_lines = max_tokens, window_lines
        self.time_limits = time_limits
        self.mirror = Mirror("")
        self._pending: Request | None = None
        self._threads: list[Request] = []
        self.answers: list[Answer] = []

    def open(self, path: str, text: str, language: str = "python") -> None:
        """The document ``path`` (llama-server sees only text: ``language`` is unused)."""
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
        return "/infill", self.infill_payload(lines, line, column)

    def infill_payload(self, lines: list[str], line: int, column: int) -> dict[str, Any]:
        """llama.vim's ``/infill`` request at (``line``, ``column``); see the module docstring."""
        return llama_vim_infill(lines, line, column, n_predict=self.max_tokens, stop=self.stop,
                                stream=True, time_limits=self.time_limits)

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


def llama_vim_infill(lines: list[str], line: int, column: int, *, n_predict: int, stop: list[str],
                     stream: bool, time_limits: bool,
                     extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The ``/infill`` body llama.vim sends for the cursor at (``line``, ``column``):
    its prefix and suffix windows, the line's typed part as ``prompt`` (empty, and no
    indent, on a line of only whitespace), greedy top-k/top-p sampling, its time limits."""
    current = lines[line]
    above = lines[max(0, line - INFILL_PREFIX_LINES) : line]
    below = lines[line + 1 : line + 1 + INFILL_SUFFIX_LINES]
    if current.strip(" \t") == "":  # llama.vim: a blank line starts from its beginning
        middle, rest, indent = "", "", 0
    else:
        middle, rest = current[:column], current[column:]
        indent = len(current) - len(current.lstrip(" \t"))
    payload: dict[str, Any] = {
        "id_slot": 0,
        "input_prefix": "\n".join(above) + "\n",
        "input_suffix": rest + "\n" + "\n".join(below) + "\n",
        "input_extra": extra or [],
        "prompt": middle,
        "n_predict": n_predict,
        "stop": stop,
        "n_indent": indent,
        "top_k": 40,
        "top_p": 0.90,
        "samplers": ["top_k", "top_p", "temperature"],
        "temperature": 0.0,
        "stream": stream,
        "cache_prompt": True,
        "response_fields": LLAMA_VIM_RESPONSE_FIELDS,
    }
    if time_limits:
        payload["t_max_prompt_ms"] = LLAMA_VIM_T_MAX_PROMPT_MS
        payload["t_max_predict_ms"] = LLAMA_VIM_T_MAX_PREDICT_FIRST_MS
    return payload
