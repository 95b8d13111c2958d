"""Helpers shared by the test modules (importable as ``support``: pytest's pythonpath)."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from ghost_ls.devtools.lsp_client import LspClient

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / ".work"
SMALL_MODEL = "qwen2.5-coder-0.5b-instruct"
"""The catalog model tests load when they need a real one: a FIM code model, the
smallest and fastest in the catalog (470 MB).  The default, the 1.5B, is tested where
the test says so."""

# llama.cpp system-info lines real builds printed (llama-cpp-python 0.3.36), for tests
# that decide about extra buffers as on a given CPU (GHOST_LS_TEST_SYSTEM_INFO).
EPYC = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 1 | "
    "AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)
"""AMD EPYC, AVX-512, no AMX."""
SAPPHIRE_RAPIDS = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | "
    "OPENMP = 1 | REPACK = 1 | "
)
"""Intel Sapphire Rapids (AWS m7i), with AMX, as a user reported it."""

SAMPLE = '''import math


def circle_area(radius: float) -> float:
    """Area of a circle with the given radius."""
    return math.pi * radius ** 2


def circle_circumference(radius: float) -> float:
    """Circumference of a circle with the given radius."""
    return '''


def wait_status(client: LspClient, kind: str, start: int, timeout: float = 60) -> int:
    """Index of the first ``ghost/didChangeStatus`` of ``kind`` from index ``start``.

    Found by identity: an earlier load or job may have sent an equal message."""
    message = client.wait_notification(
        lambda m: m["method"] == "ghost/didChangeStatus" and m["params"]["kind"] == kind, timeout, start
    )
    return next(i for i in range(start, len(client.notifications)) if client.notifications[i] is message)


def wait_status_field(
    client: LspClient, check: Callable[[dict[str, Any]], bool], timeout: float = 30
) -> dict[str, Any]:
    """``ghost/status`` once ``check(status)`` holds (each poll is a request answered)."""
    deadline = time.monotonic() + timeout
    while True:
        status = client.status(timeout=timeout)
        if check(status):
            return status
        assert time.monotonic() < deadline, f"ghost/status never matched: {status}"


def start_server(
    options: dict[str, object] | None = None,
    env: dict[str, str] | None = None,
    root: Path | None = None,
    wait: bool = True,
) -> LspClient:
    client = LspClient(env=env)
    client.initialize({"model": SMALL_MODEL, **(options or {})}, root=root)
    if wait:
        status = client.wait_ready(timeout=180)
        assert status["params"]["kind"] == "ready", status
    return client


def sdist_file(relative: str) -> Path:
    """A file of the llama-cpp-python sdist (e.g. a vocab-only GGUF), unpacked once.

    The sdist comes from PyPI (``pip download``) into ``bench/.work``; ``/tmp/sdist``
    is used when a copy is already unpacked there.
    """
    version = metadata.version("llama-cpp-python")
    for root in (Path(f"/tmp/sdist/llama_cpp_python-{version}"), WORK / f"llama_cpp_python-{version}"):
        if (root / relative).is_file():
            return root / relative
    archive_path = WORK / f"llama_cpp_python-{version}.tar.gz"
    if not archive_path.is_file():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"llama-cpp-python=={version}",
                "-d",
                str(WORK),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
    with tarfile.open(archive_path) as archive:
        member = archive.getmember(f"llama_cpp_python-{version}/{relative}")
        archive.extractall(WORK, members=[member], filter="data")
    return WORK / f"llama_cpp_python-{version}" / relative


QWEN2_VOCAB = "vendor/llama.cpp/models/ggml-vocab-qwen2.gguf"


def tiny_fim_model() -> Path:
    """A tiny random-weight model on Qwen2.5-Coder's vocabulary (``bench/make_fim_model.py``)."""
    sdist_file(QWEN2_VOCAB)
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "make_fim_model.py"), "--preset", "tiny"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return Path(json.loads(done.stdout)["path"])
