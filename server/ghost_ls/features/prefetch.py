"""Prefetch: while the user reads a suggestion, compute the one that follows accepting it.

``textDocument/didShowCompletion`` names an item we answered.  If the model is idle, the
worker generates the next line for the document as it would be after accepting the
item and pressing Enter (same indentation, one unit deeper after a block opener) and
stores it in the typing-through cache, so that state is answered without a model call.
While the user accepts the item, presses Enter and types on in agreement with the
prefetch, it keeps running and the request at the new position waits for it
(``running.py``); any other edit or request for the document cancels it at once (same
cancel key).  The KV cache keeps what it evaluated, so even a cancelled prefetch
shortens the next call.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from ghost_ls.completer import Outcome
from ghost_ls.context.grammars import spec_for
from ghost_ls.context.mode import is_opener
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.features.generation import Place, start_generation
from ghost_ls.session import ShownItem
from ghost_ls.session_views import Prefetching

log = logging.getLogger(__name__)

OPEN_BRACKETS = ("(", "[")
"""A line ending in an open bracket continues one level deeper in every language."""


def after_accepting(item: ShownItem, layout: str = "psm") -> PromptContext | None:
    """The context at the start of the line after the accepted suggestion, or None.

    ``layout`` (setting ``promptLayout``) splits it as the next request will be split:
    ``anchored`` keeps the anchor (the prompt up to the middle marker is unchanged, so
    the prefetch re-reads nothing), ``line`` starts a new line's middle.
    """
    context, text = item.context, item.suggestion.text
    if "\n" in text or context.mode is not CompletionMode.LINE:
        return None
    return _next_line(context, text, item.suggestion.replaces_line_suffix, layout)


def _next_line(context: PromptContext, text: str, replaces_line_suffix: bool,
               layout: str) -> PromptContext:
    """``context`` moved to the start of the line after ``text`` (its short prompt too)."""
    line = context.line_prefix + text
    indent = line[: len(line) - len(line.lstrip())]
    if is_opener(line, spec_for(context.language)) or line.rstrip().endswith(OPEN_BRACKETS):
        indent += context.indent_unit
    rest = context.suffix[len(context.line_suffix) :] if replaces_line_suffix else context.suffix
    rest = rest.split("\n", 1)[1] if "\n" in rest else ""
    added = len(text) + 1 + len(indent)
    middle = {"anchored": context.middle_chars + added, "line": len(indent)}.get(layout, 0)
    cold = context.cold
    return dataclasses.replace(
        context,
        middle_chars=middle,
        prefix=context.prefix + text + "\n" + indent,
        suffix="\n" + rest if rest else "",
        line_prefix=indent,
        line_suffix="",
        mode=CompletionMode.LINE,
        cold=_next_line(cold, text, replaces_line_suffix, layout) if cold is not None else None,
    )


def _item_id(params: Any) -> int | None:
    try:
        return int(params.item.command.arguments[0].id)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def prefetch(session: Prefetching, params: Any) -> None:
    """Schedule the prefetch for the item in a didShowCompletion notification."""
    item_id = _item_id(params)
    shown = session.items.get(item_id) if item_id is not None else None
    if shown is None or not session.host.ready or session.worker.busy:
        return
    document = session.context.document(shown.uri)
    if document is None or document.version != shown.version:
        return
    context = after_accepting(shown, session.settings.prompt_layout)
    if context is None or session.cache.peek(context.prefix, context.suffix):
        return
    lead = context.prefix[len(shown.context.prefix):]  # the accepted text, Enter, the indent

    def counted(generate: Callable[[], Outcome]) -> Outcome:
        outcome = generate()
        if outcome.suggestions:
            session.stats.prefetched += 1
        return outcome

    start_generation(session, Place(shown.uri, shown.version, shown.line, shown.character), context,
                     lead=lead, around=counted)
