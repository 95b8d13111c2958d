"""Starting a model generation that typing can follow: one way for requests, prefetch, warming.

Every generation runs on the inference worker under a cancel flag keyed by its document
(a newer job for the document cancels it) and is recorded as the document's
:class:`~ghost_ls.running.Running` generation, so that typing in agreement with it keeps
it going and a later request where the typing has reached waits for it; recording it
cancels the generations nobody waits for (``RunningGenerations.started``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ghost_ls.completer import Outcome
from ghost_ls.context.types import PromptContext
from ghost_ls.running import Running
from ghost_ls.session_views import Generating


@dataclass(frozen=True)
class Place:
    """Where a generation's text would be typed: document, version, LSP position."""

    uri: str
    version: int
    line: int
    character: int


def start_generation(
    session: Generating,
    place: Place,
    context: PromptContext,
    *,
    candidates: int = 1,
    lead: str = "",
    on_text: Callable[[str], None] | None = None,
    around: Callable[[Callable[[], Outcome]], Outcome] | None = None,
) -> Running:
    """Queue the generation for ``context`` at ``place``; its :class:`Running` record.

    ``lead``: text to be typed before the generation's own (a prefetch's accepted
    suggestion and Enter).  ``on_text`` also sees the first candidate's text as it
    grows.  ``around`` wraps the job on the worker thread (the busy status).
    """
    cancel = session.worker.new_cancel_event(place.uri)
    running = Running(place.uri, place.version, place.line, place.character, context.mode, candidates,
                      cancel, lead=lead)
    settings = session.settings

    def follow(text: str) -> None:
        running.on_text(text)
        if on_text is not None:
            on_text(text)

    def generate() -> Outcome:
        return session.completer.generate(context, settings, candidates=candidates, cancel_event=cancel,
                                          on_text=follow)

    job = generate if around is None else (lambda: around(generate))
    running.future = session.worker.start(job, cancel)
    session.running.started(running)
    return running
