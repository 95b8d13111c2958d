"""A place the model has not read: the short prompt first, the full one after a rest.

On the real model (0.5B), over stdio: the first request at a place in a long document
reads the short prompt (``coldPromptTokens``); typing on there reuses it; a
``ghost/didFocus`` in that document then reads the full prompt, and the next request
reuses that.  With ``coldPromptTokens: 0`` the full prompt is read at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import SMALL_MODEL, start_server, wait_status_field

FUNCTIONS = 60
ROW = 4 * 40 + 1  # the body line of function 40: far from both ends


def _document() -> str:
    body = "".join(
        f"def scale_{i}(values, factor):\n    result = [v * factor + {i} for v in values]\n"
        f"    return result\n\n"
        for i in range(FUNCTIONS)
    )
    return '"""Scaling helpers."""\n' + body


def _status(client: LspClient) -> dict[str, Any]:
    status: dict[str, Any] = client.status(timeout=60)
    return status


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LspClient]:
    root = tmp_path_factory.mktemp("cold")
    # 256 (the default is 384): a short prompt well under half of this document's full one
    client = start_server({"model": SMALL_MODEL, "timeoutMs": 120_000, "coldPromptTokens": 256}, root=root)
    client.root = root  # type: ignore[attr-defined]
    yield client
    client.close()


@pytest.mark.model
def test_short_prompt_first_then_the_full_one_after_a_rest(server: LspClient) -> None:
    uri = (server.root / "scaling.py").as_uri()  # type: ignore[attr-defined]
    lines = _document().split("\n")
    lines[ROW] = "    "
    server.open(uri, "\n".join(lines))

    server.inline(uri, ROW, 4, timeout=180)
    first = _status(server)
    assert first["lastPromptCold"] is True
    short_tokens = first["lastPromptTokens"]

    # not the function's own line (``result = ...``): the model writes that, and typing
    # what it wrote is answered from the suggestion without a read
    server.change(uri, 2, "out", start=(ROW, 4))
    server.inline(uri, ROW, 7, timeout=180)
    typed = _status(server)
    assert typed["lastPromptCold"] is True
    assert typed["tokensReused"] >= short_tokens - 2  # typing on reads only what was typed

    server.focus(uri, ROW, 7)  # the cursor rests: the full prompt is read
    grown = wait_status_field(server, lambda s: s["warmed"] == first["warmed"] + 1, timeout=180)
    assert grown["lastPromptCold"] is False
    assert grown["lastPromptTokens"] > 2 * short_tokens

    server.change(uri, 3, "u", start=(ROW, 7))
    server.inline(uri, ROW, 8, timeout=180)
    after = _status(server)
    assert after["lastPromptCold"] is False
    assert after["tokensReused"] >= grown["lastPromptTokens"] - 2
    assert after["coldPrompts"] - first["coldPrompts"] == 1  # the typed request only


@pytest.mark.model
def test_cold_prompt_tokens_zero_reads_the_full_prompt_at_once(server: LspClient) -> None:
    server.change_settings({"coldPromptTokens": 0})
    try:
        uri = (server.root / "scaling_full.py").as_uri()  # type: ignore[attr-defined]
        lines = _document().replace("scale_", "grow_").split("\n")
        lines[ROW] = "    "
        server.open(uri, "\n".join(lines))
        before = _status(server)
        server.inline(uri, ROW, 4, timeout=180)
        after = _status(server)
        assert after["lastPromptCold"] is False and after["coldPrompts"] == before["coldPrompts"]
        assert after["tokensReused"] < 10  # a place nobody read: all of it read now
    finally:
        server.change_settings({"coldPromptTokens": 256})


DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"
PORTS = Path(__file__).parent / "data" / "ports.go"
"""A Go flag type whose ``Set`` loop starts with ``var err error``; in ``Replace``,
far below, that line is missing and the cursor is where it goes."""


@pytest.mark.model
def test_an_empty_short_prompt_answer_is_followed_by_the_full_prompt(tmp_path: Path) -> None:
    """On the default model (1.5B): the short prompt ends before ``Set`` and the model,
    not seeing the pattern, writes ``Replace``'s next line again, which clean-up drops;
    the server then reads the full prompt and serves its ``var err error``."""
    client = start_server({"model": DEFAULT_MODEL, "indexWorkspace": False, "maxTokens": 32,
                           "timeoutMs": 120_000}, root=tmp_path)
    try:
        lines = PORTS.read_text().split("\n")
        row = lines.index("\t\tout[i], err = s.fromString(d)")
        lines.insert(row, "\t\t")
        uri = (tmp_path / "ports.go").as_uri()
        client.open(uri, "\n".join(lines), "go")
        items = client.inline(uri, row, 2, timeout=300)["items"]
        status = _status(client)
    finally:
        client.close()
    assert [item["insertText"] for item in items] == ["var err error"]
    assert status["coldPrompts"] == 1 and status["secondLooks"] == 1
    assert status["lastPromptCold"] is False
