"""Completion mode per request and the indentation unit."""

from __future__ import annotations

import pytest

from ghost_ls.context.grammars import spec_for
from ghost_ls.context.mode import completion_mode, detect_indent
from ghost_ls.context.types import CompletionMode

NONE, LINE, BLOCK = CompletionMode.NONE, CompletionMode.LINE, CompletionMode.BLOCK


def _mode(text: str, language: str | None = "python", multiline: bool = True) -> CompletionMode:
    """``text`` with a ``|`` at the cursor."""
    lines = text.split("\n")
    row = next(i for i, line in enumerate(lines) if "|" in line)
    prefix, suffix = lines[row].split("|")
    lines[row] = prefix + suffix
    spec = spec_for(language) if language else None
    return completion_mode(prefix, suffix, lambda r: lines[r] if 0 <= r < len(lines) else "",
                           row, len(lines), spec, multiline)


@pytest.mark.parametrize("text,language,expected", [
    ("x = compu|te(1)", "python", NONE),              # mid-identifier
    ("x = |foo(1)", "python", NONE),                  # real code right of the cursor
    ("print(|)", "python", LINE),                     # only closers to the right
    ("s = '|'", "python", LINE),
    ("foo(a, |);", "javascript", LINE),
    ("x = 1|", "python", LINE),
    ("def f(a):\n    |", "python", BLOCK),
    ("def f(a):|", "python", BLOCK),
    ("def f(a):\n    |\n    return a", "python", LINE),      # body not empty
    ("def f(a):\n    |\nx = 1", "python", BLOCK),            # next code is dedented
    ("class K:\n    def m(self):\n        |\n    def n(self):\n        pass", "python", BLOCK),
    ("if x:\n|", "python", BLOCK),
    ("x = {\n    |", "python", LINE),                          # a dict is not a block
    ("function f() {|}", "javascript", BLOCK),
    ("function f() {\n  |\n}", "javascript", BLOCK),
    ("function f() {\n  |\n  return 1;\n}", "javascript", LINE),
    ("func main() {\n\t|\n}", "go", BLOCK),
    ("if x then\n  |\nend", "lua", BLOCK),
    ("local function f(a)\n  |\nend", "lua", BLOCK),
    ("fn main() {\n    |\n}", "rust", BLOCK),
    ("foo:\n  |", None, BLOCK),                               # no grammar: ':' or '{'
    ("plain text|", None, LINE),
])
def test_modes(text: str, language: str | None, expected: CompletionMode) -> None:
    assert _mode(text, language) == expected


def test_block_needs_multiline_setting() -> None:
    assert _mode("def f(a):\n    |", multiline=False) == LINE


@pytest.mark.parametrize("text,expected", [
    ("def f():\n    x = 1\n    if x:\n        y = 2\n", "    "),
    ("function f() {\n  if (x) {\n    y();\n  }\n}\n", "  "),
    ("func f() {\n\tx := 1\n\tif x {\n\t\ty()\n\t}\n}\n", "\t"),
    ("no indentation at all\n", "    "),
])
def test_detect_indent(text: str, expected: str) -> None:
    lines = text.split("\n")
    assert detect_indent(lambda r: lines[r], len(lines), "    ") == expected


def test_a_fim_model_fills_blank_lines_and_a_prefix_only_model_does_not() -> None:
    from ghost_ls.context.mode import mode_for_model

    line = CompletionMode.LINE
    assert mode_for_model(line, "    ", "", reads_suffix=True) is CompletionMode.FILL
    assert mode_for_model(line, "", "", reads_suffix=True) is CompletionMode.FILL
    assert mode_for_model(line, "    ", "", reads_suffix=False) is line
    assert mode_for_model(line, "    x = ", "", reads_suffix=True) is line  # mid-line: finish it
    block = CompletionMode.BLOCK
    assert mode_for_model(block, "    ", "", reads_suffix=True) is CompletionMode.FILL
    assert mode_for_model(block, "    if x:", "", reads_suffix=True) is CompletionMode.FILL
    assert mode_for_model(block, "f() {", "}", reads_suffix=True) is block  # the } ends it
    assert mode_for_model(block, "    ", "", reads_suffix=False) is block


def test_after_an_opener_fill_only_where_no_code_follows_in_its_scope() -> None:
    """The code after the block is already there: only the body is missing (BLOCK)."""
    from ghost_ls.context.mode import mode_for_model

    block = CompletionMode.BLOCK
    prefix = "def f(x, y):\n    if y % 2 == 0:\n"
    below_same_scope = "\n    if x == y:\n        return -1\n"
    below_outer_scope = "\n\ndef g():\n    pass\n"
    assert mode_for_model(block, "", "", True, prefix, below_same_scope) is block
    assert mode_for_model(block, "", "", True, prefix, below_outer_scope) is CompletionMode.FILL
    assert mode_for_model(block, "", "", True, prefix, "\n") is CompletionMode.FILL
    opener_line = "def f(x, y):\n    if y % 2 == 0:"
    assert mode_for_model(block, "    if y % 2 == 0:", "", True, opener_line,
                          below_same_scope) is block


@pytest.mark.parametrize(("prefix", "above"), [
    ("def f():\n    x = 1\n\n   \n    ", "    x = 1"),
    ("x = 1\n", "x = 1"),
    ("only the cursor line", ""),
    ("\n\n    ", ""),
])
def test_code_line_above_skips_blank_lines_and_the_cursor_line(prefix: str, above: str) -> None:
    from ghost_ls.context.text import code_line_above

    assert code_line_above(prefix) == above


@pytest.mark.parametrize(("suffix", "below"), [
    (")\n\n  \n    return x\nmore", "    return x"),
    ("\nlast", "last"),
    ("rest of the line only", ""),
    ("\n\n\n", ""),
])
def test_code_line_below_skips_the_rest_of_the_line_and_blank_lines(suffix: str, below: str) -> None:
    from ghost_ls.context.text import code_line_below

    assert code_line_below(suffix) == below
