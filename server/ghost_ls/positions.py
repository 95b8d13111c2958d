"""LSP positions (UTF-16 code units by default) to Python string columns and back."""

from __future__ import annotations


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (astral characters count two)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def column_from_utf16(line: str, character: int) -> int:
    """The code-point column for a UTF-16 ``character`` offset, clamped to the line."""
    units = 0
    for index, char in enumerate(line):
        if units >= character:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(line)


def line_at(source: str, line: int) -> str | None:
    """Line ``line`` of ``source`` without its line ending; None past the end.

    LSP ends lines at ``\\n``, ``\\r\\n`` or ``\\r`` (not at the other separators that
    ``str.splitlines`` knows).
    """
    if line < 0:
        return None
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[line] if line < len(lines) else None
