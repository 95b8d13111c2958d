"""Is this machine fast enough for the model?  ``doctor``'s measured verdict and advice.

What a person waits for at a place the model has not read yet is the prompt: up to
``promptTokens`` tokens read at the machine's prompt speed, plus a line of generated
tokens.  :func:`probe` measures both speeds on the loaded model with a prompt of real
size read from an empty cache; :func:`verdict` turns them into the first-suggestion
time at a new place and, where that is too long, what to choose instead.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from ghost_ls.engine.backend import Backend, GenerationRequest, Prompt

PROBE_LINES = 24
"""Lines of code in the probe prompt (about 250 tokens)."""

LINE_TOKENS = 16
"""Tokens of a typical one-line suggestion."""

SLOW_NEW_PLACE_SECONDS = 8.0
"""A first suggestion at a new place slower than this is called too slow."""

FASTER_MODEL = {
    "qwen2.5-coder-1.5b-instruct": "qwen2.5-coder-0.5b-instruct",
    "qwen2.5-coder-1.5b": "qwen2.5-coder-0.5b",
    "qwen2.5-coder-3b": "qwen2.5-coder-1.5b",
    "qwen2.5-coder-7b": "qwen2.5-coder-3b",
}
"""The next smaller catalog model of the same family (about 2-3 times faster on a CPU)."""


@dataclass(frozen=True)
class Speed:
    prompt_tokens_per_second: float
    generated_tokens_per_second: float


def probe_prompt() -> str:
    """Code that no earlier prompt shares (a fresh tag first), about 250 tokens."""
    lines = [f"# speed probe {uuid.uuid4().hex}"]
    for index in range(PROBE_LINES // 3):
        lines += [f"def scale_{index}(values, factor={index + 1}):",
                  f"    return [value * factor + {index} for value in values if value > {index}]", ""]
    return "\n".join(lines) + "\ndef main():\n"


def probe(backend: Backend) -> Speed:
    """Both speeds, measured on ``backend`` (blocking; a few seconds on a CPU)."""
    request = GenerationRequest(prompt=Prompt(text=probe_prompt()), max_tokens=LINE_TOKENS,
                                cancel=threading.Event())
    result = backend.generate(request)
    prompt_speed = result.evaluated_tokens / result.prompt_seconds if result.prompt_seconds > 0 else 0.0
    return Speed(round(prompt_speed, 1), round(result.tokens_per_second, 1))


def verdict(model: str, speed: Speed, prompt_tokens: int) -> dict[str, object]:
    """The expected first-suggestion time at a new place and, when too slow, advice."""
    if speed.prompt_tokens_per_second <= 0 or speed.generated_tokens_per_second <= 0:
        return {"newPlaceSeconds": None, "tooSlow": False, "advice": "speed not measured"}
    seconds = prompt_tokens / speed.prompt_tokens_per_second + LINE_TOKENS / speed.generated_tokens_per_second
    too_slow = seconds > SLOW_NEW_PLACE_SECONDS
    report: dict[str, object] = {"newPlaceSeconds": round(seconds, 1), "tooSlow": too_slow}
    if not too_slow:
        report["advice"] = ""
        return report
    options = []
    smaller = FASTER_MODEL.get(model)
    if smaller:
        options.append(f"the smaller model `{smaller}` (`ghost-ls models pull {smaller}`, setting model)")
    budget = max(256, int(prompt_tokens * SLOW_NEW_PLACE_SECONDS / seconds) // 64 * 64)
    if budget < prompt_tokens:
        options.append(f"a smaller prompt (setting promptTokens = {budget}: less context, sooner)")
    options.append("a GPU build of llama-cpp-python, or a shared server (backend llama-server)")
    report["advice"] = (
        f"this machine reads {speed.prompt_tokens_per_second:g} prompt tokens/s: the first suggestion at a "
        f"place the model has not read takes up to about {seconds:.0f} s (a full prompt, "
        f"promptTokens = {prompt_tokens}). "
        "Consider " + "; or ".join(options) + "."
    )
    return report
