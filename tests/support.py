"""Helpers shared by the test modules (importable as ``support``: pytest's pythonpath)."""

from __future__ import annotations

from pathlib import Path

from ghost_ls.devtools.lsp_client import LspClient

REPO = Path(__file__).resolve().parents[1]

LSP_MODEL = "qwen2.5-coder-0.5b-instruct"
"""The model the LSP tests load: the smallest real code model in the catalog."""

SAMPLE = '''import math


def circle_area(radius: float) -> float:
    """Area of a circle with the given radius."""
    return math.pi * radius ** 2


def circle_circumference(radius: float) -> float:
    """Circumference of a circle with the given radius."""
    return '''


def start_server(
    options: dict[str, object] | None = None,
    env: dict[str, str] | None = None,
    root: Path | None = None,
    wait: bool = True,
) -> LspClient:
    client = LspClient(env=env)
    client.initialize(options or {}, root=root)
    if wait:
        status = client.wait_ready(timeout=180)
        assert status["params"]["kind"] == "ready", status
    return client
