"""Which files the context engine may read, and the walk over workspace folders.

One rule decides what may reach the prompt of a *different* file: a file contributes
(to the symbol index, to the recent-snippets ring) only if the workspace index would
read it.  That is the case when it is

* a regular file (not a symlink) of a language with a grammar, under 1 MB, valid UTF-8
  text without NUL bytes;
* not inside ``.git/``, ``node_modules/``, a virtualenv (a folder holding
  ``pyvenv.cfg``, or named ``.venv``/``venv``), caches (``__pycache__``, ``.tox``, ...);
* not a likely secret: ``.env`` and ``.env.*``, ``*.pem``, ``*.key``, ``*.p12``,
  ``*.pfx``, ``id_rsa*``/``id_ed25519*``..., ``*credential*``, ``*secret*``, ``.netrc``,
  ``.npmrc``, ``.pypirc``, ``*.tfvars``, anything under ``.ssh/``, ``.aws/``, ``.gnupg/``;
* not matched by a ``.gitignore`` (root and nested ones, plus ``.git/info/exclude``);
* not matched by the user's ``exclude`` setting (gitignore-style patterns).

Open documents follow the same rule.  The user is looking at an open ``.env`` or a
gitignored ``config.local.py``, and completion *inside* that file uses its own text as
usual, but nothing from it is ever shown in the prompt of another file: a key typed in
one file can never be suggested in another.  Documents that are not files on disk
(``untitled:`` buffers) never contribute either.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

import pathspec

from ghost_ls.context.languages import language_id_for_path

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ssh", ".aws", ".gnupg", ".idea",
    ".vscode", ".cache", "site-packages", ".eggs", ".direnv", ".terraform",
})
SECRET_PATTERNS: tuple[str, ...] = (
    ".env", ".env.*", "*.env", ".envrc", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks",
    "*.keystore", "*.kdbx", "*.ppk", "*.asc", "*.gpg", "id_rsa*", "id_dsa*", "id_ecdsa*",
    "id_ed25519*", "*credential*", "*secret*", ".netrc", "_netrc", ".npmrc", ".pypirc",
    ".git-credentials", ".htpasswd", "*.tfvars", "*.tfstate", "*.tfstate.*",
    "service-account*.json", "*token*.json", ".ssh/", ".aws/", ".gnupg/", ".docker/",
)
_SECRETS = pathspec.GitIgnoreSpec.from_lines(SECRET_PATTERNS)


def uri_to_path(uri: str) -> Path | None:
    """The local path of a ``file:`` URI, None for other schemes."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return Path(path)


def is_secret_name(relative: str) -> bool:
    """Whether a (relative, posix) path looks like it holds credentials."""
    return _SECRETS.match_file(relative)


class PrivacyRules:
    """Decides which paths may be read by the index or shared across files."""

    def __init__(self, roots: Sequence[Path], exclude: Sequence[str] = ()) -> None:
        self.roots = [Path(os.path.abspath(root)) for root in roots]
        self._exclude = pathspec.GitIgnoreSpec.from_lines(list(exclude))
        self._ignores: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self._lock = threading.Lock()

    def root_of(self, path: Path) -> Path | None:
        """The workspace folder holding ``path`` (the deepest one), or None."""
        best: Path | None = None
        for root in self.roots:
            inside = path == root or root in path.parents
            if inside and (best is None or len(root.parts) > len(best.parts)):
                best = root
        return best

    def display_path(self, path: Path) -> str:
        """Workspace-relative posix path, or the file name outside the workspace."""
        root = self.root_of(path)
        if root is None:
            return path.name
        return path.relative_to(root).as_posix()

    def allows_path(self, path: Path) -> bool:
        """Whether content of ``path`` may reach other files' prompts (name rules only)."""
        root = self.root_of(path)
        relative = path.relative_to(root).as_posix() if root else path.name
        parts = PurePosixPath(relative).parts
        if any(part in SKIP_DIRS for part in parts[:-1]) or is_secret_name(relative):
            return False
        if self._exclude.match_file(relative):
            return False
        return root is None or not self._ignored(root, path)

    def allows_uri(self, uri: str) -> bool:
        path = uri_to_path(uri)
        return path is not None and self.allows_path(Path(os.path.abspath(path)))

    def _ignored(self, root: Path, path: Path, is_dir: bool = False) -> bool:
        """gitignore check walking from the root down to the file's folder."""
        relative = path.relative_to(root)
        folder = root
        last = len(relative.parts) - 1
        for index, part in enumerate(relative.parts):
            spec = self._ignore_spec(folder)
            rest = PurePosixPath(*relative.parts[index:]).as_posix()
            if spec is not None and spec.match_file(rest + ("/" if is_dir or index < last else "")):
                return True
            folder = folder / part
        return False

    def _ignore_spec(self, folder: Path) -> pathspec.GitIgnoreSpec | None:
        with self._lock:
            if folder in self._ignores:
                return self._ignores[folder]
        lines: list[str] = []
        for name in (".gitignore", ".git/info/exclude", ".ignore"):
            try:
                lines += (folder / name).read_text("utf-8", "replace").splitlines()
            except OSError:
                continue
        spec = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        with self._lock:
            self._ignores[folder] = spec
        return spec

    def skip_dir(self, root: Path, folder: Path, name: str) -> bool:
        """Whether the walk should not descend into ``folder/name``."""
        if name in SKIP_DIRS or (folder / name / "pyvenv.cfg").exists():
            return True
        relative = (folder / name).relative_to(root).as_posix() + "/"
        if is_secret_name(relative) or self._exclude.match_file(relative):
            return True
        return self._ignored(root, folder / name, is_dir=True)


def read_source(path: Path) -> str | None:
    """Text of a file the index may read, or None (too big, binary, not UTF-8, symlink)."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def walk_sources(rules: PrivacyRules, root: Path, limit: int) -> Iterator[tuple[Path, str]]:
    """(path, language id) of indexable files under ``root``, at most ``limit``."""
    count = 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not rules.skip_dir(root, here, d))
        for name in sorted(files):
            path = here / name
            language = language_id_for_path(path)
            if language is None or not rules.allows_path(path):
                continue
            yield path, language
            count += 1
            if count >= limit:
                return
