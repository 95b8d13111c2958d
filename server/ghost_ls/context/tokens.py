"""Token counts in the model's own tokenizer, cached per line so a keystroke costs one call.

The server hands us ``count_tokens`` (llama.cpp's tokenizer once a model is loaded, a
four-characters-a-token estimate before).  Windows are measured line by line: a line's
count is looked up in a bounded cache keyed by its text, so typing re-tokenizes only
the line under the cursor.  Summing per-line counts slightly over-estimates the count
of the joined text (tokens never merge across our ``\\n`` joints in practice), which is
the safe side of a budget.  Very long lines are estimated, never tokenized.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

TokenCounter = Callable[[str], int]

MAX_CACHED = 50_000
LONG_LINE = 2_000
"""Lines longer than this are estimated at one token per three characters."""


def approximate_tokens(text: str) -> int:
    """A model-free estimate (about four characters a token) used until a model loads."""
    return (len(text) + 3) // 4


class TokenCache:
    """Counts tokens of lines and snippets, remembering what it has counted."""

    def __init__(self, counter: TokenCounter = approximate_tokens) -> None:
        self._counter = counter
        self._cache: dict[str, int] = {}
        self.calls = 0

    def set_counter(self, counter: TokenCounter) -> None:
        self._counter = counter
        self._cache.clear()

    def count(self, text: str) -> int:
        """Tokens in ``text`` plus one for the line break that joins it to the next."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        value = len(text) // 3 + 1 if len(text) > LONG_LINE else self._call(text) + 1
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[text] = value
        return value

    def _call(self, text: str) -> int:
        if not text:
            return 0
        self.calls += 1
        try:
            return max(0, int(self._counter(text)))
        except Exception:  # a tokenizer failure must not stop completions
            log.debug("token counter failed; estimating", exc_info=True)
            return approximate_tokens(text)
