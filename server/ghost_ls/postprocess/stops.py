"""Stop rules: decide after every generated token whether the suggestion is complete.

A rule sees the cumulative text and answers None (go on) or the length to keep.
- LINE mode: the first newline ends it.
- FILL mode (FIM models on a blank line or after an empty block opener): the model's
  end-of-middle token ends it; the BLOCK rules below bound it, the dedent floor being
  the cursor's column (the opener's, after an opener), with a cap of
  ``MAX_FILL_LINES`` lines, and without the stray-closer rule: the model sees the
  suffix, so a bracket it closes that was opened above the cursor is one the suffix
  does not close (a multi-line list's ``]``); one the suffix does close shows up as
  the next code line and is cut by that rule.
- BLOCK and FILL, outside Markdown: a line after the first that starts with a code
  fence (`````) ends it: an Instruct model closing its answer as in a chat, prose to
  follow (a fence as the first line opens the answer; the clean-up drops it).
- BLOCK and FILL: generated lines equal to the next two code lines below the cursor
  (but for a trailing ``,`` or ``;``) mean the suggestion has reached the code that
  follows: it ends before the first of them.  One line alone is not enough where the
  code below has two: a short line such as ``return False`` is as likely the model's
  own (the body of an ``if`` it opened) as the document's.  In languages where
  indentation is syntax (Python), a line after the first must also have its
  indentation: the same statement one block deeper is new code (``state = "mixed"``
  inside a loop the suggestion opened, above the one that ends the document's block).
- FILL inside an indented block: once the suggestion has written indented code, a line
  at column 0 after a blank line starts a new top-level construct (the test code an
  Instruct model likes to add after a function): it ends before the blank line.
- BLOCK mode: a closing bracket the suggestion did not open ends it at once (it
  closes the block the cursor is in: ``}`` in C-like languages); so does a completed
  line that dedents below the block's indentation (the code after the block belongs
  to the document, not to us), two blank lines in a row, a line repeated back to
  back, or ``max_lines`` lines.  In Python, where the code below continues the
  opener's statement with a clause (``elif``, ``else``, ``except``, ``finally`` at the
  opener's indentation), a clause line at that indentation does not end it: the
  missing part may hold more branches of the same chain.  The bracket check decides
  at the character what a tree-sitter parse of the block would decide at the line,
  without a parse per token.
Checking is linear in the text and runs on the worker thread between tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ghost_ls.context.languages import indentation_is_syntax
from ghost_ls.context.text import code_line_above, code_lines_below
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.engine.backend import StopRule
from ghost_ls.postprocess.brackets import first_stray_closer
from ghost_ls.postprocess.fences import fence_ends, is_fence

MAX_BLOCK_LINES = 12

MAX_FILL_LINES = 24
"""FILL mode: the model ends the middle; this only bounds a model that does not."""

_PY_CLAUSE = re.compile(r"\s*(elif\b|else\s*:|except\b|finally\s*:)")


def indent_width(line: str, tab_width: int = 4) -> int:
    """Columns of leading whitespace, tabs counted as ``tab_width``."""
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += tab_width
        else:
            break
    return width


def stop_at_newline(text: str) -> int | None:
    index = text.find("\n")
    return index if index >= 0 else None


def block_base_indent(context: PromptContext) -> int:
    """Indentation the block's lines must keep: that of the cursor's line."""
    line_prefix = context.line_prefix
    if line_prefix.strip():
        return indent_width(line_prefix)
    return indent_width(line_prefix) if line_prefix else _opener_body_indent(context)


def _opener_body_indent(context: PromptContext) -> int:
    """For a cursor at column 0 of an empty line, one unit deeper than the line above."""
    above = context.prefix.rstrip("\n").rsplit("\n", 1)[-1] if context.prefix else ""
    return indent_width(above) + indent_width(context.indent_unit)


def same_code(line: str, other: str) -> bool:
    """Whether two lines are the same code, but for indentation and a trailing separator."""
    first, second = line.strip().rstrip(",;").rstrip(), other.strip().rstrip(",;").rstrip()
    return bool(first) and first == second


@dataclass(frozen=True)
class BlockStop:
    """Stop rule for BLOCK and FILL mode (see module docstring); a plain value, so that
    it pickles and the engine's child process can run it.

    ``base_indent``: lines indented less end the suggestion (None: no such floor).
    ``next_code``: the first code line below the cursor, as the document has it.  A
    generated line equal to it means the suggestion has reached the code that follows,
    and ends before it.  ``stray_closer_ends``: a closing bracket the text did not open
    ends it (BLOCK); FILL turns this off.  ``top_level_ends``: after indented code, a
    line at column 0 that follows a blank line ends it (FILL inside a block).
    ``fence_ends``: a line starting with a Markdown fence ends it (``postprocess/fences.py``).
    ``same_indent``: a line after the first matches ``next_code`` only at its
    indentation (languages where indentation is syntax).  ``then_code``: the code line
    after ``next_code``; when given, a match of ``next_code`` counts only once the next
    generated code line equals it too.  ``clause_indent``: Python clause lines
    (``elif``, ``else:``, ``except``, ``finally:``) at this indentation are not a dedent.
    """

    base_indent: int | None
    max_lines: int = MAX_BLOCK_LINES
    next_code: str = ""
    stray_closer_ends: bool = True
    top_level_ends: bool = False
    same_indent: bool = False
    then_code: str = ""
    clause_indent: int | None = None
    fence_ends: bool = False

    def _matches_below(self, line: str, number: int, code: str) -> bool:
        return same_code(line, code) and (
            number == 0 or not self.same_indent or indent_width(line) == indent_width(code))

    def _reaches_code_below(self, lines: list[str], number: int) -> bool:
        """Whether complete line ``number`` starts the code below (see ``then_code``)."""
        if not self.next_code.strip() or not self._matches_below(lines[number], number, self.next_code):
            return False
        if not self.then_code.strip():
            return True
        following = next((line for line in lines[number + 1:-1] if line.strip()), None)
        return following is not None and self._matches_below(following, number + 1, self.then_code)

    def _is_dedent(self, line: str) -> bool:
        width = indent_width(line)
        if self.base_indent is None or width >= self.base_indent:
            return False
        return not (width == self.clause_indent and _PY_CLAUSE.match(line))

    def __call__(self, text: str) -> int | None:
        closer = first_stray_closer(text) if self.stray_closer_ends else None
        if closer is not None:
            return len(text[:closer].rstrip())
        lines = text.split("\n")
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)

        def cut_before(number: int) -> int:
            return max(starts[number] - 1, 0)

        wrote_indented = False
        for number, line in enumerate(lines[:-1]):  # only lines ended by a newline
            if number >= self.max_lines:
                return cut_before(number)
            if self.fence_ends and number > 0 and is_fence(line):
                return cut_before(number)  # a fence on the first line opens the code: see clean-up
            if self._reaches_code_below(lines, number):
                return cut_before(number)
            if number == 0:
                wrote_indented = bool(line.strip())
                continue
            previous = lines[number - 1]
            if not line.strip() and not previous.strip():
                return cut_before(number - 1)
            if (self.top_level_ends and wrote_indented and line.strip() and not previous.strip()
                    and indent_width(line) == 0):
                return cut_before(number - 1)
            wrote_indented = wrote_indented or (bool(line.strip()) and indent_width(line) > 0)
            if line.strip() and (self._is_dedent(line) or line == previous):
                return cut_before(number)
        return None


def make_block_stop(
    base_indent: int | None, max_lines: int = MAX_BLOCK_LINES, next_code: str = "",
    stray_closer_ends: bool = True, top_level_ends: bool = False, same_indent: bool = False,
) -> StopRule:
    """The :class:`BlockStop` rule with these parameters."""
    return BlockStop(base_indent, max_lines, next_code, stray_closer_ends, top_level_ends, same_indent)


def _inside_block(context: PromptContext) -> bool:
    """Whether the cursor is inside an indented construct (its line or the code above)."""
    if context.line_prefix.strip():
        return indent_width(context.line_prefix) > 0
    return indent_width(code_line_above(context.prefix)) > 0 or indent_width(context.line_prefix) > 0


def _clause_indent(context: PromptContext, below: str) -> int | None:
    """The opener's indentation when the code below continues its statement with a
    clause (Python ``elif``/``else``/``except``/``finally``), else None."""
    if not indentation_is_syntax(context.language) or not _PY_CLAUSE.match(below):
        return None
    line_prefix = context.line_prefix
    opener = line_prefix if line_prefix.strip() else code_line_above(context.prefix)
    return indent_width(opener) if indent_width(below) == indent_width(opener) else None


def stop_rule_for(context: PromptContext) -> StopRule:
    """The rule matching the context's completion mode.

    FILL's floor is the cursor's own column (llama.vim's ``n_indent``): a middle may
    close blocks and open others that the code below continues, so only the model
    knows where it ends, but it does not go left of where the user put the cursor.
    """
    next_code, then_code, *_ = [*code_lines_below(context.suffix, 2), "", ""]
    same_indent = indentation_is_syntax(context.language)
    fences = fence_ends(context.language)
    if context.mode is CompletionMode.BLOCK:
        return BlockStop(block_base_indent(context), next_code=next_code, then_code=then_code,
                         same_indent=same_indent, clause_indent=_clause_indent(context, next_code),
                         fence_ends=fences)
    if context.mode is CompletionMode.FILL:
        floor = indent_width(context.line_prefix) if context.line_prefix else None
        return BlockStop(floor, max_lines=MAX_FILL_LINES, next_code=next_code, then_code=then_code,
                         stray_closer_ends=False, top_level_ends=_inside_block(context),
                         same_indent=same_indent, fence_ends=fences)
    return stop_at_newline
