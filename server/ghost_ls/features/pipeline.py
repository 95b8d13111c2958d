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
from dataclasses import dataclass

from lsprotocol import types

from ghost_ls.completer import Outcome
from ghost_ls.context.text import utf16_to_index
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.features.busy_status import BusyStatus
from ghost_ls.running import GRACE_MARGIN_SECONDS, Running
from ghost_ls.session import Session

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

    def __init__(self, session: Session, request_id: object, uri: str, version: int,
                 position: types.Position) -> None:
        self._session = session
        self._fields = {
            "id": request_id,
            "uri": uri,
            "version": version,
            "position": {"line": position.line, "character": position.character},
        }
        self._last = 0.0

    def _send(self, text: str, done: bool) -> None:
        self._session.editor.notify("ghost/partialCompletion", {**self._fields, "text": text, "done": done})

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
    session: Session,
    uri: str,
    position: types.Position,
    *,
    candidates: int,
    request_id: object = None,
) -> Completed | None:
    """Suggestions at ``position`` in ``uri``, or None when there is nothing to offer."""
    session.stats.requests += 1
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
    cached = session.completer.suggest_from_cache(context)
    if cached is not None and len(cached.suggestions) >= min(candidates, 2):
        return Completed(cached, context, line_text, column, uri, document.version or 0)
    host = session.host
    if not host.ready:
        return None
    version = document.version
    number = version or 0
    settings = session.settings
    grace = settings.debounce_ms / 1000 + GRACE_MARGIN_SECONDS if settings.join_running else 0.0
    started = time.perf_counter()
    partial = None
    if settings.streaming and request_id is not None:
        partial = PartialSender(session, request_id, uri, number, position)
    joinable = None
    if settings.join_running:
        joinable = session.running.joinable(uri, number, position.line, position.character,
                                            candidates)
        if joinable is None and candidates == 1 and session.running.typing_lead(
                uri, number, position.line, position.character):
            return None
    if joinable is not None:
        joined = await joinable.wait(grace, partial.progress if partial else None)
        if document.version != version or session.context.document(uri) is not document:
            return None
        if joined is not None and not joined.cancelled:
            cached = session.completer.suggest_from_cache(context)
            if cached is not None and len(cached.suggestions) >= min(candidates, 2):
                session.stats.joined += 1
                session.stats.last_latency_ms = (time.perf_counter() - started) * 1000
                if partial is not None:
                    partial.done(cached.suggestions[0].text)
                return Completed(cached, context, line_text, column, uri, number)
    cancel = session.worker.new_cancel_event(uri)
    running = Running(uri, number, position.line, position.character, context.mode, candidates,
                      cancel)

    def on_text(text: str) -> None:
        running.on_text(text)
        if partial is not None:
            partial.progress(text)

    busy = BusyStatus(session)

    def generate() -> Outcome:
        busy.job_started()
        try:
            return session.completer.generate(
                context, settings, candidates=candidates, cancel_event=cancel, on_text=on_text
            )
        finally:
            busy.job_ended()

    running.future = session.worker.start(generate, cancel)
    session.running.started(running)
    with busy:
        outcome = await running.wait(grace)
    session.stats.last_latency_ms = (time.perf_counter() - started) * 1000
    if outcome is None or outcome.cancelled:
        return None
    if document.version != version or session.context.document(uri) is not document:
        log.debug("dropping a result for %s version %s (now %s)", uri, version, document.version)
        session.stats.stale_dropped += 1
        return None
    if partial is not None:
        partial.done(outcome.suggestions[0].text if outcome.suggestions else "")
    return Completed(outcome, context, line_text, column, uri, number)
