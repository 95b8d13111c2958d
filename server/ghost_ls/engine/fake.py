"""A scripted backend for protocol edge cases in tests (cancellation, slow models).

Selected with ``GHOST_LS_BACKEND=fake``; it is registered and driven exactly like the
llama.cpp backend.  It "generates" ``GHOST_LS_FAKE_TEXT`` (default: a fixed line)
one character a token, sleeping ``GHOST_LS_FAKE_DELAY_MS`` per token, and honours the
stop rule, budgets and cancel flag the same way.  Never the only test of a feature.
"""

from __future__ import annotations

import os
import time

from ghost_ls.engine.backend import BackendInfo, GenerationRequest, GenerationResult


class FakeBackend:
    def __init__(self) -> None:
        self._text = os.environ.get("GHOST_LS_FAKE_TEXT", "fake_completion()\n")
        self._delay = int(os.environ.get("GHOST_LS_FAKE_DELAY_MS", "1")) / 1000.0

    def info(self) -> BackendInfo:
        return BackendInfo(backend="fake", model_path="(fake)", description="scripted test backend")

    def tokenize(self, text: str) -> list[int]:
        return [ord(char) for char in text]

    def count_tokens(self, text: str) -> int:
        return len(text)

    def bos(self) -> list[int]:
        return []

    def generate(self, request: GenerationRequest) -> GenerationResult:
        result = GenerationResult(text="", stop_reason="max-tokens", prompt_tokens=len(request.prompt))
        result.evaluated_tokens = len(request.prompt)
        started = time.perf_counter()
        deadline = time.monotonic() + request.time_budget
        for char in self._text[: request.max_tokens]:
            if request.cancel.is_set():
                result.stop_reason = "cancelled"
                break
            if time.monotonic() > deadline:
                result.stop_reason = "timeout"
                break
            time.sleep(self._delay)
            result.text += char
            result.generated_tokens += 1
            keep = request.stop(result.text) if request.stop else None
            if keep is not None:
                result.text = result.text[:keep]
                result.stop_reason = "stop-rule"
                break
            if request.on_text:
                request.on_text(result.text)
        result.generate_seconds = time.perf_counter() - started
        return result

    def close(self) -> None:
        pass
