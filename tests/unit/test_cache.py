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


def test_typing_through_survives_evictions_and_replacements() -> None:
    """Stored texts' starts are counted: evicting or replacing one entry must not hide
    another whose text starts the same way, and a one-character typing-through hits."""
    cache = CompletionCache(capacity=2)
    cache.put("a = ", "", ["compute(1)"])
    cache.put("b = ", "", ["compare(2)"])
    cache.put("a = ", "", ["xyz"])  # replaces the first entry's text
    cache.put("c = ", "", ["other"])  # evicts "b = "
    assert cache.get("a = c", "") is None
    assert cache.get("a = x", "") == ["yz"]
    assert cache.get("c = ot", "") == ["her"]
    cache.put("d = ", "", ["compute(3)"])  # evicts "a = "
    assert cache.get("d = co", "") == ["mpute(3)"]
    cache.put("f = ", "", ["compile(4)"])  # evicts "c = "; "d = " starts the same way
    assert cache.get("f = comp", "") == ["ile(4)"]
    cache.put("g = ", "", ["go"])  # evicts "d = ": "f = " still starts with "co"
    assert cache.get("f = co", "") == ["mpile(4)"]
    cache.clear()
    assert cache.get("f = co", "") is None
    cache.put("e = ", "", ["q"])
    assert cache.get("e = ", "") == ["q"]


def test_a_long_typed_run_finds_the_suggestion_it_started() -> None:
    cache = CompletionCache()
    for index in range(40):  # other keys around, as while typing with a model answering
        cache.put(f"row{index} = ", "", [f"value_{index}"])
    text = "sorted(items, key=lambda item: item.name, reverse=True)"
    cache.put("order = ", "\n", [text])
    assert cache.get("order = " + text[:50], "\n") == [text[50:]]
