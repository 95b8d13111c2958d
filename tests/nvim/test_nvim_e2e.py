"""The Neovim plugin against the real `ghost-ls serve` and the default code model (the 1.5B).

One headless Neovim runs clients/neovim/tests/e2e.lua (one server, model loaded once);
each scenario is reported as its own test. Slow on CPU: about a minute on 2 cores.
"""

from __future__ import annotations

from typing import Any

import pytest
from nvim_harness import check, check_all_collected, find_server, lua_tests, run_lua

pytestmark = [pytest.mark.nvim, pytest.mark.model]

SCRIPT = "e2e.lua"

MARKS = {
    "accept_line": pytest.mark.xfail(
        reason=(
            "open bug: with the 1.5B default the plugin shows a cut one-line block "
            "('if i % 3 == 0 and i') after `o` below the for line, where the server, asked "
            "directly over LSP in the same state, returns the whole block; cause not found yet. "
            "Seen on a 2-vCPU Xeon (AMX) VM; it passes on the AMD EPYC VMs (3 of 3 runs on "
            "3518364 and on 61aaf6b, 2026-12-03), where the model's greedy text differs"
        ),
        strict=False,
    ),
}
"""Marks for some of the Lua tests, by name (every name must be a test of the script)."""

E2E_TESTS = [pytest.param(name, marks=MARKS.get(name, ())) for name in lua_tests(SCRIPT)]
"""Every test e2e.lua defines, read from its source."""


@pytest.fixture(scope="module")
def e2e_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    server = find_server()
    if server is None:
        pytest.skip("ghost-ls not installed (pip install -e .)")
    return run_lua(
        SCRIPT,
        tmp_path_factory.mktemp("nvim-e2e"),
        timeout=420,
        env={"GHOST_LS_SERVER": server},
    )


@pytest.mark.parametrize("name", E2E_TESTS)
def test_e2e(e2e_results: dict[str, Any], name: str) -> None:
    check(e2e_results, name)


def test_marks_name_tests_of_the_script() -> None:
    unknown = sorted(set(MARKS) - set(lua_tests(SCRIPT)))
    assert not unknown, f"MARKS names tests {SCRIPT} does not define: {unknown}"


def test_every_lua_test_is_collected(e2e_results: dict[str, Any]) -> None:
    check_all_collected(e2e_results, SCRIPT)


def test_e2e_no_lua_errors(e2e_results: dict[str, Any]) -> None:
    messages = e2e_results.get("messages", "")
    assert "E5108" not in messages and "stack traceback" not in messages, messages


def test_e2e_status_went_through_loading_to_ready(e2e_results: dict[str, Any]) -> None:
    statuses = e2e_results.get("statuses") or []
    assert "ready" in statuses, statuses
