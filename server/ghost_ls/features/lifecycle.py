"""Initialize, settings and the model's life cycle.

Settings come from ``initializationOptions`` and later ``workspace/didChangeConfiguration``;
invalid ones are named in a ``window/showMessage`` and replaced by defaults.  The model
loads on the inference thread after ``initialized``, with ``window/workDoneProgress``
when the client supports it; completions answer empty until it is ready.

The last settings always win: loads run one after another (:class:`ModelLoads`), each
with the settings of the moment it starts, until the model loaded is the one the
newest settings name; a change that comes during a load is followed by a reload.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ghost_ls.context.tokens import approximate_tokens
from ghost_ls.engine.backend import Backend
from ghost_ls.engine.templates import PromptFormat
from ghost_ls.session_views import Lifecycle

log = logging.getLogger(__name__)

PROGRESS_TOKEN = "ghost-ls/model-load"


async def load_model(session: Lifecycle) -> bool:
    """Load the configured model on the worker thread, with progress if supported;
    whether the load ran (False: cancelled before it started, at shutdown)."""
    editor = session.editor
    progress = await editor.begin_progress(PROGRESS_TOKEN, "ghost-ls", f"loading {session.settings.model}")
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

    def load() -> bool:
        # the settings as the load starts: a change made while it waited is in them
        session.host.load(session.settings, prepare)
        return True

    loaded = await session.worker.run(load, cancel)
    if progress:
        editor.end_progress(PROGRESS_TOKEN, session.host.message)
    return bool(loaded)


class ModelLoads:
    """Loads the model until the one loaded matches the newest settings, one load at a time."""

    def __init__(self, session: Lifecycle) -> None:
        self._session = session
        self._running = False

    async def load_newest(self) -> None:
        """Load what the settings name; during a load, have it followed by another."""
        if self._running:
            return  # the running loop looks at the settings again when its load ends
        session = self._session
        self._running = True
        try:
            while True:
                session.worker.cancel_all()  # the load goes next, not after stale completions
                if not await load_model(session) or not session.host.needs_load(session.settings):
                    return
                log.info("settings changed during the load: loading %s", session.settings.model)
        finally:
            self._running = False


def register(server: LanguageServer, session: Lifecycle) -> None:
    loads = ModelLoads(session)

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
        await loads.load_newest()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
        session.apply_settings(params.settings)
        # before ``initialized`` its load will read these settings
        if session.initialized and session.host.needs_load(session.settings):
            await loads.load_newest()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(params: types.DidChangeWorkspaceFoldersParams) -> None:
        session.context.set_workspace_folders(session.editor.workspace_folders())

    @server.feature(types.SHUTDOWN)
    def shutdown(params: Any) -> None:
        session.close()
