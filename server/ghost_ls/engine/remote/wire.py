"""What a remote API adapter provides: the request it sends and how it reads each event.

``llama_server.py`` (``/infill``) and ``openai.py`` (``/v1/completions``) implement
:class:`ServerApi`; ``backend.py`` runs either the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from ghost_ls.engine.backend import GenerationRequest
from ghost_ls.engine.remote.sse_client import StreamError


@dataclass(frozen=True)
class Piece:
    """One event of a stream, read."""

    text: str = ""
    done: bool = False
    """The server says the generation is over (its stop, EOS, its token limit)."""
    prompt_tokens: int = 0
    evaluated_tokens: int = 0
    """Prompt tokens the server evaluated (not taken from its cache), when it says."""
    reused_tokens: int = 0


class ServerApi(Protocol):
    """One server API."""

    name: str
    """The backend's name in ``ghost/status`` (``llama-server``, ``openai``)."""
    path: str
    """The request path under the endpoint's base path."""

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        """The JSON request for ``request``."""
        ...

    def read(self, payload: str) -> Piece:
        """One event's ``data``; raises StreamError(``protocol``) if malformed."""
        ...


def parse_object(payload: str) -> dict[str, Any]:
    """``payload`` as a JSON object; an ``error`` the server streams raises StreamError."""
    try:
        value = json.loads(payload)
    except ValueError as error:
        raise StreamError("protocol", f"malformed JSON in the stream ({error}): {payload[:120]!r}") from None
    if not isinstance(value, dict):
        raise StreamError("protocol", f"expected a JSON object in the stream, got {payload[:120]!r}")
    reported = value.get("error")
    if reported:
        message = reported.get("message", reported) if isinstance(reported, dict) else reported
        raise StreamError("http", f"the server reported an error: {str(message)[:300]}")
    return value


def as_int(value: Any) -> int:
    """A count from a server's statistics, 0 when absent or not a number."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def malformed(payload: str) -> StreamError:
    """The error for an event that is JSON but not what the API sends."""
    return StreamError("protocol", f"unexpected event in the stream: {payload[:120]!r}")
