"""Real source files nobody here wrote, fetched at bench time (not committed).

A spec names a file inside a published package, fetched once into ``bench/.work/sources``
with the registry's own client and unpacked there:

- ``PKG==VER:path`` — a pip sdist (``pip download --no-binary :all:``); ``path`` is
  relative to the sdist's top folder, or to its ``src/``;
- ``npm:PKG@VER:path`` — an npm tarball (``npm pack PKG@VER``); ``path`` is relative to
  the tarball's ``package/`` folder (``src/...`` for packages that ship their sources);
- ``deb:PKG[=VER]:path`` — a Debian binary package (``apt-get download``, no root install,
  unpacked with ``dpkg-deb -x``); ``path`` is relative to the unpacked root, or to
  ``usr/share/gocode/src/`` (where golang-*-dev packages keep their Go sources);
- anything without ``:`` is a local path.

``source_file("requests==2.32.3:requests/sessions.py")`` returns the file's path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from benchlib.common import WORK, log

SOURCES = WORK / "sources"


def run_client(command: list[str], cwd: Path) -> str:
    """Run a registry client; its chatter goes to stderr, its stdout is returned."""
    tool = shutil.which(command[0]) or command[0]
    log(" ".join(command))
    done = subprocess.run([tool, *command[1:]], cwd=cwd, capture_output=True, text=True,
                          check=False)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        sys.stderr.write(done.stdout)
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {' '.join(command)}")
    return done.stdout


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


def _npm(package: str) -> Path:
    """``PKG@VER`` (``@scope/name@VER`` too) packed with npm and unpacked; its ``package/``."""
    name, at, version = package.rpartition("@")
    if not at or not name or not version:
        raise SystemExit(f"npm spec needs PKG@VERSION: {package!r}")
    folder = SOURCES / "npm" / f"{name.replace('/', '+')}@{version}"
    if (folder / "package").is_dir():
        return folder / "package"
    folder.mkdir(parents=True, exist_ok=True)
    packed = json.loads(run_client(["npm", "pack", package, "--json", "--ignore-scripts",
                              "--pack-destination", str(folder)], cwd=folder))
    archive = folder / packed[0]["filename"].replace("@", "").replace("/", "-")
    if not archive.is_file():  # npm's naming of scoped tarballs: scope-name-VER.tgz
        archive = next(folder.glob("*.tgz"))
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder / "package"


def _deb(package: str) -> Path:
    """``PKG`` or ``PKG=VER`` fetched with ``apt-get download`` and unpacked with ``dpkg-deb -x``."""
    name, _, version = package.partition("=")
    base = SOURCES / "deb"
    pattern = f"{name}_{version.replace(':', '%3a') if version else '*'}_*.deb"
    existing = sorted(base.glob(pattern))
    if not existing:
        base.mkdir(parents=True, exist_ok=True)
        run_client(["apt-get", "download", package], cwd=base)
        existing = sorted(base.glob(pattern))
        if not existing:
            raise SystemExit(f"apt-get download {package} left no {pattern} in {base}")
    archive = existing[-1]
    unpacked = base / archive.name.removesuffix(".deb")
    if not unpacked.is_dir():
        run_client(["dpkg-deb", "-x", str(archive), str(unpacked)], cwd=base)
    return unpacked


def source_file(spec: str) -> Path:
    """A spec (see the module docstring) to a file on disk."""
    if ":" not in spec:
        path = Path(spec)
        if not path.is_file():
            raise SystemExit(f"no such file: {spec}")
        return path
    if spec.startswith("npm:"):
        package, _, inner = spec[4:].rpartition(":")
        roots = [_npm(package)]
    elif spec.startswith("deb:"):
        package, _, inner = spec[4:].rpartition(":")
        root = _deb(package)
        roots = [root, root / "usr" / "share" / "gocode" / "src"]
    else:
        requirement, _, inner = spec.partition(":")
        root = _sdist(requirement)
        roots = [root, root / "src"]
    for candidate in (base / inner for base in roots):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"{inner} not found in {roots[0]}")
