"""Bad input never raises and still gives sensible windows."""

from __future__ import annotations

import pytest

from ghost_ls.context.assemble import Assembler
from ghost_ls.context.types import CompletionMode

from .conftest import Editor, whole


@pytest.mark.parametrize("language,text", [
    ("python", "def f(:\n    return ((\n  x = ]\n"),
    ("javascript", "function (( {\n  const = ;\n"),
    ("rust", "fn main( {\n    let x = \n"),
    ("c", "#include <\nint main(\n"),
])
def test_unparseable_and_half_typed_code(make_builder, language: str, text: str) -> None:
    builder = make_builder()
    editor = Editor(builder, f"file:///w/x.{language}", language, text)
    contexts = editor.type(1, 4, "foo(bar, [1, 2")
    assert all(c is not None for c in contexts)
    last = contexts[-1]
    assert last.prefix.endswith("foo(bar, [1, 2") and last.line_prefix.endswith("[1, 2")


def test_mixed_line_endings_and_tabs(make_builder) -> None:
    builder = make_builder()
    text = "def f():\r\n\tif x:\r\n\t\treturn 1\rvalue = 2\nother = 3\r\n"
    editor = Editor(builder, "file:///w/m.py", "python", text)
    ctx = builder.build(editor.uri, 3, 5)
    assert ctx is not None
    assert ctx.prefix == "def f():\n\tif x:\n\t\treturn 1\nvalue"
    assert ctx.suffix.startswith(" = 2\nother = 3")
    assert ctx.line_ending == "\r\n"
    editor.edit(2, 10, 2, 10, "\r\n\t\tpass")
    after = builder.build(editor.uri, 4, 5)
    assert after is not None
    assert after.prefix == "def f():\n\tif x:\n\t\treturn 1\n\t\tpass\nvalue"


def test_non_ascii_identifiers_and_astral_characters(make_builder) -> None:
    builder = make_builder()
    text = "def grüße(名前):\n    emoji = '😀😀'\n    return 名前\n"
    editor = Editor(builder, "file:///w/u.py", "python", text)
    editor.type(1, 15, "x")  # after the two astral characters
    assert editor.text.split("\n")[1] == "    emoji = '😀😀x'"
    ctx = builder.build(editor.uri, 1, 16)
    assert ctx is not None and ctx.line_prefix == "    emoji = '😀😀x"
    assert ctx.line_suffix == "'" and ctx.mode == CompletionMode.LINE
    assert builder.build(editor.uri, 2, 12).mode == CompletionMode.NONE  # mid "名前"


def test_huge_file_gets_line_windows(make_builder) -> None:
    builder = make_builder()
    text = "".join(f"value_{i} = compute({i})\n" for i in range(200_000))
    editor = Editor(builder, "file:///w/huge.py", "python", text)
    editor.edit(100_000, 0, 100_000, 0, "x")
    ctx = builder.build(editor.uri, 100_000, 1)
    assert ctx is not None and ctx.line_prefix == "x"
    assert ctx.prefix.endswith("value_99999 = compute(99999)\nx")
    assert builder.last_stats(editor.uri)["tree"] is False


def test_language_without_grammar(make_builder) -> None:
    builder = make_builder()
    text = "module Foo\n  def bar\n    baz\n  end\nend\n"
    editor = Editor(builder, "file:///w/x.rb", "ruby", text)
    ctx = builder.build(editor.uri, 2, 7)
    assert ctx is not None and ctx.prefix.endswith("    baz") and ctx.language == "ruby"


def test_out_of_range_positions_and_unknown_uri(make_builder) -> None:
    builder = make_builder()
    editor = Editor(builder, "file:///w/a.py", "python", "x = 1\ny = 2")
    assert builder.build("file:///nope.py", 0, 0) is None
    far = builder.build(editor.uri, 99, 99)
    assert far is not None and far.line_prefix == "y = 2" and far.suffix == ""
    neg = builder.build(editor.uri, -5, -5)
    assert neg is not None and neg.prefix == "" and neg.line_suffix == "x = 1"
    builder.did_change("file:///nope.py", 2, [whole("z")])  # ignored
    builder.did_close("file:///nope.py")
    builder.did_save("file:///nope.py", "z")


def test_empty_document_and_whole_replacement(make_builder) -> None:
    builder = make_builder()
    editor = Editor(builder, "file:///w/e.py", "python", "")
    assert builder.build(editor.uri, 0, 0) is not None
    builder.did_change(editor.uri, 2, [whole("def f():\n    ")])
    ctx = builder.build(editor.uri, 1, 4)
    assert ctx is not None and ctx.mode == CompletionMode.BLOCK


def test_a_malformed_change_event_is_skipped(make_builder) -> None:
    builder = make_builder()
    editor = Editor(builder, "file:///w/b.py", "python", "abc\n")
    bogus = {"range": {"start": {"line": "x"}, "end": None}, "text": 5}
    builder.did_change(editor.uri, 2, [bogus])  # no crash; the text stays as it was
    ctx = builder.build(editor.uri, 0, 3)
    assert ctx is not None and ctx.line_prefix == "abc"
    editor.version = 2
    editor.edit(0, 0, 0, 0, "new ")
    assert builder.build(editor.uri, 0, 4).line_prefix == "new "


def test_internal_error_falls_back_to_line_window(make_builder, monkeypatch) -> None:
    builder = make_builder()
    editor = Editor(builder, "file:///w/c.py", "python", "a = 1\nb = 2\n")

    def boom(*_args: object) -> None:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(Assembler, "build", boom)
    ctx = builder.build(editor.uri, 1, 3)
    assert ctx is not None and ctx.prefix == "a = 1\nb =" and ctx.suffix.startswith(" 2")


def test_token_counter_failure_is_survived(make_builder) -> None:
    builder = make_builder()

    def broken(_text: str) -> int:
        raise ValueError("tokenizer exploded")

    builder.set_token_counter(broken)
    editor = Editor(builder, "file:///w/d.py", "python", "a = 1\nb = 2\n")
    assert builder.build(editor.uri, 1, 3) is not None
