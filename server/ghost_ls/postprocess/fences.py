"""Markdown code fences: where an Instruct model stops writing code and starts explaining.

Chat-tuned code models (the Qwen2.5-Coder Instruct models among them) sometimes end a
fill-in-the-middle answer the way they end a chat answer: a closing fence, a blank
line, then prose ("This function checks ...").  In a source file a line that starts
with a fence is never code, so the suggestion ends before it.  Markdown documents are
the exception: there fences are content.
"""

from __future__ import annotations

FENCE = "```"

FENCED_LANGUAGES = frozenset({"markdown", "mdx"})
"""Languages whose documents hold fences as content."""


def fence_ends(language: str) -> bool:
    """Whether a fence line ends a suggestion in a document of ``language``."""
    return language not in FENCED_LANGUAGES


def is_fence(line: str) -> bool:
    """Whether ``line`` starts with a fence (after indentation)."""
    return line.lstrip(" \t").startswith(FENCE)


def first_fence_line(lines: list[str]) -> int | None:
    """The index of the first line that starts with a fence."""
    return next((number for number, line in enumerate(lines) if is_fence(line)), None)
