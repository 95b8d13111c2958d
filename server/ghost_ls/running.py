"""Generations under way, followed through the user's typing so a later request can use one.

While the user types what the model is writing, every keystroke used to cancel the
generation (the edit made it stale) and the request at the next pause started the
same generation again.  A :class:`Running` generation instead remembers where its text
would be typed (document version and LSP position) and what must be typed before its
own text (``lead``: nothing for a request; the accepted suggestion and the Enter for a
prefetch).  For each edit, :meth:`Running.follow` says whether it is the user typing on
at that position in agreement with what the model has written so far; only an edit
that is not makes ``did_change`` cancel the generation, as before.  The generation
checks the same agreement after each token it writes (:meth:`Running.on_text`) and
stops as soon as the typing and the text part.

A request at the position the typing has reached (:meth:`RunningGenerations.joinable`)
waits for the generation (:meth:`Running.wait`) and is answered from the
typing-through cache, which the finished generation fills (with ``streaming``, it is
sent the text past what was typed as it grows).  A request made while the
lead of a prefetch is still being typed (the typing-through cache has nothing left of
the accepted suggestion, typically at its last character) gets no suggestion and
leaves the prefetch running (:meth:`RunningGenerations.typing_lead`).  When the request that
started a generation is cancelled (``$/cancelRequest``; editors cancel the previous
request at each keystroke) and no other request waits for it, it runs on for a grace
period (the clients' debounce plus ``GRACE_MARGIN_SECONDS``) so that the next
keystroke's request can still take it over; then it is cancelled.  Any new generation
cancels the ones that nobody waits for.  Setting ``joinRunning: false`` turns all of
this off.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ghost_ls.completer import Outcome
from ghost_ls.context.documents import change_range, change_text
from ghost_ls.context.types import CompletionMode
from ghost_ls.positions import utf16_length

GRACE_MARGIN_SECONDS = 0.1
"""Added to the clients' debounce: how long a generation nobody waits for may still be
taken over by the next request."""


def agrees(written: str, typed: str) -> bool:
    """Whether the text typed and the text written so far can still be the same text."""
    return written.startswith(typed) or typed.startswith(written)


def advance(line: int, character: int, text: str) -> tuple[int, int]:
    """The LSP position (UTF-16) after inserting ``text`` at (``line``, ``character``)."""
    if "\n" not in text:
        return line, character + utf16_length(text)
    return line + text.count("\n"), utf16_length(text.rsplit("\n", 1)[1])


@dataclass(eq=False)
class Running:
    """One generation, the position its text would be typed at, and who waits for it."""

    uri: str
    version: int
    """The document version the followed edits have brought it to."""
    line: int
    character: int
    """Where the next typed character goes (LSP position, UTF-16)."""
    mode: CompletionMode
    candidates: int
    cancel: threading.Event
    lead: str = ""
    """Text that must be typed before the generation's own text (a prefetch's accepted
    suggestion and Enter); empty for a request's generation."""
    future: asyncio.Future[Outcome | None] | None = None
    typed: str = ""
    """What the user has typed at the position since the generation started."""
    written: str = ""
    """The model's text so far (the first candidate's)."""
    holders: int = 0
    """Requests awaiting the generation now."""
    watchers: list[tuple[Callable[[str], None], int]] = field(default_factory=list)
    """Waiting requests' partial-text sinks, each with how much of ``lead`` + text the
    user had typed when it came: it is shown the rest (``ghost/partialCompletion``)."""
    _grace: asyncio.TimerHandle | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self.future is None or self.future.done()

    def on_text(self, text: str) -> None:
        """The model's text so far (inference thread): stop once it parts from the typing."""
        self.written = text
        whole = self.lead + text
        if not agrees(whole, self.typed):
            self.cancel.set()
            return
        for sink, typed in tuple(self.watchers):
            if len(whole) > typed:
                sink(whole[typed:])

    def follow(self, version: int, changes: Sequence[Any]) -> bool:
        """Whether ``changes`` type on at the position, agreeing with the text so far."""
        if self.cancel.is_set() or len(changes) != 1:
            return False
        bounds = change_range(changes[0])
        if bounds != (self.line, self.character, self.line, self.character):
            return False  # a whole-document change, a deletion, or an edit elsewhere
        text = change_text(changes[0])
        typed = self.typed + text.replace("\r\n", "\n")
        if not agrees(self.lead + self.written, typed):
            return False
        if self.mode is CompletionMode.LINE and "\n" in typed[len(self.lead):]:
            return False  # past the line this generation ends with
        self.typed = typed
        self.version = version
        self.line, self.character = advance(self.line, self.character, text)
        return True

    def at(self, version: int, line: int, character: int) -> bool:
        return (self.version, self.line, self.character) == (version, line, character)

    async def wait(self, grace: float, on_text: Callable[[str], None] | None = None) -> Outcome | None:
        """The generation's outcome.  If this request is cancelled and it was the last
        one waiting, the generation is cancelled ``grace`` seconds later unless another
        request has come to wait for it by then (at once when ``grace`` is 0).
        ``on_text`` is shown the generation's text past what has been typed so far."""
        assert self.future is not None
        self.holders += 1
        watcher = (on_text, len(self.typed)) if on_text is not None else None
        if watcher is not None:
            self.watchers.append(watcher)
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None
        try:
            return await asyncio.shield(self.future)
        except asyncio.CancelledError:
            if self.holders == 1 and not self.future.done():
                if grace <= 0:
                    self.cancel.set()
                else:
                    self._grace = asyncio.get_running_loop().call_later(grace, self._abandon)
            raise
        finally:
            self.holders -= 1
            if watcher is not None:
                self.watchers.remove(watcher)

    def _abandon(self) -> None:
        self._grace = None
        if self.holders == 0:
            self.cancel.set()


class RunningGenerations:
    """The latest generation of each document (event loop only)."""

    def __init__(self) -> None:
        self._by_uri: dict[str, Running] = {}

    def started(self, running: Running) -> None:
        """Record ``running``; the generations nobody waits for are cancelled."""
        for other in self._by_uri.values():
            if other.holders == 0 and not other.done:
                other.cancel.set()
        self._by_uri[running.uri] = running

    def follow(self, uri: str, version: int, changes: Sequence[Any]) -> bool:
        """Whether an edit leaves the document's generation going (see :meth:`Running.follow`)."""
        running = self._by_uri.get(uri)
        return running is not None and not running.done and running.follow(version, changes)

    def joinable(self, uri: str, version: int, line: int, character: int,
                 candidates: int) -> Running | None:
        """The generation a request at this position and version can wait for, if any.

        Modes are not compared: the typing-through cache does not compare them either
        (a block's text serves a line, cut at its end; a prefetched line serves the
        blank line after Enter), and a line's generation stops being followed at the
        first line break typed past it."""
        running = self._live_at(uri, version, line, character)
        if running is None or len(running.typed) < len(running.lead):
            return None  # a prefetch's position is the line after the accepted suggestion
        return running if candidates <= running.candidates else None

    def typing_lead(self, uri: str, version: int, line: int, character: int) -> bool:
        """Whether a prefetch runs for text the user is still typing the lead of (the
        accepted suggestion) and this request is where that typing has reached: the
        request has nothing to add (what is left of the suggestion is the cache's to
        answer) and must not cancel the prefetch."""
        running = self._live_at(uri, version, line, character)
        return running is not None and len(running.typed) < len(running.lead)

    def _live_at(self, uri: str, version: int, line: int, character: int) -> Running | None:
        """The document's generation if it still runs and the typing has reached this
        position (its text agrees with the typing: otherwise it was cancelled)."""
        running = self._by_uri.get(uri)
        if running is None or running.done or running.cancel.is_set():
            return None
        return running if running.at(version, line, character) else None

    def forget(self, uri: str) -> None:
        self._by_uri.pop(uri, None)
