"""llama-server's ``/infill``, sent the way llama.vim sends it.

The server renders the FIM prompt itself from the parts: ``input_extra`` (the
cross-file snippets, as ``{filename, text}``), ``input_prefix``, ``input_suffix`` and
``prompt`` (text after the middle marker), with ``cache_prompt`` so that typing only
evaluates the new tokens.  Its stream: ``{"content": …, "stop": false}`` per token, a
last event with ``"stop": true`` and the ``timings``.

Slots: llama-server keeps one prompt cache per slot (``-np``).  Requests are pinned to
one slot per editor (``id_slot``: this process' id modulo ``total_slots`` from
``/props``), so that the next keystroke's request finds its own KV cache, and waits
behind the request it just cancelled (which stops at its next check) instead of
re-reading the whole prompt in a second slot beside it.  Editors of a team spread over
the slots; when ``/props`` cannot be read, the server picks (asked again later).
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import time
from typing import Any

from ghost_ls.engine.backend import GenerationRequest
from ghost_ls.engine.remote.endpoint import Endpoint
from ghost_ls.engine.remote.first_mark import first_mark_grammar
from ghost_ls.engine.remote.wire import Piece, as_int, malformed, parse_object
from ghost_ls.engine.streaming import LINE_GRACE

log = logging.getLogger(__name__)

PROPS_TIMEOUT_SECONDS = 2.0
PROPS_RETRY_SECONDS = 30.0


def total_slots(endpoint: Endpoint, api_key: str = "") -> int:
    """The slot count llama-server's ``GET /props`` reports; 0 when it cannot be read."""
    secure = endpoint.scheme == "https"
    connection_class = http.client.HTTPSConnection if secure else http.client.HTTPConnection
    connection = connection_class(endpoint.host, endpoint.port, timeout=PROPS_TIMEOUT_SECONDS)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        connection.request("GET", endpoint.path("/props"), headers=headers)
        response = connection.getresponse()
        if response.status != 200:
            return 0
        props = json.loads(response.read(1 << 20))
    except (OSError, http.client.HTTPException, ValueError):
        return 0
    finally:
        connection.close()
    slots = props.get("total_slots") if isinstance(props, dict) else None
    return slots if isinstance(slots, int) and slots > 0 else 0


class LlamaServerApi:
    """``POST /infill`` with ``stream: true``."""

    name = "llama-server"
    path = "/infill"

    def __init__(
        self, endpoint: Endpoint | None = None, api_key: str = "", client: int | None = None
    ) -> None:
        """``endpoint``: where to read ``/props`` for slot pinning (None: no pinning);
        ``client``: the number that picks the slot (default: this process' id)."""
        self._endpoint = endpoint
        self._api_key = api_key
        self._client = os.getpid() if client is None else client
        self._slot: int | None = None
        self._asked_at = -math.inf

    def slot(self) -> int | None:
        """This editor's slot, or None to let the server choose (see the module docstring)."""
        if self._slot is not None or self._endpoint is None:
            return self._slot
        now = time.monotonic()
        if now - self._asked_at < PROPS_RETRY_SECONDS:
            return None
        self._asked_at = now
        slots = total_slots(self._endpoint, self._api_key)
        if slots:
            self._slot = self._client % slots
            log.info("%s: %d slots; this editor uses slot %d", self._endpoint, slots, self._slot)
        return self._slot

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
        if math.isfinite(request.time_budget):  # our driver ends it first, at a line's end
            budget = request.time_budget * (1 + LINE_GRACE)
            body["t_max_predict_ms"] = max(1, int(budget * 1000) + 1000)
        grammar = first_mark_grammar(request)
        if grammar:
            body["grammar"] = grammar
        slot = self.slot()
        if slot is not None:
            body["id_slot"] = slot
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
