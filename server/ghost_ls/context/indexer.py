"""Keeps the symbol index current: workspace scan, open documents, privacy rules.

Everything here runs on the context engine's thread (:class:`ContextThread`) except the
small calls the builder makes on the request thread (:meth:`Indexer.document_changed`
only records the document as dirty).  An opened document's path is resolved and judged there too, once
(:meth:`Indexer.document_opened`), and again when the folders or settings change; a
document is indexed only after that verdict, never before.  Edited documents are
re-indexed from a snapshot of their text once they have been quiet for
:data:`DEBOUNCE_S` (or at once on save); the workspace scan walks each folder (see
:mod:`workspace` for what it reads), a few files per slice, and skips files whose size
and mtime did not change since they were indexed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ghost_ls.context.background import INDEX, PARSE, SCAN, ContextThread
from ghost_ls.context.grammars import spec_for
from ghost_ls.context.languages import language_id_for_path
from ghost_ls.context.parsing import parse_bytes
from ghost_ls.context.symbols import SymbolIndex
from ghost_ls.context.tags import extract_definitions
from ghost_ls.context.text import encode, lone_cr_to_lf
from ghost_ls.context.workspace import (
    MAX_FILE_BYTES,
    Placement,
    PrivacyRules,
    read_source,
    uri_to_path,
    walk_sources,
)

log = logging.getLogger(__name__)

DEBOUNCE_S = 1.0
MAX_FILES = 5_000
SLICE_S = 0.02


@dataclass
class _OpenDocument:
    """An open document as the indexer knows it."""

    language_id: str
    text_of: Callable[[], str]
    """Reads the document's current text (on the index thread)."""
    on_placed: Callable[[Placement], None]
    placement: Placement | None = None
    """Its resolved path and privacy verdict; None until the index thread decided."""


def _pause() -> None:
    """Give the GIL to the request thread if it is waiting (see :mod:`background`)."""
    time.sleep(0)


class Indexer:
    """Feeds the :class:`SymbolIndex` from open documents and workspace folders."""

    def __init__(self, index: SymbolIndex, thread: ContextThread) -> None:
        self.index = index
        self.thread = thread
        self.rules = PrivacyRules([])
        """Replaced on the index thread when folders or settings change (it resolves
        the folders: file-system work)."""
        self.enabled = True
        self._config: tuple[tuple[Path, ...], tuple[str, ...], bool] = ((), (), True)
        self._open: dict[str, _OpenDocument] = {}
        self._dirty: dict[str, float] = {}
        self._stamps: dict[str, tuple[float, int]] = {}
        self._scan_generation = 0
        self._lock = threading.Lock()
        self.files_indexed = 0
        self.scan_done = threading.Event()
        thread.on_idle = self._tick

    def configure(self, roots: Sequence[Path], exclude: Sequence[str], enabled: bool,
                  after: Callable[[], None] | None = None) -> bool:
        """Apply folders and settings; rescan when they changed (False: nothing changed).

        Every open document is placed again under the new rules (its callback hears
        of it), then ``after`` runs, all on the index thread."""
        config = (tuple(roots), tuple(exclude), enabled)
        if config == self._config:
            return False
        self._config = config
        self._scan_generation += 1
        generation = self._scan_generation
        self.scan_done.clear()

        def restart() -> None:
            if generation != self._scan_generation:
                return  # a newer configuration is queued
            self.rules = PrivacyRules(list(roots), list(exclude))
            self.enabled = enabled
            self.index.clear()
            self._stamps.clear()
            with self._lock:
                uris = list(self._open)
            for uri in uris:
                self._place(uri, index=True)
            if after is not None:
                after()
            if self.enabled and self.rules.roots:
                self.thread.submit(self._scan_job(generation), SCAN)
            else:
                self.scan_done.set()

        self.thread.submit(restart, PARSE)  # before any later open is placed (FIFO)
        return True

    def key_for(self, uri: str) -> str:
        """The index key of ``uri``: its real path once placed (its absolute path before)."""
        opened = self._open.get(uri)
        if opened is not None and opened.placement is not None:
            return opened.placement.key
        path = uri_to_path(uri)
        return str(Path(os.path.abspath(path))) if path is not None else uri

    def document_opened(self, uri: str, language_id: str, text_of: Callable[[], str],
                        on_placed: Callable[[Placement], None]) -> None:
        """Track an opened document: its path is resolved and judged on the index thread,
        once (``on_placed`` hears the verdict there), then its text is indexed."""
        with self._lock:
            self._open[uri] = _OpenDocument(language_id, text_of, on_placed)
            self._dirty.pop(uri, None)
        self.thread.submit(lambda: self._place(uri, index=True), PARSE)

    def document_changed(self, uri: str, language_id: str, text_of: Callable[[], str],
                         immediate: bool = False) -> None:
        """Mark ``uri`` changed; it is indexed when quiet (or now, on save).

        ``text_of`` reads the document's text at indexing time, on the index thread, so
        a keystroke costs no copy of the whole text.
        """
        with self._lock:
            opened = self._open.get(uri)
            if opened is None:
                return
            opened.language_id, opened.text_of = language_id, text_of
            self._dirty[uri] = 0.0 if immediate else time.monotonic()
        if immediate:
            self.thread.submit(lambda: self._index_open(uri), PARSE)

    def open_keys(self) -> set[str]:
        """Index keys of the open documents."""
        with self._lock:
            uris = list(self._open)
        return {self.key_for(uri) for uri in uris}

    def document_closed(self, uri: str) -> None:
        """Fall back to the file on disk (if the workspace index may read it)."""
        with self._lock:
            opened = self._open.pop(uri, None)
            self._dirty.pop(uri, None)
        placement = opened.placement if opened is not None else None
        key = placement.key if placement is not None else self.key_for(uri)

        def reindex() -> None:
            real = placement.real if placement is not None else None
            if real is not None and self.enabled and self.rules.root_of(real) is not None:
                self._index_file(real, key)
            else:
                self.index.remove(key)

        self.thread.submit(reindex, INDEX)

    def _place(self, uri: str, index: bool = False) -> None:
        """Resolve and judge an open document's path (index thread), then index it."""
        with self._lock:
            opened = self._open.get(uri)
        if opened is None:
            return
        placement = self.rules.place(uri)
        old = opened.placement
        if old is not None and old.key != placement.key:
            self.index.remove(old.key)
        opened.placement = placement
        opened.on_placed(placement)
        if index:
            self._index_open(uri)

    def _tick(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [uri for uri, since in self._dirty.items() if now - since >= DEBOUNCE_S]
        for uri in due:
            self._index_open(uri)

    def _index_open(self, uri: str) -> None:
        with self._lock:
            self._dirty.pop(uri, None)
            opened = self._open.get(uri)
        if opened is None or opened.placement is None:
            return  # indexed once placed
        placement = opened.placement
        text = opened.text_of()
        if not placement.shareable or len(text) > MAX_FILE_BYTES:
            self.index.remove(placement.key)
            return
        self._index_text(placement.key, placement.shown, opened.language_id, text)

    def _index_text(self, key: str, shown: str, language_id: str, text: str) -> None:
        spec = spec_for(language_id)
        if spec is None:
            self.index.remove(key)
            return
        source = encode(lone_cr_to_lf(text))
        tree = parse_bytes(spec, source, polite=True)
        if tree is None:
            return
        definitions = extract_definitions(tree, source, spec, key, shown, pause=_pause)
        self.index.replace(key, definitions)
        self.files_indexed += 1

    def _index_file(self, path: Path, key: str) -> None:
        language_id = language_id_for_path(path)
        if language_id is None or not self.rules.allows_path(path):
            self.index.remove(key)
            return
        try:
            stat = path.stat()
        except OSError:
            self.index.remove(key)
            return
        stamp = (stat.st_mtime, stat.st_size)
        if self._stamps.get(key) == stamp:
            return
        text = read_source(path)
        if text is None:
            self.index.remove(key)
            return
        self._stamps[key] = stamp
        self._index_text(key, self.rules.display_path(path), language_id, text)

    def _scan_job(self, generation: int) -> Callable[[], bool]:
        files = self._scan_files()

        def step() -> bool:
            if generation != self._scan_generation:
                return False
            end = time.perf_counter() + SLICE_S
            open_keys = self.open_keys()
            for path in files:
                key = str(path)
                if key not in open_keys:
                    self._index_file(path, key)
                if time.perf_counter() > end:
                    return True
            self.scan_done.set()
            return False

        return step

    def _scan_files(self) -> Iterator[Path]:
        count = 0
        for root in self.rules.roots:
            for path, _language in walk_sources(self.rules, root, MAX_FILES - count):
                count += 1
                yield path
