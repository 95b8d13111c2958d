"""Real Python files nobody here wrote, fetched with pip at bench time (not committed).

``source_file("requests==2.32.3", "requests/sessions.py")`` downloads the sdist into
``bench/.work/sources`` once, unpacks it, and returns the file's path.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from benchlib.common import WORK, log

SOURCES = WORK / "sources"


def _sdist(requirement: str) -> Path:
    name, _, version = requirement.partition("==")
    stem = f"{name}-{version}"
    unpacked = SOURCES / stem
    if unpacked.is_dir():
        return unpacked
    SOURCES.mkdir(parents=True, exist_ok=True)
    archive = next(iter(SOURCES.glob(f"{stem}.tar.gz")), None)
    if archive is None:
        log(f"pip download {requirement} (sdist)")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             requirement, "-d", str(SOURCES)],
            check=True, stdout=sys.stderr, stderr=sys.stderr,
        )
        archive = next(iter(SOURCES.glob(f"{stem}.tar.gz")))
    with tarfile.open(archive) as tar:
        tar.extractall(SOURCES, filter="data")
    return unpacked


def source_file(spec: str) -> Path:
    """``PKG==VER:path/in/sdist.py`` (or a local path) to a file on disk."""
    if ":" not in spec:
        path = Path(spec)
        if not path.is_file():
            raise SystemExit(f"no such file: {spec}")
        return path
    requirement, _, inner = spec.partition(":")
    root = _sdist(requirement)
    for candidate in (root / inner, root / "src" / inner):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"{inner} not found in {root}")
