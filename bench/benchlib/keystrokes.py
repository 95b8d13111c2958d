"""Turn "type these lines of a real file" into keystrokes, as an editor would send them.

Lines ``start .. start+count-1`` of the file are typed back in.  By default
(``mid_file=True``) the starting document is the *whole* file with those lines removed
except the first one's indentation (the editor auto-indents), so the rest of the file
stays below the cursor, as when code is written into the middle of a file; with
``mid_file=False`` (``typing_replay.py --truncate``) it is the file truncated before line
``start`` plus that indentation, nothing below the cursor.  Each character of the typed
lines is one keystroke, and Enter inserts the newline and the next line's indentation
in one edit (auto-indent).  Keystrokes are the same in both modes; applied in order to
the starting document they give back the file exactly (mid-file) or the file up to the
end of the last typed line (truncated).  A keystroke is a *pause* when the typist stops
and reads the suggestion: at the start of each new line (``line-start``, after Enter),
at the end of each line (``line-end``, before Enter), and/or every ``every`` typed
characters.  ``auto_start`` picks where to type per language (a function body past 40%
of the file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath


@dataclass(frozen=True)
class Keystroke:
    """One edit: insert ``text`` at (``line``, ``column``) (code points)."""

    text: str
    line: int
    column: int
    pause: bool
    after_line: int
    """Cursor line after the edit."""
    after_column: int
    """Cursor column (code points) after the edit."""


@dataclass(frozen=True)
class Replay:
    """The starting document and the keystrokes that follow."""

    path: str
    start_line: int
    initial_text: str
    cursor: tuple[int, int]
    keystrokes: list[Keystroke]
    mid_file: bool = False
    """Whether the rest of the file stays below the typed lines."""

    @property
    def pauses(self) -> int:
        return sum(1 for key in self.keystrokes if key.pause)

    @property
    def language(self) -> str:
        return language_id(self.path)


LANGUAGE_IDS = {".py": "python", ".ts": "typescript", ".tsx": "typescriptreact", ".go": "go",
                ".js": "javascript", ".jsx": "javascriptreact", ".rs": "rust", ".lua": "lua",
                ".c": "c", ".h": "c", ".cpp": "cpp", ".java": "java"}


def language_id(path: str) -> str:
    """The LSP ``languageId`` an editor sends for ``path`` (by extension; ``plaintext``)."""
    return LANGUAGE_IDS.get(PurePath(path).suffix.lower(), "plaintext")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


_TS_KEYWORDS = {"if", "for", "while", "switch", "catch", "with", "return", "else", "do", "try"}
_TS_METHOD = re.compile(
    r"^(?:(?:public|private|protected|static|async|override|abstract|readonly|get|set|export)\s+)*"
    r"\*?\s*(?P<name>[A-Za-z_$][\w$]*)\s*(?:<.*>)?\s*\(.*\)\s*(?::\s*[^=]+)?\{$"
)
_TS_FUNCTION = re.compile(r"^(?:export\s+)?(?:default\s+)?(?:async\s+)?function\b.*\{$")


def is_function_header(line: str, language: str) -> bool:
    """Whether ``line`` opens a function or method body in ``language``.

    Python ``def ...:``; TypeScript/JavaScript a ``function`` line or a method
    (``name(...) {``, modifiers allowed, not ``if (...) {`` and the like) ending in
    ``{``; Go ``func ... {``.  Other languages: the Python rule.
    """
    stripped = line.strip()
    if language in ("typescript", "typescriptreact", "javascript", "javascriptreact"):
        if not stripped.endswith("{") or stripped.startswith(("//", "*", "/*")):
            return False
        if _TS_FUNCTION.match(stripped):
            return True
        method = _TS_METHOD.match(stripped)
        return method is not None and method.group("name") not in _TS_KEYWORDS
    if language == "go":
        return stripped.startswith("func ") and stripped.endswith("{")
    return stripped.startswith(("def ", "async def ")) and stripped.endswith(":")


def auto_start(lines: list[str], fraction: float = 0.4, language: str = "python") -> int:
    """First line of a function body whose header is at or past ``fraction`` of the file."""
    first = int(len(lines) * fraction)
    for index in range(first, len(lines) - 1):
        if is_function_header(lines[index], language):
            return index + 1
    return first


def plan(
    path: str, text: str, start: int, count: int, *, pause_at: str = "line-start", every: int = 0,
    mid_file: bool = True,
) -> Replay:
    """Keystrokes typing lines ``start .. start+count-1`` of ``text`` back in.

    ``mid_file``: the starting document keeps everything below the typed lines (see the
    module docstring); else it ends at the cursor.  CRLF is read as LF.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    start = max(0, min(start, len(lines) - 1))
    typed = lines[start : start + count]
    first_indent = _indent(typed[0]) if typed else ""
    below = lines[start + count :] if mid_file else []
    initial = "\n".join([*lines[:start], first_indent, *below])
    line, column = start, len(first_indent)
    keys: list[Keystroke] = []
    since_pause = 0
    for number, source in enumerate(typed):
        body = source[len(_indent(source)) :] if number else source[len(first_indent) :]
        for index, char in enumerate(body):
            since_pause += 1
            end_of_line = index == len(body) - 1
            pause = (pause_at == "line-end" and end_of_line) or (every > 0 and since_pause >= every)
            keys.append(Keystroke(char, line, column, pause, line, column + 1))
            column += 1
            since_pause = 0 if pause else since_pause
        if number == len(typed) - 1:
            break
        next_indent = _indent(typed[number + 1])
        pause = pause_at == "line-start" or (every > 0 and since_pause >= every)
        keys.append(Keystroke("\n" + next_indent, line, column, pause, line + 1, len(next_indent)))
        since_pause = 0 if pause else since_pause
        line, column = line + 1, len(next_indent)
    return Replay(path, start, initial, (start, len(first_indent)), keys, mid_file)


def utf16_column(line_text: str, column: int) -> int:
    """LSP character offset (UTF-16 units) of code-point ``column`` in ``line_text``."""
    return len(line_text[:column].encode("utf-16-le")) // 2
