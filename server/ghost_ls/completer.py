"""One completion, start to finish: context -> cache -> prompt -> model -> clean-up.

Shared by the language server (``features/inline_completion.py``) and the
``ghost-ls complete`` command, so both show exactly the same suggestions.
``suggest_from_cache`` runs on the event loop (microseconds); ``generate`` runs on the
inference thread.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ghost_ls.config import Settings
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt, without_held_back
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
        """Run the model for up to ``candidates`` distinct suggestions (blocking).

        When the first answer comes out empty after reading the short prompt, the model
        gets a second look with the full one (:func:`second_look`)."""
        backend = self.host.backend
        if backend is None or context.mode is CompletionMode.NONE:
            return Outcome()
        outcome = Outcome(source="model")
        raw_texts: list[str] = []
        started = time.monotonic()
        budget = settings.timeout_ms / 1000.0
        prompts = self._render(context)
        for index in range(candidates):
            first = index == 0
            result, cleaned = self._one(context, prompts, settings, index, cancel_event,
                                        on_text if first else None)
            retry = second_look(context, result) if first else None
            if retry is not None and not cleaned.text:
                if on_text is not None:
                    on_text("")  # what the first look wrote is withdrawn
                outcome.results.append(result)
                self.stats.second_looks += 1
                result, cleaned = self._one(retry, self._render(retry), settings, index, cancel_event,
                                            on_text)
            outcome.results.append(result)
            if result.cancelled:
                outcome.cancelled = True
                break
            if result.stop_reason == "error":  # the next candidate would fail the same way
                break
            if cleaned.text and cleaned.text not in {item.text for item in outcome.suggestions}:
                outcome.suggestions.append(cleaned)
                raw_texts.append(cleaned.text)
            if index > 0 and time.monotonic() - started > budget:
                break
        if raw_texts and not outcome.cancelled:
            self.cache.put(context.prefix, context.suffix, raw_texts)
        return outcome

    def _render(self, context: PromptContext) -> tuple[Prompt, Prompt | None]:
        """The prompt for ``context`` and the short one for the same place, if any."""
        cold = self.host.format.render(context.cold) if context.cold is not None else None
        return self.host.format.render(context), cold

    def _one(
        self,
        context: PromptContext,
        prompts: tuple[Prompt, Prompt | None],
        settings: Settings,
        index: int,
        cancel_event: threading.Event,
        on_text: Callable[[str], None] | None,
    ) -> tuple[GenerationResult, Cleaned]:
        """One generation for ``context`` (candidate ``index``) from its ``prompts``
        (:meth:`_render`), and its cleaned text."""
        backend = self.host.backend
        assert backend is not None
        prompt, cold_prompt = prompts
        self.stats.last_prompt = prompt.text
        held_back = prompt.held_back
        show = _showing_without(on_text, held_back) if on_text is not None and held_back else on_text
        request = GenerationRequest(
            prompt=prompt,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature if index == 0 else ALTERNATIVE_TEMPERATURE,
            seed=index,
            time_budget=settings.timeout_ms / 1000.0,  # each look gets the whole budget
            stop=stop_rule_for(context),
            on_text=show,
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
        if result.cancelled or result.stop_reason == "error":
            return result, Cleaned("")
        return result, clean(without_held_back(result.text, held_back), context)


def _showing_without(on_text: Callable[[str], None], held_back: str) -> Callable[[str], None]:
    """``on_text`` for text that does not repeat what the prompt held back (typed
    whitespace, an opening bracket: :func:`without_held_back`)."""

    def show(text: str) -> None:
        on_text(without_held_back(text, held_back))

    return show


def second_look(context: PromptContext, first: GenerationResult) -> PromptContext | None:
    """The context for a second generation after an empty first answer, or None.

    The short prompt (``coldPromptTokens``) loses answers that the full prompt has:
    without the lines and snippets that showed that a Go loop needs ``var err error``
    first, the model wrote the loop's next line again, which clean-up drops, and the
    person saw nothing where the full prompt had the line.  So an empty answer from
    the short prompt is followed by a read of the full one (which the server would
    read after the short one anyway, ``features/attention.py``).  Not after a cancel
    or an error, and at most once (the caller's rule)."""
    if first.cancelled or first.stop_reason == "error" or not first.cold_prompt:
        return None
    return dataclasses.replace(context, cold=None)
