"""Builds the :class:`PromptContext` for a cursor: the seam between documents and prompts.

First, honest version: a line window around the cursor budgeted in model tokens, whose
start stays put between requests (so llama.cpp can reuse its KV cache), and a simple
completion-mode rule.  The tree-sitter context engine replaces the internals, not the API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ghost_ls.config import Settings
from ghost_ls.context.types import CompletionMode, PromptContext

TokenCounter = Callable[[str], int]


def approximate_tokens(text: str) -> int:
    """A model-free estimate (about four characters a token) used until a model loads."""
    return (len(text) + 3) // 4


class ContextBuilder:
    """Keeps the open documents and turns a cursor position into a prompt context."""

    def __init__(self, settings: Settings, count_tokens: TokenCounter = approximate_tokens):
        self._settings = settings
        self._count_tokens = count_tokens
        self._texts: dict[str, str] = {}
        self._languages: dict[str, str] = {}
        self._anchors: dict[str, int] = {}
        self._folders: list[Path] = []

    def set_token_counter(self, count_tokens: TokenCounter) -> None:
        self._count_tokens = count_tokens

    def update_settings(self, settings: Settings) -> None:
        self._settings = settings

    def set_workspace_folders(self, folders: Sequence[Path]) -> None:
        self._folders = list(folders)

    def did_open(self, uri: str, language_id: str, version: int, text: str) -> None:
        self._texts[uri] = text
        self._languages[uri] = language_id

    def did_change(self, uri: str, version: int, changes: Sequence[Any], text: str) -> None:
        self._texts[uri] = text

    def did_save(self, uri: str, text: str | None = None) -> None:
        if text is not None:
            self._texts[uri] = text

    def did_close(self, uri: str) -> None:
        for store in (self._texts, self._languages, self._anchors):
            store.pop(uri, None)  # type: ignore[attr-defined]

    def close(self) -> None:
        """Stop background work (none yet)."""

    def build(self, uri: str, line: int, column: int) -> PromptContext | None:
        """Context for the cursor at ``line``/``column`` (code points), None if unknown."""
        text = self._texts.get(uri)
        if text is None:
            return None
        lines = text.split("\n")
        line = max(0, min(line, len(lines) - 1))
        current = lines[line]
        column = max(0, min(column, len(current)))
        line_prefix, line_suffix = current[:column], current[column:]
        start = self._window_start(uri, lines, line, line_prefix)
        prefix = "\n".join([*lines[start:line], line_prefix])
        suffix_lines = [line_suffix, *lines[line + 1 : line + 1 + 40]]
        return PromptContext(
            uri=uri,
            path=Path(uri).name,
            language=self._languages.get(uri, ""),
            prefix=prefix,
            suffix="\n".join(suffix_lines),
            mode=_mode(line_prefix, line_suffix),
            line_prefix=line_prefix,
            line_suffix=line_suffix,
            prefix_trimmed=start > 0,
        )

    def _window_start(self, uri: str, lines: list[str], line: int, line_prefix: str) -> int:
        """First line of the prefix window, kept from the last request while it fits."""
        budget = self._settings.prompt_tokens * 3 // 4
        start = self._anchors.get(uri, 0)
        if start > line or self._count_tokens("\n".join(lines[start:line])) > budget:
            start = line
            while start > 0 and self._count_tokens("\n".join(lines[start - 1 : line])) < budget // 2:
                start -= 1
        self._anchors[uri] = start
        return start


def _mode(line_prefix: str, line_suffix: str) -> CompletionMode:
    """None mid-word or before real code; block on an empty line, else rest of the line."""
    if line_prefix and (line_prefix[-1].isalnum() or line_prefix[-1] == "_") and line_suffix[:1].isalnum():
        return CompletionMode.NONE
    if line_suffix.strip(" \t)]}\"';,:") != "":
        return CompletionMode.NONE
    if not line_prefix.strip():
        return CompletionMode.BLOCK
    return CompletionMode.LINE
