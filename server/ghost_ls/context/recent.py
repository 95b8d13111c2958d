"""Ring of recently edited and viewed chunks, offered to the model as ``recent`` snippets.

What goes in (after llama.vim's ring): the lines around each edit (a chunk follows the
cursor while the user keeps editing the same place), and the place the user last
completed at in a document when they move to another one.  Only documents the privacy
rules let through are recorded (see :mod:`workspace`).

What comes out for a request: chunks that are *not* the local window (not overlapping
the window of the same document, and not mostly made of lines the window already
shows), newest first within the budget, emitted oldest first so the list only grows
at its end.  While the user types in one place the selection does not change: the
only chunk that changes is the one under the cursor, which overlaps the window.

Privacy is checked twice: a chunk is recorded only for a document not judged private,
and a request takes only chunks whose document ``may_share`` says may be shared now
(an open document's verdict may still be on its way from the index thread).  Purges
(a document judged private, closed unjudged, or new rules) may come from the index
thread, so the entries are guarded by a lock.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ghost_ls.context.documents import LineShift, shift_line
from ghost_ls.context.types import SNIPPET_OVERHEAD_TOKENS, Snippet

LineAt = Callable[[int], str]

CAPACITY = 16
ABOVE, BELOW = 6, 10
MAX_CHARS = 1_000
SIMILAR = 0.5
DUPLICATE = 0.9


@dataclass
class RecentEntry:
    uri: str
    path: str
    first: int
    last: int
    text: str
    kind: str
    seq: int
    lines: frozenset[str] = field(default_factory=frozenset)


def _line_set(text: str) -> frozenset[str]:
    return frozenset(line.strip() for line in text.split("\n") if line.strip())


def _overlap(a: frozenset[str], b: frozenset[str] | set[str]) -> float:
    """Share of ``a``'s lines that ``b`` also has."""
    if not a:
        return 1.0
    return len(a & b) / len(a)


class RecentRing:
    """A small, deduplicated ring of recent chunks."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self.entries: list[RecentEntry] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def record(self, uri: str, path: str, line_at: LineAt, line_count: int, center: int,
               kind: str = "edit") -> None:
        """Capture the lines around ``center`` (merging with a nearby chunk of the same uri)."""
        first = max(0, center - ABOVE)
        last = min(line_count - 1, center + BELOW)
        text = "\n".join(line_at(row) for row in range(first, last + 1)).strip("\n")
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS].rsplit("\n", 1)[0]
        if not text.strip():
            return
        lines = _line_set(text)
        with self._lock:
            kept = [e for e in self.entries
                    if not (e.uri == uri and e.first <= center + ABOVE
                            and e.last >= center - ABOVE)
                    and not (e.lines and _overlap(e.lines, lines) >= DUPLICATE)]
            kept.append(RecentEntry(uri, path, first, last, text, kind, next(self._seq), lines))
            self.entries = kept[-self.capacity:]

    def shift(self, uri: str, shifts: Sequence[LineShift]) -> None:
        """Follow edits of ``uri`` so chunk line ranges stay roughly right."""
        with self._lock:
            entries = list(self.entries)
        for entry in entries:
            if entry.uri == uri:
                entry.first = shift_line(entry.first, shifts)
                entry.last = max(entry.first, shift_line(entry.last, shifts))

    def purge(self, keep: Callable[[str], bool]) -> None:
        """Drop chunks of uris that may no longer be shared (from any thread)."""
        with self._lock:
            self.entries = [e for e in self.entries if keep(e.uri)]

    def select(self, uri: str, first: int, last: int, window: set[str],
               budget: int, count: Callable[[str], int],
               may_share: Callable[[str], bool] = lambda _uri: True) -> list[Snippet]:
        """Snippets for a request whose window shows lines ``first..last`` of ``uri``."""
        chosen: list[RecentEntry] = []
        spent = 0
        with self._lock:
            entries = list(self.entries)
        for entry in reversed(entries):
            if not may_share(entry.uri):
                continue
            if entry.uri == uri and entry.first <= last + 2 and entry.last >= first - 2:
                continue
            if _overlap(entry.lines, window) > SIMILAR:
                continue
            cost = count(entry.text) + SNIPPET_OVERHEAD_TOKENS
            if spent + cost > budget:
                continue
            spent += cost
            chosen.append(entry)
        chosen.sort(key=lambda e: e.seq)
        return [Snippet(path=e.path, text=e.text, kind="recent") for e in chosen]
