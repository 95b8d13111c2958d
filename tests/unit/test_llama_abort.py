"""A cancel stops a prompt read inside a chunk (llama.cpp's abort callback), with the real
0.5B in process, and leaves the KV cache as the engine believes it is."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from ghost_ls.engine.backend import GenerationRequest, Prompt
from ghost_ls.engine.llama import EVAL_CHUNK, LlamaBackend
from ghost_ls.models.store import resolve_model

pytestmark = pytest.mark.model

LONG_PROMPT = "".join(f"value_{i} = compute({i}, {i} * {i})\n" for i in range(40))
"""About 600 tokens: several chunks."""


class CancelAfterLooks(threading.Event):
    """A cancel flag that reads as set from its ``looks``-th look on: the engine looks
    once before each chunk, then llama.cpp's abort callback looks between operations."""

    def __init__(self, looks: int) -> None:
        super().__init__()
        self.looks_left = looks

    def is_set(self) -> bool:
        self.looks_left -= 1
        return self.looks_left < 0


@pytest.fixture(scope="module")
def backend() -> Iterator[LlamaBackend]:
    engine = LlamaBackend(resolve_model("qwen2.5-coder-0.5b-instruct")[0], threads=1,
                          context_size=1024)
    yield engine
    engine.close()


def test_a_cancel_stops_the_read_inside_its_first_chunk(backend: LlamaBackend) -> None:
    assert len(backend.prompt_tokens(LONG_PROMPT)) > 3 * EVAL_CHUNK
    request = GenerationRequest(Prompt(LONG_PROMPT), max_tokens=8)
    request.cancel = CancelAfterLooks(1)  # the look before the first chunk says "go on"
    result = backend.generate(request)
    assert result.stop_reason == "cancelled"
    # the first chunk was stopped halfway and dropped: had it run to its end, its tokens
    # would be kept and only the look before the second chunk would have stopped the read
    assert result.evaluated_tokens == 0
    assert request.cancel.looks_left < -1  # llama.cpp looked again, inside the chunk


class CancelInsideChunk(threading.Event):
    """A cancel flag that reads as set from the first look inside chunk ``chunk`` (0-based):
    the look before that chunk still says "go on"."""

    def __init__(self, backend: LlamaBackend, chunk: int) -> None:
        super().__init__()
        self.backend, self.chunk, self.looks_there = backend, chunk, 0

    def is_set(self) -> bool:
        if self.backend._llm.n_tokens < self.chunk * EVAL_CHUNK:  # the tokens read so far
            return False
        self.looks_there += 1
        return self.looks_there > 1


def test_after_an_aborted_chunk_the_cache_holds_what_the_engine_counts(
        backend: LlamaBackend) -> None:
    request = GenerationRequest(Prompt(LONG_PROMPT), max_tokens=8)
    request.cancel = CancelInsideChunk(backend, 2)  # two chunks read, the third stopped inside
    assert backend.generate(request).evaluated_tokens == 2 * EVAL_CHUNK
    again = backend.generate(GenerationRequest(Prompt(LONG_PROMPT), max_tokens=8))
    assert again.reused_tokens == 2 * EVAL_CHUNK and again.stop_reason != "error"
    fresh = LlamaBackend(resolve_model("qwen2.5-coder-0.5b-instruct")[0], threads=1,
                         context_size=1024)
    try:
        assert again.text == fresh.generate(GenerationRequest(Prompt(LONG_PROMPT), max_tokens=8)).text
    finally:
        fresh.close()
