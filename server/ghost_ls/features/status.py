"""``ghost/status``: the model, its backend, the counters and the settings in effect.

What only one kind of backend knows is there only for it: the llama.cpp engine's fields
(threads, GPU layers, extra buffers, flash attention, engine process) for the local
engine, the endpoint for a remote server.

No credential in it: the user and password of a URL are masked in every field that
carries settings or messages (``redact.py``; the API key itself is never in the
server's settings, only the variable's name).  ``problems`` lists the settings refused
because of what they would send (``engine/remote/credentials.py``).
"""

from __future__ import annotations

from typing import Any

from pygls.lsp.server import LanguageServer

from ghost_ls.config import settings_as_wire
from ghost_ls.engine.backend import LlamaEngineInfo, RemoteServerInfo
from ghost_ls.engine.llama_loading import gpu_offload_supported
from ghost_ls.engine.remote.credentials import credential_problems
from ghost_ls.engine.stats import Stats
from ghost_ls.redact import redact_value
from ghost_ls.session_views import StatusSource


def status_report(session: StatusSource) -> dict[str, Any]:
    """Everything ``ghost/status`` answers: what every backend reports, then what only its
    kind knows (the local llama.cpp engine's fields, a remote server's), then the counters."""
    host = session.host
    info = host.backend.info() if host.backend is not None else None
    return {
        "state": host.state,
        "message": redact_value(host.message),
        # the model serving (the settings may name the next one, its load to come)
        "model": host.serving_model or session.settings.model,
        "modelPath": (info.model_path or None) if info else None,
        "backend": info.backend if info else None,
        "description": redact_value(info.description) if info else None,
        "gpuOffloadSupported": _gpu_supported(),
        "promptFormat": host.format.name,
        **(_engine_fields(info.engine, session.stats) if info and info.engine else {}),
        **(_server_fields(info.server) if info and info.server else {}),
        **session.stats.as_wire(),
        "settings": redact_value(settings_as_wire(session.settings)),
        "problems": credential_problems(session.settings),
    }


def _engine_fields(engine: LlamaEngineInfo, stats: Stats) -> dict[str, Any]:
    """What only the local llama.cpp engine knows: absent for a remote or scripted backend."""
    return {
        "gpuLayers": engine.gpu_layers,
        "threads": engine.threads,
        "lastThreads": stats.last_threads,
        "extraBuffers": engine.extra_buffers,
        "extraBuffersReason": engine.extra_buffers_reason,
        "flashAttention": engine.flash_attention,
        "engineProcessId": engine.process_id,
        "engineRestarts": engine.restarts,
    }


def _server_fields(server: RemoteServerInfo) -> dict[str, Any]:
    """What only a remote backend knows: the server it talks to."""
    return {"endpoint": redact_value(server.endpoint)}


def _gpu_supported() -> bool:
    try:
        return gpu_offload_supported()
    except ImportError:
        return False


def register(server: LanguageServer, session: StatusSource) -> None:
    @server.feature("ghost/status")
    def ghost_status(params: Any) -> dict[str, Any]:
        return status_report(session)
