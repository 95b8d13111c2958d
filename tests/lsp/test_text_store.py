"""The server's one copy of an open document stays the editor's text while typing.

Python's ``str.splitlines`` ends lines at form feeds, U+2028 and a few more characters;
LSP ends them at ``\\n``, ``\\r\\n`` and ``\\r`` only.  A copy split the Python way puts
every edit after such a character on the wrong line.  Driven through the real server
and model: the prompt the model reads must be the editor's text around the cursor.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SMALL_MODEL, start_server

pytestmark = pytest.mark.model

OPENED = "x = 1\n\x0c\ndef f():\u2028    return 2\n\n\n"
"""Line 1 is a form feed alone; line 2 has a U+2028 inside it (LSP lines)."""


def _insert(text: str, line: int, column: int, typed: str) -> str:
    lines = text.split("\n")
    lines[line] = lines[line][:column] + typed + lines[line][column:]
    return "\n".join(lines)


def test_typing_after_a_form_feed_and_a_line_separator(tmp_path: Path) -> None:
    client = start_server({"model": SMALL_MODEL, "indexWorkspace": False, "promptLayout": "psm",
                           "maxTokens": 4}, root=tmp_path)
    try:
        uri = (tmp_path / "odd_breaks.py").as_uri()
        client.open(uri, OPENED)
        text, version = OPENED, 1
        keys = [(1, 1, "y = 0"), (2, 21, " + 1")] + [(4, n, char) for n, char in enumerate("total = ")]
        for line, column, typed in keys:  # one incremental change per key, as editors send
            version += 1
            text = _insert(text, line, column, typed)
            client.change(uri, version, typed, start=(line, column))
        assert text == "x = 1\n\x0cy = 0\ndef f():\u2028    return 2 + 1\n\ntotal = \n"
        client.inline(uri, 4, 8, timeout=120)
        prompt = client.status()["lastPrompt"]
    finally:
        client.close()
    before, after = text[:text.index("total = ") + 8], text[text.index("total = ") + 8:]
    assert prompt == f"<|fim_prefix|># odd_breaks.py\n{before}<|fim_suffix|>{after}<|fim_middle|>", prompt
