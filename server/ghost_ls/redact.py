"""Credentials out of what ghost-ls shows or logs: the user and password part of URLs.

A remote backend refuses an ``endpoint`` with ``user:password@`` in it (the key belongs
in the variable ``apiKeyEnv`` names), but the refused value still travels in settings,
messages and logs.  :func:`redact` replaces every URL's userinfo with ``***``;
``ghost/status`` passes its text through it and the log handler of ``ghost-ls`` formats
through :class:`RedactingFormatter`, so a password typed into a setting never reaches a
status answer or a log file.

A leaf module (the standard library only): the configuration, the engine, the
features and the command line all import it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s\"'<>\\]*@")
"""``scheme://`` then the userinfo up to the last ``@`` of the authority."""


def redact(text: str) -> str:
    """``text`` with the userinfo of every URL in it replaced by ``***``."""
    return _USERINFO.sub(rf"\g<1>{MASK}@", text)


def redact_value(value: Any) -> Any:
    """``redact`` applied to every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line (message, arguments, traceback) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


__all__ = ["MASK", "RedactingFormatter", "redact", "redact_value"]
