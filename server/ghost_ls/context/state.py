"""Per-document state the builder keeps between requests, and the stability statistics.

Besides the :class:`Document` itself: the window anchor, the cached imports and
indentation unit, the sticky definition picker, whether the document may contribute
to other files (privacy), and what the previous build produced, so
:meth:`ContextBuilder.last_stats` can report how much of the new context is identical
to the previous one (the part llama.cpp can keep in its KV cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from ghost_ls.context.crossfile import DefinitionPicker
from ghost_ls.context.documents import Document, LineShift, shift_line
from ghost_ls.context.imports import may_start_import
from ghost_ls.context.text import common_prefix_length
from ghost_ls.context.types import PromptContext

IMPORT_ZONE = 50
"""Edits this close to the last import row may invalidate the cached imports."""
_RECHECK_ROWS = 50
"""Most new lines of an edit near the imports that are read to keep them cached."""


class ImportSource(IntEnum):
    """Where the cached imports were read from, worst first."""

    TEXT = 0
    EDITED_TREE = 1
    TREE = 2


def _indented_or_blank(line: str) -> bool:
    return not line or line[0] in " \t" or line.isspace()


@dataclass
class DocState:
    """Everything remembered about one open document."""

    doc: Document
    path: str
    shareable: bool | None
    """Whether its text may reach other files' prompts; None until the index thread
    has resolved and judged its path (see :mod:`workspace`)."""
    anchor: int | None = None
    cold_anchor: int | None = None
    """The window anchor of the short prompt (``coldPromptTokens``), kept apart so that
    building it never moves the full prompt's window."""
    indent_unit: str | None = None
    indent_version: int = -1
    imports: list[tuple[int, int]] | None = None
    imports_source: ImportSource = ImportSource.TEXT
    imported: dict[str, str] | None = None
    """Imported names (most used in the file first) -> their import statement."""
    import_uses: dict[str, int] | None = None
    """How often the file used each imported name when the set of names last changed."""
    picker: DefinitionPicker = field(default_factory=DefinitionPicker)
    last_row: int = 0
    layout: str = ""
    snippets: tuple[str, ...] = ()
    changes: int = 0

    def follow(self, shifts: list[LineShift]) -> None:
        """Keep the anchor on the same text and drop caches the edits invalidated."""
        if self.anchor is not None:
            self.anchor = shift_line(self.anchor, shifts)
        if self.cold_anchor is not None:
            self.cold_anchor = shift_line(self.cold_anchor, shifts)
        if self.imports is not None and not self._imports_survive(shifts):
            self.imports = None
            self.imported = None
        self.changes += 1

    def _imports_survive(self, shifts: list[LineShift]) -> bool:
        """Whether the cached imports still hold after ``shifts`` (already applied).

        Edits far below the last import leave them alone.  Nearer, only an edit below
        the imports that leaves indented or blank lines does, and only inside a
        statement that does not look like an import (the nearest line above that starts
        at column 0): such lines cannot add a top-level import or complete one.  Typing
        inside a function just below the imports keeps the cache.
        """
        last_import = max((b for _a, b in self.imports), default=-1) if self.imports else -1
        near = [s for s in shifts if s.first <= last_import + IMPORT_ZONE]
        if not near:
            return True
        if len(shifts) > 1 or near[0].first <= last_import or near[0].count > _RECHECK_ROWS:
            return False
        shift, line = near[0], self.doc.line
        if not all(_indented_or_blank(line(row))
                   for row in range(shift.first, shift.first + shift.count)):
            return False
        owner = next((line(row) for row in range(shift.first - 1, -1, -1)
                      if not _indented_or_blank(line(row))), "")
        spec = self.doc.spec
        return not may_start_import(owner, spec.name if spec is not None else self.doc.language_id)


def layout_of(context: PromptContext) -> str:
    """The pieces in prompt order (snippets, path, prefix): what a KV cache can share."""
    parts = [f"{s.kind}:{s.path}\n{s.text}" for s in context.snippets]
    return "\x00".join([*parts, context.path, context.prefix])


def stability(state: DocState, context: PromptContext) -> dict[str, Any]:
    """How much of ``context`` is identical to the previous build of the same document."""
    layout = layout_of(context)
    snippets = tuple(s.text for s in context.snippets)
    shared = common_prefix_length(state.layout, layout) if state.layout else 0
    stats = {
        "layout_chars": len(layout),
        "shared_chars": shared,
        "shared_fraction": round(shared / len(layout), 4) if layout else 1.0,
        "snippets": len(snippets),
        "snippets_same": snippets == state.snippets,
        "snippets_shared": common_prefix_length(state.snippets, snippets),
    }
    state.layout, state.snippets = layout, snippets
    return stats
