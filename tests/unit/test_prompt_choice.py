"""The engine's choice between a place's full prompt and its short one (``engine/prompt_choice.py``)."""

from __future__ import annotations

from ghost_ls.engine.prompt_choice import choose, shared_prefix

FULL = list(range(100, 600))  # 500 tokens: snippets, the whole window
SHORT = [100, *range(1000, 1180)]  # 181 tokens: shares only the first with FULL


def test_shared_prefix_counts_leading_tokens_only() -> None:
    assert shared_prefix([1, 2, 3, 9], [1, 2, 3, 4, 5]) == 3
    assert shared_prefix([], [1]) == 0
    assert shared_prefix([1, 2, 3], [1, 2]) == 2


def test_a_cold_place_reads_the_short_prompt() -> None:
    assert choose([7, 8, 9], FULL, SHORT) == (SHORT, True)


def test_typing_on_after_a_short_read_stays_on_it() -> None:
    cached = SHORT[:-2]  # the short prompt read, two tokens typed since
    assert choose(cached, [*FULL, 5], SHORT) == (SHORT, True)


def test_the_full_prompt_once_it_is_in_the_cache() -> None:
    assert choose(FULL[:-1], FULL, SHORT) == (FULL, False)


def test_a_full_read_cut_short_past_half_of_it_goes_on() -> None:
    # 350 of 500 read: 150 left, against 181 for the short prompt again
    assert choose(FULL[:350], FULL, SHORT) == (FULL, False)


def test_a_full_read_cut_short_early_falls_back_to_the_short_prompt() -> None:
    # 60 of 500 read: 440 left, against 181 for the short prompt
    assert choose(FULL[:60], FULL, SHORT) == (SHORT, True)


def test_without_a_short_prompt_the_full_one() -> None:
    assert choose([], FULL, None) == (FULL, False)
    assert choose([], FULL, []) == (FULL, False)


def test_a_short_enough_full_prompt_is_read_whole() -> None:
    """A small file: the full prompt is mostly snippets and cheap; the short one would drop them."""
    full, short = list(range(300)), list(range(1000, 1100))
    assert choose([], full, short) == (full, False)
