"""The engine chooses llama.cpp's thread count again before each prompt chunk, with the
real 0.5B in process: a load that was there when a long read began and is gone after its
first chunk costs that chunk, not the whole read."""

from __future__ import annotations

from typing import Any

import pytest

from ghost_ls.engine.backend import GenerationRequest, Prompt
from ghost_ls.engine.llama import EVAL_CHUNK, LlamaBackend
from ghost_ls.models.store import resolve_model

pytestmark = pytest.mark.model

LONG_PROMPT = "".join(f"value_{i} = compute({i}, {i} * {i})\n" for i in range(40))
"""About 600 tokens: several chunks."""


class LoadGoesAway:
    """Stands in for ``LoadAwareThreads``: one thread at the first look, two after."""

    configured = 0

    def __init__(self) -> None:
        self.looks = 0

    def choose(self) -> int:
        self.looks += 1
        return 1 if self.looks == 1 else 2


def test_the_thread_count_is_chosen_again_before_each_chunk() -> None:
    backend = LlamaBackend(resolve_model("qwen2.5-coder-0.5b-instruct")[0], threads=0, context_size=1024)
    chooser = LoadGoesAway()
    backend._thread_choice = chooser  # type: ignore[assignment]
    threads_per_decode: list[int] = []
    evaluate = backend._llm.eval

    def eval_noting_threads(tokens: Any) -> None:
        threads_per_decode.append(backend._threads_now)
        evaluate(tokens)

    backend._llm.eval = eval_noting_threads  # type: ignore[method-assign]
    try:
        chunks = -(-len(backend.prompt_tokens(LONG_PROMPT)) // EVAL_CHUNK)
        result = backend.generate(GenerationRequest(Prompt(LONG_PROMPT), max_tokens=4))
    finally:
        backend.close()
    assert result.stop_reason != "error", result.error
    assert chunks >= 4
    assert threads_per_decode[:chunks] == [1] + [2] * (chunks - 1)  # the prompt's chunks
    assert chooser.looks == chunks + 1  # before each chunk, and once for sampling
    assert result.threads == 2
