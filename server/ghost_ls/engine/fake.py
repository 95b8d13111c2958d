"""A scripted backend for protocol edge cases in tests (cancellation, budgets, races).

Selected with ``GHOST_LS_BACKEND=fake``; it is registered and driven exactly like the
llama.cpp backend.  It "generates" ``GHOST_LS_FAKE_TEXT`` (default: a fixed line) one
character a token, ``GHOST_LS_FAKE_DELAY_MS`` apart, through the same
:class:`StreamDriver`, so it honours the stop rule, budgets and cancel flag the same way.

So that tests synchronise on events instead of sleeping, the first
``GHOST_LS_FAKE_HOLD`` generations *hold*: after their first token (streamed through
``on_text``, which the server forwards as ``ghost/partialCompletion``: the signal that
the generation is running) they wait for their cancel flag or their time budget,
whichever comes first; they never end on their own.  With ``GHOST_LS_FAKE_LATE=1`` a
held generation that is cancelled still returns its whole text, as a generation whose
last token came just before the cancel would: that is how a test reaches the server's
stale-version check.  Never the only test of a feature.
"""

from __future__ import annotations

import os
import threading
import time

from ghost_ls.engine.backend import BackendInfo, FimTokens, GenerationRequest, GenerationResult
from ghost_ls.engine.streaming import StreamDriver


class FakeBackend:
    """Streams a fixed text; see the module docstring for the environment it reads."""

    def __init__(self) -> None:
        self._text = os.environ.get("GHOST_LS_FAKE_TEXT", "fake_completion()\n")
        self._delay = int(os.environ.get("GHOST_LS_FAKE_DELAY_MS", "1")) / 1000.0
        self._holds = int(os.environ.get("GHOST_LS_FAKE_HOLD", "0"))
        self._late = os.environ.get("GHOST_LS_FAKE_LATE") == "1"
        self._lock = threading.Lock()

    def info(self) -> BackendInfo:
        return BackendInfo(backend="fake", model_path="(fake)", description="scripted test backend")

    def count_tokens(self, text: str) -> int:
        return len(text)

    def fim_tokens(self) -> FimTokens | None:
        return None

    def _take_hold(self) -> bool:
        with self._lock:
            if self._holds <= 0:
                return False
            self._holds -= 1
            return True

    def generate(self, request: GenerationRequest) -> GenerationResult:
        prompt_tokens = len(request.prompt.text)
        result = GenerationResult(
            text="", stop_reason="", prompt_tokens=prompt_tokens, evaluated_tokens=prompt_tokens
        )
        driver = StreamDriver(request, result)
        driver.start_sampling()
        started = time.monotonic()
        hold = self._take_hold()
        for index, char in enumerate(self._text):
            if not driver.should_continue():
                break
            request.cancel.wait(self._delay)  # a cancel ends the wait at once
            if not driver.feed(char):
                break
            if hold and index == 0:
                budget = request.time_budget - (time.monotonic() - started)
                request.cancel.wait(budget if budget < float("inf") else None)
                if self._late and request.cancel.is_set():
                    return self._finish_regardless(driver, index + 1)
        else:
            driver.end_of_stream()
        return driver.finish()

    def _finish_regardless(self, driver: StreamDriver, start: int) -> GenerationResult:
        """The rest of the text, as if every token had come before the cancel."""
        for char in self._text[start:]:
            if not driver.feed(char):
                return driver.finish()
        driver.end_of_stream()
        return driver.finish()

    def close(self) -> None:
        pass
