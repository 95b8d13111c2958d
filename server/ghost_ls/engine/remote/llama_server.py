"""llama-server's ``/infill``, sent the way llama.vim sends it.

The server renders the FIM prompt itself from the parts: ``input_extra`` (the
cross-file snippets, as ``{filename, text}``), ``input_prefix``, ``input_suffix`` and
``prompt`` (text after the middle marker), with ``cache_prompt`` so that typing only
evaluates the new tokens.  Its stream: ``{"content": …, "stop": false}`` per token, a
last event with ``"stop": true`` and the ``timings``.
"""

from __future__ import annotations

import math
from typing import Any

from ghost_ls.engine.backend import GenerationRequest
from ghost_ls.engine.remote.wire import Piece, as_int, malformed, parse_object


class LlamaServerApi:
    """``POST /infill`` with ``stream: true``."""

    name = "llama-server"
    path = "/infill"

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        prompt = request.prompt
        body: dict[str, Any] = {
            "input_prefix": prompt.prefix,
            "input_suffix": prompt.suffix,
            "input_extra": [{"filename": path, "text": text} for path, text in prompt.extra],
            "prompt": prompt.middle,
            "n_predict": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
            "top_k": 40,
            "top_p": 0.99,
            # greedy at temperature 0, as the local engine: llama.vim's ``infill`` sampler
            # ends at once where the end of the middle is likely (an empty answer for
            # ``return [|`` above ``print(...)`` with Qwen2.5-Coder-0.5B)
            "samplers": ["top_k", "top_p", "temperature"],
            "stream": True,
            "cache_prompt": True,
            "stop": list(request.stop_strings),
        }
        if math.isfinite(request.time_budget):
            body["t_max_predict_ms"] = max(1, int(request.time_budget * 1000))
        return body

    def read(self, payload: str) -> Piece:
        event = parse_object(payload)
        content = event.get("content", "")
        if not isinstance(content, str):
            raise malformed(payload)
        if not event.get("stop"):
            # every event says how long the prompt is; what was read (not cached) comes
            # only with the last one, which a stream closed early never gets
            return Piece(text=content, prompt_tokens=as_int(event.get("tokens_evaluated")))
        timings = event.get("timings")
        timings = timings if isinstance(timings, dict) else {}
        prompt_tokens = as_int(event.get("tokens_evaluated"))
        evaluated = as_int(timings.get("prompt_n"))
        reused = as_int(timings.get("cache_n")) or max(0, prompt_tokens - evaluated)
        return Piece(
            text=content,
            done=True,
            prompt_tokens=prompt_tokens or evaluated + reused,
            evaluated_tokens=evaluated,
            reused_tokens=reused,
        )
