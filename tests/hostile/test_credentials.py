"""A workspace must not be able to send the user's secrets away.

Settings can come from places the user did not write (a repository's
``.vscode/settings.json``, project-local editor config).  What they may not do:

- make ``apiKeyEnv`` name any variable: only ``GHOST_LS_API_KEY`` and
  ``GHOST_LS_API_KEY_<NAME>`` are read; another name is refused with a message in
  ``ghost/status`` (``problems``, ``message``) and the server sends nothing at all
  (a real HTTP server on 127.0.0.1 records every request and its ``Authorization``);
- leave a password written into ``endpoint`` (``user:password@``) in ``ghost/status``,
  its notifications or the ``-vv`` log;
- (editors) set where code and keys go: the VS Code extension restricts those settings
  (package.json, checked here and by clients/vscode/test/unit.test.mjs), the Neovim
  plugin reads no project-local file (clients/neovim/tests/project_local.lua).

The real ``ghost-ls serve`` over stdio; no model is loaded (remote backends).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_inference import FakeInferenceServer
from ghost_ls.config import parse_settings
from ghost_ls.devtools.lsp_client import LspClient
from ghost_ls.redact import RedactingFormatter, redact
from support import REPO

MODEL = "qwen2.5-coder-0.5b-instruct"
SECRET = "s3cret-value-that-must-stay-home"
KEY = "sk-ghost-ls-test-key-42"
PASSWORD = "hunter2-password"
CODE = "def add(a, b):\n    return \n"
REFUSED_NAMES = ["HOME", "AWS_SECRET_ACCESS_KEY", "GHOST_LS_MODELS_DIR"]


@pytest.fixture
def fake() -> Iterator[FakeInferenceServer]:
    with FakeInferenceServer() as server:
        server.total_slots = 1  # llama-server's GET /props is answered, and counted
        server.pieces = ["a + b", "\n"]
        yield server


class Served:
    """``ghost-ls -vv serve`` (debug log: every JSON-RPC message, to a file read once the
    server has exited) and what it said."""

    def __init__(self, options: dict[str, Any], tmp_path: Path, env: dict[str, str] | None = None) -> None:
        self.log_file = tmp_path / "ghost-ls.log"
        command = [sys.executable, "-m", "ghost_ls", "-vv", "--log-file", str(self.log_file), "serve"]
        self.client = LspClient(command, env=env)
        self.client.initialize({"model": MODEL, **options}, root=tmp_path)
        wait_loaded(self.client, 0)

    def close(self) -> None:
        self.client.close()  # waits for the process to exit: the log is complete

    def log(self) -> str:
        assert self.client.process.poll() is not None, "read the log once the server has exited"
        return self.log_file.read_text(encoding="utf-8")

    def everything_said(self, *answers: dict[str, Any]) -> str:
        """The answers, every notification and the whole log, as one text."""
        return "\n".join([json.dumps(answers), json.dumps(self.client.notifications), self.log()])


def wait_loaded(client: LspClient, start: int) -> dict[str, Any]:
    """The ``ghost/didChangeStatus`` that ends a load (ready or error), from index ``start``."""
    message = client.wait_notification(
        lambda m: m["method"] == "ghost/didChangeStatus" and m["params"]["kind"] in ("ready", "error"),
        60,
        start,
    )
    params: dict[str, Any] = message["params"]
    return params


def complete(client: LspClient, tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "calc.py"
    path.write_text(CODE, encoding="utf-8")
    client.open(path.as_uri(), CODE)
    items: list[dict[str, Any]] = client.inline(path.as_uri(), 1, len("    return "), timeout=60)["items"]
    return items


# -- apiKeyEnv ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", REFUSED_NAMES)
@pytest.mark.parametrize("backend", ["openai", "llama-server"])
def test_a_key_variable_not_made_for_ghost_ls_sends_nothing(
    fake: FakeInferenceServer, tmp_path: Path, name: str, backend: str
) -> None:
    server = Served({"backend": backend, "endpoint": fake.url, "apiKeyEnv": name}, tmp_path, {name: SECRET})
    try:
        assert complete(server.client, tmp_path) == []  # answered, empty
        status = server.client.status()
    finally:
        server.close()
    assert (fake.requests, fake.props_requests, fake.headers) == (0, 0, [])  # not one request
    assert status["state"] == "error"
    assert f"apiKeyEnv names {name}, which ghost-ls does not read" in status["message"]
    assert any(f"apiKeyEnv names {name}" in problem for problem in status["problems"]), status["problems"]
    assert all("GHOST_LS_API_KEY" in problem for problem in status["problems"])
    assert SECRET not in server.everything_said(status)


def test_an_allowed_key_variable_is_sent_as_the_bearer_token(
    fake: FakeInferenceServer, tmp_path: Path
) -> None:
    env = {"GHOST_LS_API_KEY_TEAM": KEY, "HOME_SECRET": SECRET}
    options = {"backend": "openai", "endpoint": fake.url, "apiKeyEnv": "GHOST_LS_API_KEY_TEAM"}
    server = Served(options, tmp_path, env)
    try:
        items = complete(server.client, tmp_path)
        status = server.client.status()
    finally:
        server.close()
    assert items and items[0]["insertText"] == "a + b"
    assert [headers["Authorization"] for headers in fake.headers] == [f"Bearer {KEY}"]
    assert (status["state"], status["problems"]) == ("ready", [])
    assert KEY not in server.everything_said(status)  # the key goes into the header only
    assert KEY not in json.dumps(fake.bodies)


def test_switching_to_a_refused_variable_stops_sending(fake: FakeInferenceServer, tmp_path: Path) -> None:
    env = {"GHOST_LS_API_KEY": KEY, "AWS_SECRET_ACCESS_KEY": SECRET}
    options = {"backend": "openai", "endpoint": fake.url, "apiKeyEnv": "GHOST_LS_API_KEY"}
    server = Served(options, tmp_path, env)
    client = server.client
    try:
        assert complete(client, tmp_path)
        assert [headers["Authorization"] for headers in fake.headers] == [f"Bearer {KEY}"]
        start = len(client.notifications)
        changed = {**options, "apiKeyEnv": "AWS_SECRET_ACCESS_KEY"}
        client.notify("workspace/didChangeConfiguration", {"settings": changed})
        assert wait_loaded(client, start)["kind"] == "error"
        uri = (tmp_path / "calc.py").as_uri()
        assert client.inline(uri, 1, len("    return "), invoked=True)["items"] == []
        status = client.status()
    finally:
        server.close()
    assert fake.requests == 1  # the one before the change
    assert "AWS_SECRET_ACCESS_KEY" in " ".join(status["problems"])
    assert SECRET not in server.everything_said(status) + json.dumps(fake.headers)


# -- credentials in the endpoint URL ---------------------------------------------------------


@pytest.mark.parametrize("backend", ["local", "openai"])
def test_a_password_in_the_endpoint_is_in_no_status_and_no_log(
    fake: FakeInferenceServer, tmp_path: Path, backend: str
) -> None:
    url = fake.url.replace("http://", f"http://alice:{PASSWORD}@")
    env = {"GHOST_LS_BACKEND": "fake"} if backend == "local" else {}  # local: no model to load
    options = {"backend": backend, "endpoint": url, "exclude": [f"{url}/x", 7]}
    server = Served(options, tmp_path, env)
    client = server.client
    try:
        status = client.status()
        start = len(client.notifications)
        client.notify("workspace/didChangeConfiguration", {"settings": {**options, "maxTokens": url}})
        client.wait_notification(lambda m: m["method"] == "window/showMessage", 30, start)
        again = client.status()
    finally:
        server.close()
    said = server.everything_said(status, again)
    assert PASSWORD not in said and "alice:" not in said
    assert fake.requests == 0
    masked = url.replace(f"alice:{PASSWORD}", "***")
    assert status["settings"]["endpoint"] == masked
    assert any(masked in problem and "credentials" in problem for problem in status["problems"])
    assert masked in server.log()  # the -vv log quotes the settings, masked
    if backend == "openai":
        assert status["state"] == "error" and masked in status["message"]


def test_redaction_of_urls() -> None:
    assert redact(f"http://alice:{PASSWORD}@gpu-box:8012/v1") == "http://***@gpu-box:8012/v1"
    assert redact(f"x 'https://al%40ce:p@ss{PASSWORD}@h' y") == "x 'https://***@h' y"
    untouched = "http://gpu-box:8012/v1?user=a@b mail a@b.c"  # no userinfo
    assert redact(untouched) == untouched
    assert redact(f'{{"endpoint": "http://a:{PASSWORD}@h", "b": "http://c:d@e"}}') == (
        '{"endpoint": "http://***@h", "b": "http://***@e"}'
    )


def test_the_log_formatter_masks_messages_arguments_and_tracebacks() -> None:
    formatter = RedactingFormatter("%(message)s")
    url = f"http://alice:{PASSWORD}@h"
    try:
        raise ValueError(url)
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "bad %s", (url,), sys.exc_info())
    text = formatter.format(record)
    assert PASSWORD not in text and text.count("http://***@h") == 2, text


def test_a_rejected_setting_is_named_without_its_password() -> None:
    _, problems = parse_settings(
        {"maxTokens": f"http://alice:{PASSWORD}@h", "endpoint": [f"http://a:{PASSWORD}@h"]}
    )
    assert len(problems) == 2 and PASSWORD not in " ".join(problems), problems
    assert "http://***@h" in problems[0]


# -- editors --------------------------------------------------------------------------------


def test_vscode_restricts_the_settings_that_say_where_code_and_keys_go() -> None:
    manifest = json.loads((REPO / "clients" / "vscode" / "package.json").read_text(encoding="utf-8"))
    trust = manifest["capabilities"]["untrustedWorkspaces"]
    assert trust["supported"] == "limited"
    sensitive = {f"ghostLs.{key}" for key in ("backend", "endpoint", "apiKeyEnv", "model", "serverPath")}
    assert sensitive <= set(trust["restrictedConfigurations"])
    properties = manifest["contributes"]["configuration"]["properties"]
    assert properties["ghostLs.endpoint"]["scope"] == "machine"  # never from workspace settings
    assert properties["ghostLs.apiKeyEnv"]["scope"] == "machine"


@pytest.mark.nvim
def test_neovim_plugin_reads_no_project_local_settings_and_sends_no_url_password(tmp_path: Path) -> None:
    from nvim.nvim_harness import check, check_all_collected, find_server, run_lua

    server = find_server()
    if server is None:
        pytest.skip("ghost-ls not installed (pip install -e .)")
    results = run_lua(
        "project_local.lua", tmp_path, timeout=90, env={"GHOST_LS_SERVER": server, "GHOST_LS_BACKEND": "fake"}
    )
    check(results, "project_local_files_are_not_read")
    check(results, "endpoint_credentials_stay_in_the_plugin")
    check_all_collected(results, "project_local.lua")  # a test added there is checked here too
