"""``ghost/didFocus``: the editor says where the person's attention rests; read it ahead.

On a CPU, the first suggestion at a place the model has not read is slow: nearly all of
the wait is the prompt (hundreds of tokens at tens of tokens a second).  Clients send
``ghost/didFocus`` when a document is opened or focused and when the cursor rests
(Neovim ``BufEnter``/``CursorHold``, VS Code active editor and selection changes), and the
server starts the completion at that position in the background, as a prefetch: the
prompt lands in the KV cache and the suggestion in the typing-through cache.

Warming is work nobody asked for, so it gives way at once: it runs only when the model
is idle, any real request starts its own generation over it (``RunningGenerations.started``
cancels generations nobody waits for; the prompt read so far stays in the KV cache), an
edit that is not typing in agreement with it cancels it (``features/sync.py``), and a
request where the typing has reached waits for it instead (``running.py``).  Each
notification warms one position once: nothing repeats while the editor is idle.

At a place the model has not read, the warming (like a request) lets the engine read
the short prompt first (``coldPromptTokens``, ``engine/prompt_choice.py``), so that a
suggestion is ready within a short rest.  A later rest in a document whose short prompt
the engine read last *grows* it: the full prompt is read (cross-file snippets, the
whole window), and the requests after it use it; a request that comes during that read
costs at most twice what reading the short prompt again would.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from pygls.lsp.server import LanguageServer

from ghost_ls.completer import Outcome
from ghost_ls.context.text import utf16_to_index
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.features.generation import Place, start_generation
from ghost_ls.positions import utf16_length
from ghost_ls.session_views import Completing

log = logging.getLogger(__name__)

METHOD = "ghost/didFocus"


def _field(value: Any, name: str) -> Any:
    """``value.name`` or ``value[name]`` (pygls hands custom params over either way)."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def _position(params: Any) -> tuple[str, int, int] | None:
    """(uri, line, character) from the notification's params, or None when malformed."""
    uri = _field(_field(params, "textDocument"), "uri")
    position = _field(params, "position")
    line, character = _field(position, "line"), _field(position, "character")
    if not isinstance(uri, str) or type(line) is not int or type(character) is not int:
        return None
    if line < 0 or character < 0:
        return None
    return uri, line, character


class Attention:
    """Warms the place the editor reports, once per place."""

    def __init__(self, session: Completing) -> None:
        self._session = session
        self._last: tuple[str, int, int, int] | None = None

    def focus(self, uri: str, line: int, character: int) -> bool:
        """Start warming at (``line``, ``character``) of ``uri``; whether it started."""
        session = self._session
        document = session.context.document(uri)
        if document is None or not session.host.ready or session.worker.busy:
            return False
        if not session.settings.language_enabled(document.language_id or ""):
            return False
        version = document.version or 0
        place = (uri, version, line, character)
        if place == self._last:
            return False
        self._last = place
        found = self._context(uri, line, character)
        if found is None:
            return False
        context, character = found
        if session.completer.read_short_at == uri and context.cold is not None:
            context = dataclasses.replace(context, cold=None)  # grow: the full prompt now
        elif session.cache.peek(context.prefix, context.suffix):
            return False
        self._start(uri, version, line, character, context)
        return True

    def _context(self, uri: str, line: int, character: int) -> tuple[PromptContext, int] | None:
        """The context a request would get here; at the line's end when the cursor rests
        inside a word (where no request would be answered)."""
        session = self._session
        line_text = session.context.line_text(uri, line)
        if line_text is None:
            return None
        column = utf16_to_index(line_text, character)
        context = session.context.build(uri, line, column)
        if context is not None and context.mode is CompletionMode.NONE:
            column = len(line_text.rstrip())
            character = utf16_length(line_text[:column])
            context = session.context.build(uri, line, column)
        if context is None or context.mode is CompletionMode.NONE or "\x00" in context.prefix[-2000:]:
            return None
        return context, character

    def _start(self, uri: str, version: int, line: int, character: int, context: PromptContext) -> None:
        session = self._session

        def counted(generate: Callable[[], Outcome]) -> Outcome:
            outcome = generate()
            if not outcome.cancelled:
                session.stats.warmed += 1
            return outcome

        start_generation(session, Place(uri, version, line, character), context, around=counted)
        log.debug("warming %s at %d:%d", uri, line, character)


def register(server: LanguageServer, session: Completing) -> None:
    attention = Attention(session)

    @server.feature(METHOD)
    def did_focus(params: Any) -> None:
        place = _position(params)
        if place is None:
            log.debug("%s with malformed params ignored", METHOD)
            return
        attention.focus(*place)

