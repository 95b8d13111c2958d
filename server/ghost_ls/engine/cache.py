"""Typing-through cache: answer without the model while the user types what we suggested.

Each shown suggestion is stored under a key made of the text just before the cursor
(its last ``KEY_CHARS`` characters) and the text just after it (its first
``KEY_CHARS``: the rest of the line and the lines below, which a FIM model's answer
depends on — the same prefix above different code gets a different answer).  A later
request whose prefix is an earlier key's prefix plus some typed characters, where the
typed characters are the start of that suggestion, gets the rest of the suggestion;
typing leaves the text after the cursor as it was.  Keys look only at the text near
the cursor, so edits far away do not invalidate them.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict

KEY_CHARS = 256
MAX_TYPED = 128


class CompletionCache:
    """A small LRU of suggestions keyed by the text around the cursor."""

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, str], tuple[str, ...]] = OrderedDict()

    @staticmethod
    def _key(prefix: str, suffix: str) -> tuple[str, str]:
        return prefix[-KEY_CHARS:], suffix[:KEY_CHARS]

    def put(self, prefix: str, suffix: str, texts: list[str]) -> None:
        texts = [text for text in texts if text]
        if not texts:
            return
        key = self._key(prefix, suffix)
        self._entries[key] = tuple(texts)
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def get(self, prefix: str, suffix: str) -> list[str] | None:
        """Suggestions still valid after typing; None when nothing matches."""
        key_suffix = suffix[:KEY_CHARS]
        tail = prefix[-(KEY_CHARS + MAX_TYPED):]  # all a key can look at: no copy of more
        end = len(tail)
        entries = self._entries
        for typed_count in range(min(MAX_TYPED, end) + 1):
            base_end = end - typed_count
            key = (tail[max(0, base_end - KEY_CHARS):base_end], key_suffix)
            texts = entries.get(key)
            if texts is None:
                continue
            typed = tail[base_end:]
            rest = [text[typed_count:] for text in texts if text.startswith(typed)]
            rest = [text for text in rest if text.strip()]
            if rest:
                with contextlib.suppress(KeyError):  # evicted or cleared by the worker meanwhile
                    entries.move_to_end(key)
                return rest
        return None

    def peek(self, prefix: str, suffix: str) -> bool:
        """Whether ``prefix`` has suggestions stored exactly for it (no typing-through)."""
        return self._key(prefix, suffix) in self._entries

    def clear(self) -> None:
        self._entries.clear()
