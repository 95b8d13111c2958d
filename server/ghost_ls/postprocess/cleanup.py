"""Clean-up of raw model text before anyone sees it.

Applied in order: outside Markdown, a line starting with a code fence and all after
it go (an Instruct model's chat-style ending); trailing whitespace and blank tail
lines go; text that repeats what already follows the cursor goes (closing brackets on
the line, the next lines of the document); brackets the suggestion opened and left
open are closed when that is unambiguous; in Python, a tail that would not fit the
indentation of the code below (an IndentationError once that code follows) is cut
back to the last line where it fits, and a one-line statement indented less than the
code below, in the same block, takes its indentation; indentation follows the
document's (tabs or spaces); a line repeated back to back is cut; whitespace-only
results become empty.  The result says whether the suggestion replaces the closing
characters right of the cursor.
"""

from __future__ import annotations

from dataclasses import dataclass

from ghost_ls.context.text import code_line_above
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.postprocess.brackets import OPENERS, open_brackets
from ghost_ls.postprocess.fences import fence_ends, first_fence_line, is_fence

CLOSING_TAIL = set(")]}\"'`;,: \t")
_BRACKET_SCAN_LINES = 30
"""How far above the cursor ``indent_to_code_below`` looks for a bracket left open."""


@dataclass(frozen=True)
class Cleaned:
    """A suggestion ready to show."""

    text: str
    replaces_line_suffix: bool = False
    """True when ``text`` ends with the characters right of the cursor, which it replaces."""


def _cut_at_fence(text: str, context: PromptContext) -> str:
    """Outside Markdown, end the text before its first line that starts with a fence.

    An answer that opens with a fence (````javascript``) is the chat form of the code
    that follows it: the opening line goes, and the code starts where the cursor is
    (the indentation already left of the cursor is not written twice).
    """
    if not fence_ends(context.language):
        return text
    lines = text.split("\n")
    at_line_start = context.line_prefix.strip() == ""
    if at_line_start and len(lines) > 1 and is_fence(lines[0]):
        lines = lines[1:]
        if lines[0].startswith(context.line_prefix):
            lines[0] = lines[0][len(context.line_prefix):]
    first = lines[0] if at_line_start else ""  # a fence starts its line
    fence = first_fence_line([first, *lines[1:]])
    return "\n".join(lines if fence is None else lines[:fence])


def _strip_tail(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    # the first line continues the cursor's line: keep its leading spaces
    return "\n".join(lines)


def _cut_repeated_lines(text: str) -> str:
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if lines[index].strip() and lines[index] == lines[index - 1]:
            return "\n".join(lines[:index])
    return text


def _suffix_lines(context: PromptContext) -> list[str]:
    after = context.suffix.split("\n")[1:]  # lines below the cursor's line
    return [line.strip() for line in after if line.strip()][:20]


def _drop_suffix_overlap(text: str, context: PromptContext) -> str:
    """Remove trailing lines of ``text`` that the document already has below the cursor."""
    lines = text.split("\n")
    below = _suffix_lines(context)
    if len(lines) < 2 or not below:
        return text
    for keep in range(1, len(lines)):
        tail = [line.strip() for line in lines[keep:] if line.strip()]
        if tail and tail == below[: len(tail)]:
            return "\n".join(lines[:keep])
    return text


def fit_indentation_below(text: str, line_prefix: str, lines_below: list[str]) -> str:
    """Python: cut the lines after the last point where the document stays valid.

    The code below the cursor follows the suggestion.  Where its first code line is
    indented by S, the suggestion may end on a block opener indented less than S (the
    code below is that block's body) or on any other line indented at least S; ending
    anywhere else is an ``IndentationError`` once the code below follows, so such a tail
    is the model writing past the gap (``return result`` above a loop body that goes
    on).  The suggestion is cut back to its last valid end, if it has one.
    """
    below = next((line for line in lines_below if line.strip() and not line.lstrip().startswith("#")), None)
    lines = text.split("\n")
    if below is None or len(lines) < 2:
        return text
    needed = _indentation(below)
    last_valid = -1
    so_far = line_prefix
    statement_indent: int | None = None  # of the line the current statement started on
    for index, line in enumerate(lines):
        so_far = so_far + ("\n" if index else "") + line
        full = line_prefix + line if index == 0 else line
        code = full.strip()
        if not code or code.startswith("#"):
            continue
        if statement_indent is None:
            statement_indent = _indentation(full)
        if open_brackets(so_far):
            continue  # a continuation line's indentation is free
        opener = code.endswith(":")
        if (opener and statement_indent < needed) or (not opener and statement_indent >= needed):
            last_valid = index
        statement_indent = None
    if last_valid in (-1, len(lines) - 1):
        return text
    return "\n".join(lines[: last_valid + 1])


def indent_to_code_below(text: str, prefix: str, line_prefix: str, lines_below: list[str],
                         indent_unit: str = "    ") -> str:
    """Python: a one-line statement left of the code below, in the same block, moves to
    its indentation.

    With only whitespace left of the cursor, a suggestion of one simple statement (not
    a block opener, not a comment, no bracket left open) indented less than the first
    code line below is an ``IndentationError`` (unexpected indent) once that line
    follows it: ``import math`` written at column 0 inside a function.  Where the code
    below is in the block the cursor is in (no deeper than the code above, or than the
    body of the opener above), the one indentation that makes the line valid is that
    code's own, so the line takes it.  Where the code below is deeper, the missing line
    is the opener of its block and the model wrote something else (``return result``
    above a loop body): moving it would change what it means, so it stays as written.
    Not inside brackets the code above left open, where indentation is free.
    """
    below = next((line for line in lines_below if line.strip() and not line.lstrip().startswith("#")), None)
    code = text.strip()
    if (below is None or line_prefix.strip() or not code or "\n" in text or code.startswith("#")
            or code.endswith((":", "\\")) or open_brackets(code)):
        return text
    target = below[: _indentation(below)]
    if len(line_prefix) + _indentation(text) >= len(target) or not target.startswith(line_prefix):
        return text
    above = code_line_above(prefix)
    block = _indentation(above) + (len(indent_unit) if above.rstrip().endswith(":") else 0)
    if len(target) > block:
        return text
    if open_brackets("\n".join(prefix.split("\n")[-_BRACKET_SCAN_LINES:])):
        return text
    return target[len(line_prefix):] + code


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _balance(text: str, line_prefix: str) -> str:
    """Close brackets a one-line suggestion opened and left open.

    Closers already right of the cursor belong to brackets opened before it, so they do
    not count; a suggestion ending in an opener or a comma continues on the next line.
    """
    if "\n" in text or not text or text[-1] in "([{,\\":
        return text
    still_open = open_brackets(line_prefix + text)
    opened_here = [char for index, char in still_open if index >= len(line_prefix)]
    return text + "".join(OPENERS[opener] for opener in reversed(opened_here))


def _reindent(text: str, indent_unit: str) -> str:
    """Use the document's indentation: tabs where it uses tabs, spaces otherwise."""
    lines = text.split("\n")
    if indent_unit == "\t":
        fixed = [_spaces_to_tabs(line) for line in lines[1:]]
    else:
        width = len(indent_unit) or 4
        fixed = [line.replace("\t", " " * width) if line.startswith("\t") else line for line in lines[1:]]
    return "\n".join([lines[0], *fixed])


def _spaces_to_tabs(line: str, width: int = 4) -> str:
    stripped = line.lstrip(" ")
    spaces = len(line) - len(stripped)
    return "\t" * (spaces // width) + " " * (spaces % width) + stripped


def _covers_line_suffix(text: str, line_suffix: str) -> bool:
    """Whether ``text`` ends with the closing characters right of the cursor."""
    tail = line_suffix.strip()
    if not tail or not set(line_suffix) <= CLOSING_TAIL:
        return False
    first_line = text.split("\n", 1)[0]
    return "\n" not in text and first_line.rstrip().endswith(tail)


def clean(text: str, context: PromptContext) -> Cleaned:
    """Turn raw model output into what the editor shows (see the module docstring)."""
    if context.mode is CompletionMode.LINE or context.mode is CompletionMode.NONE:
        text = text.split("\n", 1)[0]
    text = _cut_at_fence(text, context)
    text = _strip_tail(text)
    text = _cut_repeated_lines(text)
    text = _drop_suffix_overlap(text, context)
    if context.language == "python" and not context.line_suffix.strip():
        lines_below = context.suffix.split("\n")[1:]
        text = fit_indentation_below(text, context.line_prefix, lines_below)
        text = indent_to_code_below(text, context.prefix, context.line_prefix, lines_below,
                                    context.indent_unit)
    text = _reindent(text, context.indent_unit)
    if not text.strip():
        return Cleaned("")
    if _covers_line_suffix(text, context.line_suffix):
        return Cleaned(text.rstrip(), replaces_line_suffix=True)
    return Cleaned(_balance(text, context.line_prefix))
