"""A gitignored file never reaches another file's prompt, however its path is spelled.

The workspace folder ``ws`` ignores ``local_settings.py`` (it holds a password).  The
editor opens that file under another spelling of its path (through a symlink to the
folder, the folder through the symlink and the file by its real path, ``file:////``),
edits it once, maybe closes it; then a completion in ``ws/main.py`` must not show it.
A file outside every workspace folder never contributes either.

Driven over stdio on the scripted backend (its prompt carries other files' snippets as
comments; ``ghost/status`` shows it).  A negative needs a positive beside it: after
the private file, a shareable one is opened and edited, and the test asks until *its*
chunk is in the prompt (the index thread judges documents in the order they were
opened, so the private one has been judged by then), with a deadline so a regression
fails instead of hanging.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ghost_ls.devtools.lsp_client import LspClient

FAKE = {"GHOST_LS_BACKEND": "fake"}
OPTIONS = {"promptTokens": 16_000, "streaming": False}
SECRET = 'DB_PASSWORD = "hunter2-private"\nDB_USER = "admin"\n'
HELPER = "def helper_total(values):\n    return sum(values)\n"
MAIN = "def report(values):\n    return \n"
MARKER = "shared_edit_marker = 1"
DEADLINE_S = 30


@dataclass
class Workspace:
    root: Path
    link: Path
    """A symlink to ``root``."""
    outside: Path
    """A folder outside the workspace: another repository, with its own .gitignore."""


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    (root / ".gitignore").write_text("local_settings.py\n")
    (root / "local_settings.py").write_text(SECRET)
    (root / "helper.py").write_text(HELPER)
    (root / "main.py").write_text(MAIN)
    link = tmp_path / "ws-link"
    link.symlink_to(root, target_is_directory=True)
    outside = tmp_path / "other-repo"
    (outside / ".git").mkdir(parents=True)
    (outside / ".gitignore").write_text("local_settings.py\n")
    (outside / "local_settings.py").write_text(SECRET)
    return Workspace(root, link, outside)


def start(root_uri: str) -> LspClient:
    """A server on the scripted backend with ``root_uri`` as its workspace folder, as
    spelled (``LspClient.initialize`` would resolve it)."""
    client = LspClient(env=FAKE)
    client.request("initialize", {
        "processId": os.getpid(),
        "rootUri": root_uri,
        "workspaceFolders": [{"uri": root_uri, "name": "ws"}],
        "capabilities": {"textDocument": {"inlineCompletion": {}}},
        "initializationOptions": OPTIONS,
    }, timeout=DEADLINE_S)
    client.notify("initialized", {})
    assert client.wait_ready(timeout=DEADLINE_S)["params"]["kind"] == "ready"
    return client


@pytest.fixture
def servers() -> Iterator[list[LspClient]]:
    started: list[LspClient] = []
    yield started
    for client in started:
        client.close()


def prompt_once_shared(client: LspClient, root: Path) -> str:
    """Open and edit a shareable file, then complete in ``main.py`` until that edit is in
    the prompt; the prompt it was in."""
    helper = (root / "helper.py").as_uri()
    client.open(helper, HELPER)
    client.change(helper, 2, start=(2, 0), text=f"{MARKER}\n")
    main = (root / "main.py").as_uri()
    client.open(main, MAIN)
    deadline = time.monotonic() + DEADLINE_S
    while True:
        client.clear_cache()
        client.inline(main, 1, len("    return "), timeout=DEADLINE_S)
        prompt: str = client.status(timeout=DEADLINE_S)["lastPrompt"]
        if MARKER in prompt:
            return prompt
        assert time.monotonic() < deadline, f"the shareable edit never reached the prompt:\n{prompt}"


def edit_private(client: LspClient, uri: str, close: bool) -> None:
    client.open(uri, SECRET)
    client.change(uri, 2, start=(2, 0), text="DB_PORT = 5432\n")
    if close:
        client.close_document(uri)


def double_slash(path: Path) -> str:
    return "file:////" + path.as_posix().lstrip("/")


SPELLINGS = {
    # (workspace folder URI, private document URI)
    "file through a symlinked folder": lambda w: (w.root.as_uri(), (w.link / "local_settings.py").as_uri()),
    "folder through a symlink": lambda w: (w.link.as_uri(), (w.root / "local_settings.py").as_uri()),
    "file:////": lambda w: (w.root.as_uri(), double_slash(w.root / "local_settings.py")),
    "folder as file:////": lambda w: (double_slash(w.root), (w.root / "local_settings.py").as_uri()),
    "outside the workspace, ignored by its own repository": lambda w: (
        w.root.as_uri(), (w.outside / "local_settings.py").as_uri()),
}


@pytest.mark.parametrize("close", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_ignored_file_stays_out_of_other_prompts(workspace: Workspace, servers: list[LspClient],
                                                 spelling: str, close: bool) -> None:
    root_uri, private_uri = SPELLINGS[spelling](workspace)
    client = start(root_uri)
    servers.append(client)
    edit_private(client, private_uri, close)
    prompt = prompt_once_shared(client, workspace.root)
    assert "DB_PASSWORD" not in prompt and "hunter2" not in prompt and "DB_PORT" not in prompt, prompt


def test_outside_file_not_ignored_anywhere_stays_out_too(workspace: Workspace,
                                                         servers: list[LspClient]) -> None:
    """Decided: a file outside every workspace folder never feeds another file's prompt."""
    stray = workspace.outside / "notes.py"
    stray.write_text("STRAY_VALUE = 42\n")
    client = start(workspace.root.as_uri())
    servers.append(client)
    client.open(stray.as_uri(), stray.read_text())
    client.change(stray.as_uri(), 2, start=(1, 0), text="stray_edit = True\n")
    prompt = prompt_once_shared(client, workspace.root)
    assert "STRAY_VALUE" not in prompt and "stray_edit" not in prompt, prompt


def test_the_same_file_under_its_plain_path_is_judged_the_same(workspace: Workspace,
                                                               servers: list[LspClient]) -> None:
    """The plain spelling, and reopening it under a symlinked spelling after a close."""
    client = start(workspace.root.as_uri())
    servers.append(client)
    plain = (workspace.root / "local_settings.py").as_uri()
    edit_private(client, plain, close=True)
    edit_private(client, (workspace.link / "local_settings.py").as_uri(), close=False)
    prompt = prompt_once_shared(client, workspace.root)
    assert "DB_PASSWORD" not in prompt and "DB_PORT" not in prompt, prompt
