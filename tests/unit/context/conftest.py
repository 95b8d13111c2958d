"""Shared helpers for the context engine tests: builders, edits, simulated typing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol.types import (
    Position,
    Range,
    TextDocumentContentChangePartial,
    TextDocumentContentChangeWholeDocument,
)

from ghost_ls.config import Settings
from ghost_ls.context.builder import ContextBuilder
from ghost_ls.context.text import content, split_lines


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def partial(text: str, line: int, col: int, end_line: int, end_col: int,
            new: str) -> tuple[TextDocumentContentChangePartial, str]:
    """A change event (columns in code points here, UTF-16 on the wire) and the new text."""
    lines = split_lines(text)
    start = sum(map(len, lines[:line])) + col
    end = sum(map(len, lines[:end_line])) + end_col
    event = TextDocumentContentChangePartial(
        range=Range(Position(line, utf16(content(lines[line])[:col])),
                    Position(end_line, utf16(content(lines[end_line])[:end_col]))),
        text=new)
    return event, text[:start] + new + text[end:]


def whole(new: str) -> TextDocumentContentChangeWholeDocument:
    return TextDocumentContentChangeWholeDocument(text=new)


class Editor:
    """Drives a builder like an editor would: one document, a cursor, keystrokes."""

    def __init__(self, builder: ContextBuilder, uri: str, language: str, text: str) -> None:
        self.builder = builder
        self.uri = uri
        self.text = text
        self.version = 1
        builder.did_open(uri, language, 1, text)

    def edit(self, line: int, col: int, end_line: int, end_col: int, new: str) -> None:
        event, self.text = partial(self.text, line, col, end_line, end_col, new)
        self.version += 1
        self.builder.did_change(self.uri, self.version, [event])
        document = self.builder.document(self.uri)
        assert document is not None and document.text == self.text  # the one store kept up

    def type(self, line: int, col: int, typed: str, indent: str = "") -> list:  # type: ignore[type-arg]
        """Type ``typed`` one key at a time from (line, col); returns a context per key."""
        contexts = []
        for char in typed:
            insert = char if char != "\n" else "\n" + indent
            self.edit(line, col, line, col, insert)
            if char == "\n":
                line, col = line + 1, len(indent)
            else:
                col += 1
            contexts.append(self.builder.build(self.uri, line, col))
        return contexts


@pytest.fixture
def make_builder() -> Iterator:  # type: ignore[type-arg]
    """Factory for builders that are closed after the test."""
    made: list[ContextBuilder] = []

    def make(
        folders: list[Path] | None = None, measure_stability: bool = False, **settings: object
    ) -> ContextBuilder:
        builder = ContextBuilder(Settings(**settings), measure_stability=measure_stability)  # type: ignore[arg-type]
        if folders:
            builder.set_workspace_folders(folders)
        made.append(builder)
        return builder

    yield make
    for builder in made:
        builder.close()


def python_module(functions: int) -> str:
    """A syntactically rich Python file of about ``8 * functions`` lines."""
    parts = ["import os\nimport sys\nfrom collections import OrderedDict\n\n"]
    for i in range(functions):
        parts.append(
            f"\nclass Thing{i}:\n"
            f'    """Thing {i}."""\n\n'
            f"    def method_{i}(self, value: int,\n"
            f"                   other: str = 'x') -> int:\n"
            f'        text = """multi\nline {i}\n"""\n'
            f"        return value + len(other) + len(text)\n")
    return "".join(parts)
