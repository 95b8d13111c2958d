"""ghost-ls in-process, on the same code path as the server: ModelHost + Completer.

``Ghost.complete(context)`` is what the server does for an inline-completion request
once it has a :class:`PromptContext` (prompt rendering, KV-reusing generation, stop
rule, clean-up); ``Ghost.plain(text, context)`` is the plain-window baseline on the
same loaded model: ``text`` as the whole prompt, the same stop rule, no clean-up.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import Any

from ghost_ls.completer import Completer
from ghost_ls.config import Settings
from ghost_ls.context.builder import ContextBuilder
from ghost_ls.context.types import PromptContext
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt
from ghost_ls.engine.cache import CompletionCache
from ghost_ls.engine.host import ModelHost
from ghost_ls.engine.stats import Stats
from ghost_ls.postprocess.stops import stop_rule_for


@dataclass
class Generated:
    text: str
    seconds: float
    result: GenerationResult | None

    def as_row(self) -> dict[str, Any]:
        result = self.result
        return {
            "seconds": round(self.seconds, 3),
            "promptTokens": result.prompt_tokens if result else 0,
            "evaluatedTokens": result.evaluated_tokens if result else 0,
            "generatedTokens": result.generated_tokens if result else 0,
            "stopReason": result.stop_reason if result else "none",
        }


def make_request(*, seconds: float, **fields: Any) -> GenerationRequest:
    """A GenerationRequest with a time budget, whichever way this ghost-ls version spells it."""
    names = {field.name for field in dataclasses.fields(GenerationRequest)}
    if "time_budget" in names:
        fields["time_budget"] = seconds
    else:
        fields["deadline"] = time.monotonic() + seconds
    return GenerationRequest(**fields)


class Ghost:
    """One loaded model, ghost-ls' context builder and completer around it."""

    def __init__(self, model: str, *, max_tokens: int = 64, threads: int = 0,
                 timeout_ms: int = 30000) -> None:
        self.settings = dataclasses.replace(
            Settings(), model=model, max_tokens=max_tokens, threads=threads,
            timeout_ms=timeout_ms, index_workspace=False,
        )
        self.host = ModelHost()
        self.host.load(self.settings)
        if not self.host.ready or self.host.backend is None:
            raise SystemExit(f"model did not load: {self.host.message}")
        self.backend = self.host.backend
        self.builder = ContextBuilder(self.settings, self.backend.count_tokens)
        self.builder.set_model_reads_suffix(self.host.format.fim is not None)
        self.completer = Completer(self.host, CompletionCache(), Stats())

    @property
    def prompt_format(self) -> str:
        return self.host.format.name

    def context(self, uri: str, text: str, line: int, column: int) -> PromptContext | None:
        """Open ``text`` as ``uri``, build the context at the cursor, close it again."""
        self.builder.did_open(uri, "python", 1, text)
        try:
            return self.builder.build(uri, line, column)
        finally:
            self.builder.did_close(uri)

    def complete(self, context: PromptContext) -> Generated:
        started = time.perf_counter()
        outcome = self.completer.generate(
            context, self.settings, candidates=1, cancel_event=threading.Event()
        )
        seconds = time.perf_counter() - started
        text = outcome.suggestions[0].text if outcome.suggestions else ""
        return Generated(text, seconds, outcome.results[0] if outcome.results else None)

    def plain(self, prompt_text: str, context: PromptContext) -> Generated:
        """The baseline: ``prompt_text`` alone, greedy, the same stop rule, raw text."""
        started = time.perf_counter()
        request = make_request(
            prompt=Prompt(text=prompt_text),
            max_tokens=self.settings.max_tokens,
            temperature=0.0,
            seconds=self.settings.timeout_ms / 1000,
            stop=stop_rule_for(context),
        )
        result = self.backend.generate(request)
        return Generated(result.text, time.perf_counter() - started, result)

    def close(self) -> None:
        self.builder.close()
        self.host.close()
