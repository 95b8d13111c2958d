"""Cancellation: $/cancelRequest, superseding requests, stale versions.

Timing-sensitive cases use the scripted backend (50 ms a token, so a generation is
still running when the cancel arrives); the real model is cancelled once too.
"""

from __future__ import annotations

import time

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import SAMPLE

LAST_LINE = SAMPLE.count("\n")
LAST_COL = len(SAMPLE.rsplit("\n", 1)[1])


def _wait_cancelled(client: LspClient, timeout: float = 10) -> None:
    """Wait until the server counts a generation stopped by cancellation."""
    deadline = time.monotonic() + timeout
    while client.request("ghost/status")["cancelled"] < 1:
        assert time.monotonic() < deadline, "the generation was not stopped"
        time.sleep(0.05)


def _start(client: LspClient, uri: str) -> tuple[int, object]:
    client.open(uri, SAMPLE)
    return client.request_async(
        "textDocument/inlineCompletion", LspClient.inline_params(uri, LAST_LINE, LAST_COL)
    )


def test_cancel_request_is_answered_with_request_cancelled(fake_lsp: LspClient) -> None:
    request_id, waiter = _start(fake_lsp, "file:///tmp/cancel.py")
    time.sleep(0.2)
    fake_lsp.cancel(request_id)
    response = LspClient.wait_response(waiter, timeout=10)  # type: ignore[arg-type]
    assert response["error"]["code"] == -32800
    _wait_cancelled(fake_lsp)  # the generation itself stopped, not only the reply
    last = fake_lsp.wait_notification(
        lambda m: m["method"] == "ghost/didChangeStatus" and m["params"]["kind"] != "generating",
        5,
        start=len(fake_lsp.notifications) - 1,
    )
    assert last["params"]["kind"] == "ready"  # no client is left showing "generating"


def test_newer_request_supersedes_the_running_one(fake_lsp: LspClient) -> None:
    uri = "file:///tmp/supersede.py"
    _, first = _start(fake_lsp, uri)
    time.sleep(0.2)
    started = time.monotonic()
    second = fake_lsp.request_async(
        "textDocument/inlineCompletion", LspClient.inline_params(uri, LAST_LINE, LAST_COL)
    )[1]
    old = LspClient.wait_response(first, timeout=10)  # type: ignore[arg-type]
    assert old["result"]["items"] == []
    assert time.monotonic() - started < 0.5  # stopped within about a token
    new = LspClient.wait_response(second, timeout=10)
    assert new["result"]["items"][0]["insertText"] == "fake_completion()"


def test_edit_during_generation_drops_the_stale_result(fake_lsp: LspClient) -> None:
    uri = "file:///tmp/stale.py"
    _, waiter = _start(fake_lsp, uri)
    time.sleep(0.2)
    fake_lsp.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [
                {
                    "range": {
                        "start": {"line": LAST_LINE, "character": LAST_COL},
                        "end": {"line": LAST_LINE, "character": LAST_COL},
                    },
                    "text": "2",
                }
            ],
        },
    )
    response = LspClient.wait_response(waiter, timeout=10)  # type: ignore[arg-type]
    assert response["result"]["items"] == []


@pytest.mark.model
def test_cancel_stops_the_real_model(lsp: LspClient) -> None:
    uri = (lsp.root / "cancel_real.py").as_uri()  # type: ignore[attr-defined]
    text = "".join(f"def helper_{i}(x):\n    return x * {i}\n\n" for i in range(150)) + "def main():\n    "
    lsp.open(uri, text)
    request_id, waiter = lsp.request_async(
        "textDocument/inlineCompletion", LspClient.inline_params(uri, text.count("\n"), 4)
    )
    time.sleep(0.3)
    lsp.cancel(request_id)
    response = LspClient.wait_response(waiter, timeout=30)
    assert response.get("error", {}).get("code") == -32800, response
    _wait_cancelled(lsp)
    assert lsp.request("ghost/status", timeout=30)["state"] == "ready"
