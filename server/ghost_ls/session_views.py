"""The views of the session that features take: each names only the part of it one job uses.

:class:`~ghost_ls.session.Session` is the one object behind every view; these are
protocols, so it satisfies them as it is, and ``server.create_server`` hands it to each
feature's ``register``, where the type checker holds it against the view named there.
A feature that needs more of the session widens its view here, in plain sight.

Members are read-only properties unless a feature writes them, so the session may hold
a richer object than the view names (the model host behind :class:`ModelState`).
"""

from __future__ import annotations

from typing import Any, Protocol

from ghost_ls.completer import Completer
from ghost_ls.config import Settings
from ghost_ls.context.builder import ContextBuilder
from ghost_ls.engine.cache import CompletionCache
from ghost_ls.engine.host import ModelHost
from ghost_ls.engine.stats import Stats
from ghost_ls.engine.worker import InferenceWorker
from ghost_ls.running import RunningGenerations
from ghost_ls.session import Editor, ItemMemory


class ModelState(Protocol):
    """What the request path reads of the model host: is it ready, and what it says."""

    @property
    def ready(self) -> bool: ...

    @property
    def state(self) -> str: ...

    @property
    def message(self) -> str: ...


class Generating(Protocol):
    """What starting a generation takes (``features/generation.py``)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def worker(self) -> InferenceWorker: ...

    @property
    def completer(self) -> Completer: ...

    @property
    def running(self) -> RunningGenerations: ...


class BusyReporting(Protocol):
    """What the busy status reads and posts (``features/busy_status.py``)."""

    @property
    def host(self) -> ModelState: ...

    def post_status(self, state: str, message: str) -> None: ...


class Completing(Generating, Protocol):
    """What completing at a place in the background takes: the documents' text and
    context, the typing-through cache, the counters, the model's readiness, and a
    generation (``features/attention.py``)."""

    @property
    def context(self) -> ContextBuilder: ...

    @property
    def cache(self) -> CompletionCache: ...

    @property
    def stats(self) -> Stats: ...

    @property
    def host(self) -> ModelState: ...


class Prefetching(Completing, Protocol):
    """:class:`Completing`, and the items answered, which a prefetch continues
    (``features/prefetch.py``, ``features/reports.py``)."""

    @property
    def items(self) -> ItemMemory: ...


class Requesting(Completing, BusyReporting, Protocol):
    """What a completion request takes: :class:`Completing`, the busy status, and the
    editor its partial text goes to (``features/pipeline.py``, ``features/completion.py``)."""

    @property
    def editor(self) -> Editor: ...


class InlineRequesting(Requesting, Protocol):
    """:class:`Requesting`, and the items answered, which it remembers
    (``features/inline_completion.py``)."""

    @property
    def items(self) -> ItemMemory: ...


class DocumentSync(Protocol):
    """What document sync takes: the text's owner, and the generations an edit may
    cancel or keep (``features/sync.py``)."""

    @property
    def context(self) -> ContextBuilder: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def running(self) -> RunningGenerations: ...

    @property
    def worker(self) -> InferenceWorker: ...


class CacheAndCounters(Protocol):
    """What the workspace commands take: the counters an accept adds to, the cache
    ``ghost.clearCache`` empties (``features/workspace_commands.py``)."""

    @property
    def stats(self) -> Stats: ...

    @property
    def cache(self) -> CompletionCache: ...


class StatusSource(Protocol):
    """What ``ghost/status`` reports: the model host and its backend, the settings, the
    counters (``features/status.py``)."""

    @property
    def host(self) -> ModelHost: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def stats(self) -> Stats: ...


class Lifecycle(Protocol):
    """What the session's life cycle takes: the settings' one writer, the model host and
    its loads on the worker, the context engine that counts tokens for the model loaded,
    the editor's folders and progress, and the end (``features/lifecycle.py``)."""

    initialized: bool
    """Whether ``initialized`` came; lifecycle sets it."""

    @property
    def editor(self) -> Editor: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def context(self) -> ContextBuilder: ...

    @property
    def cache(self) -> CompletionCache: ...

    @property
    def worker(self) -> InferenceWorker: ...

    @property
    def host(self) -> ModelHost: ...

    def apply_settings(self, raw: Any) -> None: ...

    def post_status(self, state: str, message: str) -> None: ...

    def close(self) -> None: ...
