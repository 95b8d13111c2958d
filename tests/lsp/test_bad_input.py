"""Bad input gets a clear answer or an empty result, and the server keeps serving."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ghost_ls.devtools.lsp_client import LspClient, LspError
from support import start_server

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def server(lsp: LspClient) -> LspClient:
    return lsp


def _still_serving(client: LspClient) -> None:
    assert client.status(timeout=10)["state"] in ("ready", "error")


def test_unknown_document_is_empty(server: LspClient) -> None:
    assert server.inline("file:///nowhere/missing.py", 0, 0)["items"] == []


def test_position_past_the_end_is_empty(server: LspClient) -> None:
    uri = "file:///tmp/short.py"
    server.open(uri, "x = 1\n")
    assert server.inline(uri, 500, 0)["items"] == []


def test_column_past_the_end_of_the_line_is_clamped(server: LspClient) -> None:
    uri = "file:///tmp/clamped.py"
    text = "def add(a, b):\n    return "
    server.open(uri, text)
    end = len("    return ")
    clamped = server.inline(uri, 1, 10_000)["items"]
    assert clamped, "no suggestion at a column past the end of the line"
    for item in clamped:
        assert item["range"]["start"] == {"line": 1, "character": end}  # not 10,000
    at_end = server.inline(uri, 1, end)["items"]
    assert [i["insertText"] for i in at_end] == [i["insertText"] for i in clamped]


def test_negative_position_is_invalid_params_not_silence(server: LspClient) -> None:
    with pytest.raises(LspError) as error:
        server.request(
            "textDocument/inlineCompletion",
            LspClient.inline_params("file:///tmp/short.py", -1, -5),
            timeout=10,
        )
    assert error.value.code == -32602
    _still_serving(server)


def test_missing_fields_are_invalid_params(server: LspClient) -> None:
    with pytest.raises(LspError) as error:
        server.request("textDocument/inlineCompletion", {"textDocument": {}}, timeout=10)
    assert error.value.code == -32602


def test_malformed_json_gets_parse_error_and_serving_goes_on(server: LspClient) -> None:
    before = len(server.stray_responses)
    server.send_raw(b'{"jsonrpc": "2.0", "id": 99, "method": ')
    _still_serving(server)
    assert any(r.get("error", {}).get("code") == -32700 for r in server.stray_responses[before:])


def test_unknown_method_is_method_not_found(server: LspClient) -> None:
    with pytest.raises(LspError) as error:
        server.request("ghost/noSuchThing", {}, timeout=10)
    assert error.value.code == -32601


def test_binary_content_is_empty(server: LspClient) -> None:
    uri = "file:///tmp/blob.bin"
    server.open(uri, "\x00\x01\x02ELF\x00" * 200 + "\n", "plaintext")
    assert server.inline(uri, 0, 5)["items"] == []


def test_huge_document_is_edited_and_completed(server: LspClient) -> None:
    lines = 200_000
    text = "".join(f"value_{i} = {i}\n" for i in range(lines))
    uri = "file:///tmp/huge.py"
    server.open(uri, text)
    typed = "last = "  # ends within maxTokens ("value_1 + value_2 + " runs on past it: not served)
    server.change(uri, 2, typed, start=(lines, 0))
    # the request's own timeout is the bound: 30 s, where a whole-file re-split per
    # request or a full reparse per keystroke on 200,000 lines would not answer
    items = server.inline(uri, lines, len(typed), timeout=30)["items"]
    assert items, "no suggestion on the line just typed into a 200,000-line file"
    assert items[0]["range"]["start"] == {"line": lines, "character": len(typed)}  # the edit is seen
    _still_serving(server)


def test_astral_characters_keep_utf16_positions(server: LspClient) -> None:
    # a line the small model ends within its budget (a line it runs on past maxTokens
    # is not served: a budget's cut line never is)
    text = 'import math\n\n\ndef area(r):\n    label = "😋"; return '
    uri = "file:///tmp/emoji.py"
    server.open(uri, text)
    last = text.rsplit("\n", 1)[1]
    end = len(last) + 1  # the emoji is two UTF-16 units
    items = server.inline(uri, 4, end)["items"]
    assert items, "no suggestion after the emoji"
    for item in items:
        assert item["range"]["start"] == {"line": 4, "character": end}


def test_invalid_settings_are_named_and_defaults_used() -> None:
    client = start_server({"maxTokens": "lots", "noSuchOption": 1})
    try:
        messages = [
            n["params"]["message"] for n in client.notifications if n["method"] == "window/showMessage"
        ]
        assert any("maxTokens" in m for m in messages), messages
        assert any("noSuchOption" in m for m in messages), messages
        assert client.status()["settings"]["maxTokens"] == 64
    finally:
        client.close()


def test_missing_model_is_reported_once_with_the_fix(tmp_path: Path) -> None:
    client = start_server({"model": str(tmp_path / "nope.gguf")}, wait=False)
    try:
        status = client.wait_ready(timeout=60)
        assert status["params"]["kind"] == "error"
        assert "nope.gguf" in status["params"]["message"]
        shown = client.wait_notification(
            lambda m: m["method"] == "window/showMessage" and m["params"]["type"] == 1, 10
        )
        assert "nope.gguf" in shown["params"]["message"]
        uri = (tmp_path / "a.py").as_uri()
        client.open(uri, "x = ")
        assert client.inline(uri, 0, 4, timeout=10)["items"] == []
        assert client.inline(uri, 0, 4, timeout=10)["items"] == []
        errors = [n for n in client.notifications if n["method"] == "window/showMessage"]
        assert len(errors) == 1  # reported once, not per request
    finally:
        client.close()


def test_corrupt_model_file_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 4096)
    client = start_server({"model": str(broken)}, wait=False)
    try:
        status = client.wait_ready(timeout=60)
        assert status["params"]["kind"] == "error"
        assert "broken.gguf" in status["params"]["message"]
    finally:
        client.close()


def test_unknown_catalog_model_names_the_list_command() -> None:
    client = start_server({"model": "no-such-model"}, wait=False)
    try:
        status = client.wait_ready(timeout=60)
        assert status["params"]["kind"] == "error"
        assert "ghost-ls models list" in status["params"]["message"]
    finally:
        client.close()


def test_request_without_params_is_answered(server: LspClient) -> None:
    server.send_raw(b'{"jsonrpc": "2.0", "id": 4242, "method": "ghost/status"}')
    deadline = time.monotonic() + 10
    while not any(r.get("id") == 4242 for r in server.stray_responses):
        assert time.monotonic() < deadline, "ghost/status without params got no answer"
        time.sleep(0.05)
    answer = next(r for r in server.stray_responses if r.get("id") == 4242)
    assert answer["result"]["state"] in ("ready", "error")
