"""Remote backends: the model runs on a shared inference server, ghost-ls does the rest.

``settings.backend`` picks the API: ``llama-server`` (its ``/infill``, the server
renders the FIM prompt from the parts) or ``openai`` (``/v1/completions`` with the FIM
text).  Context, post-processing, caches and clients are the same as for the local
engine; what a request sends is described in the README (Privacy).

Nothing is sent anywhere unless ``backend`` and ``endpoint`` are set.  The API key is
read from the environment variable ``apiKeyEnv`` names, which must be one made for
ghost-ls (``GHOST_LS_API_KEY`` or ``GHOST_LS_API_KEY_<NAME>``, ``credentials.py``), and
only ever goes into the ``Authorization`` header.
"""

from __future__ import annotations

import logging

from ghost_ls.config import Settings
from ghost_ls.engine.backend import Backend, StatusCallback
from ghost_ls.engine.remote.backend import RemoteBackend
from ghost_ls.engine.remote.credentials import read_api_key
from ghost_ls.engine.remote.endpoint import Endpoint
from ghost_ls.engine.remote.llama_server import LlamaServerApi
from ghost_ls.engine.remote.openai import OpenAiApi
from ghost_ls.engine.remote.wire import ServerApi
from ghost_ls.errors import ConfigError

log = logging.getLogger(__name__)

__all__ = ["RemoteBackend", "create_remote_backend"]


def create_remote_backend(settings: Settings, on_status: StatusCallback | None = None) -> Backend:
    """The backend ``settings.backend`` names, talking to ``settings.endpoint``."""
    key = read_api_key(settings.api_key_env)  # a refused name: ConfigError, nothing is sent
    endpoint = Endpoint.parse(settings.endpoint)
    api: ServerApi
    if settings.backend == "llama-server":
        api = LlamaServerApi(endpoint, key)
    elif settings.backend == "openai":
        api = OpenAiApi(settings.model)
    else:
        raise ConfigError(f"unknown remote backend {settings.backend!r}")
    warning = endpoint.warning()
    if warning:
        log.warning("%s", warning)
    return RemoteBackend(
        api,
        endpoint,
        model=settings.model,
        api_key=key,
        on_status=on_status,
        warning=warning,
    )
