"""Which prompt to read at a place the model has not read: the full one or a short one.

On a CPU, the wait for a suggestion at a new place (a file just opened, a jump to
another function) is nearly all prompt reading: several hundred tokens at tens of
tokens a second.  A request may therefore carry a second, shorter prompt for the same
place (``coldPromptTokens``: the lines around the cursor, no cross-file snippets).
Before reading, the engine compares what each would cost *now*, given what its KV
cache already holds:

- the full prompt when its uncached part is small (the person types where the model
  has read: the prompt up to the middle marker stays put while they type), or short
  enough to read whole anyway (``FULL_READ_TOKENS``: a small file's cross-file snippets);
- the short prompt when it costs at most half as much (a cold place), and also while
  the person goes on typing there, as long as the short prompt is what the cache holds;
- the full prompt again once a background read has put it in the cache (the server
  reads it after serving a short-prompt suggestion: ``features/attention.py``).

A cut-short background read is still counted: whatever the cache holds of either
prompt lowers its cost, so the choice never reads more than the cheaper of the two.
"""

from __future__ import annotations

from ghost_ls.context.text import common_prefix_length


def shared_prefix(cached: list[int], prompt: list[int]) -> int:
    """How many leading tokens of ``prompt`` the cache already holds."""
    return common_prefix_length(cached, prompt)


def uncached(cached: list[int], prompt: list[int]) -> int:
    """Tokens of ``prompt`` that would have to be read."""
    return len(prompt) - shared_prefix(cached, prompt)


FULL_READ_TOKENS = 384
"""A full prompt with at most this many tokens left to read is read whole: in a small
file the full prompt is mostly cross-file snippets, cheap to read and worth having."""


def choose(cached: list[int], full: list[int], short: list[int] | None) -> tuple[list[int], bool]:
    """The prompt to read, and whether it is the short one."""
    left = uncached(cached, full)
    if not short or left <= FULL_READ_TOKENS:
        return full, False
    if 2 * uncached(cached, short) <= left:
        return short, True
    return full, False
