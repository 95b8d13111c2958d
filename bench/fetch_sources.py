"""Fetch the pinned packages the cold-place bench takes its cases from, outside the repo.

Each package is fetched with its registry's own client and unpacked once into
``$GHOST_LS_CACHE/bench-sources`` (default ``~/.cache/ghost-ls/bench-sources``):

- Python: a PyPI sdist (``pip download --no-deps --no-binary :all: NAME==VER``);
- TypeScript: an npm tarball (``npm pack NAME@VER``) that ships its ``src/*.ts``;
- Go and Rust: Debian packages (``apt-get download NAME=VER``, unpacked with
  ``dpkg-deb -x``; nothing is installed).

The pins live in ``benchlib/cold_cases.py`` (``PACKAGES``).  Idempotent: a package
already unpacked is not fetched again.  Prints one JSON line per package (its name,
version and the folder its sources are under) on stdout; progress goes to stderr.

Run:  .venv/bin/python bench/fetch_sources.py            (all packages)
      .venv/bin/python bench/fetch_sources.py --only go   (one language)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tarfile
from pathlib import Path

from benchlib.cold_cases import PACKAGES, Package
from benchlib.common import log
from benchlib.sources import run_client


def cache_root() -> Path:
    """``$GHOST_LS_CACHE/bench-sources`` (``~/.cache/ghost-ls/bench-sources`` by default)."""
    base = Path(os.environ.get("GHOST_LS_CACHE", Path.home() / ".cache" / "ghost-ls"))
    return base.expanduser() / "bench-sources"


def _untar(archive: Path, into: Path) -> None:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")


def _fetch_pypi(package: Package, folder: Path) -> None:
    run_client([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
          f"{package.name}=={package.version}", "-d", str(folder)], cwd=folder)
    archive = next(folder.glob("*.tar.gz"))
    _untar(archive, folder / "unpacked")


def _fetch_npm(package: Package, folder: Path) -> None:
    packed = json.loads(run_client(["npm", "pack", f"{package.name}@{package.version}", "--json",
                              "--ignore-scripts", "--pack-destination", str(folder)], cwd=folder))
    archive = folder / packed[0]["filename"]
    if not archive.is_file():
        archive = next(folder.glob("*.tgz"))
    _untar(archive, folder / "unpacked")


def _fetch_deb(package: Package, folder: Path) -> None:
    run_client(["apt-get", "download", f"{package.name}={package.version}"], cwd=folder)
    archive = next(folder.glob("*.deb"))
    run_client(["dpkg-deb", "-x", str(archive), str(folder / "unpacked")], cwd=folder)


FETCHERS = {"pypi": _fetch_pypi, "npm": _fetch_npm, "deb": _fetch_deb}


def ensure(package: Package, root: Path | None = None) -> Path:
    """The folder holding ``package``'s sources (``package.sources`` under its unpacked
    root), fetching and unpacking it first when it is not there yet."""
    folder = (root or cache_root()) / package.key
    unpacked = folder / "unpacked"
    if not (folder / ".complete").is_file():
        if folder.exists():
            shutil.rmtree(folder)  # a fetch that stopped half-way
        folder.mkdir(parents=True)
        log(f"fetching {package.registry} {package.name} {package.version} into {folder}")
        FETCHERS[package.registry](package, folder)
        (folder / ".complete").write_text(f"{package.name} {package.version}\n")
    matches = sorted(unpacked.glob(package.sources))
    if not matches:
        raise SystemExit(f"{package.sources} not found under {unpacked}")
    return matches[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated languages (python,typescript,go,rust)")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else None
    for package in PACKAGES:
        if wanted is None or package.language in wanted:
            path = ensure(package)
            print(json.dumps({"language": package.language, "name": package.name,
                              "version": package.version, "sources": str(path)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
