"""One syntax tree per open document: incremental edits, bounded reparses, background catch-up.

Keystrokes call :meth:`ParseState.edit` (``tree.edit``, microseconds).  The reparse is
lazy: the first reader after a batch of edits reparses incrementally with the old
tree, under a deadline enforced by tree-sitter's progress callback.  A parse that
would blow the deadline (first parse of a large file, an edit that reshapes the whole
file such as opening a string at the top) is handed to the background worker; readers
keep using the edited old tree (positions shifted by ``tree.edit``) until the fresh one
arrives, and edits made meanwhile are replayed onto it.  Documents above
:data:`MAX_TREE_BYTES` are never parsed: they get line windows.

py-tree-sitter holds the GIL while parsing; the progress callback is Python code, so
the worker thread gives the interpreter back every few milliseconds while it parses.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Parser, Point, Tree

from ghost_ls.context.languages import LanguageSpec, load_language

log = logging.getLogger(__name__)

MAX_TREE_BYTES = 1_000_000
"""Documents larger than this get line-based windows only."""
SYNC_PARSE_BYTES = 48_000
"""A first parse of a document up to this size runs inline; larger ones in the background."""
REPARSE_DEADLINE_S = 0.012
"""Time an inline incremental reparse may take before it moves to the background."""

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
                deadline: float | None = None) -> Tree | None:
    """Parse ``source``; None when the grammar is missing or ``deadline`` passes first."""
    parser = parser_for(spec)
    if parser is None:
        return None

    def read(offset: int, _point: Point) -> bytes:
        return source[offset:offset + 16384]

    def progress(_offset: int, _has_error: bool) -> bool:
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
        self._pending: tuple[int, Tree | None] | None = None
        self._replay: list[Edit] | None = None
        self._generation = 0
        self.background_parses = 0

    @property
    def has_tree(self) -> bool:
        return self._tree is not None

    def edit(self, edit: Edit) -> None:
        """Shift the tree for an edit; the reparse waits for the next reader."""
        if self._tree is not None:
            edit.apply(self._tree)
            self._fresh = False
        if self._replay is not None:
            self._replay.append(edit)

    def invalidate(self) -> None:
        """Forget the tree (text replaced wholesale): the next reader parses from scratch."""
        self._tree = None
        self._fresh = False
        self._replay = None
        self._generation += 1

    def tree(self, source: Callable[[], bytes], size: int) -> Tree | None:
        """The current tree (maybe an edited stale one while the background catches up)."""
        if self.spec is None or size > MAX_TREE_BYTES:
            return None
        self._adopt_background()
        if self._fresh or self._replay is not None:
            return self._tree
        if self._tree is None and size > SYNC_PARSE_BYTES:
            self._start_background(source(), None)
            return None
        deadline = time.perf_counter() + REPARSE_DEADLINE_S
        data = source()
        tree = parse_bytes(self.spec, data, self._tree, deadline)
        if tree is None:
            old = copy.copy(self._tree) if self._tree is not None else None
            self._start_background(data, old)
            return self._tree
        self._tree, self._fresh = tree, True
        return tree

    def _start_background(self, data: bytes, old: Tree | None) -> None:
        if self._submit is None or self.spec is None:
            tree = parse_bytes(self.spec, data, old) if self.spec is not None else None
            self._tree, self._fresh = tree, tree is not None
            return
        self._generation += 1
        self._replay = []
        generation, spec = self._generation, self.spec

        def job() -> None:
            tree = parse_bytes(spec, data, old)
            self._pending = (generation, tree)

        self.background_parses += 1
        self._submit(job)

    def _adopt_background(self) -> None:
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        generation, tree = pending
        if generation != self._generation or self._replay is None:
            return
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
