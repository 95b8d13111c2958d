"""Status: the ``ghost/status`` request and the client's show / partial-accept reports.

``textDocument/didShowCompletion`` and ``textDocument/didPartiallyAcceptCompletion`` use
Copilot's names so Copilot-aware clients work unchanged; they feed local counters, and a
shown item starts a prefetch (`features/prefetch.py`).
"""

from __future__ import annotations

from typing import Any

from ghost_ls.config import settings_as_wire
from ghost_ls.engine.llama import gpu_offload_supported
from ghost_ls.features.prefetch import prefetch
from ghost_ls.server import GhostServer


def status_report(ls: GhostServer) -> dict[str, Any]:
    """Everything ``ghost/status`` answers."""
    backend = ls.host.backend
    info = backend.info() if backend is not None else None
    return {
        "state": ls.host.state,
        "message": ls.host.message,
        "model": ls.settings.model,
        "modelPath": info.model_path if info else None,
        "backend": info.backend if info else None,
        "description": info.description if info else None,
        "gpuOffloadSupported": _gpu_supported(),
        "gpuLayers": info.gpu_layers if info else 0,
        "threads": info.threads if info else 0,
        "promptFormat": ls.host.format.name,
        "extraBuffers": info.extra_buffers if info else None,
        "extraBuffersReason": info.extra_buffers_reason if info else None,
        "endpoint": info.endpoint if info else None,
        "engineProcessId": info.process_id if info else None,
        "engineRestarts": info.restarts if info else 0,
        **ls.stats.as_wire(),
        "settings": settings_as_wire(ls.settings),
    }


def _gpu_supported() -> bool:
    try:
        return gpu_offload_supported()
    except ImportError:
        return False


def register(server: GhostServer) -> None:
    @server.feature("ghost/status")
    def ghost_status(ls: GhostServer, params: Any) -> dict[str, Any]:
        return status_report(ls)

    @server.feature("textDocument/didShowCompletion")
    def did_show(ls: GhostServer, params: Any) -> None:
        ls.stats.shown += 1
        prefetch(ls, params)

    @server.feature("textDocument/didPartiallyAcceptCompletion")
    def did_partially_accept(ls: GhostServer, params: Any) -> None:
        ls.stats.partially_accepted += 1
