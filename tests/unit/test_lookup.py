"""Prompt-lookup drafts: the tokens that followed the latest earlier occurrence of the tail."""

from __future__ import annotations

import numpy as np

from ghost_ls.engine.lookup import draft


def tokens(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_the_tokens_after_the_latest_earlier_occurrence_of_the_tail() -> None:
    #            0  1  2  3  4  5  6  7  8  9
    history = tokens(7, 1, 2, 3, 4, 1, 2, 3, 9, 1, 2)
    # tail (1, 2) occurred at 1 and 5; the latest is 5, followed by 3, 9, 1, 2
    assert draft(history, 3) == [3, 9, 1]
    assert draft(history, 10) == [3, 9, 1, 2]


def test_the_longest_matching_tail_wins_over_a_later_shorter_one() -> None:
    # (5, 1, 2) occurs once, early; (1, 2) alone also occurs later
    history = tokens(5, 1, 2, 8, 8, 1, 2, 6, 6, 5, 1, 2)
    assert draft(history, 2) == [8, 8]


def test_no_draft_without_a_match_of_two_tokens_or_for_no_room() -> None:
    assert draft(tokens(1, 2, 3, 4, 5), 4) == []  # nothing repeats
    assert draft(tokens(3, 9, 4, 3), 4) == []  # only one token repeats: too weak a guess
    assert draft(tokens(1, 2, 9, 1, 2), 0) == []
    assert draft(tokens(1), 4) == []
