"""Bracket scanning shared by the stop rules and the clean-up.

Brackets inside string literals do not count; a line break ends a string, so an
apostrophe in a comment (``# don't``) cannot hide the rest of the text.
"""

from __future__ import annotations

from collections.abc import Iterator

OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {value: key for key, value in OPENERS.items()}
QUOTES = "\"'`"


def _brackets(text: str) -> Iterator[tuple[int, str]]:
    """(index, bracket) for each bracket of ``text`` outside string literals."""
    quote = ""
    escaped = False
    for index, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char in (quote, "\n"):
                quote = ""
        elif char in QUOTES:
            quote = char
        elif char in OPENERS or char in CLOSERS:
            yield index, char


def open_brackets(text: str) -> list[tuple[int, str]]:
    """(index, bracket) of each bracket left open in ``text``, outermost first."""
    stack: list[tuple[int, str]] = []
    for index, char in _brackets(text):
        if char in OPENERS:
            stack.append((index, char))
        elif stack and stack[-1][1] == CLOSERS[char]:
            stack.pop()
    return stack


def unmatched_openers(text: str) -> list[str]:
    """Brackets opened in ``text`` and not closed in it."""
    return [char for _, char in open_brackets(text)]


def first_stray_closer(text: str) -> int | None:
    """Index of the first closing bracket that ``text`` did not open itself.

    Such a closer ends the block (or call) that was open before the text began.
    """
    depth: list[str] = []
    for index, char in _brackets(text):
        if char in OPENERS:
            depth.append(char)
        elif depth and depth[-1] == CLOSERS[char]:
            depth.pop()
        else:
            return index
    return None
