"""Definitions of a file, found with tag queries and rendered as short signature snippets.

For each function, method, class, type and top-level constant the definition queries
(``LanguageSpec.tags``) find, we keep the name and a rendered snippet: the header up to
the body (``def f(a, b) -> int:``, ``pub fn f(a: i32) -> i32``), the first line of its
docstring or leading comment, the enclosing class/impl header for methods, and for
classes the constructor's signature.  Types, interfaces and structs are shown whole
(capped).  Definitions nested in functions are local and skipped.

Constants are shown with their value only when it is short and holds no string
literal (``MAX_RETRIES = 5``); otherwise as ``API_KEY = ...``, so a hard-coded key
never travels into another file's prompt through the index.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tree_sitter import Node, QueryCursor, Tree

from ghost_ls.context.grammars import tags_query
from ghost_ls.context.languages import LanguageSpec
from ghost_ls.context.scopes import body_of
from ghost_ls.context.text import decode

log = logging.getLogger(__name__)

MAX_PER_FILE = 2_000
CHUNK_BYTES = 8_192
MAX_SIGNATURE_LINES = 8
MAX_TYPE_LINES = 12
MAX_CHARS = 600
_FUNCTIONS = frozenset({
    "function_definition", "function_declaration", "function_item", "method_definition",
    "method_declaration", "arrow_function", "function_expression", "func_literal",
    "closure_expression", "lambda_expression", "constructor_declaration", "lambda",
    "generator_function_declaration",
})
_WRAPPERS = frozenset({"lexical_declaration", "variable_declaration", "export_statement",
                       "template_declaration", "type_declaration", "const_declaration",
                       "var_declaration"})
_COMMENT_MARKERS = re.compile(r"^\s*(/\*\*?|\*/|\*|///?!?|--+\[*=*\[*|#+)\s?")
_WHOLE_KINDS = frozenset({"type", "interface"})
_QUOTES = re.compile(r"^[rRbBuUfF]*(\"\"\"|'''|\"|')|(\"\"\"|'''|\"|')$")
_SKIP_NAMES = frozenset({"constructor", "__init__", "new", "init"})


@dataclass(frozen=True)
class Definition:
    """One indexed definition."""

    name: str
    kind: str
    key: str
    """Index key of the file (absolute path)."""
    path: str
    """Workspace-relative path shown to the model."""
    row: int
    text: str
    """The rendered snippet."""


def extract_definitions(tree: Tree, source: bytes, spec: LanguageSpec, key: str, path: str,
                        limit: int = MAX_PER_FILE,
                        pause: Callable[[], None] | None = None) -> list[Definition]:
    """Definitions in ``tree`` (document order), rendered for prompts.

    The query runs over slices of the file (whole top-level nodes, about
    :data:`CHUNK_BYTES` each); ``pause`` is called between slices, so a background
    thread can let the request thread have the GIL (a query holds it while it runs).
    """
    query = tags_query(spec)
    if query is None:
        return []
    found: list[Definition] = []
    seen: set[tuple[int, str]] = set()
    cursor = QueryCursor(query)
    for start, end in _slices(tree.root_node):
        if pause is not None:
            pause()
        cursor.set_byte_range(start, end)
        for definition in _matches(cursor, tree, source, spec, key, path):
            marker = (definition.row, definition.name)
            if marker not in seen:
                seen.add(marker)
                found.append(definition)
        if len(found) >= limit:
            return found[:limit]
    return found


def _slices(root: Node) -> Iterator[tuple[int, int]]:
    """Byte ranges covering ``root`` in runs of whole top-level children."""
    start = root.start_byte
    for index in range(root.child_count):
        child = root.child(index)
        if child is not None and child.end_byte - start >= CHUNK_BYTES:
            yield start, child.end_byte
            start = child.end_byte
    if start < root.end_byte or start == root.start_byte:
        yield start, root.end_byte


def _matches(cursor: QueryCursor, tree: Tree, source: bytes, spec: LanguageSpec, key: str,
             path: str) -> Iterator[Definition]:
    for _pattern, captures in cursor.matches(tree.root_node):
        names = captures.get("name")
        kinds = [c for c in captures if c.startswith("definition.")]
        if not names or not kinds:
            continue
        node = captures[kinds[0]][0]
        kind = kinds[0].split(".", 1)[1]
        try:
            definition = _definition(_Source(spec, source), node, names[0], kind, key, path)
        except Exception:  # one odd definition must not cost the whole file
            log.debug("skipping a definition in %s", path, exc_info=True)
            continue
        if definition is not None:
            yield definition


class _Source:
    """The bytes a tree was parsed from, and the language, for slicing node text."""

    def __init__(self, spec: LanguageSpec, data: bytes) -> None:
        self.spec = spec
        self.data = data

    def text(self, node: Node, end_byte: int | None = None) -> str:
        """Source of ``node`` (up to ``end_byte``), continuation lines dedented."""
        end = node.end_byte if end_byte is None else max(node.start_byte, end_byte)
        end = min(end, node.start_byte + MAX_CHARS * 8)
        lines = decode(self.data[node.start_byte:end]).rstrip().split("\n")
        column = node.start_point.column
        rest = [ln[column:] if ln[:column].strip() == "" else ln.lstrip() for ln in lines[1:]]
        return "\n".join(line.rstrip("\r") for line in [lines[0], *rest])


def _definition(source: _Source, node: Node, name_node: Node, kind: str, key: str,
                path: str) -> Definition | None:
    name = source.text(name_node)
    if not name or name in _SKIP_NAMES or _is_local(node):
        return None
    container = _container(source.spec, node)
    if kind == "function" and container is not None:
        kind = "method"
    text = render(source, node, kind, container)
    return Definition(name, kind, key, path, node.start_point.row, text)


def _is_local(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in _FUNCTIONS:
            return True
        parent = parent.parent
    return False


def _container(spec: LanguageSpec, node: Node) -> Node | None:
    parent = node.parent
    while parent is not None:
        if parent.type in spec.classes:
            return parent
        parent = parent.parent
    return None


def _outer(node: Node) -> Node:
    """The declaration wrapping ``node`` (``const f = ...``, ``export``, ``type``...)."""
    while node.parent is not None and node.parent.type in _WRAPPERS:
        node = node.parent
    return node


def _cap(text: str, max_lines: int) -> str:
    lines = text.split("\n")
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], "..."]
    capped = "\n".join(lines)
    return capped if len(capped) <= MAX_CHARS else capped[:MAX_CHARS].rstrip() + " ..."


def signature(source: _Source, node: Node, kind: str) -> str:
    """The header of a definition (whole text for types, redacted value for constants)."""
    outer = _outer(node)
    if kind == "constant":
        return _constant(source.text(outer).split("\n")[0])
    if kind in _WHOLE_KINDS:
        return _cap(source.text(outer), MAX_TYPE_LINES)
    body = body_of(node)
    if body is None:
        return _cap(source.text(outer), MAX_SIGNATURE_LINES)
    text = source.text(outer, body.start_byte).rstrip()
    if body.child_count and body.children[0].type == "{":
        text = text.rstrip("{").rstrip()
    return _cap(text, MAX_SIGNATURE_LINES)


def _constant(line: str) -> str:
    if len(line) <= 100 and not any(quote in line for quote in "\"'`"):
        return line
    if "=" in line:
        return line.split("=", 1)[0].rstrip() + " = ..."
    return " ".join(line.split()[:2]) + " ..."


def doc_line(source: _Source, node: Node) -> str:
    """First line of the docstring (Python) or of the comment right above the definition."""
    if source.spec.opener == "colon":
        body = body_of(node)
        first = body.named_children[0] if body is not None and body.named_children else None
        if first is not None and first.type == "expression_statement":
            string = first.named_children[0] if first.named_children else None
            if string is not None and string.type == "string":
                return _first_line(_QUOTES.sub("", source.text(string)))
        return ""
    comment = _leading_comment(_outer(node))
    return _first_line(_strip_comment(source.text(comment))) if comment else ""


def _leading_comment(node: Node) -> Node | None:
    """The first comment of the block directly above ``node``."""
    found: Node | None = None
    row = node.start_point.row
    sibling = node.prev_named_sibling
    for _ in range(30):
        if sibling is None or "comment" not in sibling.type or sibling.end_point.row < row - 1:
            break
        found, row = sibling, sibling.start_point.row
        sibling = sibling.prev_named_sibling
    return found


def _strip_comment(text: str) -> str:
    lines = [_COMMENT_MARKERS.sub("", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith("@"))


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().rstrip("*/").strip()
        if line:
            return line[:160]
    return ""


def render(source: _Source, node: Node, kind: str, container: Node | None) -> str:
    """The snippet text for one definition."""
    spec = source.spec
    sig = signature(source, node, kind)
    doc = doc_line(source, node) if kind != "constant" else ""
    members = _constructor(source, node) if kind == "class" else []
    if spec.opener == "colon":
        body = sig + (f'\n    """{doc}"""' if doc else "")
        body += "".join("\n" + _indent(member) for member in members)
    else:
        comment = f"{spec.comment} {doc}\n" if doc else ""
        body = comment + sig
        if members:
            body += " {" + "".join("\n" + _indent(member) for member in members) + "\n}"
    if container is None or kind not in ("method", "function"):
        return body
    head = _cap(source.text(container, _header_end(container)).rstrip(), 3)
    indented = _indent(body)
    if spec.opener == "colon":
        return f"{head}\n{indented}"
    return f"{head.rstrip('{').rstrip()} {{\n{indented}\n}}"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.split("\n"))


def _header_end(node: Node) -> int:
    body = body_of(node)
    return body.start_byte if body is not None else node.end_byte


def _constructor(source: _Source, node: Node) -> list[str]:
    body = body_of(node)
    if body is None:
        return []
    for child in body.named_children:
        target = child.child_by_field_name("definition") or child
        name = target.child_by_field_name("name")
        label = source.text(name) if name is not None else ""
        if (target.type == "constructor_declaration"
                or (target.type == "method_definition" and label == "constructor")
                or (target.type == "function_definition" and label == "__init__")):
            return [signature(source, target, "method")]
    return []
