"""The typing-through cache: hits while the user types the suggestion, misses otherwise."""

from __future__ import annotations

from ghost_ls.engine.cache import CompletionCache


def test_exact_prefix_hits() -> None:
    cache = CompletionCache()
    cache.put("x = ", "", ["compute(1)"])
    assert cache.get("x = ", "") == ["compute(1)"]


def test_typing_the_suggestion_returns_the_rest() -> None:
    cache = CompletionCache()
    cache.put("x = ", "", ["compute(1)"])
    assert cache.get("x = comp", "") == ["ute(1)"]


def test_typing_something_else_misses() -> None:
    cache = CompletionCache()
    cache.put("x = ", "", ["compute(1)"])
    assert cache.get("x = cal", "") is None


def test_typing_all_of_it_misses() -> None:
    cache = CompletionCache()
    cache.put("x = ", "", ["ab"])
    assert cache.get("x = ab", "") is None


def test_text_right_of_the_cursor_is_part_of_the_key() -> None:
    cache = CompletionCache()
    cache.put("f(", ")", ["a"])
    assert cache.get("f(", "") is None


def test_the_code_below_the_cursor_is_part_of_the_key() -> None:
    """A FIM model's answer depends on the lines below: the same prefix above other code misses."""
    cache = CompletionCache()
    prefix = "def longest(strings):\n    "
    cache.put(prefix, "\n    for s in strings:\n", ["if not strings:\n        return None"])
    assert cache.get(prefix, "\n        return None\n") is None
    assert cache.get(prefix + "if not", "\n    for s in strings:\n") == [
        " strings:\n        return None"]


def test_edits_far_below_do_not_invalidate() -> None:
    cache = CompletionCache()
    below = "\n" + "y = 2\n" * 100
    cache.put("x = ", below + "z = 1\n", ["1"])
    assert cache.get("x = ", below + "z = 3\n") == ["1"]


def test_edits_far_above_do_not_invalidate() -> None:
    cache = CompletionCache()
    body = "y = 2\n" * 100 + "x = "
    cache.put("import os\n" + body, "", ["1"])
    assert cache.get("import sys\n" + body, "") == ["1"]


def test_lru_evicts_the_oldest() -> None:
    cache = CompletionCache(capacity=2)
    for index in range(3):
        cache.put(f"p{index} = ", "", ["v"])
    assert cache.get("p0 = ", "") is None
    assert cache.get("p2 = ", "") == ["v"]
