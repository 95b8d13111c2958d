"""``ghost-ls models pull``: fetch a catalog model from Hugging Face, checked by sha256.

Downloads go to a ``.part`` file that is renamed only after its hash matches: the pinned
one from the catalog, or else the sha256 Hugging Face publishes for the file (the
``X-Linked-Etag`` header of LFS files).  An interrupted download resumes.  With no
network the error says so plainly and names the file to copy in by hand.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from ghost_ls.errors import ModelError
from ghost_ls.models.catalog import ModelEntry
from ghost_ls.models.store import Progress, local_path, verify

CHUNK = 1 << 20
TIMEOUT_SECONDS = 30


def _published_sha256(headers: dict[str, str]) -> str:
    """The sha256 Hugging Face sends for an LFS file, or ''."""
    for key in ("x-linked-etag", "etag"):
        value = headers.get(key, "").strip('"').removeprefix("W/").strip('"')
        if len(value) == 64 and all(c in "0123456789abcdef" for c in value.lower()):
            return value.lower()
    return ""


def _offline_message(entry: ModelEntry, error: Exception) -> str:
    return (
        f"cannot download {entry.name}: {error}. This machine seems to be offline. "
        f"On a machine with network, download {entry.url} and copy it to "
        f"{local_path(entry)} (ghost-ls checks its sha256 at first use)."
    )


def _open(url: str, start: int) -> urllib.response.addinfourl:
    request = urllib.request.Request(url, headers={"User-Agent": "ghost-ls"})
    token = os.environ.get("HF_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if start:
        request.add_header("Range", f"bytes={start}-")
    response: urllib.response.addinfourl = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    return response


def pull(entry: ModelEntry, progress: Progress | None = None) -> Path:
    """Make ``entry``'s Hugging Face file present and verified; return its path."""
    target = local_path(entry)
    if target.is_file():
        if entry.sha256:
            verify(target, entry.sha256, progress)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    start = partial.stat().st_size if partial.exists() else 0
    try:
        response = _open(entry.url, start)
    except (urllib.error.URLError, OSError) as error:
        raise ModelError(_offline_message(entry, error)) from error
    with response:
        headers = {key.lower(): value for key, value in response.headers.items()}
        if start and response.status != 206:
            start = 0  # the server ignored the range: start over
        total = start + int(headers.get("content-length", "0") or 0)
        expected = entry.sha256 or _published_sha256(headers)
        digest = hashlib.sha256()
        if start:
            with partial.open("rb") as existing:
                while block := existing.read(CHUNK):
                    digest.update(block)
        done = start
        try:
            with partial.open("ab" if start else "wb") as out:
                while block := response.read(CHUNK):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
        except (urllib.error.URLError, OSError) as error:
            raise ModelError(
                f"download of {entry.name} broke off at {done >> 20} MB ({error}); "
                f"run the same command again to resume"
            ) from error
    actual = digest.hexdigest()
    if expected and actual != expected:
        partial.unlink(missing_ok=True)
        raise ModelError(
            f"{entry.name}: downloaded file has sha256 {actual[:12]}..., expected "
            f"{expected[:12]}...; it was deleted, try again"
        )
    partial.replace(target)
    if expected:
        verify(target, expected)
    return target
