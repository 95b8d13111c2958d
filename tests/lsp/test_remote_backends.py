"""The remote backends end to end: the real ``ghost-ls serve`` over stdio, real servers on 127.0.0.1.

- llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``, the
  ``[server]`` extras are in the dev dependencies) with Qwen2.5-Coder 0.5B: the
  ``openai`` backend gets a FIM suggestion that the text after the cursor makes obvious;
- llama-server (``/infill``): the same through the ``llama-server`` backend.  Building it
  takes ~30 min on 2 cores, so these tests run only when the binary exists: build it
  with ``bash bench/setup_llama_cpp.sh`` (into ``bench/.work/llama.cpp-build/bin``) or
  point ``GHOST_LS_LLAMA_SERVER`` at one, then ``pytest -m model tests/lsp/test_remote_backends.py``;
- the fault chain through the language server with a scripted server
  (``tests/fake_inference.py``): down at start, then up; HTTP 500; the status says so,
  every request is answered, and the next one works once the server is back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_inference import FakeInferenceServer, free_port
from ghost_ls.devtools.lsp_client import LspClient
from ghost_ls.engine.cpu_features import llama_server_flags
from support import REPO, start_server

MODEL = "qwen2.5-coder-0.5b-instruct"

SCALE = """def scale(values: list[float], factor: float) -> list[float]:
    return [

print(scale([1.0, 2.0], 3.0))  # [3.0, 6.0]
"""
"""The suffix shows what the list holds: ``value * factor for value in values]``."""

LLAMA_SERVER = Path(
    os.environ.get(
        "GHOST_LS_LLAMA_SERVER", REPO / "bench" / ".work" / "llama.cpp-build" / "bin" / "llama-server"
    )
)


def model_path() -> str:
    from ghost_ls.models.store import resolve_model

    path, _ = resolve_model(MODEL)
    return str(path)


class ServerProcess:
    """A real inference server started for the tests; ready when its log says it listens."""

    def __init__(self, command: list[str], ready_marker: str) -> None:
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
        self.log: list[str] = []
        self.ready = threading.Event()
        self._marker = ready_marker
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.log.append(line.rstrip())
            if self._marker in line:
                self.ready.set()
        self.ready.set()  # exited: wait() returns, the test then sees it is not running

    def wait_ready(self, timeout: float) -> None:
        assert self.ready.wait(timeout), "\n".join(self.log[-30:])
        assert self.process.poll() is None, "\n".join(self.log[-30:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


JOIN = """import os

path = os.path.join(base,
"""
"""The cursor after ``join(base,``: the prompt holds the comma back (the tokenizer reads a
mark after a word with what follows), and left free this model answers with a token
that does not begin with it (the answer can only be dropped); made to begin with it, it
writes the last argument and closes the call."""


def ask_after_a_comma(client: LspClient, root: Path) -> str:
    """The suggestion after ``join(base,`` (``JOIN``)."""
    path = root / "paths.py"
    path.write_text(JOIN, encoding="utf-8")
    client.open(path.as_uri(), JOIN)
    result: dict[str, Any] = client.inline(path.as_uri(), 2, len("path = os.path.join(base,"), timeout=180)
    items = result["items"]
    return str(items[0]["insertText"]) if items else ""


def open_scale(client: LspClient, root: Path) -> str:
    path = root / "scale.py"
    path.write_text(SCALE, encoding="utf-8")
    client.open(path.as_uri(), SCALE)
    return path.as_uri()


def suggestion(client: LspClient, uri: str) -> str:
    result: dict[str, Any] = client.inline(uri, 1, len("    return ["), timeout=180)
    items = result["items"]
    return str(items[0]["insertText"]) if items else ""


def statuses(client: LspClient) -> list[tuple[str, str]]:
    return [
        (message["params"]["kind"], message["params"]["message"])
        for message in client.notifications
        if message["method"] == "ghost/didChangeStatus"
    ]


# -- real servers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llama_cpp_server() -> Iterator[str]:
    port = free_port()
    server = ServerProcess(
        [
            sys.executable,
            "-m",
            "ghost_ls.devtools.llama_cpp_server",  # llama_cpp.server, safe on AMX CPUs
            "--model",
            model_path(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
        ],
        "Uvicorn running on",
    )
    try:
        server.wait_ready(300)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.mark.model
def test_openai_backend_on_llama_cpp_python_server(llama_cpp_server: str, tmp_path: Path) -> None:
    client = start_server({"backend": "openai", "endpoint": llama_cpp_server, "model": MODEL}, root=tmp_path)
    try:
        uri = open_scale(client, tmp_path)
        text = suggestion(client, uri)
        assert "factor" in text and "for" in text and "values" in text, text
        status = client.status()
        assert (status["backend"], status["endpoint"], status["state"]) == (
            "openai",
            llama_cpp_server,
            "ready",
        )
        assert status["modelCalls"] >= 1
    finally:
        client.close()


@pytest.mark.model
def test_openai_backend_answers_begin_with_the_held_back_mark(llama_cpp_server: str, tmp_path: Path) -> None:
    client = start_server({"backend": "openai", "endpoint": llama_cpp_server, "model": MODEL}, root=tmp_path)
    try:
        text = ask_after_a_comma(client, tmp_path)
        assert text.strip() and text.rstrip().endswith(")"), (text, client.status())
    finally:
        client.close()


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    if not LLAMA_SERVER.is_file():
        pytest.skip(
            f"no llama-server at {LLAMA_SERVER}: build it with `bash bench/setup_llama_cpp.sh` "
            "(~30 min on 2 cores) or set GHOST_LS_LLAMA_SERVER"
        )
    port = free_port()
    server = ServerProcess(
        [str(LLAMA_SERVER), "-m", model_path(), "--host", "127.0.0.1", "--port", str(port),
         "-c", "4096", *llama_server_flags()],
        "listening on http",
    )
    try:
        server.wait_ready(300)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.mark.model
def test_llama_server_backend_on_infill(llama_server: str, tmp_path: Path) -> None:
    client = start_server(
        {"backend": "llama-server", "endpoint": llama_server, "model": MODEL}, root=tmp_path
    )
    try:
        # llama-server's /infill puts its own repo header before the prompt
        # (``<|repo_name|>myproject``), which turns this model's answer at ``return [|``
        # into a loop on the next line: ask mid-expression, where the answer is clear.
        path = tmp_path / "scale.py"
        text = SCALE.replace("    return [\n", "    return [value\n")
        path.write_text(text, encoding="utf-8")
        client.open(path.as_uri(), text)
        result = client.inline(path.as_uri(), 1, len("    return [value"), timeout=180)
        items = result["items"]
        assert items and items[0]["insertText"].startswith(" * factor for value in values"), items
        status = client.status()
        assert (status["backend"], status["state"]) == ("llama-server", "ready")
        # each streamed event says how long the prompt was (the stream was closed at
        # the line end, before the last event with the timings)
        assert status["lastPromptTokens"] > len("def scale(values: list[float]")
    finally:
        client.close()


@pytest.mark.model
def test_llama_server_answers_begin_with_the_held_back_mark(llama_server: str, tmp_path: Path) -> None:
    client = start_server(
        {"backend": "llama-server", "endpoint": llama_server, "model": MODEL}, root=tmp_path
    )
    try:
        text = ask_after_a_comma(client, tmp_path)
        assert text.strip() and text.rstrip().endswith(")"), (text, client.status())
    finally:
        client.close()


# -- faults through the language server --------------------------------------------------


def test_server_down_at_start_then_up(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    client = start_server({"backend": "openai", "endpoint": url, "model": MODEL}, root=tmp_path)
    try:
        uri = open_scale(client, tmp_path)
        assert suggestion(client, uri) == ""  # answered, empty
        error = f"{url} is not reachable: connection refused"
        assert ("error", error) in statuses(client)
        status = client.status()
        assert (status["state"], status["message"]) == ("error", error)
        assert statuses(client)[-1][0] == "error"  # not overwritten by the end of the request
        assert any(error in line for line in client.stderr_lines)  # logged
        with FakeInferenceServer(port) as fake:
            fake.pieces = [" [value", " * factor for value in values]", "\n"]
            assert suggestion(client, uri) == "value * factor for value in values]"
            assert statuses(client)[-1] == ("ready", f"{MODEL} on {url}")
            # the default anchored layout: the typed part of the line after the marker,
            # the opening bracket (and the space before it) left for the model to write
            assert fake.bodies[0]["prompt"].endswith("<|fim_middle|>    return")
    finally:
        client.close()


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("500", "answered with an error: HTTP 500 Internal Server Error: internal error"),
        ("die", "stopped answering: the server closed the stream"),
        ("malformed", "sent a malformed answer: malformed JSON"),
    ],
)
def test_a_failing_server_then_recovers(tmp_path: Path, mode: str, says: str) -> None:
    with FakeInferenceServer() as fake:
        client = start_server(
            {"backend": "llama-server", "endpoint": fake.url, "model": MODEL}, root=tmp_path
        )
        try:
            uri = open_scale(client, tmp_path)
            fake.mode = mode
            fake.pieces = [" [value", " * factor", " for value in values]", "\n"]
            assert suggestion(client, uri) == ""
            state, message = statuses(client)[-1]
            assert state == "error" and message.startswith(f"{fake.url} {says}"), message
            assert client.process.poll() is None
            fake.mode = "ok"
            fake.pieces = [" [value * factor for value in values]"]
            assert suggestion(client, uri) == "value * factor for value in values]"
            assert statuses(client)[-1][0] == "ready"
        finally:
            client.close()


def test_plain_http_to_another_host_is_a_warning_in_status(tmp_path: Path) -> None:
    # 192.0.2.0/24 is TEST-NET-1: nothing is there, and nothing is sent before a request
    url = "http://192.0.2.1:8000"
    client = start_server({"backend": "openai", "endpoint": url, "model": MODEL}, root=tmp_path)
    try:
        status = client.status()
        assert status["state"] == "ready"
        assert "unencrypted" in status["message"] and url in status["message"]
        assert any("unencrypted" in line for line in client.stderr_lines)
    finally:
        client.close()


# -- what the status says of a remote backend ---------------------------------------------

LLAMA_ENGINE_FIELDS = {
    "threads", "lastThreads", "gpuLayers", "extraBuffers", "extraBuffersReason", "flashAttention",
    "engineProcessId", "engineRestarts",
}
"""``ghost/status`` fields that only the local llama.cpp engine fills."""


@pytest.mark.parametrize("backend", ["llama-server", "openai"])
def test_a_remote_backends_status_carries_only_what_is_true_for_it(tmp_path: Path, backend: str) -> None:
    with FakeInferenceServer() as fake:
        client = start_server({"backend": backend, "endpoint": fake.url, "model": MODEL}, root=tmp_path)
        try:
            uri = open_scale(client, tmp_path)
            fake.pieces = [" [value * factor for value in values]"]
            assert suggestion(client, uri) == "value * factor for value in values]"
            status = client.status()
        finally:
            client.close()
    assert (status["state"], status["backend"], status["endpoint"], status["model"]) == (
        "ready", backend, fake.url, MODEL
    )
    assert status["description"] == f"{MODEL} on {fake.url} ({backend} API)"
    assert status["modelPath"] is None  # the model file is the server's
    assert sorted(LLAMA_ENGINE_FIELDS & status.keys()) == []
    assert status["modelCalls"] == 1
