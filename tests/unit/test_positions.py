"""UTF-16 positions to string columns."""

from __future__ import annotations

from ghost_ls.config import Settings
from ghost_ls.context.builder import ContextBuilder
from ghost_ls.context.text import utf16_to_index
from ghost_ls.positions import utf16_length


def test_ascii_columns_are_unchanged() -> None:
    assert utf16_to_index("hello", 3) == 3


def test_astral_characters_count_two_units() -> None:
    line = 'x = "😋" + y'
    assert utf16_length(line) == len(line) + 1
    assert utf16_to_index(line, 7) == 6  # after the closing quote


def test_columns_past_the_end_are_clamped() -> None:
    assert utf16_to_index("abc", 99) == 3


def test_lines_end_at_lf_crlf_and_cr_only() -> None:
    source = "a\r\nb\rc\nd\u2028e"
    builder = ContextBuilder(Settings())
    builder.did_open("file:///t.txt", "plaintext", 1, source)
    try:
        line_at = builder.line_text
        assert [line_at("file:///t.txt", n) for n in range(4)] == ["a", "b", "c", "d\u2028e"]
        assert line_at("file:///t.txt", 4) is None and line_at("file:///t.txt", -1) is None
        assert line_at("file:///unknown.txt", 0) is None
    finally:
        builder.close()
