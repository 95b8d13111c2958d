"""The values the context engine hands to prompt rendering: what the model should see.

These types are the contract between ``ghost_ls.context`` (which reads documents and
the workspace) and ``ghost_ls.engine.templates`` (which lays them out in a model's
prompt format).  They carry text only, never model tokens.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class CompletionMode(enum.Enum):
    """How much to complete at the cursor."""

    NONE = "none"
    """Do not suggest (mid-identifier, or real code right of the cursor)."""
    LINE = "line"
    """Complete the rest of the current line."""
    BLOCK = "block"
    """Complete several lines (after a block opener whose body is empty)."""
    FILL = "fill"
    """Fill a blank line for a model that reads the suffix (FIM): the model ends the
    middle itself, over several lines if it needs them (``context/mode.py``,
    ``postprocess/stops.py``)."""


SNIPPET_OVERHEAD_TOKENS = 8
"""What a snippet costs in a prompt besides its text (its file header), for budgets."""


@dataclass(frozen=True)
class Snippet:
    """A piece of another file (or an earlier edit) worth showing the model."""

    path: str
    """Workspace-relative path of the file the snippet comes from."""
    text: str
    kind: str = "definition"
    """``definition`` (a signature from the symbol index), ``import`` or ``recent``."""


@dataclass(frozen=True)
class PromptContext:
    """Everything around the cursor that goes into one prompt, already within budget."""

    uri: str
    path: str
    """Workspace-relative path (or file name) shown to the model in the file header."""
    language: str
    """LSP language id (``python``, ``typescript``...)."""
    prefix: str
    """Document text before the cursor, starting at a stable boundary: imports and
    enclosing-scope headers above the window (with ``...`` comments where lines are
    skipped), then whole lines of the window, then ``line_prefix``.  Lines are joined
    with ``\n`` whatever the document uses."""
    suffix: str
    """Document text after the cursor."""
    mode: CompletionMode
    line_prefix: str
    """Text of the cursor's line before the cursor."""
    line_suffix: str
    """Text of the cursor's line after the cursor."""
    indent_unit: str = "    "
    """The document's indentation unit (spaces or a tab)."""
    snippets: tuple[Snippet, ...] = field(default_factory=tuple)
    """Cross-file definitions and recent edits, most stable first."""
    prefix_trimmed: bool = False
    """True when the document has text before ``prefix`` that the budget left out."""
    window_start: int = 0
    """Document line where the window part of ``prefix`` starts (after imports/headers)."""
    middle_chars: int = 0
    """How many trailing characters of ``prefix`` a FIM prompt puts after the middle
    marker (``context/layout.py``); 0 puts all of ``prefix`` before the suffix."""
    line_ending: str = "\n"
    """The document's line break; ``prefix``/``suffix`` always use ``\n``."""
    cold: PromptContext | None = None
    """The same place in a short prompt (``coldPromptTokens``: the window only, no
    snippets), for the engine to read first where it has read nothing of this one
    (``engine/prompt_choice.py``); None when the setting is off."""
