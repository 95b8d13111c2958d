"""The loaded model and its life cycle: idle, loading, ready, error.

``ModelHost.load`` resolves the configured backend and model (catalog name or path),
loads it (llama.cpp in a child process, or a remote server) and picks the prompt
format: the catalog's FIM template checked against the FIM tokens the GGUF vocabulary
defines, the vocabulary's own markers for an unknown FIM model, prefix-only when there
are none.  It is called on the inference thread; status changes are reported through
a callback so the server can notify the editor.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

from ghost_ls.config import Settings
from ghost_ls.engine.backend import Backend, FimTokens, StatusCallback
from ghost_ls.engine.cpu_features import choose_for_this_cpu
from ghost_ls.engine.templates import PromptFormat
from ghost_ls.errors import GhostError
from ghost_ls.models.catalog import FimTemplate, ModelEntry, find_entry
from ghost_ls.models.store import resolve_model

log = logging.getLogger(__name__)

ISOLATION_SUPPORTED = sys.platform != "win32"
"""The child process gets its connection and cancel flag as inherited fds (POSIX)."""


@dataclass(frozen=True)
class LoadKey:
    """The settings that require reloading the model when they change."""

    model: str
    backend: str
    endpoint: str
    api_key_env: str
    gpu_layers: int
    context_size: int
    threads: int
    extra_buffers: str
    flash_attention: bool

    @classmethod
    def of(cls, settings: Settings) -> LoadKey:
        return cls(
            settings.model,
            settings.backend,
            settings.endpoint,
            settings.api_key_env,
            settings.gpu_layers,
            settings.context_size,
            settings.threads,
            settings.extra_buffers,
            settings.flash_attention,
        )


def choose_template(entry: ModelEntry | None, vocab_fim: FimTokens | None) -> FimTemplate | None:
    """The FIM template to use, preferring what the GGUF vocabulary says."""
    catalog = entry.fim if entry else None
    if vocab_fim is None:
        return catalog
    if catalog is None:
        return FimTemplate("gguf", vocab_fim.prefix, vocab_fim.suffix, vocab_fim.middle)
    if (catalog.prefix, catalog.suffix, catalog.middle) != (
        vocab_fim.prefix,
        vocab_fim.suffix,
        vocab_fim.middle,
    ):
        log.warning(
            "FIM tokens in the GGUF (%s) differ from the catalog's %r template; using the GGUF's",
            vocab_fim,
            catalog.name,
        )
        return FimTemplate(
            catalog.name,
            vocab_fim.prefix,
            vocab_fim.suffix,
            vocab_fim.middle,
            catalog.file_sep,
            catalog.repo_name,
            catalog.order,
            catalog.stop,
        )
    return catalog


def create_backend(
    settings: Settings, on_status: StatusCallback | None = None, *, isolated: bool = True
) -> tuple[Backend, ModelEntry | None]:
    """Resolve and load the configured backend and model.

    ``isolated``: run llama.cpp in a child process (``engine/child_backend.py``, the default
    where the platform allows it) rather than in this one.  ``on_status`` hears of
    engine crashes and restarts.
    ``GHOST_LS_BACKEND=fake`` selects the scripted test backend.
    """
    if os.environ.get("GHOST_LS_BACKEND") == "fake":
        from ghost_ls.engine.fake import FakeBackend

        return FakeBackend(), None
    if settings.backend != "local":
        from ghost_ls.engine.remote import create_remote_backend

        return create_remote_backend(settings, on_status), find_entry(settings.model)
    path, entry = resolve_model(settings.model)
    if isolated and ISOLATION_SUPPORTED:
        from ghost_ls.engine.child_backend import ProcessBackend

        return ProcessBackend(path, settings, on_status=on_status), entry
    from ghost_ls.engine.llama import LlamaBackend

    choice = choose_for_this_cpu(settings.extra_buffers)
    backend = LlamaBackend(
        path,
        gpu_layers=settings.gpu_layers,
        context_size=settings.context_size,
        threads=settings.threads,
        extra_buffers=choice.enabled,
        extra_buffers_reason=choice.reason,
        flash_attention=settings.flash_attention,
    )
    return backend, entry


class ModelHost:
    """Owns the backend; ``state`` is ``idle``, ``loading``, ``ready`` or ``error``."""

    def __init__(self, on_status: StatusCallback | None = None, *, isolated: bool = True) -> None:
        self.isolated = isolated
        self.backend: Backend | None = None
        self.entry: ModelEntry | None = None
        self.format = PromptFormat(None)
        self.state = "idle"
        self.message = ""
        self.loaded_key: LoadKey | None = None
        self._on_status = on_status

    @property
    def serving_model(self) -> str | None:
        """The ``model`` setting the loaded backend was made from (None while none is):
        what answers requests, which the settings may already have moved on from."""
        if self.backend is None or self.loaded_key is None:
            return None
        return self.loaded_key.model

    @property
    def ready(self) -> bool:
        """Whether requests go to the backend.

        Also in ``error`` while a backend is loaded: that is a failure the backend
        reported at run time (a remote server down, an engine crash), and only a later
        request can find out that it is over.
        """
        return self.backend is not None and self.state in ("ready", "error")

    def _set(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        if self._on_status:
            self._on_status(state, message)

    def needs_load(self, settings: Settings) -> bool:
        return self.loaded_key != LoadKey.of(settings)

    def load(
        self, settings: Settings, prepare: Callable[[Backend, PromptFormat], None] | None = None
    ) -> None:
        """Load (or reload) the model the settings name; never raises.

        ``prepare`` runs once the backend is loaded and before ``ready`` is announced:
        whatever a request needs to know about the model (its tokenizer, whether it
        reads a suffix) is in place when a client that waited for ``ready`` sends one.
        """
        key = LoadKey.of(settings)
        self._set("loading", f"loading model {settings.model}")
        self.close()
        try:
            backend, entry = create_backend(settings, self._set, isolated=self.isolated)
        except GhostError as error:
            self.loaded_key = key
            self._set("error", str(error))
            return
        except Exception as error:  # a backend bug must not kill the server
            log.exception("model load failed")
            self.loaded_key = key
            self._set("error", f"could not load {settings.model}: {error}")
            return
        vocab_fim = backend.fim_tokens()
        self.backend, self.entry, self.loaded_key = backend, entry, key
        self.format = PromptFormat(choose_template(entry, vocab_fim))
        info = backend.info()
        message = entry.name if entry else os.path.basename(info.model_path)
        server = info.server
        if server is not None:
            message = f"{settings.model} on {server.endpoint}"
            if server.warning:
                message = f"{message} (warning: {server.warning})"
        if prepare is not None:
            try:
                prepare(backend, self.format)
            except Exception:  # the model works without it; its requests are only less tuned
                log.exception("preparing for %s failed", settings.model)
        self._set("ready", message)

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
        self.backend = None
