"""An Instruct model's chat-style ending never reaches the editor.

Qwen2.5-Coder-0.5B-Instruct, asked to fill the blank line of these two HumanEval
infilling documents (MIT, ``../shared/bench``) at column 0, writes a line of code,
then closes a Markdown fence and explains itself in prose (seen on an AMD EPYC VM,
2026-12-04; greedy text can differ on other CPUs).  In a Python file the suggestion
must end before the fence.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import TEST_MODEL, start_server

pytestmark = pytest.mark.model

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


@pytest.fixture(scope="module")
def qwen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LspClient]:
    root = tmp_path_factory.mktemp("chat-endings")
    client = start_server({"model": TEST_MODEL, "indexWorkspace": False}, root=root)
    client.root = root  # type: ignore[attr-defined]
    yield client
    client.close()


@pytest.mark.parametrize(("name", "text", "line"), [
    ("below_zero.py", BELOW_ZERO, 16),
    ("longest.py", LONGEST, 14),
])
def test_no_markdown_fence_or_prose_in_a_python_suggestion(
        qwen: LspClient, name: str, text: str, line: int) -> None:
    assert text.split("\n")[line] == "", "the cursor's line must be the blank one"
    uri = (Path(qwen.root) / name).as_uri()  # type: ignore[attr-defined]
    qwen.open(uri, text)
    items = qwen.inline(uri, line, 0, timeout=180)["items"]
    assert items, "no suggestion"
    suggestion = items[0]["insertText"]
    assert suggestion.strip(), items[0]
    assert not any(row.lstrip().startswith("```") for row in suggestion.split("\n")), suggestion
    assert "This " not in suggestion, suggestion  # the prose after the fence
