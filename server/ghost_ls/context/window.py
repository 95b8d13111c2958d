"""The local window: prefix and suffix around the cursor, cut at syntactic boundaries.

Stability first (docs/ARCHITECTURE.md, "KV prefix layout"): the window's first line is an *anchor* kept per
document.  While ``lines[anchor:cursor]`` fits the prefix budget the anchor stays put,
so successive prompts share everything up to the line being typed and llama.cpp reuses
its KV cache.  When it no longer fits (or the cursor moves above it) the anchor jumps
in one large step: to where the window uses about :data:`REANCHOR_SHARE` of the budget,
then forward (never below :data:`KEEP_SHARE`) to the least indented statement start (a
line whose first token begins a child of a block/module node), so the window never
starts inside an expression or a string.  A cursor moved up close to the anchor (the
window would hold less than :data:`KEEP_SHARE`) also moves it.

Above the window go the file's imports and the headers of the enclosing scopes that
the window does not show, in document order, with an ``...`` comment where lines are
skipped.  They change only when the cursor enters another scope.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tree_sitter import Point, Tree

from ghost_ls.context.languages import LanguageSpec
from ghost_ls.context.text import indentation, utf8_len

LineAt = Callable[[int], str]
Cost = Callable[[str], int]
Boundary = Callable[[int], bool]

REANCHOR_SHARE = 0.6
"""A moved window starts where it uses about this share of its budget..."""
KEEP_SHARE = 0.3
"""...and keeps its start while it uses between this share and all of it."""
SNAP_LINES = 40
MAX_SUFFIX_LINES = 400


def tree_boundary(tree: Tree, spec: LanguageSpec, line_at: LineAt) -> Boundary:
    """A predicate: does row start a statement (a child of a container node)?"""
    root = tree.root_node

    def check(row: int) -> bool:
        text = line_at(row)
        if not text.strip():
            return False
        point = Point(row, utf8_len(indentation(text)))
        node = root.descendant_for_point_range(point, point)
        if node is None:
            return False
        while node.parent is not None and node.parent.start_point == node.start_point:
            node = node.parent
        if node.start_point != point:
            return False
        return node.parent is None or node.parent.type in spec.containers

    return check


def line_boundary(line_at: LineAt) -> Boundary:
    """Fallback without a tree: a non-blank line after a blank one, or an unindented one."""

    def check(row: int) -> bool:
        text = line_at(row)
        if not text.strip():
            return False
        return row == 0 or not line_at(row - 1).strip() or not indentation(text)

    return check


def choose_start(line_at: LineAt, row: int, anchor: int | None, budget: int, cost: Cost,
                 boundary: Boundary) -> tuple[int, bool]:
    """First line of the window and whether it moved (see module docstring).

    The anchor stays while the window fits and still holds at least
    :data:`KEEP_SHARE` of the budget (a cursor moved up near the anchor would
    otherwise see almost nothing above it).
    """
    if anchor is not None and 0 <= anchor <= row:
        used = 0
        for r in range(anchor, row):
            used += cost(line_at(r))
            if used > budget:
                break
        if used <= budget and (anchor == 0 or used >= budget * KEEP_SHARE):
            return anchor, False
    target, floor = budget * REANCHOR_SHARE, budget * KEEP_SHARE
    spent, at_target, at_floor, r = 0, row, row - 1, row - 1
    while r >= 0:
        spent += cost(line_at(r))
        if spent > budget:
            break
        if spent <= target:
            at_target = r
        if spent < floor:
            at_floor = r - 1
        r -= 1
    if r < 0:
        return 0, True
    return snap(line_at, at_target, max(at_target, at_floor), boundary), True


def snap(line_at: LineAt, start: int, last: int, boundary: Boundary) -> int:
    """The least indented boundary in ``start..last`` (at most :data:`SNAP_LINES` lines;
    ``start`` if there is none)."""
    best, best_width = start, -1
    for r in range(start, min(last, start + SNAP_LINES) + 1):
        if boundary(r):
            width = len(indentation(line_at(r)).expandtabs(4))
            if best_width < 0 or width < best_width:
                best, best_width = r, width
                if width == 0:
                    break
    return best


def preamble(line_at: LineAt, imports: Sequence[tuple[int, int]],
             headers: Sequence[tuple[int, int]], start: int, comment: str, budget: int,
             cost: Cost) -> list[str]:
    """Scope headers, then as many imports as fit, above ``start``, in document order,
    with ``...`` comments where lines are skipped."""
    chosen: set[int] = set()
    spent = 0
    for ranges in (headers, imports):
        for r in (r for a, b in ranges for r in range(a, b + 1) if r < start):
            spent += cost(line_at(r))
            if spent > budget:
                break
            chosen.add(r)
    lines: list[str] = []
    previous = -1
    for r in sorted(chosen):
        text = line_at(r)
        if previous >= 0 and r > previous + 1:
            lines.append(_ellipsis(text, comment))
        lines.append(text)
        previous = r
    if lines and start > previous + 1:
        lines.append(_ellipsis(line_at(start), comment))
    return lines


def _ellipsis(next_line: str, comment: str) -> str:
    return f"{indentation(next_line)}{comment} ..."


def suffix_text(line_at: LineAt, row: int, line_suffix: str, line_count: int, budget: int,
                cost: Cost) -> tuple[str, int]:
    """Text after the cursor: the rest of its line, then whole lines within budget."""
    parts = [line_suffix]
    spent = cost(line_suffix)
    last = row
    for r in range(row + 1, min(line_count, row + 1 + MAX_SUFFIX_LINES)):
        text = line_at(r)
        spent += cost(text)
        if spent > budget:
            break
        parts.append(text)
        last = r
    return "\n".join(parts), last


def trim_line(line_prefix: str, line_suffix: str, max_chars: int) -> tuple[str, str]:
    """Cut a huge cursor line to ``max_chars`` each side, at whitespace or punctuation."""
    if len(line_prefix) > max_chars:
        cut = len(line_prefix) - max_chars
        stop = min(len(line_prefix), cut + 200)
        while cut < stop and (line_prefix[cut - 1].isalnum() or line_prefix[cut - 1] == "_"):
            cut += 1
        line_prefix = line_prefix[cut:]
    if len(line_suffix) > max_chars:
        cut = max_chars
        stop = max(0, cut - 200)
        while cut > stop and (line_suffix[cut].isalnum() or line_suffix[cut] == "_"):
            cut -= 1
        line_suffix = line_suffix[:cut]
    return line_prefix, line_suffix
