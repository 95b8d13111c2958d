"""Document sync: keeps the server's one copy of each open document current.

The context engine owns the text (pygls keeps none, see ``server.py``): it applies the
incremental edits to its lines and its tree-sitter tree.  A close cancels the generation
running for the document, and so does an edit, unless it is the user typing on where
the generation's text goes, in agreement with it (``running.py``).
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ghost_ls.session_views import DocumentSync


def register(server: LanguageServer, session: DocumentSync) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        session.context.did_open(item.uri, item.language_id, item.version, item.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if session.context.document(uri) is None:
            return
        version = params.text_document.version
        if not (session.settings.join_running
                and session.running.follow(uri, version, params.content_changes)):
            session.worker.cancel_key(uri)  # the running generation is for an older text
        session.context.did_change(uri, params.text_document.version, params.content_changes)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        session.context.did_save(params.text_document.uri, params.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        session.worker.cancel_key(params.text_document.uri)
        session.running.forget(params.text_document.uri)
        session.context.did_close(params.text_document.uri)
