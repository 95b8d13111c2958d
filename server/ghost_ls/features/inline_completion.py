"""``textDocument/inlineCompletion`` (LSP 3.18): ghost text at the cursor.

Automatic triggers get one item, Invoked ones up to ``candidates`` distinct items for
cycling.  ``insertText`` is what goes in at the cursor; ``range`` stays on the cursor's
line and covers the closing characters right of the cursor when the suggestion
rewrites them.  Each item carries the ``ghost.accepted`` command.
"""

from __future__ import annotations

import itertools

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ghost_ls.features.pipeline import Completed, complete_at
from ghost_ls.positions import utf16_length
from ghost_ls.session import ItemMemory, ShownItem
from ghost_ls.session_views import InlineRequesting

_item_ids = itertools.count(1)


def to_items(
    done: Completed, position: types.Position, memory: ItemMemory
) -> list[types.InlineCompletionItem]:
    items = []
    for suggestion in done.outcome.suggestions:
        item_id = next(_item_ids)
        memory.remember(item_id, ShownItem(done.uri, done.version, done.context, suggestion,
                                           position.line, position.character))
        end = position
        if suggestion.replaces_line_suffix:
            end = types.Position(position.line, utf16_length(done.line_text))
        items.append(
            types.InlineCompletionItem(
                insert_text=suggestion.text,
                range=types.Range(start=position, end=end),
                command=types.Command(
                    title="ghost-ls: accepted",
                    command="ghost.accepted",
                    arguments=[{"id": item_id, "source": done.outcome.source}],
                ),
            )
        )
    return items


def register(server: LanguageServer, session: InlineRequesting) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(params: types.InlineCompletionParams) -> types.InlineCompletionList:
        invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        candidates = session.settings.candidates if invoked else 1
        position = types.Position(
            params.position.line,
            min(params.position.character, 1 << 30),
        )
        done = await complete_at(
            session,
            params.text_document.uri,
            position,
            candidates=candidates,
            request_id=session.editor.request_id(),
        )
        if done is None:
            return types.InlineCompletionList(items=[])
        position = types.Position(position.line, utf16_length(done.line_text[: done.column]))
        return types.InlineCompletionList(items=to_items(done, position, session.items))
