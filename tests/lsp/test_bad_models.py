"""Bad model files and settings get a clear status, never a crash or a hang.

One server goes through them in turn over stdio: each bad setting must leave it up with
an ``error`` status that says what is wrong and what to do, and the next valid setting
(back to the 0.5B model) must load and complete without restarting the server.  The
files are built from a tiny random-weight model on Qwen2.5-Coder's vocabulary and the
vocab-only GGUF that the llama-cpp-python sdist ships; ``bad_gguf.rewrite_gguf`` makes
the ones whose metadata lies (one of them makes llama.cpp abort in a GGML_ASSERT while
loading: the engine's child process dies, the server does not).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import support
from bad_gguf import rewrite_gguf
from ghost_ls.devtools.lsp_client import LspClient
from support import SMALL_MODEL, start_server

pytestmark = pytest.mark.model

Maker = Callable[[Path, Path], Path]
"""(tiny model, directory) -> the bad file."""

BAD_FILES: dict[str, tuple[Maker, list[str]]] = {
    "unknown-architecture": (
        lambda tiny, out: rewrite_gguf(tiny, out / "ghostnet.gguf", architecture="ghostnet"),
        ["unknown model architecture: 'ghostnet'", "does not support that architecture", "models list"],
    ),
    "vocab-only": (
        lambda tiny, out: Path(shutil.copyfile(support.sdist_file(support.QWEN2_VOCAB), out / "vocab.gguf")),
        ["vocab.gguf", "vocab-only GGUF", "cannot generate", "full model file"],
    ),
    "block-count-larger-than-the-tensors": (
        lambda tiny, out: rewrite_gguf(tiny, out / "blocks.gguf", changes={"block_count": 40}),
        ["blocks.gguf", "blk.2.attn_norm.weight", "not found", "metadata does not match its tensors"],
    ),
    "wrong-embedding-width": (
        lambda tiny, out: rewrite_gguf(tiny, out / "embd.gguf", changes={"embedding_length": 96}),
        ["embd.gguf", "wrong shape", "metadata does not match its tensors"],
    ),
    "block-count-zero-aborts-llama.cpp": (
        lambda tiny, out: rewrite_gguf(tiny, out / "zero.gguf", changes={"block_count": 0}),
        ["crashed (SIGABRT) while loading", "zero.gguf", "GGML_ASSERT(", "ghost-ls doctor --model"],
    ),
}


@pytest.fixture(scope="module")
def tiny_model() -> Path:
    return support.tiny_fim_model()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LspClient]:
    root = tmp_path_factory.mktemp("workspace")
    client = start_server({"model": SMALL_MODEL, "maxTokens": 8, "threads": 1}, root=root)
    client.root = root  # type: ignore[attr-defined]
    yield client
    client.close()


def change_settings(client: LspClient, settings: dict[str, object], kind: str) -> str:
    """Send ``settings``; the message of the ``kind`` status that follows (after ``loading``)."""
    start = len(client.notifications)
    client.notify("workspace/didChangeConfiguration", {"settings": settings})
    loading = client.wait_notification(
        lambda m: m["method"] == "ghost/didChangeStatus" and m["params"]["kind"] == "loading", 60, start
    )
    after = next(i for i in range(start, len(client.notifications)) if client.notifications[i] is loading)
    status = client.wait_notification(
        lambda m: m["method"] == "ghost/didChangeStatus" and m["params"]["kind"] in ("ready", "error"),
        120,
        after,
    )
    assert status["params"]["kind"] == kind, status
    return str(status["params"]["message"])


def completes(client: LspClient) -> str:
    root: Path = client.root  # type: ignore[attr-defined]
    path = root / "add.py"
    text = "def add(a, b):\n    return "
    path.write_text(text, encoding="utf-8")
    client.open(path.as_uri(), text)
    client.clear_cache()
    result = client.inline(path.as_uri(), 1, 11, invoked=True, timeout=60)
    return str(result["items"][0]["insertText"]) if result and result["items"] else ""


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_model_file_is_reported_and_the_next_setting_works(
    server: LspClient, tiny_model: Path, tmp_path: Path, case: str
) -> None:
    make, expected = BAD_FILES[case]
    bad = make(tiny_model, tmp_path)
    message = change_settings(server, {"model": str(bad)}, "error")
    for part in expected:
        assert part in message, message
    status = server.status(timeout=10)
    assert status["state"] == "error" and status["message"] == message
    assert server.process.poll() is None
    assert server.inline("file:///nowhere.py", 0, 0, timeout=10)["items"] == []  # still answering

    change_settings(server, {"model": SMALL_MODEL}, "ready")
    assert completes(server).strip()


def test_a_directory_as_model_says_it_is_a_directory(server: LspClient, tmp_path: Path) -> None:
    message = change_settings(server, {"model": str(tmp_path)}, "error")
    assert "is a directory" in message and ".gguf" in message
    change_settings(server, {"model": SMALL_MODEL}, "ready")


def test_context_size_of_ten_million_is_refused_by_name(server: LspClient) -> None:
    start = len(server.notifications)
    server.notify("workspace/didChangeConfiguration", {"settings": {"contextSize": 10_000_000}})
    shown = server.wait_notification(
        lambda m: m["method"] == "window/showMessage" and "contextSize" in m["params"]["message"], 30, start
    )
    assert "between 256 and 1048576" in shown["params"]["message"]
    assert "10000000" in shown["params"]["message"] and "using the default 4096" in shown["params"]["message"]
    status = server.status(timeout=10)
    assert status["state"] == "ready" and status["settings"]["contextSize"] == 4096
    assert completes(server).strip()

    message = change_settings(server, {"contextSize": 2048}, "ready")  # a valid one reloads
    assert message
    assert server.status(timeout=10)["settings"]["contextSize"] == 2048
    assert completes(server).strip()
