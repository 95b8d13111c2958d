"""The one loop every backend runs its stream through: stop rule, budgets, cancellation.

A backend produces text piece by piece (a token from llama.cpp, a chunk of a server's
event stream).  :class:`StreamDriver` decides after each piece whether the suggestion
is complete, and before each piece whether to go on at all, so every backend stops
for the same reasons at the same characters:

- ``cancel`` set (a newer request, ``$/cancelRequest``, shutdown): ``cancelled``;
- the sampling time budget spent: ``timeout`` (see below);
- ``max_tokens`` pieces produced: ``max-tokens``;
- a template stop string in the text: ``eos``, the text cut where it begins;
- the stop rule answers a length: ``stop-rule``, the text cut there.

A budget never serves half a line.  When the time budget runs out in the middle of a
line, the driver lets the model finish that line, for at most another
``LINE_GRACE`` times the budget (a busy machine costs time, not correctness); the
suggestion then ends after its last complete line, or is empty when it has none.
``max-tokens`` is cut back the same way.  A line cut by a budget is usually wrong
(``bin(sum(int(d) for d in`` served as the whole answer) and, accepted, leaves the
person with broken code to repair.
"""

from __future__ import annotations

import time

from ghost_ls.engine.backend import CancelFlag, GenerationRequest, GenerationResult

LINE_GRACE = 1.0
"""After the time budget, how long (in budgets) the model may take to finish its line."""

BUDGET_CUTS = ("timeout", "max-tokens")
"""Stop reasons where the text ends where a budget, not the model, ended it."""


def complete_lines(text: str) -> str:
    """``text`` without its last, unfinished line (empty when it has no complete one)."""
    end = text.rfind("\n")
    return text[:end] if end >= 0 else ""


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
        self.hard_deadline = float("inf")
        """When the budget ends even a line in progress (remote backends close the stream then)."""
        self._sampling_started = 0.0

    def start_sampling(self) -> None:
        """The prompt is read: the time budget starts counting now."""
        now = time.monotonic()
        self._sampling_started = now
        self._deadline = now + self.request.time_budget
        self.hard_deadline = self._deadline + LINE_GRACE * self.request.time_budget

    def _over_budget(self) -> bool:
        """Past the time budget, with no line in progress or past the grace to end it."""
        now = time.monotonic()
        if now <= self._deadline:
            return False
        return now > self.hard_deadline or not self.text or self.text.endswith("\n")

    def should_continue(self) -> bool:
        """Whether to produce another piece; sets ``stop_reason`` when not."""
        if self._cancel.is_set():
            self.result.stop_reason = "cancelled"
            return False
        if self._over_budget():
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
        if time.monotonic() > self._deadline and "\n" in piece:  # the line in progress is done
            self.text = text[: text.rfind("\n") + 1]  # finish() drops the line break
            self.result.stop_reason = "timeout"
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
        """The result, its text and sampling time filled in; a budget's cut line dropped."""
        if not self.result.stop_reason:
            self.result.stop_reason = "max-tokens"
        text = self.text
        if self.result.stop_reason in BUDGET_CUTS:
            text = complete_lines(text)
        self.result.text = text
        if self._sampling_started:
            self.result.generate_seconds = time.monotonic() - self._sampling_started
        return self.result
