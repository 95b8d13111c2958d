"""Grammar loading: the compiled tree-sitter language and tag query of a language record.

The records are :mod:`ghost_ls.context.languages` (plain data); this module is where
tree-sitter comes in.  A language whose wheel is missing or fails to load has no
grammar: :func:`spec_for` answers None and the context engine falls back to
line-based windows.
"""

from __future__ import annotations

import importlib
import logging
import threading

from tree_sitter import Language, Query

from ghost_ls.context.languages import LanguageSpec, record_for

log = logging.getLogger(__name__)

_lock = threading.Lock()
_languages: dict[str, Language | None] = {}
_queries: dict[str, Query | None] = {}


def spec_for(language_id: str) -> LanguageSpec | None:
    """The record for an LSP language id whose grammar loads, or None (line-based fallback)."""
    spec = record_for(language_id)
    if spec is None or load_language(spec) is None:
        return None
    return spec


def load_language(spec: LanguageSpec) -> Language | None:
    """The compiled grammar from its wheel (cached); None if the wheel is missing or broken."""
    with _lock:
        if spec.name not in _languages:
            _languages[spec.name] = _import_language(spec)
        return _languages[spec.name]


def _import_language(spec: LanguageSpec) -> Language | None:
    try:
        module = importlib.import_module(spec.module)
        return Language(getattr(module, spec.function)())
    except Exception:  # a broken wheel must not take the server down
        log.warning("grammar %s unavailable; using line windows", spec.name, exc_info=True)
        return None


def tags_query(spec: LanguageSpec) -> Query | None:
    """The record's definition query (``LanguageSpec.tags``), compiled once."""
    with _lock:
        if spec.name in _queries:
            return _queries[spec.name]
    language = load_language(spec)
    query: Query | None = None
    if language is not None and spec.tags:
        try:
            query = Query(language, spec.tags)
        except Exception:
            log.warning("tag query for %s does not compile", spec.name, exc_info=True)
    with _lock:
        _queries[spec.name] = query
    return query
