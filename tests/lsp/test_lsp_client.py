"""LspClient's notifications as the server reads them: the whole text changed, a range
replaced, the document closed (read back from the prompt of the next request,
``lastPrompt`` of ``ghost/status``); settings changed, an item shown, the cursor resting
(read back from ``ghost/status``).  On the scripted backend.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import start_server, wait_status_field


@pytest.fixture
def fake() -> Iterator[LspClient]:
    client = start_server({"indexWorkspace": False}, env={"GHOST_LS_BACKEND": "fake"})
    yield client
    client.close()


def _prompt_at(client: LspClient, uri: str, line: int, character: int) -> str:
    """The prompt of a request at the position (the typing-through cache cleared first)."""
    client.clear_cache()
    assert client.inline(uri, line, character)["items"], "no suggestion"
    return str(client.status()["lastPrompt"])


def test_whole_text_then_a_range_then_close(fake: LspClient) -> None:
    uri = "file:///tmp/edits.py"
    fake.open(uri, "alpha = 1\nbeta = ")
    fake.change(uri, 2, "gamma = 2\ndelta = ")  # the whole text
    prompt = _prompt_at(fake, uri, 1, 8)
    assert "gamma = 2\ndelta = " in prompt and "alpha" not in prompt, prompt
    fake.change(uri, 3, "epsilon", start=(0, 0), end=(0, 5))  # "gamma" replaced
    prompt = _prompt_at(fake, uri, 1, 8)
    assert "epsilon = 2\ndelta = " in prompt and "gamma" not in prompt, prompt
    fake.change(uri, 4, "# note\n", start=(0, 0))  # an insertion
    prompt = _prompt_at(fake, uri, 2, 8)
    assert "# note\nepsilon = 2\ndelta = " in prompt, prompt
    fake.close_document(uri)
    assert fake.inline(uri, 2, 8)["items"] == []  # closed: a document the server does not know


def test_an_end_without_a_start_is_refused(fake: LspClient) -> None:
    with pytest.raises(ValueError):
        fake.change("file:///tmp/edits.py", 2, "x", end=(0, 1))


def test_change_settings_reaches_the_server(fake: LspClient) -> None:
    assert fake.status()["settings"]["maxTokens"] != 7
    fake.change_settings({"maxTokens": 7})
    assert fake.status()["settings"]["maxTokens"] == 7


def test_show_counts_the_item_and_prefetches_after_it(fake: LspClient) -> None:
    uri = "file:///tmp/shown.py"
    fake.open(uri, "first = 1\nsecond = ")
    item = fake.inline(uri, 1, 9)["items"][0]
    fake.show(item)
    status = wait_status_field(fake, lambda s: s["prefetched"] == 1)
    assert status["shown"] == 1
    assert status["lastPrompt"].endswith(f"second = {item['insertText']}\n"), status["lastPrompt"]


def test_focus_warms_the_place(fake: LspClient) -> None:
    uri = "file:///tmp/focused.py"
    fake.open(uri, "first = 1\nsecond = ")
    fake.focus(uri, 1, 9)
    status = wait_status_field(fake, lambda s: s["warmed"] == 1)
    assert status["lastPrompt"].endswith("first = 1\nsecond = "), status["lastPrompt"]
