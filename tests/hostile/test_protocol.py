"""A hostile or buggy client over raw stdio: broken frames, bad bytes, loose types, exit codes.

Each test writes bytes to a real ``python -m ghost_ls serve`` (the scripted fake
backend, no model) and reads its framed replies with a deadline, so a regression fails
instead of hanging.  What must hold:

- a frame whose ``Content-Length`` is wrong (too large, or counted in characters instead
  of UTF-8 bytes) costs that frame only: the next well-framed request is answered;
- a ``Content-Length`` over the limit is refused with an error and skipped;
- a body that is not UTF-8 is answered with ParseError (-32700, id null);
- params with a JSON type their field does not take (``"text": null``, ``character``
  ``"11"``/``11.5``, ``rootUri`` 42) are InvalidParams for a request and leave the
  document alone for a notification;
- ``exit`` without ``shutdown`` ends the process with 1, after it with 0.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

Message = dict[str, Any]
WAIT = 30.0
"""Seconds any one answer may take (the fake backend answers in milliseconds)."""


def frame(message: Message) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawServer:
    """``ghost-ls serve`` on the fake backend, driven by raw bytes."""

    def __init__(self) -> None:
        env = {**os.environ, "GHOST_LS_BACKEND": "fake"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ghost_ls", "serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        self.inbox: queue.Queue[Message | None] = queue.Queue()
        self.seen: list[Message] = []
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = -1
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if not line or length < 0:
                self.inbox.put(None)
                return
            self.inbox.put(json.loads(stream.read(length)))

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: Message) -> None:
        self.write(frame(message))

    def wait_for(self, predicate: Callable[[Message], bool], what: str) -> Message:
        """The first message from now on that matches; the server's requests are answered."""
        deadline = time.monotonic() + WAIT
        while True:
            try:
                message = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {what} within {WAIT} s; stderr: {self.log_tail()}") from None
            assert message is not None, f"the server closed its output before {what}: {self.log_tail()}"
            self.seen.append(message)
            if "method" in message and "id" in message:  # workDoneProgress/create...
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            if predicate(message):
                return message

    def answer(self, request_id: int | str) -> Message:
        return self.wait_for(lambda m: m.get("id") == request_id and "method" not in m,
                             f"answer to {request_id}")

    def request(self, request_id: int, method: str, params: Any = None) -> Message:
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return self.answer(request_id)

    def initialize(self, ready: bool = False) -> None:
        answer = self.request(1, "initialize", {
            "processId": None, "rootUri": None, "capabilities": {},
            "initializationOptions": {"model": "(fake)"}})
        assert answer["result"]["serverInfo"]["name"] == "ghost-ls", answer
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        if ready:
            self.wait_for(lambda m: m.get("method") == "ghost/didChangeStatus"
                          and m["params"]["kind"] == "ready", "ready")

    def errors_with_null_id(self) -> list[Message]:
        return [m for m in self.seen if "error" in m and m.get("id") is None]

    def log_tail(self) -> str:
        return b"".join(self.stderr).decode("utf-8", "replace")[-2000:]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def server() -> Any:
    raw = RawServer()
    yield raw
    raw.close()


def status(request_id: int) -> Message:
    return {"jsonrpc": "2.0", "id": request_id, "method": "ghost/status"}


# -- framing -------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [20, 400])
def test_a_content_length_too_large_costs_that_frame_only(server: RawServer, extra: int) -> None:
    server.initialize()
    body = json.dumps(status(2)).encode()
    server.write(b"Content-Length: %d\r\n\r\n" % (len(body) + extra) + body)
    # then a well-framed request, in a write of its own, as an editor sends the next one
    answer = server.request(3, "ghost/status")
    assert "result" in answer, answer
    assert [e["error"]["code"] for e in server.errors_with_null_id()] == [-32700]
    server.request(4, "ghost/status")  # and serving goes on


def test_a_content_length_counted_in_characters_costs_that_frame_only(server: RawServer) -> None:
    server.initialize()
    text = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "ghost/status",
                       "params": {"note": "naïve café " * 20}}, ensure_ascii=False)
    server.write(b"Content-Length: %d\r\n\r\n" % len(text) + text.encode())  # 40 bytes short
    assert "result" in server.request(3, "ghost/status")
    assert [e["error"]["code"] for e in server.errors_with_null_id()] == [-32700]


def test_a_content_length_over_the_limit_is_refused_and_skipped(server: RawServer) -> None:
    server.initialize()
    server.write(b"Content-Length: 1000000000000\r\n\r\n" + b"x" * (4 * 1024 * 1024))
    assert "result" in server.request(3, "ghost/status")
    refused = server.errors_with_null_id()
    assert [e["error"]["code"] for e in refused] == [-32600]
    assert "67108864" in refused[0]["error"]["message"]  # the limit is named


def test_invalid_utf8_is_a_parse_error(server: RawServer) -> None:
    server.initialize()
    body = b'{"jsonrpc": "2.0", "id": 2, "method": "ghost/status", "params": {"note": "\xff\xfe"}}'
    server.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    error = server.wait_for(lambda m: "error" in m, "an error")
    assert error["id"] is None and error["error"]["code"] == -32700
    assert "result" in server.request(3, "ghost/status")


# -- loose types ---------------------------------------------------------------------


@pytest.mark.parametrize("character", ["11", 11.5, True])
def test_a_position_of_the_wrong_type_is_invalid_params(server: RawServer, character: Any) -> None:
    server.initialize()
    answer = server.request(2, "textDocument/inlineCompletion", {
        "textDocument": {"uri": "file:///tmp/t.py"},
        "position": {"line": 0, "character": character},
        "context": {"triggerKind": 2}})
    assert answer.get("error", {}).get("code") == -32602, answer


def test_initialize_with_a_root_uri_that_is_no_string_is_invalid_params(server: RawServer) -> None:
    answer = server.request(1, "initialize", {"processId": None, "rootUri": 42, "capabilities": {}})
    assert answer.get("error", {}).get("code") == -32602, answer
    server.initialize()  # a correct one afterwards is served


def test_a_loosely_typed_client_capability_does_not_cost_the_session(server: RawServer) -> None:
    """Capabilities are read leniently when strict reading fails: an editor's quirk in a
    capability the server never reads must not refuse ``initialize``."""
    answer = server.request(1, "initialize", {
        "processId": None, "rootUri": None, "initializationOptions": {"model": "(fake)"},
        "capabilities": {"general": {"markdown": {"parser": "marked", "version": 3}},
                         "window": {"workDoneProgress": True}}})
    assert answer["result"]["serverInfo"]["name"] == "ghost-ls", answer
    server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    # the capability it does read still counts: the model load is reported as progress
    server.wait_for(lambda m: m.get("method") == "window/workDoneProgress/create", "progress")


def _open(server: RawServer, uri: str, text: Any) -> None:
    server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}})


def _last_prompt_after_completing(server: RawServer, request_id: int, uri: str, line: int,
                                  character: int) -> tuple[list[Any], str]:
    answer = server.request(request_id, "textDocument/inlineCompletion", {
        "textDocument": {"uri": uri}, "position": {"line": line, "character": character},
        "context": {"triggerKind": 2}})
    state = server.request(request_id + 1, "ghost/status")
    return answer["result"]["items"], state["result"]["lastPrompt"]


@pytest.mark.parametrize("change", [
    {"text": None},
    {"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "text": None},
])
def test_a_null_text_in_did_change_leaves_the_document_alone(server: RawServer, change: Message) -> None:
    server.initialize(ready=True)
    uri = "file:///tmp/null_change.py"
    text = "total_width = 1\nresult = "
    _open(server, uri, text)
    server.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]}})
    items, prompt = _last_prompt_after_completing(server, 10, uri, 1, len("result = "))
    assert items, "no suggestion: the document changed"
    assert "total_width = 1\nresult = " in prompt and "None" not in prompt, prompt


def test_a_null_text_in_did_open_opens_nothing(server: RawServer) -> None:
    server.initialize(ready=True)
    control = "file:///tmp/control.py"
    _open(server, control, "marker_value = 1\nresult = ")
    items, prompt = _last_prompt_after_completing(server, 10, control, 1, len("result = "))
    assert items and "marker_value" in prompt  # a prompt shows the document it was built from
    uri = "file:///tmp/null_open.py"
    _open(server, uri, None)
    server.send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 4}},
             "text": " + "}]}})
    items, prompt = _last_prompt_after_completing(server, 20, uri, 0, 7)
    assert items == []  # an unknown document
    assert "None" not in prompt and "marker_value" in prompt, prompt
    assert not [m for m in server.seen if "error" in m]  # a notification is never answered


# -- exit codes ----------------------------------------------------------------------


@pytest.mark.parametrize(("shutdown", "code"), [(False, 1), (True, 0)])
def test_exit_code_says_whether_shutdown_came_first(server: RawServer, shutdown: bool, code: int) -> None:
    server.initialize()
    if shutdown:
        assert "result" in server.request(2, "shutdown")
    server.send({"jsonrpc": "2.0", "method": "exit"})
    assert server.process.wait(timeout=WAIT) == code
