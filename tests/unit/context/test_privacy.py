"""Privacy: what the index reads, and what may reach another file's prompt."""

from __future__ import annotations

from pathlib import Path

from ghost_ls.context.workspace import PrivacyRules, read_source, walk_sources

from .conftest import Editor

DEF = "def leaked_{n}(password: str = 'hunter2') -> None:\n    pass\n"


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _tree(root: Path) -> None:
    _write(root, "src/app.py", "def visible_fn(a):\n    return a\n")
    _write(root, ".gitignore", "build/\n*.local.py\n")
    _write(root, "build/gen.py", DEF.format(n=1))
    _write(root, "settings.local.py", DEF.format(n=2))
    _write(root, "node_modules/pkg/index.js", "function leaked_3() {}\n")
    _write(root, ".venv/lib/mod.py", DEF.format(n=4))
    _write(root, "env2/pyvenv.cfg", "home = /usr\n")
    _write(root, "env2/lib/mod.py", DEF.format(n=5))
    _write(root, "config/credentials.py", DEF.format(n=6))
    _write(root, "keys/secret_store.py", DEF.format(n=7))
    _write(root, ".git/hooks/x.py", DEF.format(n=8))
    _write(root, "sub/.gitignore", "private/\n")
    _write(root, "sub/private/p.py", DEF.format(n=9))
    _write(root, "vendor/big.py", "x = 1\n" * 200_000)
    (root / "bin.py").write_bytes(b"def leaked_10():\x00\n")
    _write(root, "excluded/thing.py", DEF.format(n=11))


def test_walk_reads_only_what_a_user_expects(tmp_path: Path) -> None:
    _tree(tmp_path)
    rules = PrivacyRules([tmp_path], exclude=["excluded/"])
    found = sorted(p.relative_to(tmp_path).as_posix() for p, _ in walk_sources(rules, tmp_path, 100))
    assert "src/app.py" in found
    for path in found:
        assert read_source(tmp_path / path) is None or "leaked" not in (tmp_path / path).read_text()
    assert read_source(tmp_path / "vendor/big.py") is None  # over the size limit
    assert read_source(tmp_path / "bin.py") is None  # binary


def test_secret_names(tmp_path: Path) -> None:
    tmp_path = tmp_path.resolve()  # the rules take real paths
    rules = PrivacyRules([tmp_path])
    for name in (".env", ".env.production", "id_rsa", "server.pem", "tls.key", ".netrc",
                 "aws/credentials.json", ".ssh/config.py", "prod.tfvars", "my_secrets.py"):
        assert not rules.allows_path(tmp_path / name), name
    assert rules.allows_path(tmp_path / "environment.py")


def test_index_never_holds_ignored_or_secret_files(make_builder, tmp_path: Path) -> None:
    _tree(tmp_path)
    builder = make_builder([tmp_path], exclude=("excluded/",))
    builder.wait_idle(30)
    assert builder.index.lookup("visible_fn")
    for n in range(1, 12):
        assert builder.index.lookup(f"leaked_{n}") == [], n


def test_open_secret_document_never_feeds_other_prompts(make_builder, tmp_path: Path) -> None:
    _tree(tmp_path)
    builder = make_builder([tmp_path])
    secret = _write(tmp_path, "config/credentials.py", DEF.format(n=6))
    ignored = tmp_path / "settings.local.py"
    editor_secret = Editor(builder, secret.as_uri(), "python", secret.read_text())
    Editor(builder, ignored.as_uri(), "python", ignored.read_text())
    editor_secret.type(1, 8, " # sk-abcdef")
    builder.build(editor_secret.uri, 1, 8)
    app = tmp_path / "src/app.py"
    editor = Editor(builder, app.as_uri(), "python", app.read_text())
    builder.wait_idle(30)
    contexts = editor.type(2, 0, "leaked_6(leaked_2(")
    for context in contexts:
        assert context is not None
        for snippet in context.snippets:
            assert "leaked" not in snippet.text and "sk-abcdef" not in snippet.text
    # completing inside the secret file itself still sees its own text
    own = builder.build(editor_secret.uri, 1, 8)
    assert own is not None and "leaked_6" in own.prefix


def test_exclude_setting_change_removes_entries(make_builder, tmp_path: Path) -> None:
    _write(tmp_path, "a/mod.py", "def soon_hidden():\n    pass\n")
    builder = make_builder([tmp_path])
    builder.wait_idle(30)
    assert builder.index.lookup("soon_hidden")
    from ghost_ls.config import Settings

    builder.update_settings(Settings(exclude=("a/",)))
    builder.wait_idle(30)
    assert builder.index.lookup("soon_hidden") == []


def test_index_workspace_off_reads_no_files(make_builder, tmp_path: Path) -> None:
    _write(tmp_path, "a/mod.py", "def on_disk():\n    pass\n")
    builder = make_builder([tmp_path], index_workspace=False)
    builder.wait_idle(30)
    assert builder.index.lookup("on_disk") == []
