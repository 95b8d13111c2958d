"""Per-request completion mode (none, line, block) and the document's indentation unit.

The rule, after Cody (docs/ARCHITECTURE.md, "Completion modes"):

* NONE when the cursor is inside an identifier (word characters on both sides) or the
  rest of the line holds more than closing brackets, quotes and punctuation;
* BLOCK, when multi-line completions are enabled, only right after a block opener whose
  body is still empty: ``def f():`` / ``if x:`` (Python), a line ending in ``{`` (C
  family, JS/TS, Go, Rust, Java), ``then``/``do``/``function(...)`` (Lua), with the cursor
  at the end of that line or on the blank line below it, and nothing indented under
  it further down (for braces: the next code is the closing ``}``);
* LINE otherwise;
* and, once the model is known (:func:`mode_for_model`), when it reads the suffix
  (FIM): FILL instead of LINE on a blank line, and instead of BLOCK when no code of
  the opener's scope follows (nothing below at the opener's indentation) and nothing
  but whitespace is right of the cursor.  The model knows where the middle ends,
  which may be several lines on and past the end of the block (``else:``, the
  ``return`` after a loop); a prefix-only model would not.  BLOCK stays where the code
  after the block is already there, and for ``{|}``.

The checks are textual on purpose: half-typed code is exactly where the tree is full of
error nodes, while the opener line and the indentation are always there.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from ghost_ls.context.languages import LanguageSpec
from ghost_ls.context.text import code_line_above, code_line_below, indentation
from ghost_ls.context.types import CompletionMode

LineAt = Callable[[int], str]

_TRAILING_OK = frozenset(")]}>\"'`;,:. \t")
_WORD = re.compile(r"\w")
_PY_OPENER = re.compile(
    r"^\s*((async\s+)?(def|class|for|with)\b|(if|elif|else|while|try|except|finally|match|case)\b"
    r"|\)).*:\s*(#.*)?$")
_LUA_OPENER = re.compile(r"(\b(then|do|else|repeat)|\bfunction\b[^()]*\([^()]*\))\s*(--.*)?$")
_BRACE_OPENER = re.compile(r"\{\s*(//.*|/\*.*\*/\s*)?$")
_SCAN = 50


def completion_mode(line_prefix: str, line_suffix: str, line_at: LineAt, row: int,
                    line_count: int, spec: LanguageSpec | None,
                    multiline: bool) -> CompletionMode:
    """Decide whether to complete nothing, the rest of the line, or a block."""
    if _mid_word(line_prefix, line_suffix):
        return CompletionMode.NONE
    if any(ch not in _TRAILING_OK for ch in line_suffix):
        return CompletionMode.NONE
    if multiline and _after_empty_opener(line_prefix, line_suffix, line_at, row, line_count,
                                         spec):
        return CompletionMode.BLOCK
    return CompletionMode.LINE


def mode_for_model(mode: CompletionMode, line_prefix: str, line_suffix: str,
                   reads_suffix: bool, prefix: str = "", suffix: str = "") -> CompletionMode:
    """The mode once the model is known: FILL for a FIM model on a blank line, or after
    an opener whose scope has no code below (``prefix``/``suffix``: the text around the
    cursor).  Where the code after the block is already there (the next code line is
    at the opener's indentation), the missing part is the block's body, and BLOCK's
    rules (not left of the body) stay.

    Also at the end of a file (nothing below): the model still says where it ends.
    """
    if not reads_suffix or line_suffix.strip():
        return mode
    if mode is CompletionMode.LINE and not line_prefix.strip():
        return CompletionMode.FILL
    if mode is CompletionMode.BLOCK and not _scope_continues_below(prefix, suffix, line_prefix):
        return CompletionMode.FILL
    return mode


def _scope_continues_below(prefix: str, suffix: str, line_prefix: str) -> bool:
    """Whether the next code line below is at the opener's indentation or deeper."""
    opener = line_prefix if line_prefix.strip() else code_line_above(prefix)
    below = code_line_below(suffix)
    return bool(below) and _width(below) >= _width(opener)


def _mid_word(line_prefix: str, line_suffix: str) -> bool:
    return bool(line_prefix and line_suffix and _WORD.match(line_prefix[-1])
                and _WORD.match(line_suffix[0]))


def is_opener(text: str, spec: LanguageSpec | None) -> bool:
    """Whether a line opens a block in this language."""
    style = spec.opener if spec is not None else "any"
    if style == "colon":
        return _PY_OPENER.match(text) is not None
    if style == "lua":
        return _LUA_OPENER.search(text) is not None
    if style == "brace":
        return _BRACE_OPENER.search(text) is not None
    stripped = text.rstrip()
    return stripped.endswith(("{", ":"))


def _after_empty_opener(line_prefix: str, line_suffix: str, line_at: LineAt, row: int,
                        line_count: int, spec: LanguageSpec | None) -> bool:
    if line_prefix.strip():
        if not is_opener(line_prefix, spec):
            return False
        opener_indent = _width(line_prefix)
        if line_suffix.strip().startswith("}"):
            return True
    else:
        opener_row = _previous_code_row(line_at, row)
        if opener_row is None or not is_opener(line_at(opener_row), spec):
            return False
        opener_indent = _width(line_at(opener_row))
        if line_suffix.strip().startswith("}"):
            return True
    return _body_empty_below(line_at, row, line_count, opener_indent)


def _previous_code_row(line_at: LineAt, row: int) -> int | None:
    for candidate in range(row - 1, max(-1, row - _SCAN), -1):
        if line_at(candidate).strip():
            return candidate
    return None


def _body_empty_below(line_at: LineAt, row: int, line_count: int, opener_indent: int) -> bool:
    """True when the next code line below is not indented deeper than the opener."""
    for candidate in range(row + 1, min(line_count, row + _SCAN)):
        text = line_at(candidate)
        if text.strip():
            return _width(text) <= opener_indent
    return True


def _width(text: str) -> int:
    return len(indentation(text).expandtabs(4))


def detect_indent(line_at: LineAt, line_count: int, default: str, sample: int = 2000) -> str:
    """The indentation unit a document uses: a tab, or the commonest step of spaces."""
    tabs = spaces = previous = 0
    steps: Counter[int] = Counter()
    for row in range(min(line_count, sample)):
        text = line_at(row)
        if not text.strip():
            continue
        indent = indentation(text)
        if indent.startswith("\t"):
            tabs += 1
            continue
        width = len(indent)
        spaces += width > 0
        if 0 < width - previous <= 8:
            steps[width - previous] += 1
        previous = width
    if tabs > spaces:
        return "\t"
    if not steps:
        return default
    return " " * steps.most_common(1)[0][0]
