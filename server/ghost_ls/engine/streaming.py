"""The one loop every backend runs its stream through: stop rule, budgets, cancellation.

A backend produces text piece by piece (a token from llama.cpp, a chunk of a server's
event stream).  :class:`StreamDriver` decides after each piece whether the suggestion
is complete, and before each piece whether to go on at all, so every backend stops
for the same reasons at the same characters:

- ``cancel`` set (a newer request, ``$/cancelRequest``, shutdown): ``cancelled``;
- the sampling time budget spent: ``timeout``;
- ``max_tokens`` pieces produced: ``max-tokens``;
- a template stop string in the text: ``eos``, the text cut where it begins;
- the stop rule answers a length: ``stop-rule``, the text cut there.
"""

from __future__ import annotations

import time

from ghost_ls.engine.backend import CancelFlag, GenerationRequest, GenerationResult


class StreamDriver:
    """Applies ``request``'s rules to a stream of generated text, filling ``result``.

    ``cancel``: the flag to look at instead of ``request.cancel`` (the engine's child
    process looks at the flag it shares with the language server).
    """

    def __init__(
        self, request: GenerationRequest, result: GenerationResult, cancel: CancelFlag | None = None
    ) -> None:
        self.request = request
        self.result = result
        self._cancel: CancelFlag = cancel if cancel is not None else request.cancel
        self.text = ""
        self._deadline = float("inf")
        self._sampling_started = 0.0

    def start_sampling(self) -> None:
        """The prompt is read: the time budget starts counting now."""
        now = time.monotonic()
        self._sampling_started = now
        self._deadline = now + self.request.time_budget

    def should_continue(self) -> bool:
        """Whether to produce another piece; sets ``stop_reason`` when not."""
        if self._cancel.is_set():
            self.result.stop_reason = "cancelled"
            return False
        if time.monotonic() > self._deadline:
            self.result.stop_reason = "timeout"
            return False
        if self.result.generated_tokens >= self.request.max_tokens:
            self.result.stop_reason = "max-tokens"
            return False
        return True

    def feed(self, piece: str, tokens: int = 1) -> bool:
        """Add generated text; False when the suggestion is complete."""
        self.result.generated_tokens += tokens
        text = self.text + piece
        for marker in self.request.stop_strings:
            index = text.find(marker)
            if index >= 0:
                self.text = text[:index]
                self.result.stop_reason = "eos"
                return False
        keep = self.request.stop(text) if self.request.stop else None
        if keep is not None:
            self.text = text[:keep]
            self.result.stop_reason = "stop-rule"
            return False
        self.text = text
        if self.request.on_text:
            self.request.on_text(text)
        return True

    def end_of_stream(self) -> None:
        """The backend has no more to give (an end-of-generation token, the stream closed).

        The last line is complete now: the stop rule gets to judge it as such.
        """
        if not self.result.stop_reason:
            self.result.stop_reason = "eos"
        if self.request.stop and self.text:
            keep = self.request.stop(self.text + "\n")
            if keep is not None and keep < len(self.text):
                self.text = self.text[:keep]

    def fail(self, message: str) -> None:
        self.result.stop_reason = "error"
        self.result.error = message

    def finish(self) -> GenerationResult:
        """The result, its text and sampling time filled in."""
        self.result.text = self.text
        if self._sampling_started:
            self.result.generate_seconds = time.monotonic() - self._sampling_started
        if not self.result.stop_reason:
            self.result.stop_reason = "max-tokens"
        return self.result
