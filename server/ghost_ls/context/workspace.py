"""Which files the context engine may read, and the walk over workspace folders.

One rule decides what may reach the prompt of a *different* file: a file contributes
(to the symbol index, to the recent-snippets ring) only if the workspace index would
read it.  That is the case when it is

* inside a workspace folder (a file outside every folder never contributes);
* a regular file (not a symlink) of a language with a grammar, under 1 MB, valid UTF-8
  text without NUL bytes;
* not inside ``.git/``, ``node_modules/``, a virtualenv (a folder holding
  ``pyvenv.cfg``, or named ``.venv``/``venv``), caches (``__pycache__``, ``.tox``, ...);
* not a likely secret: ``.env`` and ``.env.*``, ``*.pem``, ``*.key``, ``*.p12``,
  ``*.pfx``, ``id_rsa*``/``id_ed25519*``..., ``*credential*``, ``*secret*``, ``.netrc``,
  ``.npmrc``, ``.pypirc``, ``*.tfvars``, anything under ``.ssh/``, ``.aws/``, ``.gnupg/``;
* not matched by an ignore file: ``.gitignore``, ``.ignore`` and ``.git/info/exclude``
  in the folders from the enclosing repository's root (the nearest folder above the
  workspace folder holding ``.git``) down to the file's folder, git's precedence (a
  deeper file's patterns win) and git's rule that nothing inside an ignored folder comes
  back;
* not matched by the user's ``exclude`` setting (gitignore-style patterns).

Every decision is made on the *real* path (``os.path.realpath``: symlinks, ``//``,
``.`` and ``..`` resolved) against the real workspace folders, so no spelling of a
path (through a symlinked folder, ``file:////...``) slips past a rule; where the file
system folds case (macOS, Windows) names are compared case-insensitively.  An open
document's path is resolved once, when it is opened (:meth:`PrivacyRules.place`, on
the background thread), not per keystroke.

Open documents follow the same rule.  The user is looking at an open ``.env`` or a
gitignored ``config.local.py``, and completion *inside* that file uses its own text as
usual, but nothing from it is ever shown in the prompt of another file: a key typed in
one file can never be suggested in another.  Documents that are not files on disk
(``untitled:`` buffers) never contribute either.

An ignore file that cannot be read safely (a FIFO, a device, over 256 KB, unreadable)
ignores everything below its folder: a rule we cannot read does not let files through.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from ghost_ls.context.files import Refused, read_bounded
from ghost_ls.context.ignore import IgnoreSpec
from ghost_ls.context.languages import language_id_for_path
from ghost_ls.context.text import scrub_surrogates

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000
MAX_IGNORE_BYTES = 256_000
"""An ignore file larger than this is not read: its folder is ignored as a whole."""
MAX_PATH_CHARS = 4096
_REPO_SEARCH_DEPTH = 64
_MEMO_LIMIT = 100_000
IGNORE_FILES = (".git/info/exclude", ".gitignore", ".ignore")
"""Read in this order, so a later file's patterns win over an earlier one's."""
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
_SECRETS = IgnoreSpec.from_lines(SECRET_PATTERNS)


def uri_to_path(uri: str) -> Path | None:
    """The local path of a ``file:`` URI, None for other schemes and other hosts.

    Percent-escapes that are not UTF-8 come back as the file system's bytes
    (surrogate escapes), so the path names the file the editor means.
    """
    parsed = urlparse(uri)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return None
    path = unquote(parsed.path, errors="surrogateescape")
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return Path(path)


def is_secret_name(relative: str) -> bool:
    """Whether a (relative, posix) path looks like it holds credentials."""
    return _SECRETS.match_file(relative)


def real_path(path: Path | str) -> Path | None:
    """``path`` with symlinks, ``//``, ``.`` and ``..`` resolved (None: not a usable path)."""
    text = str(path)
    if not text or len(text) > MAX_PATH_CHARS or "\0" in text:
        return None
    try:
        return Path(os.path.realpath(os.path.abspath(text)))
    except (OSError, ValueError):  # UnicodeEncodeError: a lone surrogate in the name
        return None


@dataclass(frozen=True)
class Placement:
    """Where an open document lives, decided once when it is opened."""

    real: Path | None
    """Its real path; None when it is not a file on this machine."""
    key: str
    """Its key in the symbol index."""
    shown: str
    """The path prompts show (workspace-relative)."""
    shareable: bool
    """Whether its text may reach other files' prompts."""


def _folds_case(path: Path) -> bool:
    """Whether the file system holding ``path`` ignores case (the swapped spelling is it)."""
    text = str(path)
    swapped = text.swapcase()
    if swapped == text:
        return False
    try:
        a, b = os.stat(text), os.stat(swapped)
    except (OSError, ValueError):
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _repo_base(root: Path) -> Path:
    """The nearest folder at or above ``root`` holding ``.git`` (``root`` when none)."""
    folder = root
    for _ in range(_REPO_SEARCH_DEPTH):
        if os.path.lexists(folder / ".git"):
            return folder
        if folder.parent == folder:
            break
        folder = folder.parent
    return root


class PrivacyRules:
    """Decides which paths may be read by the index or shared across files.

    Built on the background thread: it resolves the folders (file-system work).
    ``fold_case`` overrides the detection of a case-folding file system (tests).
    """

    def __init__(self, roots: Sequence[Path], exclude: Sequence[str] = (),
                 fold_case: bool | None = None) -> None:
        real = [r for r in (real_path(root) for root in roots) if r is not None]
        self.roots = list(dict.fromkeys(real))
        self._folds = {root: _folds_case(root) if fold_case is None else fold_case
                       for root in self.roots}
        self._bases = {root: _repo_base(root) for root in self.roots}
        self._exclude = IgnoreSpec.from_lines(list(exclude))
        self._ignores: dict[Path, IgnoreSpec | None] = {}
        self._dirs: dict[tuple[Path, tuple[str, ...]], bool] = {}
        self._lock = threading.Lock()

    def root_of(self, path: Path) -> Path | None:
        """The workspace folder holding the real path ``path`` (the deepest one), or None."""
        best: Path | None = None
        for root in self.roots:
            size = len(root.parts)
            head = path.parts[:size]
            inside = (tuple(p.lower() for p in head) == tuple(p.lower() for p in root.parts)
                      if self._folds[root] else head == root.parts)
            if inside and (best is None or size > len(best.parts)):
                best = root
        return best

    def display_path(self, path: Path) -> str:
        """Workspace-relative posix path, or the file name outside the workspace."""
        root = self.root_of(path)
        shown = path.name if root is None else PurePosixPath(*path.parts[len(root.parts):]).as_posix()
        return scrub_surrogates(shown or path.name)

    def place(self, uri: str) -> Placement:
        """Resolve an open document's URI and decide whether it may be shared."""
        path = uri_to_path(uri)
        real = real_path(path) if path is not None else None
        if real is None:
            name = PurePosixPath(unquote(urlparse(uri).path)).name or uri
            return Placement(None, uri, scrub_surrogates(name), False)
        return Placement(real, str(real), self.display_path(real), self.allows_path(real))

    def allows_uri(self, uri: str) -> bool:
        return self.place(uri).shareable

    def allows_path(self, path: Path) -> bool:
        """Whether content of the real path ``path`` may reach other files' prompts."""
        root = self.root_of(path)
        if root is None:
            return False
        parts = path.parts[len(root.parts):]
        if not parts or (len(parts) > 1 and self._blocked_dir(root, parts[:-1])):
            return False
        fold = self._folds[root]
        if _SECRETS.verdict(parts, False, fold) or self._exclude.verdict(parts, False, fold):
            return False
        return not self._ignored(root, parts, False)

    def skip_dir(self, root: Path, folder: Path, name: str) -> bool:
        """Whether the walk should not descend into ``folder/name``."""
        parts = (folder / name).parts[len(root.parts):]
        return not parts or self._blocked_dir(root, parts)

    def _blocked_dir(self, root: Path, parts: tuple[str, ...]) -> bool:
        """Whether nothing below the folder ``root/parts`` may be read (remembered)."""
        key = (root, parts)
        with self._lock:
            known = self._dirs.get(key)
        if known is not None:
            return known
        blocked = (len(parts) > 1 and self._blocked_dir(root, parts[:-1])) \
            or self._dir_rules(root, parts)
        with self._lock:
            if len(self._dirs) > _MEMO_LIMIT:
                self._dirs.clear()
            self._dirs[key] = blocked
        return blocked

    def _dir_rules(self, root: Path, parts: tuple[str, ...]) -> bool:
        fold = self._folds[root]
        name = parts[-1].lower() if fold else parts[-1]
        if name in SKIP_DIRS or os.path.lexists(root.joinpath(*parts, "pyvenv.cfg")):
            return True
        if _SECRETS.verdict(parts, True, fold) or self._exclude.verdict(parts, True, fold):
            return True
        return self._ignored(root, parts, True)

    def _ignored(self, root: Path, parts: tuple[str, ...], is_dir: bool) -> bool:
        """git's verdict for ``root/parts`` itself (its folders are checked by the caller):
        the deepest ignore file with a pattern that matches decides."""
        base = self._bases[root]
        full = root.parts[len(base.parts):] + parts
        fold = self._folds[root]
        for depth in range(len(full) - 1, -1, -1):
            spec = self._ignore_spec(base.joinpath(*full[:depth]))
            if spec is None:
                continue
            verdict = spec.verdict(full[depth:], is_dir, fold)
            if verdict is not None:
                return verdict
        return False

    def _ignore_spec(self, folder: Path) -> IgnoreSpec | None:
        with self._lock:
            if folder in self._ignores:
                return self._ignores[folder]
        lines: list[str] = []
        spec: IgnoreSpec | None = None
        for name in IGNORE_FILES:
            try:
                data = read_bounded(folder / name, MAX_IGNORE_BYTES, follow_symlinks=True)
            except Refused as error:
                log.warning("not reading %s (%s): ignoring everything below %s",
                            folder / name, error, folder)
                spec = IgnoreSpec((), everything=True)
                break
            if data is not None:
                lines += data.decode("utf-8", "replace").splitlines()
        if spec is None and lines:
            spec = IgnoreSpec.from_lines(lines)
        with self._lock:
            if len(self._ignores) > _MEMO_LIMIT:
                self._ignores.clear()
            self._ignores[folder] = spec
        return spec


def read_source(path: Path) -> str | None:
    """Text of a file the index may read, or None (too big, binary, not UTF-8, symlink,
    not a regular file)."""
    try:
        data = read_bounded(path, MAX_FILE_BYTES)
    except Refused:
        return None
    if data is None or b"\0" in data[:8192]:
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
