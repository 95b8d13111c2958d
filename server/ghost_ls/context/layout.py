"""How much of the text before the cursor goes after the FIM middle marker.

In PSM order (``<pre> prefix <suf> suffix <mid>``) every keystroke changes the end of
the prefix, so the whole suffix after it has to be read again: the cost a FIM model's
user pays at each key.  Putting the most recently typed text after ``<mid>`` instead
(as if the model had written it) keeps the prompt up to ``<mid>`` unchanged while the
user types, and the KV cache reuses all of it (``engine/llama.py`` rewinds to the
longest common token prefix).  Layouts (setting ``promptLayout``):

- ``psm``: nothing after ``<mid>``;
- ``line``: the cursor line's text before the cursor (llama.cpp's ``/infill`` layout):
  typing within a line only appends, Enter moves a line into the prefix;
- ``anchored``: everything typed since an anchor line, kept per document while the
  cursor stays on the anchor line or up to ``anchorLines`` lines below it; it moves to
  the cursor's line when the cursor leaves that range (or goes above it).

The rule is textual and per document; the prompt's text is the same document either
way, only the split between prefix and middle moves.
"""

from __future__ import annotations


class MiddleAnchors:
    """The anchor line per document for the ``anchored`` layout, and the split for all."""

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}

    def middle_chars(self, uri: str, layout: str, max_lines: int, prefix: str,
                     line_prefix: str, row: int, first_row: int) -> int:
        """How many trailing characters of ``prefix`` go after the middle marker.

        ``row``: the cursor's line; ``first_row``: the first document line whose text
        ``prefix`` holds in full (the anchor never goes above it).
        """
        if layout == "line":
            return len(line_prefix)
        if layout != "anchored":
            return 0
        anchor = self._rows.get(uri)
        if anchor is None or not max(first_row, row - max_lines) <= anchor <= row:
            anchor = row
        self._rows[uri] = anchor
        return _chars_since_line(prefix, row - anchor)

    def forget(self, uri: str) -> None:
        self._rows.pop(uri, None)


def _chars_since_line(prefix: str, lines_up: int) -> int:
    """Characters from the start of the line ``lines_up`` lines above the last one."""
    end = len(prefix)
    for _ in range(lines_up + 1):
        end = prefix.rfind("\n", 0, end)
        if end < 0:
            return len(prefix)
    return len(prefix) - end - 1
