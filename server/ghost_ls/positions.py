"""LSP positions (UTF-16 code units by default) for the features: lines and widths.

Column conversion itself lives with the other text helpers in ``context/text.py``.
"""

from __future__ import annotations

from ghost_ls.context.text import content, split_lines


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (astral characters count two)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def line_at(source: str, line: int) -> str | None:
    """Line ``line`` of ``source`` without its line ending; None past the end.

    LSP ends lines at ``\\n``, ``\\r\\n`` or ``\\r`` only (not at the other separators
    that ``str.splitlines`` knows).
    """
    lines = split_lines(source)
    return content(lines[line]) if 0 <= line < len(lines) else None
