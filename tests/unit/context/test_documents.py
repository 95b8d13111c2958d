"""Documents: LSP lines, UTF-16 edits, and the incremental tree matching a fresh parse."""

from __future__ import annotations

import random

import pytest

from ghost_ls.context.documents import Document
from ghost_ls.context.grammars import spec_for
from ghost_ls.context.parsing import parse_bytes
from ghost_ls.context.text import content, split_lines, utf16_to_index

from .conftest import partial, whole


def test_split_lines_follows_lsp_terminators() -> None:
    assert split_lines("a\r\nb\rc\nd") == ["a\r\n", "b\r", "c\n", "d"]
    assert split_lines("a\n") == ["a\n", ""]
    assert split_lines("") == [""]
    # form feed and U+2028 are not line breaks in LSP
    assert split_lines("a\x0cb\u2028c\nd") == ["a\x0cb\u2028c\n", "d"]


def test_utf16_columns_map_to_code_points() -> None:
    line = "a😀b"
    assert [utf16_to_index(line, c) for c in range(5)] == [0, 1, 2, 2, 3]
    assert utf16_to_index("abc", 99) == 3


def _fresh(doc: Document) -> str:
    assert doc.spec is not None
    tree = parse_bytes(doc.spec, doc.source())
    assert tree is not None
    return str(tree.root_node)


PIECES = ["x", "\n", "(", ")", "😀", "é", "  ", "\r\n", "def h():\n    ", '"""', "", "{", "}",
          "\t", "\r"]


@pytest.mark.parametrize("language,base", [
    ("python", 'def f(a, b):\n    """Doc 😀."""\n    return a + b\r\n\nclass K:\n'
               '    x = "héllo"\n\tdef g(self):\n        pass\n'),
    ("javascript", "function f(a) {\r\n  return a + 1;\n}\nconst ü = () => { /* 😀 */ };\n"),
])
def test_incremental_tree_equals_fresh_parse_after_random_edits(language: str, base: str) -> None:
    rng = random.Random(7)
    doc = Document("file:///t", language, 1, base, spec_for(language))
    text, checked = base, 0
    for version in range(600):
        lines = split_lines(text)
        l1 = rng.randrange(len(lines))
        c1 = rng.randrange(len(content(lines[l1])) + 1)
        l2, c2 = l1, c1
        if rng.random() < 0.3:
            l2 = min(len(lines) - 1, l1 + rng.choice([0, 1, 2]))
            c2 = rng.randrange(len(content(lines[l2])) + 1)
            if (l2, c2) < (l1, c1):
                l1, c1, l2, c2 = l2, c2, l1, c1
        event, text = partial(text, l1, c1, l2, c2, rng.choice(PIECES))
        doc.apply_changes([event], version)
        assert doc.lines == split_lines(text)
        assert doc.byte_length == len(text.encode("utf-8"))
        if version % 5 == 0:
            tree = doc.tree(force=True)
            assert tree is not None and doc.parse.fresh
            assert str(tree.root_node) == _fresh(doc)
            checked += 1
    assert checked > 100 and doc.text == text


def test_several_changes_in_one_notification() -> None:
    text = "one\ntwo\nthree\n"
    e1, t1 = partial(text, 0, 3, 0, 3, "!")
    e2, t2 = partial(t1, 2, 0, 2, 5, "3")
    doc = Document("file:///t", "python", 1, text, spec_for("python"))
    doc.apply_changes([e1, e2], 2)
    assert doc.text == t2 == "one!\ntwo\n3\n"


def test_whole_document_change_and_out_of_range_edit() -> None:
    doc = Document("file:///t", "python", 1, "a = 1\n", spec_for("python"))
    doc.apply_changes([whole("b = 2\nc = 3")], 2)
    assert doc.line(1) == "c = 3"
    event, _ = partial("b = 2\nc = 3", 1, 5, 1, 5, "")
    event.range.start.line = event.range.end.line = 99  # past the end: clamps to the end
    doc.apply_changes([event], 3)
    assert doc.text == "b = 2\nc = 3"


@pytest.mark.parametrize("odd", ["\x0c", "\u2028", "\x0b", "\x85", "\u2029"])
def test_typing_after_a_character_python_breaks_lines_at(odd: str) -> None:
    """str.splitlines ends a line at these, LSP does not: positions must stay LSP's."""
    text = f"x = 1\n{odd}\ndef f():{odd}  pass\n"
    doc = Document("file:///t", "python", 1, text, spec_for("python"))
    assert doc.line_count() == 4 and doc.line(2) == f"def f():{odd}  pass"
    for version, (line, column, typed) in enumerate([(1, 1, "y"), (2, 9, "#"), (3, 0, "z = 2")]):
        event, text = partial(text, line, column, line, column, typed)
        doc.apply_changes([event], version + 2)
        assert doc.text == text and doc.lines == split_lines(text)
    assert doc.line(1) == f"{odd}y" and doc.line(2) == f"def f():{odd}#  pass"
    tree = doc.tree(force=True)
    assert tree is not None and str(tree.root_node) == _fresh(doc)
