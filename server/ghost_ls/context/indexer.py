"""Keeps the symbol index current: workspace scan, open documents, privacy rules.

Everything here runs on the background :class:`Worker` except the small calls the
builder makes on the request thread (:meth:`Indexer.document_changed` only records the
document as dirty).  Edited documents are re-indexed from a snapshot of their text
once they have been quiet for :data:`DEBOUNCE_S` (or at once on save); the workspace
scan walks each folder (see :mod:`workspace` for what it reads), a few files per slice,
and skips files whose size and mtime did not change since they were indexed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ghost_ls.context.background import INDEX, PARSE, SCAN, Worker
from ghost_ls.context.languages import language_id_for_path, spec_for
from ghost_ls.context.parsing import parse_bytes
from ghost_ls.context.symbols import SymbolIndex
from ghost_ls.context.tags import extract_definitions
from ghost_ls.context.text import encode, lone_cr_to_lf
from ghost_ls.context.workspace import (
    MAX_FILE_BYTES,
    PrivacyRules,
    read_source,
    uri_to_path,
    walk_sources,
)

log = logging.getLogger(__name__)

DEBOUNCE_S = 1.0
MAX_FILES = 5_000
SLICE_S = 0.02


def _pause() -> None:
    """Give the GIL to the request thread if it is waiting (see :mod:`worker`)."""
    time.sleep(0)


class Indexer:
    """Feeds the :class:`SymbolIndex` from open documents and workspace folders."""

    def __init__(self, index: SymbolIndex, worker: Worker) -> None:
        self.index = index
        self.worker = worker
        self.rules = PrivacyRules([])
        self.enabled = True
        self._config: tuple[tuple[Path, ...], tuple[str, ...], bool] = ((), (), True)
        self._open: dict[str, tuple[str, Callable[[], str]]] = {}
        """uri -> (language id, how to read the document's current text)."""
        self._dirty: dict[str, float] = {}
        self._keys: dict[str, str] = {}
        self._stamps: dict[str, tuple[float, int]] = {}
        self._scan_generation = 0
        self._lock = threading.Lock()
        self.files_indexed = 0
        self.scan_done = threading.Event()
        worker.on_idle = self._tick

    def configure(self, roots: Sequence[Path], exclude: Sequence[str], enabled: bool) -> None:
        """Apply folders and settings; rescan when they changed."""
        config = (tuple(roots), tuple(exclude), enabled)
        if config == self._config:
            return
        self._config = config
        self.rules = PrivacyRules(list(roots), list(exclude))
        self.enabled = enabled
        self._scan_generation += 1
        generation = self._scan_generation
        self.scan_done.clear()

        def restart() -> None:
            self.index.clear()
            self._stamps.clear()
            with self._lock:
                uris = list(self._open)
            for uri in uris:
                self._index_open(uri)
            if self.enabled and self.rules.roots:
                self.worker.submit(self._scan_job(generation), SCAN)
            else:
                self.scan_done.set()

        self.worker.submit(restart, INDEX)

    def key_for(self, uri: str) -> str:
        """The index key of ``uri``: its absolute path (remembered while it is open)."""
        known = self._keys.get(uri)
        if known is not None:
            return known
        path = uri_to_path(uri)
        return str(Path(os.path.abspath(path))) if path is not None else uri

    def document_changed(self, uri: str, language_id: str, text_of: Callable[[], str],
                         immediate: bool = False) -> None:
        """Mark ``uri`` changed; it is indexed when quiet (or now, on save/open).

        ``text_of`` reads the document's text at indexing time, on the index thread, so
        a keystroke costs no copy of the whole text.
        """
        with self._lock:
            self._open[uri] = (language_id, text_of)
            if uri not in self._keys:
                self._keys[uri] = self.key_for(uri)
            self._dirty[uri] = 0.0 if immediate else time.monotonic()
        if immediate:
            self.worker.submit(lambda: self._index_open(uri), PARSE)

    def open_keys(self) -> set[str]:
        """Index keys of the open documents."""
        with self._lock:
            return set(self._keys.values())

    def document_closed(self, uri: str) -> None:
        """Fall back to the file on disk (if the workspace index may read it)."""
        with self._lock:
            self._open.pop(uri, None)
            self._dirty.pop(uri, None)
            self._keys.pop(uri, None)
        path = uri_to_path(uri)
        key = self.key_for(uri)

        def reindex() -> None:
            if path is not None and self.enabled and self.rules.root_of(path) is not None:
                self._index_file(Path(key), key)
            else:
                self.index.remove(key)

        self.worker.submit(reindex, INDEX)

    def _tick(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [uri for uri, since in self._dirty.items() if now - since >= DEBOUNCE_S]
        for uri in due:
            self._index_open(uri)

    def _index_open(self, uri: str) -> None:
        with self._lock:
            self._dirty.pop(uri, None)
            snapshot = self._open.get(uri)
        if snapshot is None:
            return
        key = self.key_for(uri)
        language_id, text_of = snapshot
        text = text_of()
        if not self.rules.allows_uri(uri) or len(text) > MAX_FILE_BYTES:
            self.index.remove(key)
            return
        path = uri_to_path(uri)
        shown = self.rules.display_path(Path(key)) if path is not None else uri
        self._index_text(key, shown, language_id, text)

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
