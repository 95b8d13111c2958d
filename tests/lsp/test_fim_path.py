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


def test_catalog_template_is_used_and_checked_for_a_known_file(tiny_fim_model: Path, tmp_path: Path) -> None:
    known = tmp_path / "qwen2.5-coder-0.5b-q8_0.gguf"  # the catalog's file name
    shutil.copyfile(tiny_fim_model, known)
    client = start_server({"model": str(known), "maxTokens": 8})
    try:
        status = client.request("ghost/status")
        assert status["promptFormat"] == "qwen"
        uri = (tmp_path / "main.py").as_uri()
        text = "def add(a, b):\n    return \n\nprint(add(1, 2))\n"
        client.open(uri, text)
        first = client.inline(uri, 1, 11)
        assert isinstance(first["items"], list)
        client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [
                    {
                        "range": {"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 11}},
                        "text": "a",
                    }
                ],
            },
        )
        client.request("workspace/executeCommand", {"command": "ghost.clearCache", "arguments": []})
        client.inline(uri, 1, 12)
        status = client.request("ghost/status")
        assert status["modelCalls"] >= 2
        # PSM: the tokens before the cursor are reused, the suffix is read again
        assert status["tokensReused"] > 5, status
        assert status["lastEvaluatedTokens"] < status["lastPromptTokens"]
    finally:
        client.close()


def test_fim_model_answers_over_lsp(tiny_fim_model: Path, tmp_path: Path) -> None:
    client: LspClient = start_server({"model": str(tiny_fim_model), "maxTokens": 8})
    try:
        uri = (tmp_path / "x.py").as_uri()
        client.open(uri, "x = \n")
        result = client.inline(uri, 0, 4, invoked=True)
        assert isinstance(result["items"], list)
        assert client.request("ghost/status")["modelCalls"] >= 1
    finally:
        client.close()
