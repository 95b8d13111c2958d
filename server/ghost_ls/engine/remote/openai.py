"""An OpenAI-compatible ``/v1/completions`` (vLLM, TGI's OpenAI mode, llama-cpp-python's server).

The prompt is the whole FIM text the template renders (markers included as text; the
servers parse special tokens in a completion prompt), ``echo`` off, the template's end
markers as ``stop``.  Its stream: ``{"choices": [{"text": …, "finish_reason": null}]}``
per token, ``finish_reason`` set on the last one, then ``data: [DONE]``.
"""

from __future__ import annotations

from typing import Any

from ghost_ls.engine.backend import GenerationRequest
from ghost_ls.engine.remote.first_mark import first_mark_grammar
from ghost_ls.engine.remote.wire import Piece, as_int, malformed, parse_object

DONE = "[DONE]"


class OpenAiApi:
    """``POST /v1/completions`` with ``stream: true``; ``model`` is the served model's name."""

    name = "openai"
    path = "/v1/completions"

    def __init__(self, model: str) -> None:
        self.model = model

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "prompt": request.prompt.text,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
            "echo": False,
            "stream": True,
        }
        if request.stop_strings:  # OpenAI's API takes at most 4; vLLM and llama.cpp take more
            body["stop"] = list(request.stop_strings)
        grammar = first_mark_grammar(request)
        if grammar:  # llama.cpp's servers read it; others leave the answer free
            body["grammar"] = grammar
        return body

    def read(self, payload: str) -> Piece:
        if payload.strip() == DONE:
            return Piece(done=True)
        event = parse_object(payload)
        choices = event.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            if isinstance(event.get("usage"), dict):  # a usage-only last event (vLLM's include_usage)
                return Piece()
            raise malformed(payload)
        choice = choices[0]
        text = choice.get("text") or ""
        if not isinstance(text, str):
            raise malformed(payload)
        usage = event.get("usage")
        prompt_tokens = as_int(usage.get("prompt_tokens")) if isinstance(usage, dict) else 0
        return Piece(text=text, done=bool(choice.get("finish_reason")), prompt_tokens=prompt_tokens)
