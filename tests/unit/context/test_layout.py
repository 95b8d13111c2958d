"""Where the typed middle starts: ``psm``, ``line`` and the per-document anchor."""

from __future__ import annotations

from ghost_ls.context.layout import MiddleAnchors

PREFIX = "def f(xs):\n    total = 0\n    for x in xs:\n        tot"
"""Lines 10-12 of a document in full, then the cursor line 13's typed part."""


def test_psm_and_line_layouts() -> None:
    anchors = MiddleAnchors()
    assert anchors.middle_chars("u", "psm", 8, PREFIX, "        tot", 13, 10) == 0
    assert anchors.middle_chars("u", "line", 8, PREFIX, "        tot", 13, 10) == len("        tot")


def test_the_anchor_stays_while_the_user_types_lines_below_it() -> None:
    anchors = MiddleAnchors()
    first = "def f(xs):\n    total = 0\n    f"
    assert anchors.middle_chars("u", "anchored", 8, first, "    f", 12, 10) == len("    f")
    # two lines later, the anchor is still line 12: both typed lines are the middle
    later = "def f(xs):\n    total = 0\n    for x in xs:\n        tot"
    chars = anchors.middle_chars("u", "anchored", 8, later + "\n", "", 14, 10)
    assert (later + "\n")[-chars:] == "    for x in xs:\n        tot\n"


def test_the_anchor_moves_when_the_cursor_leaves_its_range() -> None:
    anchors = MiddleAnchors()
    anchors.middle_chars("u", "anchored", 1, PREFIX, "        tot", 12, 10)
    # line 13 is within one line of the anchor (12); line 14 is not
    assert anchors.middle_chars("u", "anchored", 1, PREFIX, "        tot", 13, 10) == len(
        "    for x in xs:\n        tot")
    assert anchors.middle_chars("u", "anchored", 1, PREFIX + "\n", "", 14, 10) == 0
    # above the anchor (now 14): re-anchored at the cursor's line
    assert anchors.middle_chars("u", "anchored", 1, PREFIX, "        tot", 13, 10) == len(
        "        tot")


def test_the_anchor_never_leaves_the_window_or_the_document() -> None:
    anchors = MiddleAnchors()
    anchors.middle_chars("u", "anchored", 8, PREFIX, "        tot", 11, 0)
    # the window now starts at line 13: the anchor (11) is not in the prefix any more
    assert anchors.middle_chars("u", "anchored", 8, "        tot", "        tot", 13, 13) == 11
    anchors.forget("u")
    assert anchors.middle_chars("u", "anchored", 8, PREFIX, "        tot", 13, 10) == 11
