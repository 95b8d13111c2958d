"""The imports of the current file, as row ranges to show above a window that starts later.

With a tree: the top-level nodes of the language's import kinds (Python ``import`` and
``from``, JS/TS ``import``, Go ``package``/``import``, Rust ``use``, C ``#include``,
Java ``package``/``import``) plus Lua's ``local x = require(...)``.  The scan walks the
root's children in order (a tree cursor: one step per sibling) and stops once it is
well past the last import, so it does not visit a whole large file.  Without a tree a
language record's ``import_line`` regex over the first lines stands in, stopping the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tree_sitter import Node, Tree

from ghost_ls.context.languages import SPECS, LanguageSpec

MAX_IMPORT_ROWS = 60
_STOP_AFTER = 40
"""Top-level nodes after the last import before the scan gives up."""
_SCAN_LINES = 300
_STOP_AFTER_LINES = 80
"""Lines after the last import before the regex scan gives up (a header before the
first import does not count: the scan looks at up to ``_SCAN_LINES`` for that one)."""

LineAt = Callable[[int], str]


def tree_imports(tree: Tree, spec: LanguageSpec) -> list[tuple[int, int]]:
    """Row ranges of top-level imports, in document order."""
    found: list[tuple[int, int]] = []
    since_last = 0
    rows = 0
    cursor = tree.walk()  # sibling steps are O(1); ``root.child(i)`` walks from the start
    more = cursor.goto_first_child()
    while more:
        node = cursor.node
        more = cursor.goto_next_sibling()
        if node is None:
            break
        if _is_import(node, spec):
            rows += node.end_point.row - node.start_point.row + 1
            if rows > MAX_IMPORT_ROWS:
                break
            found.append((node.start_point.row, last_row(node)))
            since_last = 0
            continue
        if node.type != "comment":
            since_last += 1
            if since_last > _STOP_AFTER:
                break
    return found


def last_row(node: Node) -> int:
    """The node's last row (a node ending at column 0 ends on the row before)."""
    end = node.end_point
    return end.row - 1 if end.column == 0 and end.row > node.start_point.row else end.row


def _is_import(node: Node, spec: LanguageSpec) -> bool:
    kind = node.type
    if kind in spec.imports:
        return True
    # the node's text only where it decides (a class's text is the whole class)
    if spec.require_import is not None and kind == spec.require_import[0]:
        return spec.require_import[1] in _head(node)
    return False


def _head(node: Node) -> bytes:
    text = node.text
    return text[:200] if text is not None else b""


def text_imports(line_at: LineAt, line_count: int, grammar: str) -> list[tuple[int, int]]:
    """Import rows found by regex over the first lines (fallback without a tree)."""
    pattern = _import_line(grammar)
    if pattern is None:
        return []
    found: list[tuple[int, int]] = []
    since_last = 0
    for row in range(min(line_count, _SCAN_LINES)):
        if pattern.match(line_at(row)):
            found.append((row, row))
            since_last = 0
            if len(found) >= MAX_IMPORT_ROWS:
                break
        elif found:
            since_last += 1
            if since_last > _STOP_AFTER_LINES:
                break
    return found


def may_start_import(line: str, grammar: str) -> bool:
    """Whether ``line`` could begin an import in ``grammar`` (a grammar without a pattern: yes)."""
    pattern = _import_line(grammar)
    return pattern is None or pattern.match(line) is not None


def _import_line(grammar: str) -> re.Pattern[str] | None:
    spec = SPECS.get(grammar)
    return spec.import_line if spec is not None else None
