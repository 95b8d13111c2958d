"""``workspace/executeCommand``: ``ghost.accepted`` (statistics) and ``ghost.clearCache``."""

from __future__ import annotations

from typing import Any

from ghost_ls.server import GhostServer


def register(server: GhostServer) -> None:
    @server.command("ghost.accepted")
    def accepted(ls: GhostServer, *args: Any) -> None:
        ls.stats.accepted += 1

    @server.command("ghost.clearCache")
    def clear_cache(ls: GhostServer, *args: Any) -> None:
        ls.cache.clear()
