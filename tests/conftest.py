"""Shared fixtures: a real `ghost-ls serve` over stdio, with the real 0.5B model or the fake backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ghost_ls.devtools.lsp_client import LspClient
from support import SAMPLE, SMALL_MODEL, start_server


@pytest.fixture(scope="module")
def lsp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LspClient]:
    """A server with the real 0.5B model (``SMALL_MODEL``), shared by a test module."""
    root = tmp_path_factory.mktemp("workspace")
    client = start_server({"streaming": True, "model": SMALL_MODEL}, root=root)
    client.root = root  # type: ignore[attr-defined]
    yield client
    client.close()


@pytest.fixture
def fake_lsp() -> Iterator[LspClient]:
    """A server on the scripted backend whose first generation holds until cancelled.

    Its first ``ghost/partialCompletion`` says the generation is running; it then waits
    for its cancel flag (``engine/fake.py``), so no test has to guess with a sleep.
    """
    env = {"GHOST_LS_BACKEND": "fake", "GHOST_LS_FAKE_HOLD": "1"}
    client = start_server({"streaming": True}, env=env)
    yield client
    client.close()


@pytest.fixture
def sample_uri(tmp_path: Path) -> str:
    path = tmp_path / "shapes.py"
    path.write_text(SAMPLE, encoding="utf-8")
    return path.as_uri()
