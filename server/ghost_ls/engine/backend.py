"""The small contract every inference backend fulfils, and the values it exchanges.

A backend owns one loaded model.  It tokenizes, and it generates a continuation of a
token prompt one token at a time, asking a stop rule after every token whether the
suggestion is complete.  ``engine/llama.py`` is the real one (llama.cpp in-process);
``engine/fake.py`` is a scripted one for protocol edge cases in tests.  A remote
backend (llama-server, an OpenAI-compatible ``/v1/completions``) would fit here too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

StopRule = Callable[[str], int | None]
"""Given the text generated so far, the length to keep if the suggestion is complete."""

TextSink = Callable[[str], None]
"""Receives the cumulative generated text while streaming."""


@dataclass(frozen=True)
class FimTokens:
    """The fill-in-the-middle marker strings a model's vocabulary defines."""

    prefix: str
    suffix: str
    middle: str


@dataclass
class GenerationRequest:
    """One generation: a token prompt and the rules for when to stop."""

    prompt: list[int]
    max_tokens: int
    temperature: float = 0.0
    seed: int = 0
    time_budget: float = float("inf")
    """Seconds of sampling, counted once the prompt is read, after which generation stops
    with what it has.  Reading the prompt is bounded only by ``cancel``: it is kept in the
    KV cache either way, so a slow first read still pays off for the next request."""
    stop: StopRule | None = None
    on_text: TextSink | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass
class GenerationResult:
    """What a generation produced and what it cost."""

    text: str
    stop_reason: str
    """``stop-rule``, ``eos``, ``max-tokens``, ``timeout`` or ``cancelled``."""
    prompt_tokens: int = 0
    reused_tokens: int = 0
    """Prompt tokens already in the KV cache from the previous request."""
    evaluated_tokens: int = 0
    """Prompt tokens evaluated for this request (``prompt_tokens - reused_tokens``)."""
    generated_tokens: int = 0
    prompt_seconds: float = 0.0
    generate_seconds: float = 0.0

    @property
    def cancelled(self) -> bool:
        return self.stop_reason == "cancelled"

    @property
    def tokens_per_second(self) -> float:
        if self.generate_seconds <= 0:
            return 0.0
        return self.generated_tokens / self.generate_seconds


@dataclass(frozen=True)
class BackendInfo:
    """What ``doctor`` and ``ghost/status`` report about the loaded model."""

    backend: str
    model_path: str
    description: str = ""
    gpu_offload_supported: bool = False
    gpu_layers: int = 0
    context_size: int = 0
    threads: int = 0
    fim: FimTokens | None = None
    system_info: str = ""


class Backend(Protocol):
    """A loaded model that tokenizes and generates."""

    def info(self) -> BackendInfo: ...

    def tokenize(self, text: str) -> list[int]:
        """Tokens of ``text`` with special tokens (FIM markers) parsed, no BOS added."""
        ...

    def count_tokens(self, text: str) -> int: ...

    def bos(self) -> list[int]:
        """The tokens every prompt starts with (BOS when the model wants one)."""
        ...

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Generate until the stop rule, EOS, the budgets or ``request.cancel``."""
        ...

    def close(self) -> None: ...
