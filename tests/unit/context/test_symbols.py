"""Tag extraction, the symbol index, and cross-file definition snippets in prompts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghost_ls.context.grammars import spec_for
from ghost_ls.context.parsing import parse_bytes
from ghost_ls.context.symbols import SymbolIndex
from ghost_ls.context.tags import Definition, extract_definitions

from .conftest import Editor


def _definitions(language: str, code: str) -> dict[str, Definition]:
    spec = spec_for(language)
    assert spec is not None
    source = code.encode()
    tree = parse_bytes(spec, source)
    assert tree is not None
    return {d.name: d for d in extract_definitions(tree, source, spec, "/k", "k")}


def test_python_definitions_signatures_and_docstrings() -> None:
    found = _definitions("python", (
        'TOKEN = "sk-live-123"\nLIMIT = 5\n\n'
        'class Cart(Base):\n    """A cart.\n\n    Long text."""\n'
        '    def __init__(self, owner: str) -> None:\n        self.owner = owner\n\n'
        '    def total(self, tax: float = 0.2) -> float:\n        """Sum with tax."""\n'
        '        def local():\n            pass\n        return 0.0\n'))
    assert set(found) == {"TOKEN", "LIMIT", "Cart", "total"}
    assert found["TOKEN"].text == "TOKEN = ..."  # string values never leave the file
    assert found["LIMIT"].text == "LIMIT = 5"
    assert found["Cart"].text == ('class Cart(Base):\n    """A cart."""\n'
                                  "    def __init__(self, owner: str) -> None:")
    assert found["total"].kind == "method"
    assert found["total"].text == ("class Cart(Base):\n"
                                   "    def total(self, tax: float = 0.2) -> float:\n"
                                   '        """Sum with tax."""')


@pytest.mark.parametrize("language,code,name,expected", [
    ("go", "package m\n// Sum adds.\nfunc Sum(a, b int) int { return a + b }\n", "Sum",
     "// Sum adds.\nfunc Sum(a, b int) int"),
    ("rust", "/// Doubles.\npub fn double(x: i32) -> i32 { x * 2 }\n", "double",
     "// Doubles.\npub fn double(x: i32) -> i32"),
    ("typescript", "export function make(r: number): Circle { return new Circle(r); }\n",
     "make", "export function make(r: number): Circle"),
    ("java", "class G {\n  /** Hi. */\n  String hi(int n) { return \"\"; }\n}\n", "hi",
     "class G {\n    // Hi.\n    String hi(int n)\n}"),
    ("c", "/* Area. */\nint area(int w, int h);\n", "area", "// Area.\nint area(int w, int h);"),
    ("lua", "--- Adds.\nfunction M.add(a, b)\n  return a + b\nend\n", "add",
     "-- Adds.\nfunction M.add(a, b)"),
])
def test_other_languages(language: str, code: str, name: str, expected: str) -> None:
    assert _definitions(language, code)[name].text == expected


def test_index_replace_remove_and_bound() -> None:
    index = SymbolIndex(max_definitions=3)
    one = Definition("f", "function", "/a.py", "a.py", 0, "def f():")
    two = Definition("g", "function", "/b.py", "b.py", 0, "def g():")
    assert index.replace("/a.py", [one])
    assert index.replace("/b.py", [two, two])
    assert not index.replace("/c.py", [one, two])  # would exceed the bound
    assert [d.key for d in index.lookup("f")] == ["/a.py"]
    index.replace("/a.py", [])
    assert index.lookup("f") == [] and "g" in index and len(index) == 2
    index.remove("/b.py")
    assert len(index) == 0


def _workspace(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "util.py").write_text(
        'def compute_total(items: list[int], scale: float = 1.0) -> float:\n'
        '    """Sum the items and scale them."""\n    return sum(items) * scale\n\n'
        "def unrelated_helper():\n    pass\n")
    (tmp_path / "pkg" / "shop.py").write_text("from pkg.util import compute_total\n\n")
    return tmp_path / "pkg" / "shop.py"


def test_cross_file_definition_for_identifier_near_cursor(make_builder, tmp_path: Path) -> None:
    shop = _workspace(tmp_path)
    builder = make_builder([tmp_path])
    editor = Editor(builder, shop.as_uri(), "python", shop.read_text())
    assert builder.wait_idle(20)
    contexts = editor.type(2, 0, "x = compute_total(")
    last = contexts[-1]
    assert last is not None
    assert [(s.kind, s.path) for s in last.snippets] == [("definition", "pkg/util.py")]
    assert last.snippets[0].text.startswith("def compute_total(items: list[int]")
    assert "Sum the items" in last.snippets[0].text
    assert "unrelated_helper" not in last.snippets[0].text
    # the import line above names it already: the snippet is there from the first key on,
    # and stays identical while the user types
    assert all(c is not None and c.snippets == last.snippets for c in contexts)
    more = editor.type(2, len("x = compute_total("), "[1, 2])")
    assert all(c is not None and c.snippets == last.snippets for c in more)


def test_definitions_from_the_current_file_are_not_snippets(make_builder,
                                                            tmp_path: Path) -> None:
    shop = _workspace(tmp_path)
    shop.write_text("def local_thing(a):\n    return a\n\n")
    builder = make_builder([tmp_path])
    editor = Editor(builder, shop.as_uri(), "python", shop.read_text())
    builder.wait_idle(20)
    contexts = editor.type(3, 0, "local_thing(")
    assert contexts[-1] is not None and contexts[-1].snippets == ()


def test_open_document_edits_reach_the_index(make_builder, tmp_path: Path) -> None:
    shop = _workspace(tmp_path)
    builder = make_builder([tmp_path])
    other = tmp_path / "pkg" / "fresh.py"
    other.write_text("")
    Editor(builder, other.as_uri(), "python", "")
    builder.did_save(other.as_uri(), "def brand_new(x: int) -> int:\n    return x\n")
    builder.wait_idle(20)
    assert [d.path for d in builder.index.lookup("brand_new")] == ["pkg/fresh.py"]
    editor = Editor(builder, shop.as_uri(), "python", shop.read_text())
    contexts = editor.type(2, 0, "brand_new(")
    assert contexts[-1] is not None and contexts[-1].snippets[-1].path == "pkg/fresh.py"
    assert contexts[-1].snippets[-1].text == "def brand_new(x: int) -> int:"
