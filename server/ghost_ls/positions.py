"""LSP positions (UTF-16 code units by default): widths for the features.

Column conversion and line splitting live with the other text helpers in
``context/text.py``; open documents' lines come from ``ContextBuilder.line_text``.
"""

from __future__ import annotations


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (astral characters count two)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)

