"""Builds the :class:`PromptContext` for a cursor: the seam between documents and prompts.

The server calls this class from its asyncio thread on every keystroke.  Document
events keep one :class:`Document` (lines + incrementally edited tree) per uri, feed the
recent-edits ring and mark the document for re-indexing; :meth:`ContextBuilder.build`
assembles the window, preamble, snippets and mode (:mod:`assemble`).  Parsing of large
documents and all indexing happen on a background thread (:mod:`background`).

No method raises: an internal error is logged (rate-limited) and ``build`` falls back
to a plain line window, ``did_change`` to a full reparse.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from ghost_ls.config import Settings
from ghost_ls.context.assemble import Assembler, Budget
from ghost_ls.context.background import PARSE, ContextThread
from ghost_ls.context.crossfile import DefinitionPicker
from ghost_ls.context.documents import Document
from ghost_ls.context.grammars import spec_for
from ghost_ls.context.indexer import Indexer
from ghost_ls.context.layout import MiddleAnchors
from ghost_ls.context.mode import completion_mode, mode_for_model
from ghost_ls.context.recent import RecentRing
from ghost_ls.context.state import DocState, stability
from ghost_ls.context.symbols import SymbolIndex
from ghost_ls.context.text import scrub_surrogates
from ghost_ls.context.tokens import TokenCache, TokenCounter, approximate_tokens
from ghost_ls.context.types import PromptContext
from ghost_ls.context.workspace import Placement, uri_to_path

log = logging.getLogger(__name__)

__all__ = ["ContextBuilder", "TokenCounter", "approximate_tokens"]

_LOG_EVERY_S = 30.0


class ContextBuilder:
    """Keeps the open documents and turns a cursor position into a prompt context."""

    def __init__(
        self,
        settings: Settings,
        count_tokens: TokenCounter = approximate_tokens,
        *,
        measure_stability: bool = False,
    ) -> None:
        """``measure_stability``: compare each build with the previous one of the same
        document for :meth:`last_stats` (benchmarks); off on the request path."""
        self._settings = settings
        self._measure_stability = measure_stability
        self._tokens = TokenCache(count_tokens)
        self._thread = ContextThread()
        self.index = SymbolIndex()
        self._indexer = Indexer(self.index, self._thread)
        self._ring = RecentRing()
        self._assembler = Assembler(self._tokens, self._indexer, self._ring, self._may_share)
        self._docs: dict[str, DocState] = {}
        self._folders: list[Path] = []
        self._stats: dict[str, dict[str, Any]] = {}
        self._last_uri: str | None = None
        self._logged: dict[str, float] = {}
        self._reads_suffix = False
        self._anchors = MiddleAnchors()
        self._cold_anchors = MiddleAnchors()
        self._configure()

    # -- configuration -------------------------------------------------------------

    def set_token_counter(self, count_tokens: TokenCounter) -> None:
        self._tokens.set_counter(count_tokens)

    def set_model_reads_suffix(self, reads_suffix: bool) -> None:
        """Whether the loaded model's prompts carry the suffix (FIM): enables FILL mode."""
        self._reads_suffix = reads_suffix

    def update_settings(self, settings: Settings) -> None:
        self._settings = settings
        self._guard("settings", self._configure)

    def set_workspace_folders(self, folders: Sequence[Path]) -> None:
        """Workspace roots: the index walks them, paths are shown relative to them."""
        self._folders = [Path(os.path.abspath(folder)) for folder in folders]
        self._guard("folders", self._configure)

    def _configure(self) -> None:
        """New folders or privacy settings: every open document is judged again on the
        index thread; until then none of them is shared, the ring keeps only chunks of
        open documents (a closed one cannot be judged again) and the definition
        pickers start over (the index is rebuilt)."""
        settings = self._settings
        if not self._indexer.configure(self._folders, settings.exclude, settings.index_workspace):
            return
        for state in self._docs.values():
            state.shareable = None
            state.picker = DefinitionPicker()
        self._ring.purge(lambda uri: uri in self._docs)

    # -- document events -----------------------------------------------------------

    def did_open(self, uri: str, language_id: str, version: int, text: str) -> None:
        self._guard("did_open", lambda: self._open(uri, language_id, version, text))

    def _open(self, uri: str, language_id: str, version: int, text: str) -> None:
        def submit(job: Callable[[], None]) -> None:
            self._thread.submit(job, PARSE)

        doc = Document(uri, language_id, version, text, spec_for(language_id), submit)
        state = DocState(doc, self._display_path(uri), None)
        self._docs[uri] = state
        doc.tree()  # small files parse now, large ones start in the background
        self._indexer.document_opened(uri, language_id, lambda: doc.text,
                                      lambda placement: self._placed(state, placement))

    def _placed(self, state: DocState, placement: Placement) -> None:
        """The index thread resolved and judged an open document's path (see
        :mod:`workspace`): once per open, again when folders or settings change."""
        uri = state.doc.uri
        if self._docs.get(uri) is not state:
            return  # closed or opened again meanwhile
        state.path = placement.shown
        state.shareable = placement.shareable
        if not placement.shareable:
            self._ring.purge(lambda other: other != uri)

    def _may_share(self, uri: str) -> bool:
        """Whether ring chunks of ``uri`` may reach a prompt: an open document only once
        judged shareable; chunks of closed documents stay only if theirs was."""
        state = self._docs.get(uri)
        return state is None or state.shareable is True

    def did_change(self, uri: str, version: int, changes: Sequence[Any]) -> None:
        state = self._docs.get(uri)
        if state is None:
            return
        try:
            self._change(state, version, changes)
        except Exception:
            self._log_error("did_change")
            self._guard("did_change", state.doc.parse.invalidate)

    def _change(self, state: DocState, version: int, changes: Sequence[Any]) -> None:
        doc = state.doc
        shifts = doc.apply_changes(changes, version)
        state.follow(shifts)
        self._ring.shift(doc.uri, shifts)
        if state.shareable is not False and shifts and shifts[-1].count < 1 << 20:
            self._ring.record(doc.uri, state.path, doc.line, doc.line_count(), shifts[-1].first)
        self._indexer.document_changed(doc.uri, doc.language_id, lambda: doc.text)

    def did_save(self, uri: str, text: str | None = None) -> None:
        state = self._docs.get(uri)
        if state is None:
            return

        def save() -> None:
            if text is not None and scrub_surrogates(text) != state.doc.text:
                state.doc.reset(text)
                state.imports = None
            self._indexer.document_changed(uri, state.doc.language_id, lambda: state.doc.text, True)

        self._guard("did_save", save)

    def did_close(self, uri: str) -> None:
        """Forget an open document; chunks of it leave the ring unless it was judged
        shareable (the index falls back to the file on disk, under the same rules)."""
        state = self._docs.pop(uri, None)
        self._stats.pop(uri, None)
        self._anchors.forget(uri)
        self._cold_anchors.forget(uri)
        if state is not None:
            if state.shareable is not True:
                self._ring.purge(lambda other: other != uri)
            self._guard("did_close", lambda: self._indexer.document_closed(uri))

    def close(self) -> None:
        """Stop the background thread."""
        self._guard("close", self._thread.close)

    # -- requests ------------------------------------------------------------------

    def document(self, uri: str) -> Document | None:
        """The open document ``uri`` (the server's one copy of its text), or None."""
        state = self._docs.get(uri)
        return state.doc if state is not None else None

    def line_text(self, uri: str, line: int) -> str | None:
        """Line ``line`` of an open document without its line break; None if unknown or past the end.

        Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only, as in LSP.  Reads the lines the
        engine already keeps, so a request never splits the whole document again.
        """
        state = self._docs.get(uri)
        if state is None or not 0 <= line < state.doc.line_count():
            return None
        return state.doc.line(line)

    def build(self, uri: str, line: int, column: int) -> PromptContext | None:
        """Context for the cursor at ``line``/``column`` (code points), None if unknown."""
        state = self._docs.get(uri)
        if state is None:
            return None
        started = time.perf_counter()
        try:
            self._note_view(uri)
            context, info = self._assembler.build(state, self._settings, line, column)
            mode = mode_for_model(context.mode, context.line_prefix, context.line_suffix,
                                  self._reads_suffix and self._settings.multiline,
                                  context.prefix, context.suffix)
            if mode is not context.mode:
                context = dataclasses.replace(context, mode=mode)
            if self._reads_suffix:
                context = self._split_middle(self._anchors, uri, context, line)
            cold = self._cold(state, uri, line, column, context)
            if cold is not None:
                context = dataclasses.replace(context, cold=cold)
        except Exception:
            self._log_error("build")
            return self._fallback(state, line, column)
        if self._measure_stability:
            info.update(stability(state, context))
        info.update(uri=uri, build_ms=round((time.perf_counter() - started) * 1000, 3),
                    window_start=context.window_start, mode=context.mode.value,
                    prefix_chars=len(context.prefix), token_calls=self._tokens.calls)
        self._stats[uri] = info
        return context

    def _cold(self, state: DocState, uri: str, line: int, column: int,
              context: PromptContext) -> PromptContext | None:
        """The short prompt's context at the same place (same mode), or None when the
        setting is off or the full prompt is no longer."""
        budget = self._settings.cold_prompt_tokens
        if not budget or budget >= self._settings.prompt_tokens:
            return None
        cold, _ = self._assembler.build(state, self._settings, line, column, cold=True)
        if _chars(cold) >= _chars(context):
            return None
        cold = dataclasses.replace(cold, mode=context.mode)
        if self._reads_suffix:
            cold = self._split_middle(self._cold_anchors, uri, cold, line)
        return cold

    def _split_middle(self, anchors: MiddleAnchors, uri: str, context: PromptContext,
                      row: int) -> PromptContext:
        settings = self._settings
        chars = anchors.middle_chars(uri, settings.prompt_layout, settings.anchor_lines,
                                           context.prefix, context.line_prefix, row,
                                           context.window_start)
        return dataclasses.replace(context, middle_chars=chars) if chars else context

    def last_stats(self, uri: str | None = None) -> dict[str, Any]:
        """Numbers about the last build (of ``uri``, or the last document built).

        Keys: ``build_ms``; ``tree`` (a syntax tree was used), ``reanchored`` (the window
        start moved), ``window_start``, ``preamble`` (import/header lines above it),
        ``mode``, ``prefix_chars``; with ``measure_stability``, stability against the
        previous build of the same document: ``layout_chars`` (snippets + path + prefix, in prompt order),
        ``shared_chars`` (its common prefix with the previous layout),
        ``shared_fraction``, ``snippets``, ``snippets_same``, ``snippets_shared``
        (leading snippets unchanged); ``token_calls`` (tokenizer calls so far).
        Empty when nothing was built.
        """
        key = uri if uri is not None else self._last_uri
        return dict(self._stats.get(key or "", {}))

    def _note_view(self, uri: str) -> None:
        """Leaving a document for another: remember where the user was in it."""
        previous, self._last_uri = self._last_uri, uri
        if previous is None or previous == uri:
            return
        state = self._docs.get(previous)
        if state is not None and state.shareable is True:
            doc = state.doc
            self._ring.record(previous, state.path, doc.line, doc.line_count(), state.last_row,
                              "view")

    def _fallback(self, state: DocState, line: int, column: int) -> PromptContext | None:
        """A plain line window, for when the engine itself failed."""
        try:
            doc = state.doc
            row = max(0, min(line, doc.line_count() - 1))
            text = doc.line(row)
            col = max(0, min(column, len(text)))
            budget = Budget.of(self._settings.prompt_tokens)
            start, spent = row, 0
            while start > 0 and spent < budget.prefix:
                start -= 1
                spent += approximate_tokens(doc.line(start)) + 1
            after = [doc.line(r) for r in range(row + 1, min(doc.line_count(), row + 40))]
            return PromptContext(
                uri=doc.uri, path=state.path, language=doc.language_id,
                prefix="\n".join([*(doc.line(r) for r in range(start, row)), text[:col]]),
                suffix="\n".join([text[col:], *after]),
                mode=completion_mode(text[:col], text[col:], doc.line, row, doc.line_count(),
                                     None, self._settings.multiline),
                line_prefix=text[:col], line_suffix=text[col:], prefix_trimmed=start > 0,
                window_start=start)
        except Exception:
            self._log_error("fallback")
            return None

    # -- helpers -------------------------------------------------------------------

    def _display_path(self, uri: str) -> str:
        path = uri_to_path(uri)
        if path is not None:
            return self._indexer.rules.display_path(Path(os.path.abspath(path)))
        name = PurePosixPath(unquote(urlparse(uri).path)).name
        return scrub_surrogates(name or uri)

    def _guard(self, where: str, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception:
            self._log_error(where)

    def _log_error(self, where: str) -> None:
        now = time.monotonic()
        if now - self._logged.get(where, -_LOG_EVERY_S) >= _LOG_EVERY_S:
            self._logged[where] = now
            log.exception("context engine error in %s; falling back", where)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until background parses and indexing are done (tests, benchmarks)."""
        end = time.monotonic() + timeout
        ok = self._thread.wait_idle(timeout)
        for state in list(self._docs.values()):
            ok = state.doc.parse.wait_idle(max(0.0, end - time.monotonic())) and ok
            state.doc.tree(force=True)
        return self._thread.wait_idle(max(0.0, end - time.monotonic())) and ok


def _chars(context: PromptContext) -> int:
    """The size of the text a context puts in a prompt."""
    return len(context.prefix) + len(context.suffix) + sum(len(s.text) for s in context.snippets)
