"""Which environment variable a remote backend may read its API key from.

``apiKeyEnv`` is a setting, and settings can come from places the user did not write
(a repository's editor settings, a project-local config), while the variable's value
goes out as ``Authorization: Bearer`` to ``endpoint``.  Left open, a workspace could
name ``AWS_SECRET_ACCESS_KEY`` or ``GITHUB_TOKEN`` and an endpoint of its own, and
receive the secret with the first completion.  So the name must be one the user made
for ghost-ls: ``GHOST_LS_API_KEY`` itself or ``GHOST_LS_API_KEY_<SUFFIX>`` (capitals,
digits, underscores).  A refused name is a configuration error: the remote backend is
not created and nothing at all is sent.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from ghost_ls.config import Settings
from ghost_ls.engine.remote.endpoint import credentials_in_url
from ghost_ls.errors import ConfigError

KEY_ENV_PREFIX = "GHOST_LS_API_KEY"
"""Every name ``apiKeyEnv`` may take starts with this."""

_ALLOWED = re.compile(rf"{KEY_ENV_PREFIX}(_[A-Z0-9_]+)?")


def key_env_problem(name: str) -> str:
    """Why ``apiKeyEnv`` may not name ``name`` ("" when it may, or when it names nothing)."""
    if not name or _ALLOWED.fullmatch(name):
        return ""
    # named when it looks like a variable's name: not when a key was typed in by mistake
    shown = name if re.fullmatch(r"[A-Z_][A-Z0-9_]{0,63}", name) else "a variable"
    return (
        f"apiKeyEnv names {shown}, which ghost-ls does not read: API keys come only from "
        f"{KEY_ENV_PREFIX} or {KEY_ENV_PREFIX}_<NAME> (so that settings from a workspace cannot "
        f'send another secret away); e.g. export {KEY_ENV_PREFIX}="$YOUR_KEY" and set '
        f"apiKeyEnv to {KEY_ENV_PREFIX}. Nothing is sent until then"
    )


def read_api_key(name: str) -> str:
    """The key in the variable ``name`` ("" when no name is given); ConfigError when the
    name is not allowed or the variable is not set."""
    if not name:
        return ""
    problem = key_env_problem(name)
    if problem:
        raise ConfigError(problem)
    key = os.environ.get(name, "")
    if not key:
        raise ConfigError(
            f"apiKeyEnv names {name}, which is not set in ghost-ls' environment "
            "(set it where the editor starts ghost-ls)"
        )
    return key


def credential_problems(settings: Settings) -> list[str]:
    """The settings refused because of what they would send: a refused ``apiKeyEnv``, an
    ``endpoint`` with credentials in it (masked), whatever the backend."""
    problems = []
    key_problem = key_env_problem(settings.api_key_env)
    if key_problem:
        problems.append(key_problem)
    try:
        parts = urlsplit(settings.endpoint.strip())
        has_userinfo = bool(parts.username or parts.password)
    except ValueError:  # not a URL at all: the backend says so when it loads
        has_userinfo = False
    if has_userinfo:
        problems.append(credentials_in_url(settings.endpoint))
    return problems


__all__ = ["KEY_ENV_PREFIX", "credential_problems", "key_env_problem", "read_api_key"]
