"""``ghost/status``: the model, the engine, the counters and the settings in effect.

No credential in it: the user and password of a URL are masked in every field that
carries settings or messages (``redact.py``; the API key itself is never in the
server's settings, only the variable's name).  ``problems`` lists the settings refused
because of what they would send (``engine/remote/credentials.py``).
"""

from __future__ import annotations

from typing import Any

from pygls.lsp.server import LanguageServer

from ghost_ls.config import settings_as_wire
from ghost_ls.engine.backend import LlamaEngineInfo
from ghost_ls.engine.llama_loading import gpu_offload_supported
from ghost_ls.engine.remote.credentials import credential_problems
from ghost_ls.redact import redact_value
from ghost_ls.session_views import StatusSource


def status_report(session: StatusSource) -> dict[str, Any]:
    """Everything ``ghost/status`` answers."""
    host = session.host
    info = host.backend.info() if host.backend is not None else None
    # a backend without a llama.cpp engine of its own (remote, scripted) shows its defaults
    engine = (info.engine or LlamaEngineInfo()) if info else None
    return {
        "state": host.state,
        "message": redact_value(host.message),
        # the model serving (the settings may name the next one, its load to come)
        "model": host.serving_model or session.settings.model,
        "modelPath": info.model_path if info else None,
        "backend": info.backend if info else None,
        "description": redact_value(info.description) if info else None,
        "gpuOffloadSupported": _gpu_supported(),
        "gpuLayers": engine.gpu_layers if engine else 0,
        "threads": info.threads if info else 0,
        "promptFormat": host.format.name,
        "extraBuffers": engine.extra_buffers if engine else None,
        "extraBuffersReason": engine.extra_buffers_reason if engine else None,
        "flashAttention": engine.flash_attention if engine else None,
        "endpoint": redact_value(info.endpoint) if info else None,
        "engineProcessId": engine.process_id if engine else None,
        "engineRestarts": engine.restarts if engine else 0,
        **session.stats.as_wire(),
        "settings": redact_value(settings_as_wire(session.settings)),
        "problems": credential_problems(session.settings),
    }


def _gpu_supported() -> bool:
    try:
        return gpu_offload_supported()
    except ImportError:
        return False


def register(server: LanguageServer, session: StatusSource) -> None:
    @server.feature("ghost/status")
    def ghost_status(params: Any) -> dict[str, Any]:
        return status_report(session)
