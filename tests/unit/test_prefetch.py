"""Prefetch: the context after accepting a suggestion and pressing Enter."""

from __future__ import annotations

import pytest

from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.features.prefetch import after_accepting
from ghost_ls.postprocess.cleanup import Cleaned
from ghost_ls.session import ShownItem


def _after(language: str, line_prefix: str, accepted: str) -> str:
    context = PromptContext(
        uri="file:///w/a",
        path="a",
        language=language,
        prefix="x = 1\n" + line_prefix,
        suffix="\nlast()\n",
        mode=CompletionMode.LINE,
        line_prefix=line_prefix,
        line_suffix="",
    )
    following = after_accepting(ShownItem("file:///w/a", 1, context, Cleaned(accepted)))
    assert following is not None
    assert following.prefix == context.prefix + accepted + "\n" + following.line_prefix
    assert following.suffix == "\nlast()\n"
    return following.line_prefix


@pytest.mark.parametrize(
    ("language", "line_prefix", "accepted", "indent"),
    [
        ("python", "    ", "if ready:", "        "),
        ("python", "    ", "value = undo", "    "),  # ends in "do", opens nothing
        ("python", "    ", "total = compute(", "        "),
        ("lua", "  ", "for i = 1, 3 do", "      "),
        ("lua", "  ", "local x = redo", "  "),
        ("javascript", "", "function f() {", "    "),
        ("javascript", "", "const y = 2;", ""),
    ],
)
def test_the_next_line_is_indented_after_a_block_opener(
    language: str, line_prefix: str, accepted: str, indent: str
) -> None:
    assert _after(language, line_prefix, accepted) == indent


def test_a_multi_line_suggestion_is_not_prefetched() -> None:
    context = PromptContext(
        uri="file:///w/a", path="a", language="python", prefix="def f():\n    ", suffix="",
        mode=CompletionMode.LINE, line_prefix="    ", line_suffix="",
    )
    assert after_accepting(ShownItem("file:///w/a", 1, context, Cleaned("a = 1\nb = 2"))) is None


def test_the_prefetch_splits_its_prompt_as_the_next_request_will() -> None:
    import dataclasses

    context = PromptContext(
        uri="file:///w/a", path="a", language="python", prefix="def f():\n    x = ",
        suffix="\nlast()\n", mode=CompletionMode.LINE, line_prefix="    x = ", line_suffix="",
        middle_chars=len("    x = "),
    )
    item = ShownItem("file:///w/a", 1, context, Cleaned("1"))
    anchored = after_accepting(item, "anchored")
    assert anchored is not None
    assert anchored.prefix[len(anchored.prefix) - anchored.middle_chars:] == "    x = 1\n    "
    line = after_accepting(item, "line")
    assert line is not None and line.middle_chars == len("    ")
    psm = after_accepting(dataclasses.replace(item, context=dataclasses.replace(context, middle_chars=0)))
    assert psm is not None and psm.middle_chars == 0


def test_the_short_prompt_moves_to_the_next_line_too() -> None:
    """A stale short prompt would let the engine write for the line already accepted."""
    cold = PromptContext(
        uri="file:///w/a", path="a", language="python", prefix="    x = ",
        suffix="\nlast()", mode=CompletionMode.LINE, line_prefix="    x = ", line_suffix="",
        middle_chars=len("    x = "),
    )
    context = PromptContext(
        uri="file:///w/a", path="a", language="python", prefix="def f():\n    x = ",
        suffix="\nlast()\nmore()\n", mode=CompletionMode.LINE, line_prefix="    x = ", line_suffix="",
        middle_chars=len("    x = "), cold=cold,
    )
    following = after_accepting(ShownItem("file:///w/a", 1, context, Cleaned("1")), "anchored")
    assert following is not None and following.cold is not None
    assert following.cold.prefix == "    x = 1\n    "
    assert following.cold.suffix == "\nlast()"
    assert following.cold.middle_chars == len("    x = 1\n    ")
