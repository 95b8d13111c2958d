"""One request: from a document and a cursor to a :class:`PromptContext` within budget.

Budget split (``settings.prompt_tokens``): a quarter for snippets (40% of it recent
chunks, 60% definitions), the rest for the window, three parts prefix to one part
suffix.  The prefix share pays for the scope-header/imports preamble first (capped at
a quarter of it, headers before imports), then the window lines and the cursor
line.  The shares are fixed, not computed from what happens to be available, so that
one snippet more or less never moves the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tree_sitter import Tree

from ghost_ls.config import Settings
from ghost_ls.context.crossfile import (
    Request,
    candidate_names,
    imported_names,
    nearby_identifiers,
)
from ghost_ls.context.imports import text_imports, tree_imports
from ghost_ls.context.indexer import Indexer
from ghost_ls.context.mode import completion_mode, detect_indent
from ghost_ls.context.recent import RecentRing
from ghost_ls.context.scopes import indent_headers, tree_headers
from ghost_ls.context.state import DocState, ImportSource
from ghost_ls.context.text import terminator, utf8_len
from ghost_ls.context.tokens import TokenCache
from ghost_ls.context.types import PromptContext, Snippet
from ghost_ls.context.window import (
    choose_start,
    line_boundary,
    preamble,
    suffix_text,
    tree_boundary,
    trim_line,
)

INDENT_RECHECK = 200
"""Re-detect the indentation unit after this many changes."""
MAX_COUNT_CHARS = 2_000_000
"""Imported names are ranked by use count only in documents up to this size."""


@dataclass(frozen=True)
class Budget:
    """A prompt's tokens: a quarter for snippets (two fifths of it for recent-edit chunks,
    three fifths for definitions: giving definitions what recent chunks leave was
    measured and did not pay, see bench/README.md), the rest for the window, three
    quarters of it before the cursor."""

    snippets: int
    prefix: int
    suffix: int

    @classmethod
    def of(cls, total: int) -> Budget:
        snippets = total // 4
        window = total - snippets
        prefix = window * 3 // 4
        return cls(snippets, prefix, window - prefix)

    @classmethod
    def window_only(cls, total: int) -> Budget:
        """No snippets: a short prompt spends all of it on the lines around the cursor."""
        prefix = total * 3 // 4
        return cls(0, prefix, total - prefix)


class Assembler:
    """Builds prompt contexts from document state, the token cache, index and ring."""

    def __init__(self, tokens: TokenCache, indexer: Indexer, ring: RecentRing,
                 may_share: Callable[[str], bool]) -> None:
        self.tokens = tokens
        self.indexer = indexer
        self.ring = ring
        self.may_share = may_share
        """Whether ring chunks of a uri may reach a prompt now (the privacy verdict)."""

    def build(self, state: DocState, settings: Settings, line: int, column: int,
              cold: bool = False) -> tuple[PromptContext, dict[str, Any]]:
        """The context at ``line``/``column``; with ``cold``, the short prompt's
        (``coldPromptTokens``, all of it for the window, its own window anchor)."""
        doc = state.doc
        row = max(0, min(line, doc.line_count() - 1))
        text = doc.line(row)
        col = max(0, min(column, len(text)))
        budget = (Budget.window_only(settings.cold_prompt_tokens) if cold
                  else Budget.of(settings.prompt_tokens))
        line_prefix, line_suffix = trim_line(text[:col], text[col:], budget.prefix * 3)
        tree = doc.tree()
        count = self.tokens.count
        imports = self._imports(state, tree)
        headers = self._headers(state, tree, row, text[:col])
        spec = doc.spec
        comment = spec.comment if spec is not None else "#"
        pre_budget = budget.prefix // 4
        reserve = preamble(doc.line, imports, headers, row, comment, pre_budget, count)
        window_budget = budget.prefix - sum(map(count, reserve)) - count(line_prefix)
        boundary = (tree_boundary(tree, spec, doc.line) if tree is not None and spec is not None
                    else line_boundary(doc.line))
        if cold:
            start, moved = choose_start(doc.line, row, state.cold_anchor, window_budget, count, boundary)
            state.cold_anchor = start
        else:
            start, moved = choose_start(doc.line, row, state.anchor, window_budget, count, boundary)
            state.anchor, state.last_row = start, row
        head = preamble(doc.line, imports, headers, start, comment, pre_budget, count)
        body = [doc.line(r) for r in range(start, row)]
        suffix, last = suffix_text(doc.line, row, line_suffix, doc.line_count(), budget.suffix,
                                   count)
        snippets = (self._snippets(state, row, line_prefix, start, last, budget.snippets)
                    if budget.snippets else [])
        context = PromptContext(
            uri=doc.uri, path=state.path, language=doc.language_id,
            prefix="\n".join([*head, *body, line_prefix]), suffix=suffix,
            mode=completion_mode(line_prefix, line_suffix, doc.line, row, doc.line_count(),
                                 spec, settings.multiline),
            line_prefix=line_prefix, line_suffix=line_suffix,
            indent_unit=self._indent(state), snippets=tuple(snippets),
            prefix_trimmed=start > 0 or len(line_prefix) < col, window_start=start,
            line_ending=terminator(doc.lines[0]) or "\n")
        return context, {"tree": tree is not None, "reanchored": moved, "preamble": len(head)}

    def _imports(self, state: DocState, tree: Tree | None) -> list[tuple[int, int]]:
        """Import row ranges, cached until an edit comes near them (see :mod:`state`).

        Read from the best source at hand: a tree that matches the text, an edited old
        tree (the lines typed since its parse lack structure), or the text alone; a
        cached answer from a worse source is read again once a better one is there.
        """
        spec = state.doc.spec
        if tree is None or spec is None:
            source = ImportSource.TEXT
        else:
            source = ImportSource.TREE if state.doc.parse.fresh else ImportSource.EDITED_TREE
        if state.imports is None or source > state.imports_source:
            if tree is not None and spec is not None:
                state.imports = tree_imports(tree, spec)
            else:
                grammar = spec.name if spec is not None else state.doc.language_id
                state.imports = text_imports(state.doc.line, state.doc.line_count(), grammar)
            state.imports_source = source
        return state.imports

    def _imported(self, state: DocState) -> dict[str, str]:
        """Imported names, the ones the file uses most first (cached with the imports).

        The uses are counted over the whole text only when the set of imported names
        changes, not each time an edit near the imports drops the cache: typing beside
        the imports costs the import lines, not the document.
        """
        if state.imported is None:
            found = imported_names(state.doc.line, state.imports or [])
            if state.import_uses is None or state.import_uses.keys() != found.keys():
                text = state.doc.text
                counted = len(text) <= MAX_COUNT_CHARS
                state.import_uses = {name: text.count(name) if counted else 0 for name in found}
            uses = state.import_uses
            state.imported = dict(sorted(found.items(), key=lambda item: -uses[item[0]]))
        return state.imported

    def _headers(self, state: DocState, tree: Tree | None, row: int,
                 before: str) -> list[tuple[int, int]]:
        spec = state.doc.spec
        if tree is not None and spec is not None:
            return tree_headers(tree, spec, row, utf8_len(before))
        return indent_headers(state.doc.line, row)

    def _indent(self, state: DocState) -> str:
        doc = state.doc
        if state.indent_unit is None or state.changes - state.indent_version > INDENT_RECHECK:
            default = doc.spec.indent if doc.spec is not None else "    "
            state.indent_unit = detect_indent(doc.line, doc.line_count(), default)
            state.indent_version = state.changes
        return state.indent_unit

    def _snippets(self, state: DocState, row: int, line_prefix: str, first: int, last: int,
                  budget: int) -> list[Snippet]:
        doc = state.doc
        window = {doc.line(r).strip() for r in range(first, last + 1)}
        recent = self.ring.select(doc.uri, first, last, window, budget * 2 // 5,
                                  self.tokens.count, self.may_share)
        nearby, attributes = nearby_identifiers(doc.line, row, line_prefix, doc.line_count())
        imported = self._imported(state)
        near = set(nearby)
        request = Request(key=self.indexer.key_for(doc.uri),
                          hints="\n".join(doc.line(a) for a, _b in (state.imports or [])[:40]),
                          open_keys=self.indexer.open_keys(), attributes=attributes,
                          imported_only={n: s for n, s in imported.items() if n not in near})
        names = candidate_names(nearby, list(imported))
        definitions = state.picker.pick(self.indexer.index, request, names, budget * 3 // 5,
                                        self.tokens.count)
        return [*recent, *definitions]
