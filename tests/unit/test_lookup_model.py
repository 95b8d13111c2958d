"""Prompt-lookup decoding with the real 0.5B model: the same text and KV cache as the
plain greedy loop, with drafted tokens accepted where the code repeats itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt
from ghost_ls.engine.llama import LlamaBackend
from ghost_ls.models.store import resolve_model
from ghost_ls.postprocess.stops import make_block_stop

pytestmark = pytest.mark.model

# The second function repeats the first: prompt lookup can guess most of its body.
REPEATING = (
    "<|fim_prefix|>def area_of_square(side):\n    if side < 0:\n        raise ValueError('negative side')\n"
    "    return side * side\n\n\ndef area_of_cube_face(side):\n    if side < 0:\n"
    "<|fim_suffix|>\n<|fim_middle|>"
)


@pytest.fixture(scope="module")
def backends() -> Iterator[dict[str, LlamaBackend]]:
    path: Path = resolve_model("qwen2.5-coder-0.5b-instruct")[0]
    loaded = {
        "plain": LlamaBackend(path, context_size=1024, threads=1),
        "lookup": LlamaBackend(path, context_size=1024, threads=1, draft_tokens=6),
    }
    yield loaded
    for backend in loaded.values():
        backend.close()


def generate(backend: LlamaBackend, text: str, **rules: object) -> GenerationResult:
    request = GenerationRequest(Prompt(text), max_tokens=24, cancel=threading.Event(), **rules)  # type: ignore[arg-type]
    return backend.generate(request)


def cached(backend: LlamaBackend) -> list[int]:
    llm = backend._llm
    return [int(token) for token in llm.input_ids[: llm.n_tokens]]


def test_drafts_are_accepted_and_the_text_and_cache_match_the_plain_loop(
    backends: dict[str, LlamaBackend],
) -> None:
    plain, lookup = (generate(backends[name], REPEATING) for name in ("plain", "lookup"))
    assert lookup.drafted_tokens > 0 and lookup.draft_accepted_tokens > 0, lookup
    assert plain.drafted_tokens == 0
    assert lookup.text == plain.text and lookup.stop_reason == plain.stop_reason
    assert lookup.generated_tokens == plain.generated_tokens
    assert cached(backends["lookup"]) == cached(backends["plain"])  # no drafted token left over


def test_a_stop_rule_inside_a_draft_cuts_there_and_leaves_the_cut_token_out(
    backends: dict[str, LlamaBackend],
) -> None:
    rule = make_block_stop(None, max_lines=1)  # ends after the first complete line
    plain, lookup = (generate(backends[name], REPEATING, stop=rule) for name in ("plain", "lookup"))
    assert lookup.text == plain.text and "\n" not in lookup.text and lookup.stop_reason == "stop-rule"
    assert cached(backends["lookup"]) == cached(backends["plain"])
