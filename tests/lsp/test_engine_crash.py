"""A crash of the native engine never takes the language server down (real 0.5B model).

The engine's process id comes from ``ghost/status`` (``engineProcessId``); the tests
send it real signals and check, over stdio, that the server stays up, reports the
crash and the restart, and serves suggestions again.  The AMX crash is simulated with
the child's test hook (``GHOST_LS_TEST_CRASH_AT_FIRST_DECODE``, ``engine/child_main.py``)
and the CPU with ``GHOST_LS_TEST_SYSTEM_INFO`` (``engine/cpu_features.py``), so they
decide the same on every machine; where the CPU really has AMX, one more test meets
llama.cpp's real crash.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from ghost_ls.engine.cpu_features import cpu_flags, system_info
from support import EPYC, SAMPLE, SAPPHIRE_RAPIDS, SMALL_MODEL, start_server, wait_status

pytestmark = pytest.mark.model

OPTIONS = {"model": SMALL_MODEL, "maxTokens": 16, "threads": 1}


def status_at(client: LspClient, kind: str, start: int, timeout: float = 60) -> tuple[int, str]:
    """The index and message of the first ``kind`` status notification from ``start``."""
    index = wait_status(client, kind, start, timeout)
    return index, str(client.notifications[index]["params"]["message"])


def open_sample(client: LspClient, tmp_path: Path) -> tuple[str, int, int]:
    path = tmp_path / "shapes.py"
    path.write_text(SAMPLE, encoding="utf-8")
    uri = path.as_uri()
    client.open(uri, SAMPLE)
    lines = SAMPLE.split("\n")
    return uri, len(lines) - 1, len(lines[-1])


def suggestion(client: LspClient, uri: str, line: int, column: int, timeout: float = 60) -> str:
    """A fresh model suggestion (the completion cache cleared first)."""
    client.clear_cache()
    result: Any = client.inline(uri, line, column, invoked=True, timeout=timeout)
    items = result["items"] if result else []
    return str(items[0]["insertText"]) if items else ""


def test_sigsegv_to_the_engine_is_survived_and_serving_resumes(tmp_path: Path) -> None:
    client = start_server(OPTIONS, root=tmp_path)
    try:
        uri, line, column = open_sample(client, tmp_path)
        assert suggestion(client, uri, line, column).strip()
        status = client.status()
        engine = status["engineProcessId"]
        assert engine and engine != client.process.pid
        assert status["engineRestarts"] == 0

        start = len(client.notifications)
        killed_at = time.monotonic()
        os.kill(engine, signal.SIGSEGV)
        error_at, error = status_at(client, "error", start, timeout=30)
        assert "the llama.cpp engine crashed (SIGSEGV); restarting" in error
        _, ready = status_at(client, "ready", error_at, timeout=30)
        assert "engine restarted" in ready
        assert client.process.poll() is None  # the server lived through it

        remaining = 30 - (time.monotonic() - killed_at)
        assert suggestion(client, uri, line, column, timeout=remaining).strip()
        assert time.monotonic() - killed_at < 30
        status = client.status()
        assert status["state"] == "ready"
        assert status["engineRestarts"] == 1
        assert status["engineProcessId"] not in (None, 0, engine)
    finally:
        client.close()


def check_first_decode_crash_falls_back(client: LspClient, tmp_path: Path) -> None:
    """The first completion crashes the engine; it restarts without extra buffers and serves."""
    try:
        assert client.status()["extraBuffers"] is True
        uri, line, column = open_sample(client, tmp_path)
        start = len(client.notifications)
        # This request meets the crash; its later candidates may already get the new engine.
        suggestion(client, uri, line, column)
        error_at, error = status_at(client, "error", start)
        assert "crashed (SIGSEGV)" in error
        assert "restarting with extra buffer types off" in error
        _, ready = status_at(client, "ready", error_at)
        assert "extra buffer types off" in ready
        assert suggestion(client, uri, line, column).strip()
        status = client.status()
        assert status["extraBuffers"] is False
        assert "crashed at its first decode" in status["extraBuffersReason"]
        assert status["engineRestarts"] == 1
    finally:
        client.close()


def test_crash_at_the_first_decode_falls_back_to_no_extra_buffers(tmp_path: Path) -> None:
    env = {"GHOST_LS_TEST_CRASH_AT_FIRST_DECODE": "1", "GHOST_LS_TEST_SYSTEM_INFO": EPYC}
    check_first_decode_crash_falls_back(start_server(OPTIONS, env=env, root=tmp_path), tmp_path)


@pytest.mark.skipif(not cpu_flags(system_info()).get("AMX_INT8"),
                    reason="llama.cpp's real AMX crash needs a CPU with AMX")
def test_the_real_amx_crash_falls_back_to_no_extra_buffers(tmp_path: Path) -> None:
    options = {**OPTIONS, "extraBuffers": "on"}  # what auto would avoid on this CPU
    check_first_decode_crash_falls_back(start_server(options, root=tmp_path), tmp_path)


def test_an_amx_cpu_loads_without_extra_buffers_and_the_setting_overrides(tmp_path: Path) -> None:
    client = start_server(OPTIONS, env={"GHOST_LS_TEST_SYSTEM_INFO": SAPPHIRE_RAPIDS}, root=tmp_path)
    try:
        status = client.status()
        assert status["extraBuffers"] is False
        assert "AMX" in status["extraBuffersReason"] and "#20824" in status["extraBuffersReason"]
        uri, line, column = open_sample(client, tmp_path)
        assert suggestion(client, uri, line, column).strip()

        start = len(client.notifications)
        client.notify("workspace/didChangeConfiguration", {"settings": {"extraBuffers": "on"}})
        loading_at, _ = status_at(client, "loading", start)
        status_at(client, "ready", loading_at)
        status = client.status()
        assert status["extraBuffers"] is True
        assert status["extraBuffersReason"] == "extraBuffers = on (setting)"
    finally:
        client.close()
