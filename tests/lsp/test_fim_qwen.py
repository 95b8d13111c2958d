"""Fill-in-the-middle with a real code model (Qwen2.5-Coder-0.5B-Instruct) over stdio.

What the suffix says must reach the model: a completion whose right answer only the
text below the cursor gives away, and the prompt layout read back from ``ghost/status``
(``lastPrompt``): the plain PSM prompt (the file's path as a comment) when there is
nothing from other files, the repo-level format with ``<|file_sep|>`` sections when
there is.
And what the model writes after the code (a Markdown fence, prose) never reaches the
editor.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import SMALL_MODEL, start_server

pytestmark = pytest.mark.model

GREETING = '''def greeting(name: str) -> str:
    """A friendly greeting for ``name``."""

    return message.upper()
'''
"""The cursor goes on the empty line: only the suffix says the variable is ``message``."""


@pytest.fixture(scope="module")
def qwen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LspClient]:
    root = tmp_path_factory.mktemp("fim-workspace")
    client = start_server({"model": SMALL_MODEL, "indexWorkspace": False}, root=root)
    client.root = root  # type: ignore[attr-defined]
    yield client
    client.close()


def _uri(client: LspClient, name: str) -> str:
    root: Path = client.root  # type: ignore[attr-defined]
    return (root / name).as_uri()


def test_the_suffix_decides_the_completion(qwen: LspClient) -> None:
    uri = _uri(qwen, "greeting.py")
    qwen.open(uri, GREETING)
    items = qwen.inline(uri, 2, 0, timeout=120)["items"]
    assert items, "no suggestion"
    assert items[0]["insertText"].lstrip().startswith("message"), items[0]


def test_prompt_is_plain_psm_without_cross_file_context(tmp_path: Path) -> None:
    # A server of its own: in the shared one, files opened before (recently viewed
    # ones) rightly contribute snippets.
    alone = start_server({"model": SMALL_MODEL, "indexWorkspace": False}, root=tmp_path)
    try:
        uri = (tmp_path / "layout.py").as_uri()
        alone.open(uri, GREETING.replace("greeting", "salute"))
        alone.inline(uri, 2, 0, timeout=120)
        status = alone.status()
    finally:
        alone.close()
    prompt = status["lastPrompt"]
    assert status["promptFormat"] == "qwen"
    assert prompt.startswith("<|fim_prefix|># layout.py\ndef salute(name: str) -> str:\n"), prompt[:200]
    prefix, rest = prompt.split("<|fim_suffix|>")
    assert prefix.endswith('"""A friendly salute for ``name``."""\n'), prefix[-80:]
    assert rest == "\n    return message.upper()\n<|fim_middle|>", rest
    assert "<|file_sep|>" not in prompt and "<|repo_name|>" not in prompt


def test_prompt_uses_file_sep_sections_for_other_files(qwen: LspClient) -> None:
    helper_uri = _uri(qwen, "shapes_util.py")
    qwen.open(helper_uri, "def polygon_area(points: list[tuple[float, float]]) -> float:\n    ...\n")
    uri = _uri(qwen, "main.py")
    text = "from shapes_util import polygon_area\n\n\ndef total(shapes):\n    return sum(\n"
    qwen.open(uri, text)
    # The index reads the opened helper on a background thread, which announces
    # nothing: ask again (past the typing-through cache) until its snippet is there.
    deadline = time.monotonic() + 60
    while True:
        qwen.inline(uri, 4, 15, timeout=120)
        prompt = qwen.status()["lastPrompt"]
        if "<|file_sep|>shapes_util.py" in prompt or time.monotonic() > deadline:
            break
        qwen.clear_cache()
    assert prompt.startswith("<|repo_name|>"), prompt[:200]
    assert "<|file_sep|>shapes_util.py\ndef polygon_area(" in prompt, prompt[:400]
    _, current = prompt.rsplit("<|file_sep|>", 1)
    assert current.startswith("main.py\n<|fim_prefix|>from shapes_util import polygon_area\n"), current


# An Instruct model's chat-style ending never reaches the editor.  Qwen2.5-Coder-0.5B-
# Instruct, asked to fill the blank line of these two HumanEval infilling documents
# (MIT, ``../shared/bench``) at column 0, wrote a line of code, then closed a Markdown
# fence and explained itself in prose (an AMD EPYC VM, 2026-12-04; greedy text can
# differ on other CPUs).  In a Python file the suggestion ends before the fence.

BELOW_ZERO = '''from typing import List


def below_zero(operations: List[int]) -> bool:
    """ You're given a list of deposit and withdrawal operations on a bank account that starts with
    zero balance. Your task is to detect if at any point the balance of account fallls below zero, and
    at that point function should return True. Otherwise it should return False.
    >>> below_zero([1, 2, 3])
    False
    >>> below_zero([1, 2, -4, 5])
    True
    """
    balance = 0

    for op in operations:
        balance += op

            return True

    return False
'''

LONGEST = '''from typing import List, Optional


def longest(strings: List[str]) -> Optional[str]:
    """ Out of list of strings, return the longest one. Return the first one in case of multiple
    strings of the same length. Return None in case the input list is empty.
    >>> longest([])

    >>> longest(['a', 'b', 'c'])
    'a'
    >>> longest(['a', 'bb', 'ccc'])
    'ccc'
    """


        return None

    maxlen = max(len(x) for x in strings)
    for s in strings:
        if len(s) == maxlen:
            return s
'''


@pytest.mark.parametrize(("name", "text", "line"), [
    ("below_zero.py", BELOW_ZERO, 16),
    ("longest.py", LONGEST, 14),
])
def test_no_markdown_fence_or_prose_in_a_python_suggestion(
        qwen: LspClient, name: str, text: str, line: int) -> None:
    assert text.split("\n")[line] == "", "the cursor's line must be the blank one"
    uri = _uri(qwen, name)
    qwen.open(uri, text)
    items = qwen.inline(uri, line, 0, timeout=180)["items"]
    assert items, "no suggestion"
    suggestion = items[0]["insertText"]
    assert suggestion.strip(), items[0]
    assert not any(row.lstrip().startswith("```") for row in suggestion.split("\n")), suggestion
    assert "This " not in suggestion, suggestion  # the prose after the fence
