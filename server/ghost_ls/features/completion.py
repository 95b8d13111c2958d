"""``textDocument/completion``: the same suggestions for clients without inline completion.

nvim-cmp, blink.cmp, Helix and Emacs filter items by the word before the cursor, so each
item's edit starts at that word and its text repeats it; the label is the first line.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ghost_ls.features.pipeline import complete_at
from ghost_ls.positions import utf16_length
from ghost_ls.session_views import Requesting


def word_start(line_prefix: str) -> int:
    """Column where the identifier ending at the cursor starts."""
    index = len(line_prefix)
    while index > 0 and (line_prefix[index - 1].isalnum() or line_prefix[index - 1] == "_"):
        index -= 1
    return index


def register(server: LanguageServer, session: Requesting) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[".", "(", " "], resolve_provider=False),
    )
    async def completion(params: types.CompletionParams) -> types.CompletionList:
        done = await complete_at(session, params.text_document.uri, params.position, candidates=1)
        if done is None:
            return types.CompletionList(is_incomplete=True, items=[])
        line_prefix = done.line_text[: done.column]
        start = word_start(line_prefix)
        word = line_prefix[start:]
        line = params.position.line
        cursor = utf16_length(line_prefix)
        items = []
        for rank, suggestion in enumerate(done.outcome.suggestions):
            end = utf16_length(done.line_text) if suggestion.replaces_line_suffix else cursor
            text = word + suggestion.text
            items.append(
                types.CompletionItem(
                    label=text.split("\n", 1)[0].strip() or text.strip(),
                    kind=types.CompletionItemKind.Text,
                    detail="ghost-ls",
                    documentation=types.MarkupContent(types.MarkupKind.PlainText, text),
                    filter_text=text,
                    sort_text=f"0{rank}",
                    insert_text_format=types.InsertTextFormat.PlainText,
                    text_edit=types.TextEdit(
                        range=types.Range(
                            types.Position(line, utf16_length(line_prefix[:start])),
                            types.Position(line, end),
                        ),
                        new_text=text,
                    ),
                )
            )
        return types.CompletionList(is_incomplete=True, items=items)
