"""Server settings set from Neovim are checked by the server: the plugin passes them on,
the real `ghost-ls serve` (scripted backend, no model) names an unknown key or a wrong
value in a message Neovim shows, and uses its default (clients/neovim/tests/server_settings.lua).
"""

from __future__ import annotations

from typing import Any

import pytest
from nvim_harness import check, check_all_collected, find_server, lua_tests, run_lua

pytestmark = pytest.mark.nvim

SCRIPT = "server_settings.lua"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    server = find_server()
    if server is None:
        pytest.skip("ghost-ls not installed (pip install -e .)")
    return run_lua(
        SCRIPT, tmp_path_factory.mktemp("nvim-settings"), timeout=90,
        env={"GHOST_LS_SERVER": server, "GHOST_LS_BACKEND": "fake"},
    )


@pytest.mark.parametrize("name", lua_tests(SCRIPT))
def test_server_settings(results: dict[str, Any], name: str) -> None:
    check(results, name)


def test_every_lua_test_is_collected(results: dict[str, Any]) -> None:
    check_all_collected(results, SCRIPT)
