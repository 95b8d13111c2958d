"""Typed settings for ghost-ls: one place that names every option, its type and default.

Settings arrive from the editor as camelCase JSON (``initializationOptions`` and
``workspace/didChangeConfiguration``).  :func:`parse_settings` turns such a dict into a
:class:`Settings` value and a list of problems; every invalid or unknown key is
reported by name and its default is used instead, so a typo never stops completions.

The VS Code extension's ``package.json`` and the Neovim plugin mirror these defaults;
``tests/vscode/test_settings_mirror.py`` and the Neovim tests check that they cannot
drift apart.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ghost_ls.redact import redact

DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"


@dataclass(frozen=True)
class Settings:
    """Every server setting, snake_case here, camelCase on the wire."""

    model: str = DEFAULT_MODEL
    """Catalog name (``ghost-ls models list``) or a path to a ``.gguf`` file; with a
    remote backend, the catalog name that says which FIM template the server's model
    uses (and, for ``openai``, the model name sent when it is not a catalog name)."""
    backend: str = "local"
    """``local`` (llama.cpp on this machine, in a child process), ``llama-server``
    (its ``/infill``) or ``openai`` (an OpenAI-compatible ``/v1/completions``)."""
    endpoint: str = ""
    """Base URL of the inference server for the remote backends; one with a user or
    password in it is refused, and shown (status, logs, messages) with them masked."""
    api_key_env: str = ""
    """Name of the environment variable that holds the remote server's API key:
    ``GHOST_LS_API_KEY`` or ``GHOST_LS_API_KEY_<NAME>``, so that settings from a workspace
    cannot send another secret away (``engine/remote/credentials.py``); another name is
    refused and nothing is sent."""
    extra_buffers: str = "auto"
    """llama.cpp's extra CPU buffer types (AMX, weight repacking): ``auto`` turns them
    off on CPUs with AMX, where llama.cpp crashes at the first decode; ``on``/``off``."""
    gpu_layers: int = -1
    """Layers offloaded to the GPU: -1 all (when the llama.cpp build supports a GPU), 0 none."""
    context_size: int = 4096
    """llama.cpp context window in tokens."""
    threads: int = 0
    """CPU threads for llama.cpp; 0 picks before each prompt chunk the cores that other
    processes left free, at least one (``engine/threads.py``)."""
    flash_attention: bool = False
    """llama.cpp's flash-attention kernels (``llama-server`` and ``llama-bench`` turn them on
    where the device supports them).  Off by default because they were measured slower on
    CPU: on a 2-core CPU they read prompts 11 % slower, generate no faster, and change 9 of
    24 greedy suggestions (``bench/results/2026-12-03-flash-attention-qwen2.5-coder-1.5b-instruct.json``,
    bench/README.md "Flash attention").  The case for turning them on is a GPU build of
    llama.cpp, unmeasured here."""
    prompt_tokens: int = 1024
    """Token budget for the prompt the context engine assembles."""
    cold_prompt_tokens: int = 384
    """Token budget of the short prompt read first at a place the model has not read
    (opening a file, jumping to another function): when most of the full prompt is
    not in the KV cache, the engine reads this one if it costs less than half as much,
    and the full prompt is read in the background afterwards (``engine/prompt_choice.py``).
    0 always reads the full prompt."""
    max_tokens: int = 64
    """Most tokens generated for one suggestion."""
    temperature: float = 0.0
    """Sampling temperature for the first candidate; 0 is greedy."""
    candidates: int = 3
    """Distinct suggestions offered for a manually invoked request (cycling)."""
    timeout_ms: int = 5000
    """Time budget for generating one suggestion once the prompt is read; what was
    produced by then is returned."""
    debounce_ms: int = 150
    """Clients wait this long after a keystroke before asking (the server only publishes it)."""
    multiline: bool = True
    """Allow block (multi-line) suggestions after a block opener."""
    prompt_layout: str = "anchored"
    """Where the text typed at the cursor goes in a FIM prompt: ``psm`` (all of it at
    the end of the prefix), ``line`` (the cursor line's typed part after the middle
    marker, as llama.cpp's ``/infill`` does: typing within a line only appends to the
    prompt) or ``anchored`` (everything typed since an anchor up to ``anchorLines``
    lines above goes after the middle marker: typing whole lines only appends)."""
    anchor_lines: int = 8
    """``anchored`` layout: most lines the typed middle may span before it re-anchors."""
    join_running: bool = True
    """A request where the user has been typing what the running generation writes waits
    for it instead of cancelling it and starting again (``running.py``)."""
    streaming: bool = False
    """Send ``ghost/partialCompletion`` notifications while a suggestion is generated."""
    enabled_languages: tuple[str, ...] = ("*",)
    """Language ids to complete in; ``*`` means all."""
    disabled_languages: tuple[str, ...] = ()
    """Language ids never completed in (wins over ``enabledLanguages``)."""
    index_workspace: bool = True
    """Index workspace files for cross-file definitions (see README, privacy)."""
    exclude: tuple[str, ...] = ()
    """Extra gitignore-style patterns the workspace index never reads."""

    def language_enabled(self, language_id: str) -> bool:
        """Whether completions are wanted in documents of ``language_id``."""
        if language_id in self.disabled_languages:
            return False
        return "*" in self.enabled_languages or language_id in self.enabled_languages


# The values string settings may take, where they are a choice.
_CHOICES: dict[str, tuple[str, ...]] = {
    "backend": ("local", "llama-server", "openai"),
    "extra_buffers": ("auto", "on", "off"),
    "prompt_layout": ("psm", "line", "anchored"),
}

# Settings that may be empty strings.
_MAY_BE_EMPTY = frozenset({"endpoint", "api_key_env"})

# Bounds for numeric settings: (minimum, maximum), inclusive.
_BOUNDS: dict[str, tuple[float, float]] = {
    "gpu_layers": (-1, 10_000),
    "context_size": (256, 1 << 20),
    "threads": (0, 1024),
    "prompt_tokens": (64, 1 << 20),
    "cold_prompt_tokens": (0, 1 << 20),
    "max_tokens": (1, 4096),
    "temperature": (0.0, 5.0),
    "candidates": (1, 10),
    "timeout_ms": (50, 600_000),
    "debounce_ms": (0, 10_000),
    "anchor_lines": (0, 1000),
}


def to_camel(name: str) -> str:
    """``gpu_layers`` -> ``gpuLayers``."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def to_snake(name: str) -> str:
    """``gpuLayers`` -> ``gpu_layers``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


FIELDS: dict[str, dataclasses.Field[Any]] = {f.name: f for f in dataclasses.fields(Settings)}


def defaults_as_wire() -> dict[str, Any]:
    """The default settings as the editor sends them (camelCase keys, JSON types)."""
    return settings_as_wire(Settings())


def choices_as_wire() -> dict[str, tuple[str, ...]]:
    """The string settings that are a choice, camelCase, with the values they may take."""
    return {to_camel(name): values for name, values in _CHOICES.items()}


def settings_as_wire(settings: Settings) -> dict[str, Any]:
    """``settings`` as camelCase JSON, the form ``ghost/status`` and ``doctor`` show."""
    out: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(settings, name)
        out[to_camel(name)] = list(value) if isinstance(value, tuple) else value
    return out


def _check_value(name: str, value: Any) -> tuple[Any, str | None]:
    """Validate one value; return (converted value, problem or None)."""
    default = getattr(Settings(), name)
    wire = to_camel(name)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value, None
        return default, f"{wire} must be true or false, got {value!r}"
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            return default, f"{wire} must be an integer, got {value!r}"
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return default, f"{wire} must be a number, got {value!r}"
        value = float(value)
    elif isinstance(default, str):
        if not isinstance(value, str) or (not value.strip() and name not in _MAY_BE_EMPTY):
            return default, f"{wire} must be a non-empty string, got {value!r}"
        choices = _CHOICES.get(name)
        if choices and value.strip() not in choices:
            return default, f"{wire} must be one of {', '.join(choices)}, got {value!r}"
        return value.strip(), None
    elif isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return default, f"{wire} must be a list of strings, got {value!r}"
        return tuple(value), None
    low, high = _BOUNDS[name]
    if not low <= value <= high:
        return default, f"{wire} must be between {_number(low)} and {_number(high)}, got {value!r}"
    return value, None


def _number(value: float) -> str:
    """``1048576`` for a whole number (``:g`` would write ``1.04858e+06``), ``0.5`` else."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def unwrap_section(raw: Any) -> Any:
    """Accept both ``{...settings}`` and ``{"ghostLs": {...settings}}`` (VS Code's shape)."""
    if isinstance(raw, dict) and isinstance(raw.get("ghostLs"), dict):
        return raw["ghostLs"]
    return raw


def parse_settings(raw: Any, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Merge the camelCase dict ``raw`` over ``base`` (defaults when None).

    Returns the settings and one human-readable problem per rejected key.  Keys the
    client leaves out keep their value from ``base``; a ``null`` value means "default".
    """
    base = base or Settings()
    raw = unwrap_section(raw)
    if raw is None or raw == []:  # Neovim encodes an empty Lua table as []
        return base, []
    if not isinstance(raw, dict):
        return base, [f"settings must be an object, got {type(raw).__name__}"]
    updates: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        name = to_snake(str(key))
        if name not in FIELDS:
            problems.append(f"unknown setting {key!r}")
            continue
        if value is None:
            updates[name] = getattr(Settings(), name)
            continue
        converted, problem = _check_value(name, value)
        if problem:  # redacted: a rejected value may be a URL with a password in it
            problems.append(redact(f"{problem}; using the default {to_camel_value(name)}"))
        updates[name] = converted
    return dataclasses.replace(base, **updates), problems


def to_camel_value(name: str) -> str:
    """The default of ``name`` as it would be written in JSON, for messages."""
    value = getattr(Settings(), name)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return repr(value) if isinstance(value, str) else str(value)


__all__ = [
    "DEFAULT_MODEL",
    "FIELDS",
    "Settings",
    "choices_as_wire",
    "defaults_as_wire",
    "parse_settings",
    "settings_as_wire",
    "to_camel",
    "to_snake",
    "unwrap_section",
]
