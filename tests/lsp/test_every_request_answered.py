"""Every request is answered exactly once, whatever its params and whenever it comes.

Each method the server registers is sent with its params missing, ``null``, of the
wrong type and with wrongly typed fields: in rounds from right after ``initialized``
until the model is ready, in rounds during a reload to another model
(``workspace/didChangeConfiguration``), and once in steady state.  Requests are sent as
raw messages with ids of their own, so the test sees every answer the server writes,
duplicates included; notifications must get none.  After ``shutdown`` a request is
answered with InvalidRequest.

The race this closes: llama-cpp-python points fd 1 at /dev/null while it loads a
model, and every answer written meanwhile was lost.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter
from typing import Any

import pytest
from lsprotocol import types

from ghost_ls.devtools.lsp_client import LspClient
from ghost_ls.server import create_server
from support import start_server

pytestmark = pytest.mark.model

FIRST_MODEL = "qwen2.5-coder-0.5b-instruct"
RELOAD_MODEL = "qwen2.5-coder-1.5b-instruct"

MISSING = object()
VARIANTS: dict[str, Any] = {
    "missing": MISSING,
    "null": None,
    "empty object": {},
    "number": 42,
    "string": "params",
    "list": [1, 2],
    "wrongly typed fields": {
        "textDocument": {"uri": 7, "version": "one"},
        "position": {"line": -1, "character": "x"},
        "context": 3,
        "command": 5,
        "item": [],
        "settings": 5,
        "id": {},
    },
}

CUSTOM_METHODS = {
    "ghost/status": "request",
    "textDocument/didShowCompletion": "notification",
    "textDocument/didPartiallyAcceptCompletion": "notification",
    "ghost/didFocus": "notification",
}
"""Methods lsprotocol does not know; a new one must be added here to be tested."""

LAST_STEPS = {"shutdown", "exit"}
"""Sent once, at the end, in order."""


def registered_methods() -> tuple[list[str], list[str]]:
    """(requests, notifications) the server handles, builtin pygls features included."""
    server = create_server()
    try:
        features = server.protocol.fm
        methods = sorted(set(features.builtin_features) | set(features.features))
    finally:
        server.session.close()
    requests, notifications = [], []
    for method in methods:
        if method in LAST_STEPS:
            continue
        if method in types.METHOD_TO_TYPES:
            is_request = types.METHOD_TO_TYPES[method][1] is not None
        else:
            assert method in CUSTOM_METHODS, f"classify {method!r} in CUSTOM_METHODS"
            is_request = CUSTOM_METHODS[method] == "request"
        (requests if is_request else notifications).append(method)
    return requests, notifications


class Prober:
    """Sends rounds of bad messages and counts every answer."""

    def __init__(self, client: LspClient) -> None:
        self.client = client
        self.requests, self.notifications = registered_methods()
        self.sent: dict[str, str] = {}
        self._ids = itertools.count(1)

    def _send(self, method: str, params: Any, request_id: str | None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if request_id is not None:
            message["id"] = request_id
        if params is not MISSING:
            message["params"] = params
        self.client.send_raw(json.dumps(message).encode("utf-8"))

    def round(self, phase: str) -> None:
        for method, (name, params) in itertools.product(self.requests, VARIANTS.items()):
            request_id = f"{phase}-{next(self._ids)}"
            self.sent[request_id] = f"{request_id}: {method} with {name} params"
            self._send(method, params, request_id)
        for method, params in itertools.product(self.notifications, VARIANTS.values()):
            self._send(method, params, None)

    def answers(self) -> Counter[object]:
        return Counter(response.get("id") for response in self.client.stray_responses)

    def wait_all_answered(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while set(self.sent) - set(self.answers()):
            missing = sorted(self.sent[i] for i in set(self.sent) - set(self.answers()))
            assert time.monotonic() < deadline, f"never answered: {missing[:10]}"
            assert self.client.process.poll() is None, "the server died"
            time.sleep(0.05)


def _status_index(client: LspClient, kinds: tuple[str, ...], start: int) -> int:
    """Index of the first ``ghost/didChangeStatus`` of ``kinds`` from ``start``, or -1."""
    for index, message in enumerate(client.notifications[start:], start):
        if message["method"] == "ghost/didChangeStatus" and message["params"]["kind"] in kinds:
            return index
    return -1


def _rounds_until_ready(prober: Prober, phase: str, start: int) -> int:
    """Send rounds until the model is ready (or failed); the rounds sent while loading."""
    client = prober.client
    during_load = 0
    deadline = time.monotonic() + 300
    while _status_index(client, ("ready", "error"), start) < 0:
        assert time.monotonic() < deadline, "the model never finished loading"
        loading = _status_index(client, ("loading",), start) >= 0
        prober.round(phase)
        during_load += loading and _status_index(client, ("ready", "error"), start) < 0
    prober.round(phase)  # and one right after it became ready
    return during_load


def test_every_request_is_answered_exactly_once() -> None:
    client = start_server({"model": FIRST_MODEL}, wait=False)
    try:
        prober = Prober(client)
        assert prober.requests and prober.notifications
        start_up = _rounds_until_ready(prober, "start-up", 0)

        mark = len(client.notifications)
        client.notify("workspace/didChangeConfiguration", {"settings": {"model": RELOAD_MODEL}})
        reload = _rounds_until_ready(prober, "reload", mark)
        ready = client.notifications[_status_index(client, ("ready", "error"), mark)]
        assert ready["params"]["kind"] == "ready", ready
        assert client.status(timeout=30)["model"] == RELOAD_MODEL

        prober.round("steady")
        prober.wait_all_answered()
        client.status(timeout=30)  # whatever was still coming has come
        answers = prober.answers()
        twice = {prober.sent.get(i, i): n for i, n in answers.items() if n != 1}  # type: ignore[call-overload]
        assert twice == {}, f"answered more than once: {twice}"
        strangers = set(answers) - set(prober.sent)
        assert strangers == set(), f"answers to ids never sent: {strangers}"
        assert start_up > 0 and reload > 0, "no round was sent while a model was loading"

        assert client.request("shutdown", None, timeout=30) is None
        prober.round("after-shutdown")
        prober.wait_all_answered()
        late = [r for r in client.stray_responses if str(r.get("id")).startswith("after-shutdown")]
        assert {r["error"]["code"] for r in late} == {-32600}
        client.notify("exit")
        assert client.process.wait(timeout=30) == 0
    finally:
        client.close()
