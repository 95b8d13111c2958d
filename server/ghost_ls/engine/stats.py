"""Running numbers for ``ghost/status``: latency, speed, cache hits, KV tokens reused."""

from __future__ import annotations

from dataclasses import dataclass

from ghost_ls.engine.backend import GenerationResult

LAST_PROMPT_CHARS = 16_000
"""How much of the last prompt ``ghost/status`` shows."""


@dataclass
class Stats:
    requests: int = 0
    model_calls: int = 0
    cache_hits: int = 0
    cancelled: int = 0
    timeouts: int = 0
    """Generations ended by the ``timeoutMs`` sampling budget."""
    stale_dropped: int = 0
    """Finished results dropped because the document changed meanwhile."""
    accepted: int = 0
    partially_accepted: int = 0
    prefetched: int = 0
    warmed: int = 0
    """Warmings (``ghost/didFocus``) that ran to the end."""
    joined: int = 0
    """Requests answered by waiting for a generation already running (``running.py``);
    the answer comes from the typing-through cache, so ``cache_hits`` counts them too."""
    shown: int = 0
    last_latency_ms: float = 0.0
    tokens_per_second: float = 0.0
    last_prompt_tokens: int = 0
    last_reused_tokens: int = 0
    last_evaluated_tokens: int = 0
    last_generated_tokens: int = 0
    last_threads: int = 0
    """Threads the last generation ran on (the local engine picks them per generation)."""
    cold_prompts: int = 0
    """Generations that read the short prompt of a place not read yet (``coldPromptTokens``)."""
    last_prompt_cold: bool = False
    second_looks: int = 0
    """Generations run again with the full prompt after an empty answer
    (``completer.second_look``)."""
    last_prompt_ms: float = 0.0
    last_generate_ms: float = 0.0
    reused_tokens_total: int = 0
    evaluated_tokens_total: int = 0
    generated_tokens_total: int = 0
    last_prompt: str = ""
    """The text of the last prompt sent to the model (a debug view of the layout)."""

    def record_generation(self, result: GenerationResult) -> None:
        self.model_calls += 1
        self.last_prompt_tokens = result.prompt_tokens
        self.last_reused_tokens = result.reused_tokens
        self.last_evaluated_tokens = result.evaluated_tokens
        self.last_generated_tokens = result.generated_tokens
        self.last_threads = result.threads
        self.last_prompt_cold = result.cold_prompt
        self.cold_prompts += result.cold_prompt
        self.last_prompt_ms = result.prompt_seconds * 1000
        self.last_generate_ms = result.generate_seconds * 1000
        self.reused_tokens_total += result.reused_tokens
        self.evaluated_tokens_total += result.evaluated_tokens
        self.generated_tokens_total += result.generated_tokens
        if result.generated_tokens and result.generate_seconds > 0:
            self.tokens_per_second = result.tokens_per_second
        if result.cancelled:
            self.cancelled += 1
        if result.stop_reason == "timeout":
            self.timeouts += 1

    @property
    def cache_hit_rate(self) -> float:
        answered = self.cache_hits + self.model_calls
        return self.cache_hits / answered if answered else 0.0

    def as_wire(self) -> dict[str, float | int | str]:
        return {
            "requests": self.requests,
            "modelCalls": self.model_calls,
            "cacheHits": self.cache_hits,
            "cacheHitRate": round(self.cache_hit_rate, 3),
            "cancelled": self.cancelled,
            "timeouts": self.timeouts,
            "staleDropped": self.stale_dropped,
            "shown": self.shown,
            "accepted": self.accepted,
            "partiallyAccepted": self.partially_accepted,
            "prefetched": self.prefetched,
            "warmed": self.warmed,
            "joined": self.joined,
            "lastLatencyMs": round(self.last_latency_ms, 1),
            "tokensPerSecond": round(self.tokens_per_second, 1),
            "lastPromptTokens": self.last_prompt_tokens,
            "tokensReused": self.last_reused_tokens,
            "lastEvaluatedTokens": self.last_evaluated_tokens,
            "lastGeneratedTokens": self.last_generated_tokens,
            "coldPrompts": self.cold_prompts,
            "secondLooks": self.second_looks,
            "lastPromptCold": self.last_prompt_cold,
            "lastPromptMs": round(self.last_prompt_ms, 1),
            "lastGenerateMs": round(self.last_generate_ms, 1),
            "tokensReusedTotal": self.reused_tokens_total,
            "tokensEvaluatedTotal": self.evaluated_tokens_total,
            "tokensGeneratedTotal": self.generated_tokens_total,
            "lastPrompt": self.last_prompt_wire(),
        }

    def last_prompt_wire(self) -> str:
        """The last prompt for ``ghost/status``, its end kept when it is long."""
        return self.last_prompt[-LAST_PROMPT_CHARS:]
