"""Initialize, settings and the model's life cycle.

Settings come from ``initializationOptions`` and later ``workspace/didChangeConfiguration``;
invalid ones are named in a ``window/showMessage`` and replaced by defaults.  The model
loads on the inference thread after ``initialized``, with ``window/workDoneProgress``
when the client supports it; completions answer empty until it is ready.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ghost_ls.context.tokens import approximate_tokens
from ghost_ls.engine.backend import Backend
from ghost_ls.engine.templates import PromptFormat
from ghost_ls.session import Session

log = logging.getLogger(__name__)

PROGRESS_TOKEN = "ghost-ls/model-load"


async def load_model(session: Session) -> None:
    """Load the configured model on the worker thread, with progress if supported."""
    settings = session.settings
    editor = session.editor
    progress = await editor.begin_progress(PROGRESS_TOKEN, "ghost-ls", f"loading {settings.model}")
    # The old model is closed by the load: stop counting tokens with its vocabulary
    # first (a closed llama.cpp vocabulary is freed memory).
    session.context.set_token_counter(approximate_tokens)
    cancel = session.worker.new_cancel_event("__load__")

    def prepare(backend: Backend, prompt_format: PromptFormat) -> None:
        # on the worker, before ``ready`` goes out: a request sent right after it must
        # already be built for this model (its FIM layout, its token counts) and must
        # not be answered with the previous model's suggestions
        session.context.set_token_counter(backend.count_tokens)
        session.context.set_model_reads_suffix(prompt_format.fim is not None)
        session.cache.clear()

    await session.worker.run(lambda: session.host.load(settings, prepare), cancel)
    if progress:
        editor.end_progress(PROGRESS_TOKEN, session.host.message)


def register(server: LanguageServer, session: Session) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        session.apply_settings(params.initialization_options)
        session.context.set_workspace_folders(session.editor.workspace_folders())

    @server.feature(types.INITIALIZED)
    async def initialized(params: types.InitializedParams) -> None:
        if session.initialized:  # sent once per session; a repeat must not load again
            log.warning("ignoring a repeated initialized notification")
            return
        session.initialized = True
        session.post_status("loading", f"loading model {session.settings.model}")
        await load_model(session)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
        session.apply_settings(params.settings)
        if session.host.needs_load(session.settings) and session.host.state != "loading":
            session.worker.cancel_all()
            await load_model(session)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(params: types.DidChangeWorkspaceFoldersParams) -> None:
        session.context.set_workspace_folders(session.editor.workspace_folders())

    @server.feature(types.SHUTDOWN)
    def shutdown(params: Any) -> None:
        session.close()
