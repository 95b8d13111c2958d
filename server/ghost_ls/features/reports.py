"""What the client reports back: items shown and partially accepted.

``textDocument/didShowCompletion`` and ``textDocument/didPartiallyAcceptCompletion`` use
Copilot's names so Copilot-aware clients work unchanged; they feed local counters, and a
shown item starts a prefetch (``features/prefetch.py``).  Full accepts arrive as the
item's ``ghost.accepted`` command (``features/workspace_commands.py``).
"""

from __future__ import annotations

from typing import Any

from pygls.lsp.server import LanguageServer

from ghost_ls.features.prefetch import prefetch
from ghost_ls.session_views import Prefetching


def register(server: LanguageServer, session: Prefetching) -> None:
    @server.feature("textDocument/didShowCompletion")
    def did_show(params: Any) -> None:
        session.stats.shown += 1
        prefetch(session, params)

    @server.feature("textDocument/didPartiallyAcceptCompletion")
    def did_partially_accept(params: Any) -> None:
        session.stats.partially_accepted += 1
