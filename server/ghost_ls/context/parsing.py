"""One syntax tree per open document: incremental edits, bounded reparses, background catch-up.

Keystrokes call :meth:`ParseState.edit` (``tree.edit``, microseconds).  The reparse is
lazy: the first reader after a batch of edits reparses incrementally with the old
tree, under a short deadline enforced by tree-sitter's progress callback.

Incremental reparses are not always cheap: with tree-sitter-python, an edit near a line
end in a 5,000-line file costs several milliseconds (it grows with the file: the
external indentation scanner limits subtree reuse).  A reparse that would blow the
deadline is *deferred*: readers keep using the edited old tree (``tree.edit`` shifted
its positions; only the lines just typed lack structure) and, once the document has
been quiet for :data:`QUIET_S` at a read, a snapshot (source bytes + tree copy) goes to
the background worker, which reparses it; edits made meanwhile are replayed onto the
result when it is adopted.  So a burst of typing costs no parsing at all on the
request thread, and the catch-up runs once per pause, not once per keystroke.  The
first parse of a large document goes to the background at once.  Documents above
:data:`MAX_TREE_BYTES` are never parsed: they get line windows.

py-tree-sitter holds the GIL while parsing; in the background the progress callback
sleeps for zero seconds every few kilobytes, which hands the GIL to the request thread
whenever it is waiting.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Parser, Point, Tree

from ghost_ls.context.grammars import load_language
from ghost_ls.context.languages import LanguageSpec

log = logging.getLogger(__name__)

MAX_TREE_BYTES = 1_000_000
"""Documents larger than this get line-based windows only."""
SYNC_PARSE_BYTES = 48_000
"""A first parse of a document up to this size runs inline; larger ones in the background."""
REPARSE_DEADLINE_S = 0.0015
"""Time an inline incremental reparse may take before it is deferred."""
FIRST_PARSE_DEADLINE_S = 0.015
"""Time the first inline parse of a small document may take."""
QUIET_S = 0.1
"""A deferred reparse starts in the background once edits have paused this long."""
_YIELD_EVERY = 32

Submit = Callable[[Callable[[], None]], None]
_local = threading.local()


@dataclass(frozen=True)
class Edit:
    """One ``tree.edit`` call, kept to replay onto a tree parsed in the background."""

    start_byte: int
    old_end_byte: int
    new_end_byte: int
    start_point: tuple[int, int]
    old_end_point: tuple[int, int]
    new_end_point: tuple[int, int]

    def apply(self, tree: Tree) -> None:
        tree.edit(self.start_byte, self.old_end_byte, self.new_end_byte,
                  Point(*self.start_point), Point(*self.old_end_point),
                  Point(*self.new_end_point))


def parser_for(spec: LanguageSpec) -> Parser | None:
    """A parser for ``spec`` owned by the calling thread (parsers are not thread-safe)."""
    parsers: dict[str, Parser] = _local.__dict__.setdefault("parsers", {})
    parser = parsers.get(spec.name)
    if parser is None:
        language = load_language(spec)
        if language is None:
            return None
        parser = parsers[spec.name] = Parser(language)
    return parser


def parse_bytes(spec: LanguageSpec, source: bytes, old: Tree | None = None,
                deadline: float | None = None, polite: bool = False) -> Tree | None:
    """Parse ``source``; None when the grammar is missing or ``deadline`` passes first.

    ``polite`` (background threads): release the GIL briefly every few kilobytes.
    """
    parser = parser_for(spec)
    if parser is None:
        return None
    calls = 0

    def read(offset: int, _point: Point) -> bytes:
        return source[offset:offset + 16384]

    def progress(_offset: int, _has_error: bool) -> bool:
        nonlocal calls
        calls += 1
        if polite and calls % _YIELD_EVERY == 0:
            time.sleep(0)
        return deadline is not None and time.perf_counter() > deadline

    try:
        if old is None:
            return parser.parse(read, progress_callback=progress)
        return parser.parse(read, old, progress_callback=progress)
    except ValueError:  # halted by the progress callback
        parser.reset()
        return None


class ParseState:
    """The tree of one document and what is needed to keep it current."""

    def __init__(self, spec: LanguageSpec | None, submit: Submit | None = None) -> None:
        self.spec = spec
        self._submit = submit
        self._tree: Tree | None = None
        self._fresh = False
        self._pending: tuple[int, Tree | None, bool] | None = None
        self._replay: list[Edit] | None = None
        self._generation = 0
        self._deferred = False
        self._slow = False
        """The last reparse of this document blew the inline deadline: go straight to the
        background (when quiet) until a background reparse shows it is cheap again."""
        self._last_edit = 0.0
        self.background_parses = 0
        self.inline_parses = 0
        self.deferrals = 0

    @property
    def fresh(self) -> bool:
        """Whether the tree matches the current text (not an edited stale one)."""
        return self._tree is not None and self._fresh

    def edit(self, edit: Edit) -> None:
        """Shift the tree for an edit; the reparse waits for the next reader."""
        if self._tree is not None:
            edit.apply(self._tree)
            self._fresh = False
        if self._replay is not None:
            self._replay.append(edit)
        self._last_edit = time.monotonic()

    def invalidate(self) -> None:
        """Forget the tree (text replaced wholesale): the next reader parses from scratch."""
        self._tree = None
        self._fresh = False
        self._replay = None
        self._deferred = False
        self._generation += 1

    def tree(self, source: Callable[[], bytes], size: int, force: bool = False) -> Tree | None:
        """The current tree (maybe an edited stale one while a reparse is deferred).

        ``force`` (tests, benchmarks) parses now, inline and without a deadline.
        """
        if self.spec is None or size > MAX_TREE_BYTES:
            return None
        self._adopt_background()
        if force and not self._fresh:
            self._generation += 1  # a pending background result is no longer wanted
            tree = parse_bytes(self.spec, source(), self._tree)
            self._tree, self._fresh = tree, tree is not None
            self._replay, self._deferred, self._slow = None, False, False
            return tree
        if self._fresh or self._replay is not None:
            return self._tree
        if self._tree is None:
            return self._first_parse(source, size)
        if not (self._slow or self._deferred):
            self.inline_parses += 1
            tree = parse_bytes(self.spec, source(), self._tree,
                               time.perf_counter() + REPARSE_DEADLINE_S)
            if tree is not None:
                self._tree, self._fresh = tree, True
                return tree
            self._slow = True
            self.deferrals += 1
        self._deferred = True
        if time.monotonic() - self._last_edit >= QUIET_S:
            self._start_background(source(), copy.copy(self._tree))
        return self._tree

    def _first_parse(self, source: Callable[[], bytes], size: int) -> Tree | None:
        data = source()
        if size <= SYNC_PARSE_BYTES and self.spec is not None:
            self.inline_parses += 1
            tree = parse_bytes(self.spec, data, None,
                               time.perf_counter() + FIRST_PARSE_DEADLINE_S)
            if tree is not None:
                self._tree, self._fresh = tree, True
                return tree
        self._start_background(data, None)
        return None

    def _start_background(self, data: bytes, old: Tree | None) -> None:
        self._deferred = False
        if self._submit is None or self.spec is None:
            tree = parse_bytes(self.spec, data, old) if self.spec is not None else None
            self._tree, self._fresh = tree, tree is not None
            return
        self._generation += 1
        self._replay = []
        generation, spec = self._generation, self.spec

        def job() -> None:
            started = time.perf_counter()
            tree = parse_bytes(spec, data, old, polite=True)
            fast = old is not None and time.perf_counter() - started < REPARSE_DEADLINE_S
            self._pending = (generation, tree, fast)

        self.background_parses += 1
        self._submit(job)

    def _adopt_background(self) -> None:
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        generation, tree, fast = pending
        if generation != self._generation or self._replay is None:
            return
        self._slow = not fast
        replay, self._replay = self._replay, None
        if tree is None:
            self._tree, self._fresh = None, False
            return
        for edit in replay:
            edit.apply(tree)
        self._tree, self._fresh = tree, not replay

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until a background parse has been adopted (tests and benchmarks)."""
        end = time.monotonic() + timeout
        while self._replay is not None and time.monotonic() < end:
            if self._pending is not None:
                self._adopt_background()
                break
            time.sleep(0.002)
        return self._replay is None
