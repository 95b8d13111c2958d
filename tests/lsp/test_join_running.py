"""Typing what the model is writing: the running generation is kept and answers the next request.

Each test types at the cursor while a generation runs, cancels the request that started
it (as editors do at each keystroke) and asks again at the new position.  Kept, the
generation answers that request (``joined``, one model call); cancelled, the request
starts a second one.  On the scripted backend the generation writes one character
every ``GHOST_LS_FAKE_DELAY_MS`` (its first ``ghost/partialCompletion`` says it runs),
long enough for the edits to reach the server before it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import SAMPLE, start_server

LAST_LINE = SAMPLE.count("\n")
LAST_COL = len(SAMPLE.rsplit("\n", 1)[1])
SLOW_FAKE = {"GHOST_LS_BACKEND": "fake", "GHOST_LS_FAKE_DELAY_MS": "150"}
FAKE_TEXT = "fake_completion()"


def _fake(options: dict[str, Any] | None = None) -> LspClient:
    return start_server({"streaming": True, **(options or {})}, env=SLOW_FAKE)


@pytest.fixture
def slow_fake() -> Iterator[LspClient]:
    client = _fake()
    yield client
    client.close()


def _first_text(client: LspClient, request_id: int) -> str:
    """The text of the first ``ghost/partialCompletion`` of ``request_id``."""
    message = client.wait_notification(
        lambda m: m["method"] == "ghost/partialCompletion" and m["params"]["id"] == request_id
        and m["params"]["text"] != "", 60
    )
    return str(message["params"]["text"])


def _counters(client: LspClient) -> dict[str, int]:
    status = client.status(timeout=30)
    return {key: status[key] for key in ("modelCalls", "cancelled", "joined", "cacheHits")}


def _items(waiter: Any, timeout: float = 60) -> list[dict[str, Any]]:
    return list(LspClient.wait_response(waiter, timeout=timeout)["result"]["items"])


def _no_items(waiter: Any) -> bool:
    """Whether the first request ended without a suggestion: cancelled by the client, or
    (when the edit cancelled its generation before the client's cancel came) empty."""
    answer = LspClient.wait_response(waiter, timeout=60)
    return answer.get("error", {}).get("code") == -32800 or answer["result"]["items"] == []


def _type_through(client: LspClient, uri: str, typed: str) -> list[dict[str, Any]]:
    """Start a generation at the end of SAMPLE, type ``typed`` there while it runs
    (cancelling the first request, as an editor does), then ask at the new position."""
    client.open(uri, SAMPLE)
    first_id, first = client.inline_async(uri, LAST_LINE, LAST_COL)
    assert _first_text(client, first_id) == FAKE_TEXT[0]
    client.change(uri, 2, typed, start=(LAST_LINE, LAST_COL))
    client.cancel(first_id)
    _, second = client.inline_async(uri, LAST_LINE, LAST_COL + len(typed))
    assert _no_items(first)
    return _items(second)


# -- the scripted backend --------------------------------------------------------------


def test_typing_what_the_model_writes_keeps_the_generation(slow_fake: LspClient) -> None:
    items = _type_through(slow_fake, "file:///tmp/join.py", "fa")
    assert [item["insertText"] for item in items] == [FAKE_TEXT[2:]]
    assert _counters(slow_fake) == {"modelCalls": 1, "cancelled": 0, "joined": 1, "cacheHits": 1}


def test_a_waiting_request_streams_the_rest_of_the_text(slow_fake: LspClient) -> None:
    uri = "file:///tmp/join_stream.py"
    slow_fake.open(uri, SAMPLE)
    first_id, _first = slow_fake.inline_async(uri, LAST_LINE, LAST_COL)
    assert _first_text(slow_fake, first_id) == FAKE_TEXT[0]
    slow_fake.change(uri, 2, "fa", start=(LAST_LINE, LAST_COL))
    second_id, second = slow_fake.inline_async(uri, LAST_LINE, LAST_COL + 2)
    streamed = slow_fake.wait_notification(  # while the generation still runs
        lambda m: m["method"] == "ghost/partialCompletion" and m["params"]["id"] == second_id
        and not m["params"]["done"], 30)
    partial = streamed["params"]["text"]
    assert partial and FAKE_TEXT[2:].startswith(partial), partial
    assert [item["insertText"] for item in _items(second)] == [FAKE_TEXT[2:]]
    last = slow_fake.wait_notification(
        lambda m: m["method"] == "ghost/partialCompletion" and m["params"]["id"] == second_id
        and m["params"]["done"], 30)
    assert last["params"]["text"] == FAKE_TEXT[2:]
    assert _counters(slow_fake)["joined"] == 1


def test_typing_something_else_cancels_the_generation(slow_fake: LspClient) -> None:
    items = _type_through(slow_fake, "file:///tmp/part.py", "fo")
    assert [item["insertText"] for item in items] == [FAKE_TEXT]  # a new generation's text
    counters = _counters(slow_fake)
    assert (counters["modelCalls"], counters["cancelled"], counters["joined"]) == (2, 1, 0)


def test_join_running_off_cancels_at_each_keystroke() -> None:
    client = _fake({"joinRunning": False})
    try:
        items = _type_through(client, "file:///tmp/nojoin.py", "fa")
        assert [item["insertText"] for item in items] == [FAKE_TEXT]  # started again, unprompted by "fa"
        counters = _counters(client)
        assert (counters["modelCalls"], counters["cancelled"], counters["joined"]) == (2, 1, 0)
    finally:
        client.close()


def test_a_prefetch_keeps_running_through_accept_and_enter(slow_fake: LspClient) -> None:
    uri = "file:///tmp/prefetch_join.py"
    slow_fake.open(uri, SAMPLE)
    item = _items(slow_fake.inline_async(uri, LAST_LINE, LAST_COL)[1])[0]
    slow_fake.notify("textDocument/didShowCompletion", {"item": item})  # the prefetch starts
    slow_fake.change(uri, 2, item["insertText"], start=(LAST_LINE, LAST_COL))  # accepted
    # at the end of the accepted text nothing is left to suggest, and the prefetch runs on
    assert _items(slow_fake.inline_async(uri, LAST_LINE, LAST_COL + len(FAKE_TEXT))[1]) == []
    slow_fake.change(uri, 3, "\n    ", start=(LAST_LINE, LAST_COL + len(FAKE_TEXT)))  # Enter
    after = _items(slow_fake.inline_async(uri, LAST_LINE + 1, 4)[1])
    assert [entry["insertText"] for entry in after] == [FAKE_TEXT]
    counters = _counters(slow_fake)
    assert (counters["modelCalls"], counters["cancelled"], counters["joined"]) == (2, 0, 1)


# -- the real model --------------------------------------------------------------------


@pytest.mark.model
def test_typing_what_the_real_model_writes_reuses_its_generation(lsp: LspClient) -> None:
    uri = (lsp.root / "join_real.py").as_uri()  # type: ignore[attr-defined]
    text = "import argparse\n\n\ndef parse_arguments(argv):\n    "  # a long function body
    lsp.open(uri, text)
    before = _counters(lsp)
    first_id, first = lsp.inline_async(uri, 4, 4)
    written = _first_text(lsp, first_id)
    typed = written[0]
    lsp.change(uri, 2, typed, start=(4, 4))
    lsp.cancel(first_id)
    _, second = lsp.inline_async(uri, 4, 5)
    items = _items(second, 180)
    assert _no_items(first)
    assert items, "no suggestion after typing what the model wrote"
    assert items[0]["insertText"].startswith(written[1:].split("\n")[0])
    after = _counters(lsp)
    # kept: the one generation answered both, from the cache it filled (``joined`` too,
    # unless it had just ended); cancelled by the edit, there would be a second model call
    assert after["modelCalls"] - before["modelCalls"] == 1
    assert after["cancelled"] == before["cancelled"]
    assert after["cacheHits"] - before["cacheHits"] == 1


@pytest.mark.model
def test_accept_and_enter_wait_for_the_real_models_prefetch(lsp: LspClient) -> None:
    uri = (lsp.root / "prefetch_join_real.py").as_uri()  # type: ignore[attr-defined]
    lsp.open(uri, "import os\n\n\ndef list_python_files(folder):\n    names = ")
    item = _items(lsp.inline_async(uri, 4, 12)[1], 180)[0]
    assert "\n" not in item["insertText"]  # a line: the kind of suggestion a prefetch follows
    before = _counters(lsp)
    lsp.notify("textDocument/didShowCompletion", {"item": item})  # the prefetch starts
    lsp.change(uri, 2, item["insertText"], start=(4, 12))  # accepted at once
    lsp.change(uri, 3, "\n    ", start=(4, 12 + len(item["insertText"])))  # Enter
    after_items = _items(lsp.inline_async(uri, 5, 4)[1], 180)
    assert after_items and after_items[0]["command"]["arguments"][0]["source"] == "cache"
    after = _counters(lsp)
    # the prefetch answered (joined, or from the cache had it already ended); cancelled
    # by the accept, the request would have been a second model call
    assert (after["modelCalls"] - before["modelCalls"], after["cancelled"]) == (1, before["cancelled"])
