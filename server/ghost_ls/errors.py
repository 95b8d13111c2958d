"""Errors ghost-ls raises on purpose; each carries a message written for the user.

``GhostError`` is the root; callers that talk to a person (CLI, ``window/showMessage``)
print ``str(error)`` as it is, so messages say what went wrong and what to run to fix it.
"""

from __future__ import annotations


class GhostError(Exception):
    """Base of every error meant to be shown to a user."""


class ConfigError(GhostError):
    """A setting or the model catalog is invalid."""


class ModelError(GhostError):
    """A model is missing, corrupt, unknown or cannot be downloaded."""


class BackendError(GhostError):
    """The inference backend failed to load a model or to generate."""
