"""``ghost/didFocus``: the place where the cursor rests is read ahead, and gives way at once.

On the real model, a request at the place just reported is answered by the warming
generation (it waits for it, or finds its suggestion in the typing-through cache): one
model call in all.  On the scripted backend a warming generation that holds must not
keep a request for another document waiting: that request's own generation cancels it.
"""

from __future__ import annotations

from typing import Any

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import SAMPLE, start_server, wait_status_field

LAST_LINE = SAMPLE.count("\n")
LAST_COL = len(SAMPLE.rsplit("\n", 1)[1])


@pytest.mark.model
def test_a_request_where_the_cursor_rested_uses_the_warming(lsp: LspClient) -> None:
    uri = (lsp.root / "warm_here.py").as_uri()  # type: ignore[attr-defined]
    lsp.open(uri, SAMPLE)
    before = lsp.status()
    lsp.focus(uri, LAST_LINE, LAST_COL)
    items = lsp.inline(uri, LAST_LINE, LAST_COL, timeout=180)["items"]
    after = lsp.status()
    assert items and items[0]["insertText"].strip()
    assert after["modelCalls"] - before["modelCalls"] == 1, "the request ran the model again"
    assert after["cacheHits"] - before["cacheHits"] == 1, after  # a joined request reads the cache too
    assert after["warmed"] - before["warmed"] == 1


def test_warming_gives_way_to_a_request_elsewhere() -> None:
    env = {"GHOST_LS_BACKEND": "fake", "GHOST_LS_FAKE_HOLD": "1"}
    client = start_server({"timeoutMs": 120_000}, env=env)  # a hold lasts until cancelled
    try:
        warm_uri, other_uri = "file:///tmp/warm_a.py", "file:///tmp/other_b.py"
        client.open(warm_uri, "# warm_marker\n" + SAMPLE)
        client.open(other_uri, SAMPLE)
        client.focus(warm_uri, LAST_LINE + 1, LAST_COL)
        wait_status_field(client, lambda s: "warm_marker" in s["lastPrompt"])  # it runs and holds
        items = client.inline(other_uri, LAST_LINE, LAST_COL, timeout=30)["items"]
        assert [item["insertText"] for item in items] == ["fake_completion()"]
        status = client.status()
        assert (status["cancelled"], status["warmed"]) == (1, 0)
    finally:
        client.close()


def test_malformed_focus_is_ignored() -> None:
    client = start_server(env={"GHOST_LS_BACKEND": "fake"})
    try:
        uri = "file:///tmp/focus_bad.py"
        client.open(uri, SAMPLE)
        document = {"uri": uri}
        malformed: list[Any] = [
            {},
            {"textDocument": document},
            {"textDocument": document, "position": {"line": "1", "character": 0}},
            {"textDocument": document, "position": {"line": -1, "character": 0}},
            None,
        ]
        for params in malformed:
            client.notify("ghost/didFocus", params)
        client.focus("file:///tmp/never_opened.py", 0, 0)
        assert client.inline(uri, LAST_LINE, LAST_COL)["items"]
        status = client.status()
        assert (status["warmed"], status["modelCalls"]) == (0, 1)
    finally:
        client.close()
