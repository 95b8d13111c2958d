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


KINDS = ("string", "number", "boolean", "bigint")
CALLS = "".join(
    f"export function {kind}(params?: string): Zod{kind.capitalize()} {{\n"
    f"  return core._{kind}(Zod{kind.capitalize()}, params) as any;\n}}\n\n"
    for kind in KINDS[:3]
)
"""Three functions that each pass their schema class and ``params`` on; the fourth is typed."""


def test_typing_up_to_an_opening_bracket_gets_the_arguments(tmp_path: Path) -> None:
    """``return core._bigint(`` behind the middle marker: the 0.5B wrote ``0) as any;``
    there while the bracket was in the prompt; held back, it writes the arguments."""
    client = start_server({"model": SMALL_MODEL, "indexWorkspace": False, "maxTokens": 32}, root=tmp_path)
    try:
        uri = (tmp_path / "schemas.ts").as_uri()
        typed = "  return core._bigint("
        text = ('import * as core from "./core.js";\n\n' + CALLS
                + "export function bigint(params?: string): ZodBigint {\n" + typed
                + "\n}\n\nexport function other(): void {\n  return;\n}\n")
        client.open(uri, text, "typescript")
        row = text.split("\n").index(typed)
        items = client.inline(uri, row, len(typed), timeout=120)["items"]
        prompt = str(client.status()["lastPrompt"])
    finally:
        client.close()
    assert [item["insertText"] for item in items] == ["ZodBigint, params) as any;"]
    assert prompt.endswith("<|fim_middle|>  return core._bigint"), prompt[-80:]
