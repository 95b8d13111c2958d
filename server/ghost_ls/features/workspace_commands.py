"""``workspace/executeCommand``: ``ghost.accepted`` (statistics) and ``ghost.clearCache``."""

from __future__ import annotations

from pygls.lsp.server import LanguageServer

from ghost_ls.session_views import CacheAndCounters


def register(server: LanguageServer, session: CacheAndCounters) -> None:
    # pygls passes its server as the first argument of a command handler named `ls`
    @server.command("ghost.accepted")
    def accepted(ls: LanguageServer, *args: object) -> None:
        session.stats.accepted += 1

    @server.command("ghost.clearCache")
    def clear_cache(ls: LanguageServer, *args: object) -> None:
        session.cache.clear()
