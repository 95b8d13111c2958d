"""The request path shared by inline completion and the completion fallback.

Checks that are cheap and decide "nothing to do" come first (unknown document, position
past the end, disabled language, mid-word, binary text, model not ready); then the
typing-through cache; then a generation already running whose text the user has been
typing (``running.py``: wait for it, answer from the cache it fills); only then a new
generation, on the worker thread, which cancels the document's previous one.  A result
for a document version that changed meanwhile is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types

from ghost_ls.completer import Outcome
from ghost_ls.context.documents import Document
from ghost_ls.context.text import utf16_to_index
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.features.busy_status import BusyStatus
from ghost_ls.features.generation import Place, start_generation
from ghost_ls.running import GRACE_MARGIN_SECONDS
from ghost_ls.session import Editor
from ghost_ls.session_views import Completing, Requesting

log = logging.getLogger(__name__)

PARTIAL_INTERVAL_SECONDS = 0.05
"""Least time between two ``ghost/partialCompletion`` notifications of one request."""


@dataclass
class Completed:
    """A finished completion at a cursor, with what is needed to build LSP items."""

    outcome: Outcome
    context: PromptContext
    line_text: str
    column: int
    """Cursor column in code points."""
    uri: str = ""
    version: int = 0


class PartialSender:
    """``ghost/partialCompletion`` for one request: the text so far, then the final one."""

    def __init__(self, editor: Editor, request_id: object, uri: str, version: int,
                 position: types.Position) -> None:
        self._editor = editor
        self._fields = {
            "id": request_id,
            "uri": uri,
            "version": version,
            "position": {"line": position.line, "character": position.character},
        }
        self._last = 0.0

    def _send(self, text: str, done: bool) -> None:
        self._editor.notify("ghost/partialCompletion", {**self._fields, "text": text, "done": done})

    def progress(self, text: str) -> None:
        """The text generated so far (at most one every ``PARTIAL_INTERVAL_SECONDS``)."""
        now = time.monotonic()
        if now - self._last < PARTIAL_INTERVAL_SECONDS:
            return
        self._last = now
        self._send(text, False)

    def done(self, text: str) -> None:
        """The final text (what the answer's first item inserts; empty for none)."""
        self._send(text, True)


async def complete_at(
    session: Requesting,
    uri: str,
    position: types.Position,
    *,
    candidates: int,
    request_id: object = None,
) -> Completed | None:
    """Suggestions at ``position`` in ``uri``, or None when there is nothing to offer.

    The steps, in order: the cheap checks (:func:`_locate`), the typing-through cache,
    the generation already running there (:func:`_join`), a new generation
    (:func:`_generate`)."""
    session.stats.requests += 1
    at = _locate(session, uri, position)
    if at is None:
        return None
    cached = _from_cache(session, at.context, candidates)
    if cached is not None:
        return at.completed(cached)
    if not session.host.ready:
        return None
    started = time.perf_counter()
    settings = session.settings
    partial = None
    if settings.streaming and request_id is not None:
        partial = PartialSender(session.editor, request_id, uri, at.version, position)
    grace = settings.debounce_ms / 1000 + GRACE_MARGIN_SECONDS if settings.join_running else 0.0
    if settings.join_running:
        joined = await _join(session, at, position, candidates, grace, partial)
        if isinstance(joined, Completed):
            session.stats.last_latency_ms = (time.perf_counter() - started) * 1000
            return joined
        if joined is None:
            return None
    outcome = await _generate(session, at, position, candidates, grace, partial)
    session.stats.last_latency_ms = (time.perf_counter() - started) * 1000
    if outcome is None:
        return None
    if partial is not None:
        partial.done(outcome.suggestions[0].text if outcome.suggestions else "")
    return at.completed(outcome)


@dataclass
class _At:
    """A request's place once the checks passed: the document and the context built there."""

    uri: str
    document: Document
    version: int
    context: PromptContext
    line_text: str
    column: int

    def completed(self, outcome: Outcome) -> Completed:
        return Completed(outcome, self.context, self.line_text, self.column, self.uri, self.version)

    def current(self, session: Completing) -> bool:
        """Whether the document is still open at the version the context was built for."""
        open_now = session.context.document(self.uri) is self.document
        return open_now and (self.document.version or 0) == self.version


def _locate(session: Completing, uri: str, position: types.Position) -> _At | None:
    """The context at ``position``, or None when there is nothing to do there (unknown
    document, disabled language, position past the end, mode none, binary text)."""
    document = session.context.document(uri)
    if document is None or not session.settings.language_enabled(document.language_id or ""):
        return None
    line_text = session.context.line_text(uri, position.line)
    if line_text is None:
        return None
    column = utf16_to_index(line_text, position.character)
    context = session.context.build(uri, position.line, column)
    if context is None or context.mode is CompletionMode.NONE or "\x00" in context.prefix[-2000:]:
        return None
    return _At(uri, document, document.version or 0, context, line_text, column)


def _from_cache(session: Completing, context: PromptContext, candidates: int) -> Outcome | None:
    """The typing-through cache's suggestions, when it has enough of them."""
    cached = session.completer.suggest_from_cache(context)
    if cached is not None and len(cached.suggestions) >= min(candidates, 2):
        return cached
    return None


_GENERATE = object()
""":func:`_join`'s answer when the request must start a generation of its own."""


async def _join(session: Completing, at: _At, position: types.Position, candidates: int, grace: float,
                partial: PartialSender | None) -> Completed | object | None:
    """The answer from the generation the user's typing has followed to here, None for
    no suggestion, or :data:`_GENERATE`."""
    running = session.running.joinable(at.uri, at.version, position.line, position.character, candidates)
    if running is None:
        if candidates == 1 and session.running.typing_lead(at.uri, at.version, position.line,
                                                           position.character):
            return None  # the prefetch's lead is still being typed: the cache answers
        return _GENERATE
    joined = await running.wait(grace, partial.progress if partial else None)
    if not at.current(session):
        return None
    if joined is None or joined.cancelled:
        return _GENERATE
    cached = _from_cache(session, at.context, candidates)
    if cached is None:
        return _GENERATE
    session.stats.joined += 1
    if partial is not None:
        partial.done(cached.suggestions[0].text)
    return at.completed(cached)


async def _generate(session: Requesting, at: _At, position: types.Position, candidates: int, grace: float,
                    partial: PartialSender | None) -> Outcome | None:
    """A new generation for the request; None when cancelled or stale."""
    busy = BusyStatus(session)

    def announced(generate: Callable[[], Outcome]) -> Outcome:
        busy.job_started()
        try:
            return generate()
        finally:
            busy.job_ended()

    place = Place(at.uri, at.version, position.line, position.character)
    running = start_generation(session, place, at.context, candidates=candidates,
                               on_text=partial.progress if partial else None, around=announced)
    with busy:
        outcome = await running.wait(grace)
    if outcome is None or outcome.cancelled:
        return None
    if not at.current(session):
        log.debug("dropping a result for %s version %s (now %s)", at.uri, at.version, at.document.version)
        session.stats.stale_dropped += 1
        return None
    return outcome
