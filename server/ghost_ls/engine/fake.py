"""A scripted backend for protocol edge cases in tests (cancellation, slow models).

Selected with ``GHOST_LS_BACKEND=fake``; it is registered and driven exactly like the
llama.cpp backend.  It "generates" ``GHOST_LS_FAKE_TEXT`` (default: a fixed line)
one character a token, sleeping ``GHOST_LS_FAKE_DELAY_MS`` per token, and honours the
stop rule, budgets and cancel flag the same way.  Never the only test of a feature.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from ghost_ls.engine.backend import BackendInfo, FimTokens, GenerationRequest, GenerationResult
from ghost_ls.engine.streaming import StreamDriver


class FakeBackend:
    def __init__(self, on_started: Callable[[GenerationRequest], None] | None = None) -> None:
        self._text = os.environ.get("GHOST_LS_FAKE_TEXT", "fake_completion()\n")
        self._delay = int(os.environ.get("GHOST_LS_FAKE_DELAY_MS", "1")) / 1000.0
        self._started = on_started

    def info(self) -> BackendInfo:
        return BackendInfo(backend="fake", model_path="(fake)", description="scripted test backend")

    def count_tokens(self, text: str) -> int:
        return len(text)

    def fim_tokens(self) -> FimTokens | None:
        return None

    def generate(self, request: GenerationRequest) -> GenerationResult:
        prompt_tokens = len(request.prompt.text)
        result = GenerationResult(
            text="", stop_reason="", prompt_tokens=prompt_tokens, evaluated_tokens=prompt_tokens
        )
        driver = StreamDriver(request, result)
        driver.start_sampling()
        if self._started is not None:
            self._started(request)
        for char in self._text:
            if not driver.should_continue():
                break
            time.sleep(self._delay)
            if not driver.feed(char):
                break
        else:
            driver.end_of_stream()
        return driver.finish()

    def close(self) -> None:
        pass
