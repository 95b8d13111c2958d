"""Where a remote backend sends its requests: the configured URL, checked and named.

An endpoint is a base URL (``http://gpu-box:8012``, ``https://llm.example.com/v1``);
request paths are appended to its path.  Credentials belong in the environment variable
``apiKeyEnv`` names, never in the URL, so a URL with a user or password is refused.
Plain ``http://`` to a host that is not this machine sends code in clear text over the
network: :meth:`Endpoint.warning` says so.  A refused URL is quoted in its error only
with its userinfo masked (``redact.py``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from ghost_ls.errors import ConfigError
from ghost_ls.redact import MASK, redact

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


@dataclass(frozen=True)
class Endpoint:
    """A parsed base URL."""

    scheme: str
    host: str
    port: int
    base_path: str
    """The URL's path without its trailing slash ("" for none)."""

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """The endpoint ``url`` names; ConfigError if it is not an http(s) base URL."""
        if not url.strip():
            raise ConfigError("a remote backend needs an endpoint, e.g. http://127.0.0.1:8012")
        parts = urlsplit(url.strip())
        shown = _shown(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"endpoint {shown!r} is not an http:// or https:// URL")
        if parts.username or parts.password:
            raise ConfigError(credentials_in_url(url))
        if parts.query or parts.fragment:
            raise ConfigError(f"endpoint {shown!r} must not have a query")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:
            detail = "not a valid port" if "@" in url else str(error)  # its text may quote a password
            raise ConfigError(f"endpoint {shown!r}: {detail}") from None
        return cls(parts.scheme, parts.hostname, port, parts.path.rstrip("/"))

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.base_path}"

    def path(self, path: str) -> str:
        """The request path for ``path`` under the base path."""
        return f"{self.base_path}{path}"

    @property
    def is_loopback(self) -> bool:
        """Whether the host is this machine (by name or address; no DNS lookup)."""
        if self.host.lower() in LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def warning(self) -> str:
        """Why this endpoint is a privacy risk, "" when it is not."""
        if self.scheme == "http" and not self.is_loopback:
            return (
                f"{self} is plain http:// to another machine: your code travels unencrypted; "
                "use https:// or an SSH tunnel to 127.0.0.1"
            )
        return ""


def credentials_in_url(url: str) -> str:
    """The message for an endpoint with a user or password in it (masked)."""
    return (
        f"endpoint {_shown(url)!r} contains credentials, which a URL must not: put the API key "
        "in an environment variable such as GHOST_LS_API_KEY and name it in apiKeyEnv"
    )


def _shown(url: str) -> str:
    """``url`` as an error may quote it: userinfo masked; none of it when an ``@`` is
    left (a password with a ``/`` in it is no userinfo to a URL parser)."""
    text = redact(url.strip())
    if "@" not in text.replace(f"{MASK}@", ""):
        return text
    scheme, separator, _ = text.partition("://")
    return f"{scheme}://..." if separator else "..."
