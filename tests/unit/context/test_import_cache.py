"""The cached imports across edits: kept while typing inside code below them, dropped
when an edit could add or change an import."""

from __future__ import annotations

from ghost_ls.context.builder import ContextBuilder

from .conftest import Editor, python_module

URI = "file:///work/mod.py"


def _open(builder: ContextBuilder) -> tuple[Editor, int]:
    """A module with imports on rows 0-2 and a method body 10 rows below them."""
    text = python_module(40)
    editor = Editor(builder, URI, "python", text)
    builder.wait_idle(10)
    row = text.split("\n").index("        return value + len(other) + len(text)")
    return editor, row


def _imports_shown(builder: ContextBuilder, row: int) -> list[str]:
    """The import lines above the window of a request far below the imports, once the
    tree has caught up with the typing (a deferred reparse, forced here)."""
    document = builder.document(URI)
    assert document is not None and document.tree(force=True) is not None
    context = builder.build(URI, row, 0)
    assert context is not None and context.window_start > 5  # the imports are preamble
    return [line for line in context.prefix.split("\n")[:context.prefix.count("\n")]
            if line.startswith(("import ", "from "))]


def test_typing_indented_code_below_the_imports_keeps_them_cached(make_builder) -> None:
    builder = make_builder(prompt_tokens=200)
    editor, row = _open(builder)
    builder.build(URI, row, 8)
    cached = builder._docs[URI].imports
    assert cached == [(0, 0), (1, 1), (2, 2)]
    editor.type(row, 8, "x = 1\nreturn x", indent="        ")
    assert builder._docs[URI].imports is cached  # not scanned again


def test_a_new_top_level_import_below_the_others_is_seen(make_builder) -> None:
    builder = make_builder(prompt_tokens=200)
    editor, row = _open(builder)
    far = row + 120
    assert _imports_shown(builder, far) == [
        "import os", "import sys", "from collections import OrderedDict"]
    editor.type(4, 0, "import zlib\n")  # row 4: after the blank line below the imports
    assert "import zlib" in _imports_shown(builder, far + 1)


def test_indented_lines_that_complete_an_import_are_not_trusted(make_builder) -> None:
    """An unfinished ``from x import (`` is no import yet; the indented line that closes
    it, below the cached imports, makes it one."""
    builder = make_builder(prompt_tokens=200)
    editor, row = _open(builder)
    far = row + 120
    editor.type(4, 0, "from json import (\n")
    assert "from json import (" not in _imports_shown(builder, far + 1)  # no import yet
    editor.type(5, 0, "    dumps)")
    assert "from json import (" in _imports_shown(builder, far + 2)


def test_an_import_typed_between_two_classes_is_seen(make_builder) -> None:
    """A line typed at column 0 drops the cache, even below a statement that is no import."""
    builder = make_builder(prompt_tokens=200)
    editor, row = _open(builder)
    builder.build(URI, row, 8)
    editor.type(row, 8, "y = 2", indent="        ")
    second_class = editor.text.split("\n").index("class Thing1:")
    editor.type(second_class, 0, "import re\n")
    assert "import re" in _imports_shown(builder, row + 121)
