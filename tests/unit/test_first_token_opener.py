"""A held-back bracket or dot constrains the first sampled token, with the real 0.5B in
process: the person typed ``.collect(``, so an answer that writes ``::<Vec<_>>()`` first
could only be dropped; the engine lets only tokens that begin with the bracket be
sampled first.  The same for a dot or an ``_`` typed where the model would have gone
on otherwise (``price`` → `` * qty``)."""

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


DOT_PREFIX = "fn total(price: f64, qty: f64) -> f64 {\n"
DOT_TYPED = "    price"
"""Where the model goes on with `` * qty``; the person typed a dot."""


def complete(backend: LlamaBackend, held_back: str, prefix: str = PREFIX, typed: str = TYPED) -> str:
    text = f"<|fim_prefix|>{prefix}<|fim_suffix|>{SUFFIX}<|fim_middle|>{typed}"
    request = GenerationRequest(Prompt(text, held_back=held_back), max_tokens=8,
                                stop=lambda written: written.find("\n") if "\n" in written else None)
    result = backend.generate(request)
    assert result.stop_reason != "error", result.error
    return result.text


def test_the_first_token_begins_with_the_held_back_mark() -> None:
    backend = LlamaBackend(resolve_model("qwen2.5-coder-0.5b-instruct")[0], threads=2, context_size=1024)
    try:
        free = complete(backend, held_back="")  # the model left alone at ``collect``
        held = complete(backend, held_back="(")
        free_dot = complete(backend, held_back="", prefix=DOT_PREFIX, typed=DOT_TYPED)
        held_dot = complete(backend, held_back=".", prefix=DOT_PREFIX, typed=DOT_TYPED)
        held_glued = complete(backend, held_back="_", prefix=DOT_PREFIX, typed=DOT_TYPED)
    finally:
        backend.close()
    assert not free.lstrip().startswith("("), f"the model writes the bracket anyway: {free!r}"
    assert held.lstrip().startswith("("), held
    assert without_held_back(held, "(").strip(), held  # an answer after the bracket
    assert not free_dot.lstrip().startswith("."), f"the model writes the dot anyway: {free_dot!r}"
    assert held_dot.lstrip().startswith("."), held_dot
    assert without_held_back(held_dot, ".").strip(), held_dot
    assert held_glued.startswith("_"), held_glued
    assert without_held_back(held_glued, "_").strip(), held_glued
