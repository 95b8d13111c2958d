"""Prompt-lookup drafts: guess the next tokens from an earlier place in the prompt.

Code repeats itself: the line being written often continues the way a similar line
above (or below, in the suffix) does.  When the last few tokens of the prompt plus
what was generated occurred before, the tokens that followed them there are a cheap
guess of what comes next.  The sampling loop (``engine/llama.py``) evaluates the
current token together with such a draft in one batch and keeps the drafted tokens the
model picks itself (greedy), so each right guess saves a decode step; a wrong one costs
a batch a few tokens wider than one.  No second model is involved.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

NGRAM_LONGEST = 4
"""The longest run of last tokens looked up; longer matches make better guesses."""
NGRAM_SHORTEST = 2
"""One token alone (a space, a bracket) occurs everywhere and predicts little."""


def draft(history: NDArray[np.int64], length: int) -> list[int]:
    """Up to ``length`` tokens that followed the latest earlier occurrence of the last
    ``n`` tokens of ``history``, for the largest ``n`` that occurs; [] if none does."""
    size = int(history.shape[0])
    if length <= 0:
        return []
    for n in range(min(NGRAM_LONGEST, size - 1), NGRAM_SHORTEST - 1, -1):
        tail = history[size - n :]
        # every window of n tokens that starts before the tail and has a token after it
        windows = np.lib.stride_tricks.sliding_window_view(history[: size - 1], n)
        starts = np.flatnonzero((windows == tail).all(axis=1))
        if starts.size:
            follows = int(starts[-1]) + n
            return [int(token) for token in history[follows : follows + length]]
    return []
