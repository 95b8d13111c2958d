"""Text helpers shared by the context modules: LSP lines, UTF-16 columns, identifiers.

LSP counts lines the way the spec says: ``\\r\\n``, ``\\r`` and ``\\n`` end a line, nothing
else (``str.splitlines`` would also split on form feeds and U+2028).  Lines are kept
*with* their terminator so the document text is exactly ``"".join(lines)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_ODD_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LSP_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
IDENTIFIER = re.compile(r"[^\W\d]\w*")
"""An identifier in most languages (Unicode letters allowed)."""
_LONE_CR = re.compile(r"\r(?!\n)")
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def scrub_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (valid in a JSON string, not in UTF-8) as U+FFFD.

    Both are one UTF-16 code unit and one code point, so LSP positions and offsets stay
    where they were; the text can then be encoded for a tokenizer, a pipe or a log.
    """
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def lone_cr_to_lf(text: str) -> str:
    """``text`` with each ``\\r`` not followed by ``\\n`` as ``\\n``: the lines LSP counts,
    in the form tree-sitter reads (it ends lines at ``\\n`` only)."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text


def split_lines(text: str) -> list[str]:
    """``text`` as LSP lines with terminators; the last item has none (maybe empty)."""
    if any(ch in text for ch in _ODD_BREAKS):
        lines = _LSP_LINE.findall(text)
    else:
        lines = text.splitlines(keepends=True)
    if not lines or terminator(lines[-1]):
        lines.append("")
    return lines


def terminator(line: str) -> str:
    """The line break ending ``line`` (``""`` for the last line)."""
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return ""


def content(line: str) -> str:
    """``line`` without its terminator."""
    end = len(line)
    if end and line[end - 1] == "\n":
        end -= 1
    if end and line[end - 1] == "\r":
        end -= 1
    return line[:end]


def utf16_to_index(text: str, column: int) -> int:
    """Code-point index for a UTF-16 ``column`` in ``text`` (clamped to its length)."""
    if column <= 0:
        return 0
    if _ASTRAL.search(text) is None:
        return min(column, len(text))
    units = 0
    for index, char in enumerate(text):
        if units >= column:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def indentation(line: str) -> str:
    """Leading spaces and tabs of ``line``."""
    return line[: len(line) - len(line.lstrip(" \t"))]


def utf8_len(text: str) -> int:
    """Bytes ``text`` takes in the source handed to tree-sitter."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def encode(text: str) -> bytes:
    """UTF-8 bytes for tree-sitter; lone surrogates survive (same lengths as :func:`utf8_len`)."""
    return text.encode("utf-8", "surrogatepass")


def decode(data: bytes) -> str:
    """Text of a source slice for display (a slice may cut a character: replaced)."""
    return data.decode("utf-8", "replace")


def common_prefix_length(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Length of the longest common prefix of ``a`` and ``b``, two strings or two lists
    (a binary search on slices: the comparisons run in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def code_line_above(prefix: str) -> str:
    """The last non-blank line before the cursor's line in ``prefix`` ('' if none).

    Walks back line by line from the end instead of splitting the whole prefix: it runs
    on every request.
    """
    end = prefix.rfind("\n")
    while end > 0:
        start = prefix.rfind("\n", 0, end) + 1
        line = prefix[start:end]
        if line.strip():
            return line
        end = start - 1
    return ""


def code_line_below(suffix: str) -> str:
    """The first non-blank line after the cursor's line in ``suffix`` ('' if none)."""
    below = code_lines_below(suffix, 1)
    return below[0] if below else ""


def code_lines_below(suffix: str, limit: int) -> list[str]:
    """Up to ``limit`` non-blank lines after the cursor's line in ``suffix``."""
    found: list[str] = []
    start = suffix.find("\n") + 1
    while 0 < start <= len(suffix) and len(found) < limit:
        end = suffix.find("\n", start)
        line = suffix[start:] if end < 0 else suffix[start:end]
        if line.strip():
            found.append(line)
        if end < 0:
            break
        start = end + 1
    return found
