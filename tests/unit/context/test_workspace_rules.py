"""Privacy verdicts on real paths, bounded reads of hostile files, verdicts that arrive
late, and lone surrogates in document text."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ghost_ls.context.background import PARSE
from ghost_ls.context.documents import Document
from ghost_ls.context.files import Refused, read_bounded
from ghost_ls.context.workspace import PrivacyRules, real_path

from .conftest import Editor, partial

SECRET = 'DB_PASSWORD = "hunter2"\n'


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "sub").mkdir(parents=True)
    (root / ".gitignore").write_text("local_settings.py\n*.gen.py\nbuild/\n")
    (root / "local_settings.py").write_text(SECRET)
    (root / "main.py").write_text("x = 1\n")
    (tmp_path / "ws-link").symlink_to(root, target_is_directory=True)
    return root


def test_every_spelling_of_an_ignored_file_gets_the_same_verdict(ws: Path) -> None:
    link = ws.parent / "ws-link"
    for root in (ws, link):
        rules = PrivacyRules([root])
        for uri in ((ws / "local_settings.py").as_uri(), (link / "local_settings.py").as_uri(),
                    "file:////" + str(ws / "local_settings.py").lstrip("/"),
                    "file://localhost" + str(ws / "local_settings.py"),
                    (ws / "sub" / ".." / "local_settings.py").as_uri(),
                    (link / "sub" / ".." / "local%5Fsettings.py").as_uri().replace("%255F", "%5F")):
            placement = rules.place(uri)
            assert placement.real == ws.resolve() / "local_settings.py", uri
            assert placement.shown == "local_settings.py" and not placement.shareable, uri
        main = rules.place((link / "main.py").as_uri())
        assert main.shareable and main.shown == "main.py" and main.key == str(ws.resolve() / "main.py")


def test_outside_every_folder_nothing_is_shared(ws: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "plain.py").write_text("y = 2\n")
    rules = PrivacyRules([ws])
    assert not rules.place((other / "plain.py").as_uri()).shareable
    assert not rules.place("untitled:Untitled-1").shareable
    assert not rules.place("file://otherhost/share/x.py").shareable
    assert not PrivacyRules([]).place((ws / "main.py").as_uri()).shareable


def test_a_symlink_out_of_the_workspace_is_outside(ws: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "far.py").write_text("z = 3\n")
    (ws / "far.py").symlink_to(tmp_path / "elsewhere" / "far.py")
    assert not PrivacyRules([ws]).place((ws / "far.py").as_uri()).shareable


def test_double_slash_and_dots_resolve(ws: Path) -> None:
    assert real_path("//" + str(ws).lstrip("/") + "/./sub/../main.py") == ws.resolve() / "main.py"
    assert real_path("x" * 5000) is None and real_path("a\0b") is None
    assert real_path("/tmp/\ud800.py") is None  # a lone surrogate names no file


def test_the_enclosing_repository_ignore_file_applies(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".gitignore").write_text("*.local.py\nproject/private/\n")
    ws = repo / "project"
    (ws / "private").mkdir(parents=True)
    rules = PrivacyRules([ws])
    assert not rules.allows_path(ws.resolve() / "settings.local.py")
    assert not rules.allows_path(ws.resolve() / "private" / "p.py")
    assert rules.allows_path(ws.resolve() / "settings.py")


def test_a_deeper_ignore_file_wins_but_nothing_leaves_an_ignored_folder(ws: Path) -> None:
    (ws / "sub" / ".gitignore").write_text("!keep.gen.py\n")
    (ws / "build").mkdir()
    (ws / "build" / ".gitignore").write_text("!out.py\n")
    rules = PrivacyRules([ws])
    real = ws.resolve()
    assert rules.allows_path(real / "sub" / "keep.gen.py")
    assert not rules.allows_path(real / "sub" / "other.gen.py")
    assert not rules.allows_path(real / "build" / "out.py")


def test_case_folding_file_systems_compare_without_case(ws: Path) -> None:
    """Where the file system folds case (detected; forced here), ``LOCAL_SETTINGS.PY`` and
    ``WS/`` are the same file as the ignored one."""
    upper = ws.resolve().parent / "WS"
    rules = PrivacyRules([ws], fold_case=True)
    assert rules.root_of(upper / "x.py") == ws.resolve()
    assert not rules.allows_path(upper / "LOCAL_SETTINGS.PY")
    assert not rules.allows_path(ws.resolve() / "Node_Modules" / "x.py")
    assert not rules.allows_path(ws.resolve() / "API.KEY")
    assert rules.allows_path(upper / "Main.py")
    sensitive = PrivacyRules([ws], fold_case=False)
    assert sensitive.root_of(upper / "x.py") is None


@pytest.mark.skipif(sys.platform != "linux", reason="Linux file systems keep case")
def test_case_is_kept_where_the_file_system_keeps_it(ws: Path) -> None:
    assert PrivacyRules([ws]).allows_path(ws.resolve() / "LOCAL_SETTINGS.PY")


def test_an_unreadable_gitignore_hides_its_folder(ws: Path) -> None:
    os.mkfifo(ws / "sub" / ".gitignore")
    rules = PrivacyRules([ws])
    assert not rules.allows_path(ws.resolve() / "sub" / "a.py")
    assert rules.allows_path(ws.resolve() / "main.py")


READS = """
import os, sys
from pathlib import Path
from ghost_ls.context.files import Refused, read_bounded
folder = Path(sys.argv[1])
for name, follow in (("fifo", True), ("zero", True), ("zero", False), ("big", True)):
    try:
        read_bounded(folder / name, 1000, follow_symlinks=follow)
    except Refused:
        print(name, "refused")
"""


def test_bounded_reads_refuse_fifos_devices_and_big_files(tmp_path: Path) -> None:
    """In a child process with a deadline: a regression blocks on the FIFO or reads
    /dev/zero forever, and must fail rather than hang."""
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "big").write_bytes(b"x" * 1001)
    done = subprocess.run([sys.executable, "-c", READS, str(tmp_path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.stdout.split("\n")[:4] == ["fifo refused", "zero refused", "zero refused",
                                           "big refused"], done.stderr
    (tmp_path / "ok").write_bytes(b"y" * 1000)
    assert read_bounded(tmp_path / "ok", 1000) == b"y" * 1000
    assert read_bounded(tmp_path / "missing", 1000) is None
    (tmp_path / "link").symlink_to(tmp_path / "ok")
    with pytest.raises(Refused):
        read_bounded(tmp_path / "link", 1000)  # the index never follows a file's symlink
    assert read_bounded(tmp_path / "link", 1000, follow_symlinks=True) == b"y" * 1000


def test_chunks_edited_before_the_verdict_never_reach_a_prompt(make_builder, ws: Path) -> None:
    """The index thread is held: the private file is opened, edited and closed before its
    path is judged.  Neither while it waits nor after the close may its chunk be used."""
    builder = make_builder([ws])
    builder.wait_idle(30)
    release = threading.Event()

    def hold() -> None:  # returns None: a job returning True would run again
        release.wait(30)

    builder._thread.submit(hold, PARSE)
    try:
        private = Editor(builder, (ws.parent / "ws-link" / "local_settings.py").as_uri(), "python",
                         SECRET)
        private.type(1, 0, "DB_PORT = 1\n")
        main = Editor(builder, (ws / "main.py").as_uri(), "python", "x = 1\n")
        waiting = main.type(1, 0, "y = ")
        builder.did_close(private.uri)
        closed = main.type(1, 4, "2")
    finally:
        release.set()
    builder.wait_idle(30)
    after = main.type(1, 5, "3")
    for context in waiting + closed + after:
        assert context is not None
        assert all("DB_" not in s.text for s in context.snippets), context.snippets


def test_a_lone_surrogate_becomes_a_replacement_character_in_place() -> None:
    doc = Document("file:///w/odd.py", "python", 1, "a = '\ud800'\nb = 1\n", None)
    assert doc.text == "a = '\ufffd'\nb = 1\n"
    event, _ = partial(doc.text, 0, 6, 0, 6, "x\udc00")  # after the replaced character
    doc.apply_changes([event], 2)
    assert doc.text == "a = '\ufffdx\ufffd'\nb = 1\n"
    doc.text.encode("utf-8")
