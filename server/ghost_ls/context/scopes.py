"""Enclosing scopes: the headers of the functions, classes and blocks around the cursor.

With a tree, the scopes are the ancestors of the cursor node whose kind the language
spec lists as a scope; a header runs from the node's first line to the line that opens
its body (``def f(a,\\n      b):`` is two lines, ``fn f() {`` one).  Without a tree
(no grammar, huge file) indentation stands in: walking up from the cursor, each less
indented line that opens a block (ends with ``:``, ``{`` or ``then``/``do``) is a header.
Headers are returned outermost first as inclusive row ranges.
"""

from __future__ import annotations

from collections.abc import Callable

from tree_sitter import Node, Point, Tree

from ghost_ls.context.languages import BLOCK_SCOPES, LanguageSpec
from ghost_ls.context.text import indentation

MAX_HEADER_LINES = 6
FALLBACK_SCAN = 400
_BODY_KINDS = frozenset({
    "block", "statement_block", "class_body", "compound_statement", "declaration_list",
    "field_declaration_list", "interface_body", "enum_body", "constructor_body",
    "statement_list", "object_type", "enumerator_list", "record_declaration_body",
})

_WRAPPED = frozenset({"lexical_declaration", "variable_declarator", "type_declaration",
                      "type_spec", "assignment_statement", "expression_list",
                      "variable_declaration"})

LineAt = Callable[[int], str]


def body_of(node: Node) -> Node | None:
    """The body child of a definition-like node (field ``body`` or a block-kind child)."""
    body = node.child_by_field_name("body") or node.child_by_field_name("consequence")
    if body is not None:
        return body
    if node.type in _WRAPPED:
        for child in node.named_children:
            inner = body_of(child)
            if inner is not None:
                return inner
        value = node.child_by_field_name("value") or node.child_by_field_name("type")
        return body_of(value) if value is not None else None
    for child in reversed(node.named_children):
        if child.type in _BODY_KINDS:
            return child
    return None


def header_rows(node: Node) -> tuple[int, int]:
    """First and last row of a node's header (the lines before its body opens)."""
    first = node.start_point.row
    body = body_of(node)
    if body is None:
        return first, min(node.end_point.row, first + MAX_HEADER_LINES - 1)
    body_row = body.start_point.row
    same_row = body_row == first or body.type != "block" or _opens_with_brace(body)
    last = body_row if same_row else body_row - 1
    return first, max(first, min(last, first + MAX_HEADER_LINES - 1))


def _opens_with_brace(node: Node) -> bool:
    return node.child_count > 0 and node.children[0].type == "{"


def scope_nodes(tree: Tree, spec: LanguageSpec, row: int, column: int) -> list[Node]:
    """Scope nodes containing the point, outermost first."""
    point = Point(row, column)
    node: Node | None = tree.root_node.descendant_for_point_range(point, point)
    found: list[Node] = []
    while node is not None:
        kind = node.type
        if (kind in spec.scopes or kind in BLOCK_SCOPES) and node.start_point.row < row:
            found.append(node)
        node = node.parent
    found.reverse()
    return found


def tree_headers(tree: Tree, spec: LanguageSpec, row: int, column: int) -> list[tuple[int, int]]:
    """Header row ranges of the scopes around the point, outermost first."""
    return [header_rows(node) for node in scope_nodes(tree, spec, row, column)]


def _opens_block(text: str) -> bool:
    stripped = text.rstrip()
    if stripped.endswith((":", "{", " then", " do", "(")):
        return True
    return stripped.startswith(("function ", "local function ")) and stripped.endswith(")")


def indent_headers(line_at: LineAt, row: int) -> list[tuple[int, int]]:
    """Header rows found by indentation (fallback without a tree), outermost first."""
    current = line_at(row)
    probe = row
    while not current.strip() and probe > max(0, row - 50):
        probe -= 1
        current = line_at(probe)
    width = len(indentation(current).expandtabs(4)) if current.strip() else 1 << 30
    found: list[tuple[int, int]] = []
    for candidate in range(row - 1, max(-1, row - FALLBACK_SCAN), -1):
        if width == 0:
            break
        text = line_at(candidate)
        if not text.strip():
            continue
        indent = len(indentation(text).expandtabs(4))
        if indent < width:
            if _opens_block(text):
                found.append((candidate, candidate))
            width = indent
    found.reverse()
    return found
