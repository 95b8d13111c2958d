"""Prompt layouts with a real FIM model: what a keystroke makes the model read again.

In PSM order a typed character changes the end of the prefix, so the suffix after it
is evaluated again; with ``promptLayout`` ``line`` (or ``anchored``) the typed text sits
after ``<|fim_middle|>`` and a keystroke costs only its own tokens.  Read back from
``ghost/status``: ``lastPrompt`` and ``lastEvaluatedTokens``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SMALL_MODEL, start_server

pytestmark = pytest.mark.model

ABOVE = "def scale(values, factor):\n    result = []\n    for value in values:\n        res"
BELOW = "".join(f"\n\ndef helper_{n}(x):\n    return x * {n} + {n * 7}" for n in range(12)) + "\n"
"""A few hundred tokens of suffix: what PSM reads again at every keystroke."""


def _type_one_character(tmp_path: Path, layout: str) -> tuple[dict[str, object], dict[str, object]]:
    client = start_server({"model": SMALL_MODEL, "indexWorkspace": False, "promptLayout": layout,
                           "maxTokens": 8}, root=tmp_path)
    try:
        uri = (tmp_path / "scale.py").as_uri()
        client.open(uri, ABOVE + BELOW)
        client.inline(uri, 3, 11, timeout=120)
        first = client.status()
        client.change(uri, 2, "u", start=(3, 11))
        client.clear_cache()
        client.inline(uri, 3, 12, timeout=120)
        second = client.status()
    finally:
        client.close()
    return first, second


@pytest.mark.parametrize("layout", ["line", "anchored"])
def test_a_keystroke_reads_only_its_own_tokens(tmp_path: Path, layout: str) -> None:
    first, second = _type_one_character(tmp_path, layout)
    prompt = str(second["lastPrompt"])
    assert prompt.endswith("<|fim_middle|>        resu"), prompt[-80:]
    assert "    for value in values:\n<|fim_suffix|>" in prompt, prompt[:300]
    suffix_tokens = int(str(first["lastPromptTokens"])) // 2  # BELOW is most of the prompt
    evaluated = int(str(second["lastEvaluatedTokens"]))
    assert evaluated <= 4, (evaluated, second)
    assert suffix_tokens > 50 * evaluated


def test_psm_reads_the_suffix_again(tmp_path: Path) -> None:
    first, second = _type_one_character(tmp_path, "psm")
    prompt = str(second["lastPrompt"])
    assert "        resu<|fim_suffix|>" in prompt and prompt.endswith("<|fim_middle|>"), prompt[-80:]
    evaluated = int(str(second["lastEvaluatedTokens"]))
    assert evaluated > int(str(first["lastPromptTokens"])) // 2, (evaluated, first)
