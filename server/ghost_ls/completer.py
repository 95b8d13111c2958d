"""One completion, start to finish: context -> cache -> prompt -> model -> clean-up.

Shared by the language server (``features/inline_completion.py``) and the
``ghost-ls complete`` command, so both show exactly the same suggestions.
``suggest_from_cache`` runs on the event loop (microseconds); ``generate`` runs on the
inference thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ghost_ls.config import Settings
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, without_held_back
from ghost_ls.engine.cache import CompletionCache
from ghost_ls.engine.host import ModelHost
from ghost_ls.engine.stats import Stats
from ghost_ls.postprocess.cleanup import Cleaned, clean
from ghost_ls.postprocess.stops import stop_rule_for

ALTERNATIVE_TEMPERATURE = 0.8
"""Temperature for the extra candidates of an Invoked request (the first is greedy)."""


@dataclass
class Outcome:
    """What a completion produced and where it came from."""

    suggestions: list[Cleaned] = field(default_factory=list)
    source: str = "none"
    """``model``, ``cache`` or ``none``."""
    results: list[GenerationResult] = field(default_factory=list)
    cancelled: bool = False


class Completer:
    """Turns a :class:`PromptContext` into cleaned suggestions."""

    def __init__(self, host: ModelHost, cache: CompletionCache, stats: Stats) -> None:
        self.host = host
        self.cache = cache
        self.stats = stats
        self.read_short_at: str | None = None
        """The document whose short prompt (``PromptContext.cold``) the engine read last;
        None when its last read was a full prompt."""

    def suggest_from_cache(self, context: PromptContext) -> Outcome | None:
        """Suggestions the user is typing through, without a model call."""
        texts = self.cache.get(context.prefix, context.suffix)
        if texts is None:
            return None
        cleaned = [clean(text, context) for text in texts]
        cleaned = [item for item in cleaned if item.text]
        if not cleaned:
            return None
        self.stats.cache_hits += 1
        return Outcome(suggestions=cleaned, source="cache")

    def generate(
        self,
        context: PromptContext,
        settings: Settings,
        *,
        candidates: int,
        cancel_event: threading.Event,
        on_text: Callable[[str], None] | None = None,
    ) -> Outcome:
        """Run the model for up to ``candidates`` distinct suggestions (blocking)."""
        backend = self.host.backend
        if backend is None or context.mode is CompletionMode.NONE:
            return Outcome()
        prompt = self.host.format.render(context)
        cold_prompt = self.host.format.render(context.cold) if context.cold is not None else None
        self.stats.last_prompt = prompt.text
        held_back = prompt.held_back
        if on_text is not None and held_back:
            show = on_text

            def on_text(text: str) -> None:
                show(without_held_back(text, held_back))
        outcome = Outcome(source="model")
        raw_texts: list[str] = []
        started = time.monotonic()
        budget = settings.timeout_ms / 1000.0
        for index in range(candidates):
            request = GenerationRequest(
                prompt=prompt,
                max_tokens=settings.max_tokens,
                temperature=settings.temperature if index == 0 else ALTERNATIVE_TEMPERATURE,
                seed=index,
                time_budget=budget,
                stop=stop_rule_for(context),
                on_text=on_text if index == 0 else None,
                cancel=cancel_event,
                stop_strings=self.host.format.stop_strings(),
                cold_prompt=cold_prompt,
            )
            result = backend.generate(request)
            self.stats.record_generation(result)
            if result.prompt_tokens:
                self.read_short_at = context.uri if result.cold_prompt else None
            if result.cold_prompt and cold_prompt is not None:
                self.stats.last_prompt = cold_prompt.text
            outcome.results.append(result)
            if result.cancelled:
                outcome.cancelled = True
                break
            if result.stop_reason == "error":  # the next candidate would fail the same way
                break
            cleaned = clean(without_held_back(result.text, held_back), context)
            if cleaned.text and cleaned.text not in {item.text for item in outcome.suggestions}:
                outcome.suggestions.append(cleaned)
                raw_texts.append(cleaned.text)
            if index > 0 and time.monotonic() - started > budget:
                break
        if raw_texts and not outcome.cancelled:
            self.cache.put(context.prefix, context.suffix, raw_texts)
        return outcome
