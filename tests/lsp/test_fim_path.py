"""The FIM path, end to end: a model whose GGUF vocabulary has FIM tokens.

No real FIM code model can be downloaded here, so the test builds a tiny random-weight
model on Qwen2.5-Coder's real vocabulary (``bench/make_fim_model.py --preset tiny``;
the vocabulary comes from the llama-cpp-python sdist on PyPI).  Its text is
meaningless; what is checked is the plumbing: FIM tokens read from the GGUF, checked
against the catalog's template, the FIM prompt layout, KV reuse, answers over LSP.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import support
from ghost_ls.devtools.lsp_client import LspClient
from support import start_server

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def tiny_fim_model() -> Path:
    return support.tiny_fim_model()


def test_fim_tokens_are_read_from_the_gguf(tiny_fim_model: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ghost_ls", "doctor", "--json", "--model", str(tiny_fim_model)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    model = json.loads(done.stdout)["model"]
    assert model["state"] == "ready", model
    assert model["fimTokensInVocab"] == {
        "prefix": "<|fim_prefix|>",
        "suffix": "<|fim_suffix|>",
        "middle": "<|fim_middle|>",
    }
    assert model["promptFormat"] == "gguf"  # not in the catalog: the vocabulary's own markers


def _complete_uncached(client: LspClient, uri: str, line: int, col: int) -> dict[str, int]:
    """One model call at the position (the typing-through cache cleared first)."""
    client.clear_cache()
    before = client.status()["modelCalls"]
    items = client.inline(uri, line, col)["items"]
    for item in items:
        assert item["range"]["start"] == {"line": line, "character": col}
    status: dict[str, int] = client.status()
    assert status["modelCalls"] == before + 1, "the model was not asked"
    return status


def test_catalog_template_is_used_and_checked_for_a_known_file(tiny_fim_model: Path, tmp_path: Path) -> None:
    known = tmp_path / "qwen2.5-coder-0.5b-q8_0.gguf"  # the catalog's file name
    shutil.copyfile(tiny_fim_model, known)
    client = start_server({"model": str(known), "maxTokens": 8})
    try:
        status = client.status()
        assert status["promptFormat"] == "qwen"
        uri = (tmp_path / "main.py").as_uri()
        text = "def add(a, b):\n    return \n\nprint(add(1, 2))\n"
        client.open(uri, text)
        _complete_uncached(client, uri, 1, 11)
        client.change(uri, 2, "a", start=(1, 11))
        status = _complete_uncached(client, uri, 1, 12)
        # PSM: the tokens before the cursor are reused, the suffix is read again
        assert status["tokensReused"] > 5, status
        assert status["lastEvaluatedTokens"] < status["lastPromptTokens"]
    finally:
        client.close()


def test_fim_prompt_is_prefix_then_suffix(tiny_fim_model: Path, tmp_path: Path) -> None:
    """The layout, seen from the KV cache.  Lines inserted right after the cursor's line
    make the prompt longer (so the text after the cursor is in it: not prefix-only) and
    leave the ~200 tokens before the cursor reused (so they come first: a suffix-first
    prompt would reuse no more than its file header, < 40 tokens)."""
    client: LspClient = start_server({"model": str(tiny_fim_model), "maxTokens": 8})
    try:
        uri = (tmp_path / "x.py").as_uri()
        prefix = "".join(f"def scale_{i}(value):\n    return value * {i}\n\n\n" for i in range(20))
        text = prefix + "def area(r):\n    return \n\n\nprint(area(2))\n"
        client.open(uri, text)
        line = prefix.count("\n") + 1
        first = _complete_uncached(client, uri, line, 11)
        inserted = "".join(f"print(area({i}))\n" for i in range(3, 40))
        client.change(uri, 2, inserted, start=(line + 1, 0))
        second = _complete_uncached(client, uri, line, 11)
        assert second["lastPromptTokens"] > first["lastPromptTokens"] + 100, (first, second)
        assert second["tokensReused"] >= 150, (first, second)
    finally:
        client.close()


def test_fim_model_answers_over_lsp(tiny_fim_model: Path, tmp_path: Path) -> None:
    client: LspClient = start_server({"model": str(tiny_fim_model), "maxTokens": 8})
    try:
        uri = (tmp_path / "x.py").as_uri()
        client.open(uri, "x = \n")
        before = client.status()["modelCalls"]
        result = client.inline(uri, 0, 4, invoked=True)
        for item in result["items"]:  # random weights: the text means nothing, its place does
            assert item["range"]["start"] == {"line": 0, "character": 4}
            assert item["command"]["arguments"][0]["source"] == "model"
        assert client.status()["modelCalls"] > before  # the FIM model was asked
    finally:
        client.close()
