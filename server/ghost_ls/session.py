"""One editor session: the state the features share, and the narrow way back to the editor.

Features (``features/*``) get a :class:`Session`, each through the narrow view of it
that it names (``session_views.py``); they never see the pygls server.  The server
(``server.py``) implements :class:`Editor` and creates the session, then registers the
features, so imports run one way: server -> features -> session views -> session ->
completer, engine, context.

What lives here: the settings (written only by :meth:`Session.apply_settings`, which
also hands them to the context engine), the context engine, the model host, the one
inference worker, the generations running (so typing can follow one), the
typing-through cache, the statistics, and the items recently
answered (:class:`ItemMemory`, so a later notification naming an item can find it).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lsprotocol import types

from ghost_ls.completer import Completer
from ghost_ls.config import Settings, parse_settings
from ghost_ls.context.builder import ContextBuilder
from ghost_ls.context.types import PromptContext
from ghost_ls.engine.cache import CompletionCache
from ghost_ls.engine.host import ModelHost
from ghost_ls.engine.stats import Stats
from ghost_ls.engine.worker import InferenceWorker
from ghost_ls.postprocess.cleanup import Cleaned
from ghost_ls.running import RunningGenerations

log = logging.getLogger(__name__)

REMEMBERED_ITEMS = 64


class Editor(Protocol):
    """What a feature may ask of the connection to the editor."""

    def notify(self, method: str, params: dict[str, Any]) -> None:
        """Send a notification (from any thread)."""
        ...

    def show_message(self, text: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """``window/showMessage`` (from any thread)."""
        ...

    def request_id(self) -> object:
        """The JSON-RPC id of the request being handled (None in a notification)."""
        ...

    def workspace_folders(self) -> list[Path]:
        """The workspace folders, as local paths."""
        ...

    async def begin_progress(self, token: str, title: str, message: str) -> bool:
        """Start ``window/workDoneProgress`` if the editor supports it; whether it did."""
        ...

    def end_progress(self, token: str, message: str) -> None: ...


@dataclass(frozen=True)
class ShownItem:
    """An item answered: where, for which text, and what it suggested."""

    uri: str
    version: int
    context: PromptContext
    suggestion: Cleaned
    line: int = 0
    character: int = 0
    """The LSP position (UTF-16) the suggestion was offered at."""


class ItemMemory:
    """The last items answered, by the id their ``ghost.accepted`` command carries."""

    def __init__(self) -> None:
        self._items: OrderedDict[int, ShownItem] = OrderedDict()

    def remember(self, item_id: int, item: ShownItem) -> None:
        self._items[item_id] = item
        while len(self._items) > REMEMBERED_ITEMS:
            self._items.popitem(last=False)

    def get(self, item_id: int) -> ShownItem | None:
        return self._items.get(item_id)


class Session:
    """The state every feature shares for one editor connection."""

    def __init__(self, editor: Editor) -> None:
        self.editor = editor
        self._settings = Settings()
        self.context = ContextBuilder(self._settings)
        self.stats = Stats()
        self.cache = CompletionCache()
        self.worker = InferenceWorker()
        self.running = RunningGenerations()
        self.host = ModelHost(on_status=self.post_status)
        self.completer = Completer(self.host, self.cache, self.stats)
        self.items = ItemMemory()
        self.initialized = False
        """Whether ``initialized`` came (and the first model load started)."""
        self._error_reported = ""

    @property
    def settings(self) -> Settings:
        return self._settings

    def apply_settings(self, raw: Any) -> None:
        """Merge ``raw`` into the settings, hand them to the context engine, and name
        what was rejected in a message."""
        settings, problems = parse_settings(raw, self._settings)
        self._settings = settings
        self.context.update_settings(settings)
        for problem in problems:
            log.warning("settings: %s", problem)
            self.editor.show_message(f"invalid setting: {problem}")

    def post_status(self, state: str, message: str) -> None:
        """``ghost/didChangeStatus`` (from any thread); an error is also shown once."""
        self.editor.notify("ghost/didChangeStatus", {"kind": state, "message": message})
        if state == "error" and message != self._error_reported:
            self._error_reported = message
            self.editor.show_message(message, types.MessageType.Error)

    def close(self) -> None:
        """Stop the inference worker and the context engine's thread."""
        self.worker.shutdown()
        self.context.close()
