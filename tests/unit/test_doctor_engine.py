"""``ghost-ls doctor`` runs its test completion in the engine's child process: a native
crash there is reported with its signal and the fix, and doctor itself finishes.

The crash is the child's test hook (``GHOST_LS_TEST_CRASH_AT_FIRST_DECODE``, see
``engine/child_main.py``): SIGSEGV at the first decode with extra buffer types on, as
llama.cpp's AMX buffer does on Sapphire Rapids CPUs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from ghost_ls.models.store import resolve_model
from support import SMALL_MODEL

pytestmark = pytest.mark.model


def doctor(*args: str) -> tuple[int, dict[str, Any]]:
    model = str(resolve_model(SMALL_MODEL)[0])
    env = {**os.environ, "GHOST_LS_TEST_CRASH_AT_FIRST_DECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "ghost_ls", "doctor", "--json", "--model", model, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    report: dict[str, Any] = json.loads(done.stdout)["model"]
    return done.returncode, report


def test_a_crash_in_the_test_completion_is_reported_with_the_fix() -> None:
    returncode, model = doctor("--extra-buffers", "on")
    assert returncode == 1  # doctor finished and says something is wrong
    assert model["state"] == "error"
    assert model["testCompletionError"] == "the llama.cpp engine crashed (SIGSEGV)"
    assert "set extraBuffers = off" in model["message"]
    assert model["retryCompletion"].strip()  # the restarted engine, buffers off, works
    assert model["extraBuffers"] is False


def test_the_suggested_fix_works() -> None:
    returncode, model = doctor("--extra-buffers", "off")
    assert returncode == 0, model
    assert model["state"] == "ready" and model["testCompletion"].strip()
    assert model["extraBuffersReason"] == "extraBuffers = off (setting)"
