"""Hostile workspace content cannot stop the server or break other files' completions.

- a ``.gitignore`` pattern that makes a regex backtrack for minutes
  (``*a*a*a*a*a*a*a*a*a*a*a*a*b`` against a file named sixty ``a``\\ s);
- a ``.gitignore`` that is a FIFO (an ``open`` waits for a writer forever) or a
  symlink to ``/dev/zero`` (a read never ends), and source files that are;
- document text with a lone surrogate (valid JSON, not UTF-8): its chunk in the
  recent-edits ring used to break the prompt of every other file.

Each test asks the real server over stdio (the scripted backend, or the real 0.5B
model for the last) with a deadline on every answer, so a regression fails instead
of hanging.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import SMALL_MODEL, start_server

FAKE = {"GHOST_LS_BACKEND": "fake"}
OPTIONS = {"promptTokens": 16_000, "streaming": False}
DEADLINE_S = 30


@pytest.fixture
def servers() -> Iterator[list[LspClient]]:
    started: list[LspClient] = []
    yield started
    for client in started:
        client.close()


def serve(root: Path, servers: list[LspClient]) -> LspClient:
    client = start_server(OPTIONS, env=FAKE, root=root, wait=False)
    servers.append(client)
    assert client.wait_ready(timeout=DEADLINE_S)["params"]["kind"] == "ready"
    return client


def open_main(client: LspClient, root: Path, *names: str) -> tuple[str, int]:
    """Open ``main.py``, which calls ``names`` above its last line; its URI and that line."""
    calls = "".join(f"    {name}(values)\n" for name in names)
    main = root / "main.py"
    main.write_text(f"def report(values):\n{calls}    return \n")
    client.open(main.as_uri(), main.read_text())
    return main.as_uri(), 1 + len(names)


def prompt_in_main(client: LspClient, main: tuple[str, int]) -> str:
    """Complete at the end of ``main.py``; the prompt the model got.

    Every answer has a deadline: a server whose event loop is stuck fails the test."""
    uri, line = main
    client.clear_cache()
    answer = client.inline(uri, line, len("    return "), timeout=DEADLINE_S)
    assert answer["items"], answer
    prompt: str = client.status(timeout=DEADLINE_S)["lastPrompt"]
    return prompt


def prompt_with(client: LspClient, main: tuple[str, int], wanted: str) -> str:
    """Complete in ``main.py`` until ``wanted`` is in the prompt (the index thread has
    got there), within the deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while wanted not in (prompt := prompt_in_main(client, main)):
        assert time.monotonic() < deadline, f"{wanted!r} never reached the prompt:\n{prompt}"
    return prompt


def test_a_backtracking_gitignore_pattern_does_not_stall_the_index(tmp_path: Path,
                                                                   servers: list[LspClient]) -> None:
    # pathspec's regex took 46 s for 10 stars and 40 "a"s; 12 and 60 never ended
    (tmp_path / ".gitignore").write_text("*a" * 12 + "*b\n" + "*a" * 30 + "*.py.b\n")
    (tmp_path / ("a" * 60 + ".py")).write_text("def from_the_long_name(x):\n    return x\n")
    client = serve(tmp_path, servers)
    prompt_with(client, open_main(client, tmp_path, "from_the_long_name"), "def from_the_long_name(")


def test_a_fifo_gitignore_blocks_nothing(tmp_path: Path, servers: list[LspClient]) -> None:
    os.mkfifo(tmp_path / ".gitignore")
    client = serve(tmp_path, servers)
    prompt = prompt_in_main(client, open_main(client, tmp_path, "behind_the_fifo"))
    assert "    behind_the_fifo(values)\n    return " in prompt  # didOpen did not block
    assert client.status(timeout=DEADLINE_S)["state"] == "ready"


def test_a_gitignore_linked_to_dev_zero_blocks_nothing(tmp_path: Path,
                                                       servers: list[LspClient]) -> None:
    (tmp_path / ".gitignore").symlink_to("/dev/zero")
    client = serve(tmp_path, servers)
    prompt = prompt_in_main(client, open_main(client, tmp_path, "past_the_zeros"))
    assert "    past_the_zeros(values)\n    return " in prompt
    assert client.status(timeout=DEADLINE_S)["state"] == "ready"


def test_unreadable_ignore_files_hide_their_folder_and_nothing_else(tmp_path: Path,
                                                                    servers: list[LspClient]) -> None:
    """An ignore file that cannot be read safely ignores everything below its folder (we
    cannot tell what it would have let through); the rest of the workspace is indexed,
    past FIFOs and devices posing as source files.  The scan goes in name order, so
    ``c_traps/c_after.py`` is read after the others."""
    (tmp_path / "a_piped").mkdir()
    os.mkfifo(tmp_path / "a_piped" / ".gitignore")
    (tmp_path / "b_zeroed").mkdir()
    (tmp_path / "b_zeroed" / ".gitignore").symlink_to("/dev/zero")
    for folder in ("a_piped", "b_zeroed"):
        (tmp_path / folder / "kept.py").write_text(f"def hidden_in_{folder}(x):\n    return x\n")
    traps = tmp_path / "c_traps"
    traps.mkdir()
    os.mkfifo(traps / "a_fifo.py")
    (traps / "b_zero.py").symlink_to("/dev/zero")
    (traps / "c_after.py").write_text("def after_the_traps(x):\n    return x\n")
    client = serve(tmp_path, servers)
    main = open_main(client, tmp_path, "hidden_in_a_piped", "hidden_in_b_zeroed", "after_the_traps")
    prompt = prompt_with(client, main, "def after_the_traps(")
    assert "def hidden_in_a_piped" not in prompt and "def hidden_in_b_zeroed" not in prompt, prompt


def test_a_lone_surrogate_reaches_no_prompt(tmp_path: Path, servers: list[LspClient]) -> None:
    """On the scripted backend: every prompt can be encoded, before and after the
    document is closed; the surrogate became U+FFFD, at the same position."""
    client = serve(tmp_path, servers)
    odd = (tmp_path / "odd.py").as_uri()
    client.open(odd, "label = 'x\ud800y'\n")
    client.change(odd, 2, start=(1, 0), text="odd_marker = 1\n")
    client.change(odd, 3, start=(0, 0), text="# after 'x\ud800y' ")  # lands on line 0, before label
    main = open_main(client, tmp_path)
    prompt = prompt_with(client, main, "odd_marker")
    client.close_document(odd)
    closed = prompt_in_main(client, main)
    for text in (prompt, closed):
        assert "# # after 'x\ufffdy' label = 'x\ufffdy'\n# odd_marker = 1" in text, text
        text.encode("utf-8")  # raises on a lone surrogate


@pytest.mark.model
def test_a_lone_surrogate_breaks_no_later_completion(tmp_path: Path) -> None:
    """The reported failure, with the real model: after one edit and a close of a document
    holding ``\\ud800``, every completion in any file answered -32603 UnicodeEncodeError."""
    # coldPromptTokens 0: the full prompt, where the recent-edit chunk goes (a short
    # prompt at a new place carries no chunks)
    client = start_server({"model": SMALL_MODEL, "maxTokens": 4, "indexWorkspace": False,
                           "coldPromptTokens": 0}, root=tmp_path)
    try:
        odd = (tmp_path / "odd.py").as_uri()
        client.open(odd, "label = 'x\ud800y'\nvalue = 1\n")
        client.change(odd, 2, start=(2, 0), text="odd_marker = 2\n")
        assert client.inline(odd, 3, 0, timeout=120) is not None  # its own completion too
        client.close_document(odd)
        main = tmp_path / "main.py"
        main.write_text("def report(values):\n    return \n")
        client.open(main.as_uri(), main.read_text())
        client.inline(main.as_uri(), 1, len("    return "), timeout=120)  # -32603 raised here
        prompt = client.status(timeout=DEADLINE_S)["lastPrompt"]
    finally:
        client.close()
    assert "main.py\n" in prompt and "def report(values):" in prompt, prompt  # this request's
    assert "odd_marker = 2" in prompt, prompt  # with the chunk, scrubbed
    assert "label = 'x\ufffdy'" in prompt, prompt
