"""Initialize, settings and the model's life cycle.

Settings come from ``initializationOptions`` and later ``workspace/didChangeConfiguration``;
invalid ones are named in a ``window/showMessage`` and replaced by defaults.  The model
loads on the inference thread after ``initialized``, with ``window/workDoneProgress``
when the client supports it; completions answer empty until it is ready.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from ghost_ls.config import parse_settings
from ghost_ls.server import GhostServer

log = logging.getLogger(__name__)

PROGRESS_TOKEN = "ghost-ls/model-load"


def apply_settings(server: GhostServer, raw: Any) -> None:
    """Merge ``raw`` into the server's settings and report what was rejected."""
    settings, problems = parse_settings(raw, server.settings)
    server.settings = settings
    server.context.update_settings(settings)
    for problem in problems:
        log.warning("settings: %s", problem)
        server.show_message(f"invalid setting: {problem}")


def _workspace_folders(params: types.InitializeParams) -> list[Path]:
    uris = [folder.uri for folder in params.workspace_folders or []]
    if not uris and params.root_uri:
        uris = [params.root_uri]
    paths = [to_fs_path(uri) for uri in uris]
    return [Path(path) for path in paths if path]


async def load_model(server: GhostServer) -> None:
    """Load the configured model on the worker thread, with progress if supported."""
    capabilities = server.client_capabilities
    window = capabilities.window if capabilities else None
    progress = bool(window and window.work_done_progress)
    if progress:
        try:
            await asyncio.wait_for(server.work_done_progress.create_async(PROGRESS_TOKEN), 5)
            server.work_done_progress.begin(
                PROGRESS_TOKEN,
                types.WorkDoneProgressBegin(title="ghost-ls", message=f"loading {server.settings.model}"),
            )
        except Exception:  # the client refused or never answered: no progress, still load
            progress = False
    settings = server.settings
    cancel = server.worker.new_cancel_event("__load__")
    await server.worker.run(lambda: server.host.load(settings), cancel)
    if server.host.ready:
        server.context.set_token_counter(server.host.backend.count_tokens)  # type: ignore[union-attr]
        server.cache.clear()
    if progress:
        server.work_done_progress.end(PROGRESS_TOKEN, types.WorkDoneProgressEnd(message=server.host.message))


def register(server: GhostServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: GhostServer, params: types.InitializeParams) -> None:
        ls.loop = asyncio.get_event_loop()
        apply_settings(ls, params.initialization_options)
        ls.context.set_workspace_folders(_workspace_folders(params))

    @server.feature(types.INITIALIZED)
    async def initialized(ls: GhostServer, params: types.InitializedParams) -> None:
        if ls.initialized_seen:  # sent once per session; a repeat must not load again
            log.warning("ignoring a repeated initialized notification")
            return
        ls.initialized_seen = True
        ls.loop = asyncio.get_running_loop()
        ls.post_status("loading", f"loading model {ls.settings.model}")
        await load_model(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: GhostServer, params: types.DidChangeConfigurationParams) -> None:
        apply_settings(ls, params.settings)
        if ls.host.needs_load(ls.settings) and ls.host.state != "loading":
            ls.worker.cancel_all()
            await load_model(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(ls: GhostServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        paths = [to_fs_path(folder.uri) for folder in ls.workspace.folders.values()]
        ls.context.set_workspace_folders([Path(path) for path in paths if path])

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: GhostServer, params: Any) -> None:
        ls.worker.shutdown()
        ls.context.close()
