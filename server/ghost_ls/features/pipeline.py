"""The request path shared by inline completion and the completion fallback.

Checks that are cheap and decide "nothing to do" come first (unknown document, position
past the end, disabled language, mid-word, binary text, model not ready); then the
typing-through cache; only then the model, on the worker thread, cancelled when a newer
request for the same document arrives.  A result for a document version that changed
meanwhile is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from lsprotocol import types

from ghost_ls.completer import Outcome
from ghost_ls.context.text import utf16_to_index
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.server import GhostServer

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


def _partial_sender(
    ls: GhostServer, request_id: object, uri: str, version: int, position: types.Position
) -> Callable[[str], None]:
    last = [0.0]

    def send(text: str) -> None:
        now = time.monotonic()
        if now - last[0] < PARTIAL_INTERVAL_SECONDS:
            return
        last[0] = now
        ls.notify(
            "ghost/partialCompletion",
            {
                "id": request_id,
                "uri": uri,
                "version": version,
                "position": {"line": position.line, "character": position.character},
                "text": text,
                "done": False,
            },
        )

    return send


async def complete_at(
    ls: GhostServer,
    uri: str,
    position: types.Position,
    *,
    candidates: int,
    request_id: object = None,
) -> Completed | None:
    """Suggestions at ``position`` in ``uri``, or None when there is nothing to offer."""
    ls.stats.requests += 1
    document = ls.workspace.text_documents.get(uri)
    if document is None or not ls.settings.language_enabled(document.language_id or ""):
        return None
    line_text = ls.context.line_text(uri, position.line)
    if line_text is None:
        return None
    column = utf16_to_index(line_text, position.character)
    context = ls.context.build(uri, position.line, column)
    if context is None or context.mode is CompletionMode.NONE or "\x00" in context.prefix[-2000:]:
        return None
    cached = ls.completer.suggest_from_cache(context)
    if cached is not None and len(cached.suggestions) >= min(candidates, 2):
        return Completed(cached, context, line_text, column, uri, document.version or 0)
    if not ls.host.ready:
        return None
    version = document.version
    started = time.perf_counter()
    cancel = ls.worker.new_cancel_event(uri)
    on_text = None
    if ls.settings.streaming and request_id is not None:
        on_text = _partial_sender(ls, request_id, uri, version or 0, position)
    settings = ls.settings

    def generate() -> Outcome:
        ls.post_status("generating", ls.host.message)
        try:
            return ls.completer.generate(
                context, settings, candidates=candidates, cancel_event=cancel, on_text=on_text
            )
        finally:  # also after a cancel: the client's spinner must stop
            ls.post_status("ready", ls.host.message)

    outcome = await ls.worker.run(generate, cancel)
    ls.stats.last_latency_ms = (time.perf_counter() - started) * 1000
    if outcome is None or outcome.cancelled:
        return None
    if document.version != version or ls.workspace.text_documents.get(uri) is not document:
        log.debug("dropping a result for %s version %s (now %s)", uri, version, document.version)
        ls.stats.stale_dropped += 1
        return None
    if on_text is not None:
        text = outcome.suggestions[0].text if outcome.suggestions else ""
        ls.notify(
            "ghost/partialCompletion",
            {
                "id": request_id,
                "uri": uri,
                "version": version,
                "text": text,
                "done": True,
                "position": {"line": position.line, "character": position.character},
            },
        )
    return Completed(outcome, context, line_text, column, uri, version or 0)
