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
import threading
from collections import OrderedDict
from collections.abc import Sequence

KEY_CHARS = 256
MAX_TYPED = 128


class CompletionCache:
    """A small LRU of suggestions keyed by the text around the cursor."""

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, str], tuple[str, ...]] = OrderedDict()
        self._starts: dict[str, int] = {}
        """The first one and first two characters of every stored text, counted: a key
        ``n`` characters back is only looked up when the ``n`` characters typed since
        could start one of the texts (most positions are skipped without a lookup)."""
        self._writing = threading.Lock()

    @staticmethod
    def _key(prefix: str, suffix: str) -> tuple[str, str]:
        return prefix[-KEY_CHARS:], suffix[:KEY_CHARS]

    def put(self, prefix: str, suffix: str, texts: list[str]) -> None:
        texts = [text for text in texts if text]
        if not texts:
            return
        key = self._key(prefix, suffix)
        with self._writing:
            self._count_starts(texts, +1)  # before the entry: a reader never misses it
            old = self._entries.get(key)
            self._entries[key] = tuple(texts)
            self._entries.move_to_end(key)
            if old is not None:
                self._count_starts(old, -1)
            while len(self._entries) > self._capacity:
                _key, evicted = self._entries.popitem(last=False)
                self._count_starts(evicted, -1)

    def _count_starts(self, texts: Sequence[str], sign: int) -> None:
        starts = self._starts
        for text in texts:
            for start in {text[:1], text[:2]}:
                left = starts.get(start, 0) + sign
                if left > 0:
                    starts[start] = left
                else:
                    starts.pop(start, None)

    def get(self, prefix: str, suffix: str) -> list[str] | None:
        """Suggestions still valid after typing; None when nothing matches."""
        key_suffix = suffix[:KEY_CHARS]
        tail = prefix[-(KEY_CHARS + MAX_TYPED):]  # all a key can look at: no copy of more
        end = len(tail)
        entries = self._entries
        starts = self._starts
        for typed_count in range(min(MAX_TYPED, end) + 1):
            base_end = end - typed_count
            if typed_count and tail[base_end:base_end + 2] not in starts:
                continue  # no stored text starts with what would have been typed since
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
        with self._writing:
            self._entries.clear()
            self._starts.clear()
