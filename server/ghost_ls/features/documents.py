"""Document sync: keeps the context engine's copy of each open document current.

pygls applies the incremental edits to its own workspace first; the context engine
receives the same edits (for incremental tree-sitter reparsing) and the new text.
"""

from __future__ import annotations

from lsprotocol import types

from ghost_ls.server import GhostServer


def register(server: GhostServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GhostServer, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        ls.context.did_open(item.uri, item.language_id, item.version, item.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GhostServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = ls.workspace.text_documents.get(uri)
        if document is None:
            return
        ls.worker.cancel_key(uri)  # the running generation is for an older text
        ls.context.did_change(uri, params.text_document.version, params.content_changes, document.source)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: GhostServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.context.did_save(params.text_document.uri, params.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GhostServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.worker.cancel_key(params.text_document.uri)
        ls.context.did_close(params.text_document.uri)
