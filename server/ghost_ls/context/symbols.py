"""The symbol index: name -> definitions across open documents and workspace files.

Written by the background indexer (one file at a time, :meth:`SymbolIndex.replace`),
read on the request path (:meth:`SymbolIndex.lookup`, a dict lookup under a lock).
Memory is bounded: at most :data:`MAX_DEFINITIONS` definitions in all; files beyond
that are not indexed (logged once).  ``generation`` increases on every change so
readers can tell whether what they derived from the index is still current.
"""

from __future__ import annotations

import logging
import threading

from ghost_ls.context.tags import Definition

log = logging.getLogger(__name__)

MAX_DEFINITIONS = 100_000


class SymbolIndex:
    """Thread-safe, bounded map from names to their definitions."""

    def __init__(self, max_definitions: int = MAX_DEFINITIONS) -> None:
        self._by_name: dict[str, list[Definition]] = {}
        self._by_key: dict[str, list[Definition]] = {}
        self._lock = threading.Lock()
        self._max = max_definitions
        self._count = 0
        self._warned = False
        self.generation = 0

    def replace(self, key: str, definitions: list[Definition]) -> bool:
        """Set the definitions of one file; False when the index is full."""
        with self._lock:
            old = self._by_key.get(key, [])
            if self._count - len(old) + len(definitions) > self._max:
                if not self._warned:
                    log.warning("symbol index full (%d definitions); not indexing more",
                                self._max)
                    self._warned = True
                return False
            self._remove_locked(key)
            if definitions:
                self._by_key[key] = list(definitions)
                for definition in definitions:
                    self._by_name.setdefault(definition.name, []).append(definition)
                self._count += len(definitions)
            self.generation += 1
            return True

    def remove(self, key: str) -> None:
        with self._lock:
            if key in self._by_key:
                self._remove_locked(key)
                self.generation += 1

    def _remove_locked(self, key: str) -> None:
        old = self._by_key.pop(key, None)
        if not old:
            return
        self._count -= len(old)
        for name in {definition.name for definition in old}:
            kept = [d for d in self._by_name.get(name, ()) if d.key != key]
            if kept:
                self._by_name[name] = kept
            else:
                self._by_name.pop(name, None)

    def lookup(self, name: str) -> list[Definition]:
        """Definitions named ``name`` (a copy; empty when unknown)."""
        with self._lock:
            return list(self._by_name.get(name, ()))

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._by_key)

    def clear(self) -> None:
        with self._lock:
            self._by_name.clear()
            self._by_key.clear()
            self._count = 0
            self._warned = False
            self.generation += 1

    def __len__(self) -> int:
        return self._count
