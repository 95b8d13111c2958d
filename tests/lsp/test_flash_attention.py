"""``flashAttention`` reaches llama.cpp's context and can be turned on (real 0.5B model).

``ghost/status`` reports the flash-attention type llama.cpp's context was made with
(``engine/llama.py`` reads it back from the context parameters), so these tests fail if
the setting stops at any layer on its way (settings, reload key, engine process,
backend).  Off by default (bench/README.md, "Flash attention").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import SAMPLE, SMALL_MODEL, start_server, wait_status

pytestmark = pytest.mark.model

OPTIONS = {"model": SMALL_MODEL, "maxTokens": 16, "threads": 1}


def fresh_suggestion(client: LspClient, uri: str) -> str:
    lines = SAMPLE.split("\n")
    client.clear_cache()
    result = client.inline(uri, len(lines) - 1, len(lines[-1]), invoked=True, timeout=60)
    return str(result["items"][0]["insertText"]) if result and result["items"] else ""


def test_flash_attention_is_off_by_default_and_the_setting_turns_it_on(tmp_path: Path) -> None:
    client = start_server(OPTIONS, root=tmp_path)
    try:
        assert client.status()["flashAttention"] is False
        path = tmp_path / "shapes.py"
        path.write_text(SAMPLE, encoding="utf-8")
        client.open(path.as_uri(), SAMPLE)
        without_flash = fresh_suggestion(client, path.as_uri())

        start = len(client.notifications)
        client.notify("workspace/didChangeConfiguration", {"settings": {**OPTIONS, "flashAttention": True}})
        wait_status(client, "ready", wait_status(client, "loading", start))
        status = client.status()
        assert status["flashAttention"] is True
        assert status["settings"]["flashAttention"] is True
        assert without_flash.strip()
        assert fresh_suggestion(client, path.as_uri()).strip()  # the model still serves
    finally:
        client.close()
