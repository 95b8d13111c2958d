"""Cancellation, superseding requests, stale results and the time budget.

No test sleeps to guess that a generation is still running.  On the scripted backend
(``engine/fake.py``) the first generation *holds* after its first token until it is
cancelled or its budget is spent, and its first ``ghost/partialCompletion`` says it is
running; so a held generation that ends at all was ended by the cancel or the budget.
On the real model the signal is the ``generating`` status, sent once a job has run for
0.1 s (``features/busy_status.py``), while the model still reads a prompt of several
thousand tokens that no earlier request has put in the KV cache; the ``cancelled`` and
``timeouts`` counters of ``ghost/status`` then say how the generation ended.
"""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ghost_ls.devtools.lsp_client import LspClient, Message
from support import SAMPLE, SMALL_MODEL, start_server, wait_status

LAST_LINE = SAMPLE.count("\n")
LAST_COL = len(SAMPLE.rsplit("\n", 1)[1])
FAKE = {"GHOST_LS_BACKEND": "fake", "GHOST_LS_FAKE_HOLD": "1"}


def _wait_partial(client: LspClient, request_id: int) -> None:
    """Until the generation for ``request_id`` has streamed its first text."""
    client.wait_notification(
        lambda m: m["method"] == "ghost/partialCompletion" and m["params"]["id"] == request_id, 30
    )


def _answer(waiter: queue.Queue[Message], timeout: float = 30) -> Message:
    return LspClient.wait_response(waiter, timeout=timeout)


def _counters(client: LspClient) -> dict[str, int]:
    status = client.status(timeout=30)
    return {key: status[key] for key in ("cancelled", "timeouts", "staleDropped", "modelCalls")}


# -- the scripted backend --------------------------------------------------------------


def test_cancel_request_is_answered_with_request_cancelled(fake_lsp: LspClient) -> None:
    uri = "file:///tmp/cancel.py"
    fake_lsp.open(uri, SAMPLE)
    start = len(fake_lsp.notifications)
    request_id, waiter = fake_lsp.inline_async(uri, LAST_LINE, LAST_COL)
    _wait_partial(fake_lsp, request_id)
    wait_status(fake_lsp, "generating", start)  # a held job is announced once it lasts
    mark = len(fake_lsp.notifications)
    fake_lsp.cancel(request_id)
    assert _answer(waiter)["error"]["code"] == -32800
    wait_status(fake_lsp, "ready", mark)  # the job is over and no client is left "generating"
    assert _counters(fake_lsp)["cancelled"] == 1  # the generation itself stopped, not only the reply


def test_newer_request_supersedes_the_running_one(fake_lsp: LspClient) -> None:
    uri = "file:///tmp/supersede.py"
    fake_lsp.open(uri, SAMPLE)
    first_id, first = fake_lsp.inline_async(uri, LAST_LINE, LAST_COL)
    _wait_partial(fake_lsp, first_id)
    _, second = fake_lsp.inline_async(uri, 1, 0)  # elsewhere: the running generation is no use
    assert _answer(first)["result"]["items"] == []  # a held generation: only the newer one ends it
    assert _answer(second)["result"]["items"][0]["insertText"] == "fake_completion()"
    assert _counters(fake_lsp)["cancelled"] == 1


def test_edit_during_generation_cancels_it(fake_lsp: LspClient) -> None:
    uri = "file:///tmp/edit.py"
    fake_lsp.open(uri, SAMPLE)
    request_id, waiter = fake_lsp.inline_async(uri, LAST_LINE, LAST_COL)
    _wait_partial(fake_lsp, request_id)
    fake_lsp.change(uri, 2, "2", start=(LAST_LINE, LAST_COL))
    assert _answer(waiter)["result"]["items"] == []
    counters = _counters(fake_lsp)
    assert (counters["cancelled"], counters["staleDropped"]) == (1, 0)


@pytest.fixture
def late_fake() -> Iterator[LspClient]:
    """A held generation whose last token comes just before the cancel: it finishes."""
    client = start_server({"streaming": True}, env={**FAKE, "GHOST_LS_FAKE_LATE": "1"})
    yield client
    client.close()


def test_result_for_a_changed_document_is_dropped(late_fake: LspClient) -> None:
    uri = "file:///tmp/stale.py"
    late_fake.open(uri, SAMPLE)
    request_id, waiter = late_fake.inline_async(uri, LAST_LINE, LAST_COL)
    _wait_partial(late_fake, request_id)
    late_fake.change(uri, 2, "2", start=(LAST_LINE, LAST_COL))  # its cancel comes too late: the text is whole
    assert _answer(waiter)["result"]["items"] == []
    counters = _counters(late_fake)
    assert (counters["staleDropped"], counters["cancelled"]) == (1, 0)


def test_time_budget_ends_a_generation_at_the_end_of_its_line() -> None:
    client = start_server({"streaming": True, "timeoutMs": 300}, env=FAKE)
    try:
        uri = "file:///tmp/budget.py"
        client.open(uri, SAMPLE)
        _, waiter = client.inline_async(uri, LAST_LINE, LAST_COL)
        items = _answer(waiter)["result"]["items"]  # held: without the budget, no answer ever
        # the budget ran out after the first token; the line in progress was finished, and
        # then the stop rule ended it at its line break, as without a budget
        assert [item["insertText"] for item in items] == ["fake_completion()"]
        counters = _counters(client)
        assert (counters["timeouts"], counters["cancelled"]) == (0, 0)
    finally:
        client.close()


def test_a_line_the_budget_cannot_finish_is_not_served() -> None:
    """Tokens slower than the budget (a busy machine): no half line is served."""
    slow = {"GHOST_LS_BACKEND": "fake", "GHOST_LS_FAKE_DELAY_MS": "400"}
    client = start_server({"timeoutMs": 300}, env=slow)
    try:
        uri = "file:///tmp/budget_slow.py"
        client.open(uri, SAMPLE)
        assert client.inline(uri, LAST_LINE, LAST_COL)["items"] == []
        counters = _counters(client)
        assert (counters["timeouts"], counters["modelCalls"]) == (1, 1)
        assert client.status()["lastGeneratedTokens"] < len("fake_completion()")
    finally:
        client.close()


# -- the real model --------------------------------------------------------------------


@pytest.fixture(scope="module")
def lsp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LspClient]:
    """The real 0.5B model with a time budget no machine reaches, reading full prompts:
    these tests are about cancelling, and on a busy machine the default budget could end
    the newer request's only line and leave it, by design, empty; so can the short prompt
    of a cold place (``coldPromptTokens``) at the blank line the newer request asks at."""
    root = tmp_path_factory.mktemp("workspace")
    client = start_server({"streaming": True, "model": SMALL_MODEL, "timeoutMs": 120_000,
                           "coldPromptTokens": 0}, root=root)
    client.root = root  # type: ignore[attr-defined]
    yield client
    client.close()


HALF_LINE = "    return width *"
"""A half-typed line that ends a function two lines above the long document's last:
one obvious completion (`` height``) wherever the newer request asks there."""


def _long_document(lsp: LspClient) -> tuple[str, int]:
    """A document of a few thousand tokens whose prompt no earlier request has read."""
    tag = uuid.uuid4().hex[:8]
    uri = (lsp.root / f"long_{tag}.py").as_uri()  # type: ignore[attr-defined]
    text = f'"""Helpers, set {tag}."""\n\n' + "".join(
        f"def helper_{tag}_{i}(x):\n    return x * {i}\n\n" for i in range(150)
    )
    text += f"def area_{tag}(width, height):\n{HALF_LINE}\ndef main():\n    "
    lsp.open(uri, text)
    return uri, text.count("\n")


def _start_real(lsp: LspClient) -> tuple[str, int, int, Any, dict[str, int]]:
    """A request on a fresh long document, returned once its job has started."""
    before = _counters(lsp)
    uri, line = _long_document(lsp)
    mark = len(lsp.notifications)
    request_id, waiter = lsp.inline_async(uri, line, 4)
    wait_status(lsp, "generating", mark)
    return uri, line, request_id, waiter, before


@pytest.mark.model
def test_cancel_stops_the_real_model(lsp: LspClient) -> None:
    _, _, request_id, waiter, before = _start_real(lsp)
    mark = len(lsp.notifications)
    lsp.cancel(request_id)
    assert _answer(waiter, 180).get("error", {}).get("code") == -32800
    wait_status(lsp, "ready", mark)
    assert _counters(lsp)["cancelled"] == before["cancelled"] + 1
    assert lsp.status(timeout=30)["state"] == "ready"


@pytest.mark.model
def test_newer_request_supersedes_on_the_real_model(lsp: LspClient) -> None:
    uri, line, _, first, before = _start_real(lsp)
    _, second = lsp.inline_async(uri, line - 2, len(HALF_LINE))  # another prompt
    assert _answer(first, 180)["result"]["items"] == []
    items = _answer(second, 180)["result"]["items"]
    assert items and "height" in items[0]["insertText"], items
    assert _counters(lsp)["cancelled"] == before["cancelled"] + 1


@pytest.mark.model
def test_edit_during_generation_drops_it_on_the_real_model(lsp: LspClient) -> None:
    uri, line, _, waiter, before = _start_real(lsp)
    lsp.change(uri, 2, "2", start=(line, 4))
    assert _answer(waiter, 180)["result"]["items"] == []
    assert _counters(lsp)["cancelled"] == before["cancelled"] + 1


@pytest.mark.model
def test_time_budget_on_the_real_model() -> None:
    client = start_server({"model": SMALL_MODEL, "timeoutMs": 50, "maxTokens": 256})
    try:
        uri = "file:///tmp/budget_real.py"
        text = "def parse_arguments(argv):\n    "  # a function body: far more than 50 ms of tokens
        client.open(uri, text)
        client.inline(uri, 1, 4)
        counters = _counters(client)
        assert counters["timeouts"] == 1 and counters["modelCalls"] == 1, counters
        assert client.status()["lastGeneratedTokens"] < 256
    finally:
        client.close()
