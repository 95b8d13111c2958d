"""Turn "type these lines of a real file" into keystrokes, as an editor would send them.

The document starts as the file truncated before line ``start`` plus that line's
indentation (the editor auto-indents); then each character of the next ``count`` lines
is one keystroke, and Enter inserts the newline and the next line's indentation in one
edit (auto-indent).  A keystroke is a *pause* when the typist stops and reads the
suggestion: at the start of each new line (``line-start``, after Enter), at the end of
each line (``line-end``, before Enter), and/or every ``every`` typed characters.
"""

from __future__ import annotations

from dataclasses import dataclass


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

    @property
    def pauses(self) -> int:
        return sum(1 for key in self.keystrokes if key.pause)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def auto_start(lines: list[str], fraction: float = 0.4) -> int:
    """First line after a ``def`` at or past ``fraction`` of the file (a function body)."""
    first = int(len(lines) * fraction)
    for index in range(first, len(lines) - 1):
        if lines[index].lstrip().startswith("def ") and lines[index].rstrip().endswith(":"):
            return index + 1
    return first


def plan(
    path: str, text: str, start: int, count: int, *, pause_at: str = "line-start", every: int = 0
) -> Replay:
    """Keystrokes typing lines ``start .. start+count-1`` of ``text``."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = max(0, min(start, len(lines) - 1))
    typed = lines[start : start + count]
    first_indent = _indent(typed[0]) if typed else ""
    initial = "\n".join(lines[:start]) + ("\n" if start else "") + first_indent
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
    return Replay(path, start, initial, (start, len(first_indent)), keys)


def utf16_column(line_text: str, column: int) -> int:
    """LSP character offset (UTF-16 units) of code-point ``column`` in ``line_text``."""
    return len(line_text[:column].encode("utf-16-le")) // 2
