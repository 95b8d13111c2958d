"""The Neovim plugin without a server: config validation, ghost text rendering,
typing through, accepting, key fallbacks, commands, health (clients/neovim/tests/unit.lua).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from nvim_harness import PLUGIN, check, check_all_collected, lua_tests, run_lua

pytestmark = pytest.mark.nvim

SCRIPT = "unit.lua"


@pytest.fixture(scope="module")
def unit_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_lua(SCRIPT, tmp_path_factory.mktemp("nvim-unit"), timeout=90)


@pytest.mark.parametrize("name", lua_tests(SCRIPT))
def test_plugin(unit_results: dict[str, Any], name: str) -> None:
    check(unit_results, name)


def test_every_lua_test_is_collected(unit_results: dict[str, Any]) -> None:
    check_all_collected(unit_results, SCRIPT)


def test_no_lua_errors(unit_results: dict[str, Any]) -> None:
    messages = unit_results.get("messages", "")
    assert "E5108" not in messages and "stack traceback" not in messages, messages


def test_help_documents_every_option_and_key(unit_results: dict[str, Any]) -> None:
    help_text = (PLUGIN / "doc" / "ghost_ls.txt").read_text()
    for name in unit_results["default_option_names"]:
        assert re.search(rf"\b{name}\b", help_text), f"option {name} missing from doc/ghost_ls.txt"
    for name, lhs in unit_results["default_keys"].items():
        assert f"keys.{name} " in help_text, f"keys.{name} missing from doc/ghost_ls.txt"
        assert lhs in help_text, f"default {lhs} of keys.{name} missing from doc/ghost_ls.txt"


def test_help_tags_are_unique() -> None:
    help_text = (PLUGIN / "doc" / "ghost_ls.txt").read_text()
    tags = re.findall(r"\*([^*\s]+)\*", help_text)
    assert len(tags) == len(set(tags)), tags
    assert "ghost_ls" in tags


def test_plugin_modules_are_small() -> None:
    """docs/ARCHITECTURE.md: modules under ~400 lines, one job each."""
    for path in [*Path(PLUGIN, "lua").rglob("*.lua"), *Path(PLUGIN, "plugin").rglob("*.lua")]:
        lines = path.read_text().count("\n")
        assert lines <= 400, f"{path} has {lines} lines; split it"
