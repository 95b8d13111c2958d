"""Switching models: the new one answers, never the previous one's suggestions, and the
model named last is the one loaded, even when it was named while another was loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import SAMPLE, SMALL_MODEL, start_server, wait_status

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
        status = client.status()
        assert status["model"] == "fake-b"
        assert status["cacheHits"] == 0 and status["modelCalls"] == 2, status  # counts span both
    finally:
        client.close()


SECOND_MODEL = "gemma3-270m"
"""Gemma 3 270M (no FIM; `ghost-ls models pull gemma3-270m`, scripts/test.sh pulls it): a
second file to switch to."""


def message_of(client: LspClient, index: int) -> str:
    return str(client.notifications[index]["params"]["message"])


def ready_for(client: LspClient, model: str, start: int, timeout: float) -> int:
    """Index of the first ``ready`` status naming ``model`` from ``start``."""
    message = client.wait_notification(
        lambda m: m["method"] == "ghost/didChangeStatus"
        and m["params"]["kind"] == "ready"
        and m["params"]["message"] == model,
        timeout,
        start,
    )
    return next(i for i in range(start, len(client.notifications)) if client.notifications[i] is message)


@pytest.mark.model
def test_a_model_set_during_the_first_load_is_loaded_next(tmp_path: Path) -> None:
    client = start_server({"model": SMALL_MODEL, "threads": 1}, root=tmp_path, wait=False)
    try:
        # ``initialized`` says ``loading``, then the load itself, once it has read the
        # settings on the inference thread: the first model is loading from then on
        announced = wait_status(client, "loading", 0, timeout=60)
        loading = wait_status(client, "loading", announced + 1, timeout=60)
        assert message_of(client, loading) == f"loading model {SMALL_MODEL}"
        sent_at = len(client.notifications)
        client.notify("workspace/didChangeConfiguration", {"settings": {"model": SECOND_MODEL}})
        first = ready_for(client, SMALL_MODEL, loading, timeout=90)
        assert first >= sent_at  # the change went out while the first model was loading
        second = ready_for(client, SECOND_MODEL, first, timeout=90)
        assert wait_status(client, "loading", first, timeout=1) < second  # a reload, not a rename
        status = client.status()
        assert status["state"] == "ready"
        assert status["model"] == SECOND_MODEL and status["settings"]["model"] == SECOND_MODEL
        assert Path(status["modelPath"]).name == "gemma-3-270m-q4_k_m.gguf"  # the one serving
    finally:
        client.close()


@pytest.mark.model
def test_the_last_of_two_quick_changes_wins(tmp_path: Path) -> None:
    client = start_server({"model": SECOND_MODEL, "threads": 1}, root=tmp_path)
    try:
        start = len(client.notifications)
        client.notify("workspace/didChangeConfiguration", {"settings": {"model": SMALL_MODEL}})
        wait_status(client, "loading", start, timeout=60)
        client.notify("workspace/didChangeConfiguration", {"settings": {"model": SECOND_MODEL}})
        ready_for(client, SECOND_MODEL, start, timeout=90)
        status = client.status()
        assert status["model"] == SECOND_MODEL and status["settings"]["model"] == SECOND_MODEL
        assert Path(status["modelPath"]).name == "gemma-3-270m-q4_k_m.gguf"
    finally:
        client.close()
