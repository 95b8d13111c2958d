"""The engine misbehaving on purpose (real 0.5B model): every request still gets an answer.

A SIGSTOPped engine never answers and never exits: the server must notice that it
shows no sign of life, kill it, answer the request and restart it.  A SIGKILL while the
engine reads its first prompt (the OOM killer, a user) is not llama.cpp's AMX crash: the
engine restarts as it was, extra buffer types on.  The engine's process id comes from
``ghost/status``; the CPU is described by ``GHOST_LS_TEST_SYSTEM_INFO`` where the test
needs extra buffer types on.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from ghost_ls.engine.child_control import ALIVE_STALL_SECONDS
from support import EPYC, SAMPLE, SMALL_MODEL, start_server, wait_status

pytestmark = pytest.mark.model

OPTIONS = {"model": SMALL_MODEL, "maxTokens": 16, "threads": 1}
ANSWER_BOUND = ALIVE_STALL_SECONDS + 30
"""How long a request may wait on a stopped engine: the stall time, and a margin for
the kill and a busy machine (docs/PROTOCOL.md, Engine crashes)."""


def open_document(client: LspClient, tmp_path: Path, text: str) -> tuple[str, int, int]:
    path = tmp_path / "shapes.py"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.open(uri, text)
    lines = text.split("\n")
    return uri, len(lines) - 1, len(lines[-1])


def items(result: Any) -> list[dict[str, Any]]:
    return list(result["items"]) if result else []


def suggestion(client: LspClient, uri: str, line: int, column: int, timeout: float = 60) -> str:
    """A fresh model suggestion (the completion cache cleared first)."""
    client.clear_cache()
    found = items(client.inline(uri, line, column, invoked=True, timeout=timeout))
    return str(found[0]["insertText"]) if found else ""


def message_of(client: LspClient, index: int) -> str:
    return str(client.notifications[index]["params"]["message"])


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_stopped_engine_is_killed_the_request_answered_and_serving_resumes(tmp_path: Path) -> None:
    client = start_server(OPTIONS, root=tmp_path)
    stopped = 0
    try:
        uri, line, column = open_document(client, tmp_path, SAMPLE)
        assert suggestion(client, uri, line, column).strip()
        stopped = client.status()["engineProcessId"]
        assert stopped and stopped != client.process.pid

        start = len(client.notifications)
        os.kill(stopped, signal.SIGSTOP)  # alive, holding its socket open, never answering
        client.clear_cache()
        answer = client.inline(uri, line, column, invoked=True, timeout=ANSWER_BOUND)
        assert items(answer) == []  # answered (empty), not left waiting

        error_at = wait_status(client, "error", start, timeout=30)
        error = message_of(client, error_at)
        assert "stopped responding" in error and f"no sign of life for {ALIVE_STALL_SECONDS:.0f} s" in error
        assert error.endswith("; restarting")  # not the AMX fallback: it was our kill
        ready = message_of(client, wait_status(client, "ready", error_at, timeout=60))
        assert "engine restarted" in ready
        assert gone(stopped)  # SIGKILL ends a stopped process too

        assert suggestion(client, uri, line, column).strip()
        status = client.status()
        assert status["state"] == "ready" and status["engineRestarts"] == 1
        assert status["engineProcessId"] not in (None, 0, stopped)
    finally:
        if stopped and not gone(stopped):  # the server failed to: leave nothing stopped behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(stopped, signal.SIGKILL)
        client.close()


LONG_FILE = "".join(f"value_{i} = compute({i}, {i} * {i}, 'item {i}')\n" for i in range(120)) + "total = "
"""About 2,000 tokens: the 0.5B on one thread reads it for seconds."""


def test_a_sigkill_during_the_first_prompt_read_restarts_with_the_same_buffers(tmp_path: Path) -> None:
    # extra buffer types on whatever this CPU is: the AMX fallback would turn them off
    client = start_server(OPTIONS, env={"GHOST_LS_TEST_SYSTEM_INFO": EPYC}, root=tmp_path)
    try:
        status = client.status()
        engine = status["engineProcessId"]
        assert status["extraBuffers"] is True and engine
        uri, line, column = open_document(client, tmp_path, LONG_FILE)
        start = len(client.notifications)
        _, answer = client.inline_async(uri, line, column, invoked=True)
        wait_status(client, "generating", start, timeout=30)  # the first decode is under way
        os.kill(engine, signal.SIGKILL)
        client.wait_response(answer, timeout=ANSWER_BOUND)

        error_at = wait_status(client, "error", start, timeout=30)
        error = message_of(client, error_at)
        assert error == "the llama.cpp engine crashed (SIGKILL); restarting"
        ready = message_of(client, wait_status(client, "ready", error_at, timeout=60))
        assert "extra buffer types on" in ready
        status = client.status()
        assert status["extraBuffers"] is True
        assert "crashed at its first decode" not in status["extraBuffersReason"]
        assert status["engineRestarts"] == 1
        assert status["engineProcessId"] not in (None, 0, engine)
        uri, line, column = open_document(client, tmp_path, SAMPLE)
        assert suggestion(client, uri, line, column).strip()
    finally:
        client.close()
