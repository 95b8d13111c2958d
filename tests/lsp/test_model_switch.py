"""Switching models: the new one answers, never the previous one's suggestions."""

from __future__ import annotations

from pathlib import Path

from support import SAMPLE, start_server

LAST_LINE = SAMPLE.count("\n")
LAST_COL = len(SAMPLE.rsplit("\n", 1)[1])


def test_a_new_model_does_not_answer_from_the_previous_ones_cache(tmp_path: Path) -> None:
    client = start_server({"model": "fake-a"}, env={"GHOST_LS_BACKEND": "fake"}, root=tmp_path)
    try:
        uri = (tmp_path / "sample.py").as_uri()
        client.open(uri, SAMPLE)
        first = client.inline(uri, LAST_LINE, LAST_COL)
        assert first["items"], first  # a model call, kept for typing through
        start = len(client.notifications)
        client.notify("workspace/didChangeConfiguration", {"settings": {"model": "fake-b"}})
        loading = client.wait_notification(
            lambda m: m["method"] == "ghost/didChangeStatus" and m["params"]["kind"] == "loading", 60, start)
        after = client.notifications.index(loading, start)
        status = client.wait_notification(
            lambda m: m["method"] == "ghost/didChangeStatus" and m["params"]["kind"] in ("ready", "error"),
            60, after)
        assert status["params"]["kind"] == "ready", status
        client.inline(uri, LAST_LINE, LAST_COL)
        status = client.request("ghost/status")
        assert status["model"] == "fake-b"
        assert status["cacheHits"] == 0 and status["modelCalls"] == 2, status  # counts span both
    finally:
        client.close()
