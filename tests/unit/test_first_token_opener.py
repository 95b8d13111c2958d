"""A held-back bracket constrains the first sampled token, with the real 0.5B in process:
the person typed ``.collect(``, so an answer that writes ``::<Vec<_>>()`` first could only
be dropped; the engine lets only tokens that begin with the bracket be sampled first."""

from __future__ import annotations

import pytest

from ghost_ls.engine.backend import GenerationRequest, Prompt, without_held_back
from ghost_ls.engine.llama import LlamaBackend
from ghost_ls.models.store import resolve_model

pytestmark = pytest.mark.model

PREFIX = """fn ids(items: &[Item]) -> Vec<u32> {
    let v = items.iter().map(|i| i.id).collect::<Vec<_>>();
    v
}

fn names(items: &[Item]) -> Vec<String> {
"""
SUFFIX = "\n}\n"
TYPED = "    items.iter().map(|i| i.name.clone()).collect"
"""What the person typed on the line, up to the bracket the prompt holds back."""


def complete(backend: LlamaBackend, held_back: str) -> str:
    text = f"<|fim_prefix|>{PREFIX}<|fim_suffix|>{SUFFIX}<|fim_middle|>{TYPED}"
    request = GenerationRequest(Prompt(text, held_back=held_back), max_tokens=8,
                                stop=lambda written: written.find("\n") if "\n" in written else None)
    result = backend.generate(request)
    assert result.stop_reason != "error", result.error
    return result.text


def test_the_first_token_begins_with_the_held_back_bracket() -> None:
    backend = LlamaBackend(resolve_model("qwen2.5-coder-0.5b-instruct")[0], threads=2, context_size=1024)
    try:
        free = complete(backend, held_back="")  # the model left alone at ``collect``
        held = complete(backend, held_back="(")
    finally:
        backend.close()
    assert not free.lstrip().startswith("("), f"the model writes the bracket anyway: {free!r}"
    assert held.lstrip().startswith("("), held
    assert without_held_back(held, "(").strip(), held  # an answer after the bracket
