"""An open document: the server's one copy of its text, as LSP lines, and its tree.

ghost-ls keeps the only store of each open document's text (pygls keeps none, see
``server.py``).  ``did_change`` hands us the lsprotocol change events (ranges in UTF-16
positions); we apply each one to our line list (a splice, O(edit) plus a pointer move),
translate it into a tree-sitter edit (byte offsets and row/byte-column points) and
record which lines moved, so windows and the recent-edits ring can follow.  The whole
text is joined only when something asks for it (a parse, the index), never per
keystroke; the size in UTF-8 bytes is kept as a running total.

Text enters here only with its lone surrogates (a JSON string may hold ``\\ud800``,
UTF-8 cannot) replaced by U+FFFD, one UTF-16 unit for another: positions stay right,
and no prompt built from it, in this file or another, fails to encode.

tree-sitter counts rows at ``\\n`` only; LSP also breaks lines at a lone ``\\r``.  For the
rare document with lone ``\\r`` we parse a copy where each lone ``\\r`` is a ``\\n`` (same
length, so offsets agree) and reparse it from scratch after each batch.

Edits arrive on the server's thread; the index thread reads :attr:`Document.text`, so
the lines and the joined text are guarded by a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from tree_sitter import Tree

from ghost_ls.context.languages import LanguageSpec
from ghost_ls.context.parsing import MAX_TREE_BYTES, Edit, ParseState, Submit
from ghost_ls.context.text import (
    content,
    encode,
    lone_cr_to_lf,
    scrub_surrogates,
    split_lines,
    utf8_len,
    utf16_to_index,
)


@dataclass(frozen=True)
class LineShift:
    """Lines ``first..last`` (inclusive, old numbering) became ``count`` lines."""

    first: int
    last: int
    count: int

    def map_line(self, line: int) -> int:
        """Where old line ``line`` is now (lines inside the edit go to its start)."""
        if line <= self.first:
            return line
        if line > self.last:
            return line + self.count - (self.last - self.first + 1)
        return self.first


class Document:
    """Text, lines and syntax tree of one open document."""

    def __init__(self, uri: str, language_id: str, version: int, text: str,
                 spec: LanguageSpec | None, submit: Submit | None = None) -> None:
        self.uri = uri
        self.language_id = language_id
        self.version = version
        self.parse = ParseState(spec, submit)
        self.lines: list[str] = []
        self.byte_length = 0
        self._joined: str | None = ""
        self._lock = threading.Lock()
        self._lone_cr = 0
        self._non_ascii = 0
        self._starts: list[int] = [0]
        self._byte_starts: list[int] = [0]
        self.reset(text)

    @property
    def spec(self) -> LanguageSpec | None:
        return self.parse.spec

    @property
    def text(self) -> str:
        """The whole text, joined from the lines on the first read after an edit."""
        with self._lock:
            if self._joined is None:
                self._joined = "".join(self.lines)
            return self._joined

    def reset(self, text: str) -> None:
        """Replace the whole text (open, whole-document change, save with text)."""
        text = scrub_surrogates(text)
        with self._lock:
            self._joined = text
            self.lines = split_lines(text)
            self.byte_length = utf8_len(text)
            self._lone_cr = sum(1 for line in self.lines if line.endswith("\r")) if "\r" in text else 0
            self._non_ascii = 0 if text.isascii() else sum(1 for ln in self.lines if not ln.isascii())
            self._starts = [0]
            self._byte_starts = [0]
        self.parse.invalidate()

    def line_count(self) -> int:
        return len(self.lines)

    def line(self, index: int) -> str:
        """Content of line ``index`` without its terminator ("" when out of range)."""
        if 0 <= index < len(self.lines):
            return content(self.lines[index])
        return ""

    def source(self) -> bytes:
        """The bytes tree-sitter parses (lone ``\\r`` as ``\\n``, see module docstring)."""
        text = self.text
        return encode(lone_cr_to_lf(text) if self._lone_cr else text)

    def tree(self, force: bool = False) -> Tree | None:
        """The syntax tree, reparsed lazily (None: no grammar, too large, or not ready)."""
        return self.parse.tree(self.source, self.byte_length, force)

    def apply_changes(self, changes: Sequence[Any], version: int) -> list[LineShift]:
        """Apply LSP change events in order; returns the line shifts they made."""
        self.version = version
        shifts: list[LineShift] = []
        lone_cr_before = self._lone_cr
        for change in changes:
            bounds = change_range(change)
            new_text = scrub_surrogates(change_text(change))
            if bounds is None:
                self.reset(new_text)
                shifts.append(LineShift(0, 1 << 30, 1 << 30))
                continue
            with self._lock:
                shifts.append(self._apply_range(bounds, new_text))
        if self._lone_cr or lone_cr_before:
            self.parse.invalidate()
        return shifts

    def _apply_range(self, bounds: tuple[int, int, int, int], new_text: str) -> LineShift:
        start_line, start_col, end_line, end_col = self._clamp(bounds)
        head = self.lines[start_line][:start_col]
        last_line = self.lines[end_line]
        edit = self._tree_edit(start_line, head, end_line, last_line[:end_col], new_text)
        first, last = start_line, end_line
        region = head + new_text + last_line[end_col:]
        if first > 0 and region.startswith("\n") and self.lines[first - 1].endswith("\r"):
            first -= 1  # "\r" + "\n" become one line break
            region = self.lines[first] + region
        if region.endswith("\r") and last + 1 < len(self.lines) \
                and self.lines[last + 1].startswith("\n"):
            last += 1
            region += self.lines[last]
        replaced = split_lines(region)
        if last < len(self.lines) - 1 and replaced[-1] == "":
            replaced.pop()
        old = self.lines[first:last + 1]
        del self._starts[first + 1:]
        del self._byte_starts[first + 1:]
        self.lines[first:last + 1] = replaced
        self._count(old, -1)
        self._count(replaced, +1)
        self.byte_length += sum(map(utf8_len, replaced)) - sum(map(utf8_len, old))
        self._joined = None
        if edit is None:
            self.parse.invalidate()
        else:
            self.parse.edit(edit)
        return LineShift(first, last, len(replaced))

    def _tree_edit(self, start_line: int, head: str, end_line: int, old_tail: str,
                   new_text: str) -> Edit | None:
        """The tree-sitter edit for replacing ``head|...|old_tail`` (None: no tree kept)."""
        if self.parse.spec is None or self.byte_length > MAX_TREE_BYTES:
            return None
        start_byte = self._byte_offset(start_line) + utf8_len(head)
        old_end_col = utf8_len(old_tail)
        old_end_byte = self._byte_offset(end_line) + old_end_col
        new_lines = split_lines(new_text)
        end_row = start_line + len(new_lines) - 1
        end_col = utf8_len(new_lines[-1]) + (utf8_len(head) if len(new_lines) == 1 else 0)
        return Edit(start_byte, old_end_byte, start_byte + utf8_len(new_text),
                    (start_line, utf8_len(head)), (end_line, old_end_col), (end_row, end_col))

    def _clamp(self, bounds: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """Code-point positions for a UTF-16 range, clamped into the document, ordered."""
        last = len(self.lines) - 1
        points = []
        for line, column in ((bounds[0], bounds[1]), (bounds[2], bounds[3])):
            if line > last:
                points.append((last, len(content(self.lines[last]))))
                continue
            line = max(line, 0)
            points.append((line, utf16_to_index(content(self.lines[line]), column)))
        (sl, sc), (el, ec) = sorted(points)
        return sl, sc, el, ec

    def offset(self, line: int) -> int:
        """Code-point offset of the start of ``line``.

        Line starts are cached and only the ones after an edit are dropped, so typing
        on one line costs O(1) and moving down costs the lines moved over.
        """
        return _extend(self._starts, self.lines, line, len)

    def _byte_offset(self, line: int) -> int:
        if not self._non_ascii:
            return self.offset(line)
        return _extend(self._byte_starts, self.lines, line, utf8_len)

    def _count(self, lines: list[str], sign: int) -> None:
        for line in lines:
            if line.endswith("\r"):
                self._lone_cr += sign
            if not line.isascii():
                self._non_ascii += sign

def _extend(starts: list[int], lines: list[str], line: int, size: Callable[[str], int]) -> int:
    """``starts[line]``, filling the cache of running sums up to ``line`` first."""
    line = min(line, len(lines))
    known = len(starts)
    if known <= line:
        starts.extend(accumulate(map(size, lines[known - 1:line]), initial=starts[-1]))
        del starts[known]  # accumulate repeats its initial value first
    return starts[line]


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def change_text(change: Any) -> str:
    """The text an LSP change event inserts."""
    return str(_field(change, "text") or "")


def change_range(change: Any) -> tuple[int, int, int, int] | None:
    """(start line, start UTF-16 column, end line, end column), or None for a whole document."""
    rng = _field(change, "range")
    if rng is None:
        return None
    start, end = _field(rng, "start"), _field(rng, "end")
    return (int(_field(start, "line")), int(_field(start, "character")),
            int(_field(end, "line")), int(_field(end, "character")))


def shift_line(line: int, shifts: Sequence[LineShift]) -> int:
    """Follow a line number through a batch of edits."""
    for shift in shifts:
        line = shift.map_line(line)
    return max(line, 0)


