"""Local window: budgets, syntactic cut points, a stable start while typing, the preamble."""

from __future__ import annotations

from ghost_ls.context.builder import ContextBuilder
from ghost_ls.context.tokens import approximate_tokens

from .conftest import Editor, python_module


def _open(builder: ContextBuilder, text: str, language: str = "python") -> Editor:
    editor = Editor(builder, "file:///work/mod.py", language, text)
    builder.wait_idle(10)
    return editor


def test_small_file_window_is_the_whole_text_around_the_cursor(make_builder) -> None:
    builder = make_builder()
    text = "import os\n\ndef f(a):\n    return a\n\nprint(f(1))\n"
    _open(builder, text)
    ctx = builder.build("file:///work/mod.py", 3, 12)
    assert ctx is not None
    assert ctx.prefix == "import os\n\ndef f(a):\n    return a"
    assert ctx.suffix == "\n\nprint(f(1))\n"
    assert ctx.line_prefix == "    return a" and ctx.line_suffix == ""
    assert not ctx.prefix_trimmed and ctx.window_start == 0
    assert ctx.language == "python" and ctx.path == "mod.py"


def test_window_respects_budget_and_starts_at_a_statement(make_builder) -> None:
    builder = make_builder(prompt_tokens=300)
    text = python_module(200)
    _open(builder, text)
    lines = text.split("\n")
    row = len(lines) - 3
    ctx = builder.build("file:///work/mod.py", row, 4)
    assert ctx is not None and ctx.prefix_trimmed
    window = "\n".join(lines[ctx.window_start:row])
    prefix_budget = (300 - 300 // 4) * 3 // 4
    assert sum(approximate_tokens(line) + 1 for line in ctx.prefix.split("\n")) <= prefix_budget
    assert ctx.prefix.endswith(window + "\n" + lines[row][:4])
    first = lines[ctx.window_start]
    # a statement start: not inside the triple-quoted string, not a continuation line
    assert not first.startswith(("line ", '"""', "                   other"))
    assert first.strip()


def test_prefix_start_is_stable_while_typing(make_builder) -> None:
    builder = make_builder(prompt_tokens=512, measure_stability=True)
    text = python_module(120)
    editor = _open(builder, text)
    row = len(text.split("\n")) - 2
    editor.edit(row, 0, row, 0, "        \n")
    contexts = editor.type(row, 8, "total = value * 2\nif total > 10:\n    return total\n",
                           indent="        ")
    starts = [c.window_start for c in contexts if c is not None]
    assert len(starts) == len(contexts) and len(set(starts)) == 1
    first_line = contexts[0].prefix.split("\n", 1)[0]
    assert all(c.prefix.split("\n", 1)[0] == first_line for c in contexts)
    stats = builder.last_stats("file:///work/mod.py")
    assert stats["shared_fraction"] > 0.9


def test_window_jumps_in_a_large_step_when_the_budget_is_exceeded(make_builder) -> None:
    builder = make_builder(prompt_tokens=256)
    text = python_module(60)
    editor = _open(builder, text)
    lines = text.split("\n")
    moves = []
    previous = None
    for row in range(200, len(lines) - 1):
        ctx = builder.build(editor.uri, row, 0)
        assert ctx is not None
        if previous is not None and ctx.window_start != previous:
            moves.append(ctx.window_start - previous)
        previous = ctx.window_start
    # moving down ~280 lines with a ~25-line window: a few big jumps, not one per line
    assert 0 < len(moves) < (len(lines) - 200) / 5
    assert min(moves) >= 5


def test_scope_headers_and_imports_above_the_window(make_builder) -> None:
    builder = make_builder(prompt_tokens=300)
    body = "".join(f"        x{i} = compute({i})\n" for i in range(80))
    text = ("import os\nfrom typing import Any\n\n\nclass Service:\n    \"\"\"Doc.\"\"\"\n\n"
            "    def run(self, a: int,\n            b: int) -> None:\n" + body)
    editor = _open(builder, text)
    ctx = builder.build(editor.uri, 8 + 80, 8)
    assert ctx is not None
    head = ctx.prefix.split("\n")
    assert head[:2] == ["import os", "from typing import Any"]
    assert head[2] == "# ..."
    assert head[3] == "class Service:"
    assert head[4] == "    # ..."
    assert head[5:7] == ["    def run(self, a: int,", "            b: int) -> None:"]
    assert head[7] == "        # ..."
    assert ctx.window_start > 9


def test_headers_win_over_imports_when_the_preamble_is_tight(make_builder) -> None:
    builder = make_builder(prompt_tokens=200)
    imports = "".join(f"import module_{i}\n" for i in range(30))
    body = "".join(f"        x{i} = compute({i})\n" for i in range(80))
    text = imports + "\n\nclass Service:\n    def run(self):\n" + body
    editor = _open(builder, text)
    ctx = builder.build(editor.uri, len(text.split("\n")) - 2, 8)
    assert ctx is not None
    head = ctx.prefix.split("\n")
    assert "class Service:" in head and "    def run(self):" in head
    assert head[0] == "import module_0"


def test_suffix_is_budgeted_in_whole_lines(make_builder) -> None:
    builder = make_builder(prompt_tokens=128)
    text = "x = 1\n" + "".join(f"value_{i} = {i}\n" for i in range(500))
    editor = _open(builder, text)
    ctx = builder.build(editor.uri, 0, 3)
    assert ctx is not None
    suffix_lines = ctx.suffix.split("\n")
    assert suffix_lines[0] == " 1"
    assert all(line.startswith("value_") for line in suffix_lines[1:])
    assert 1 < len(suffix_lines) < 40


def test_token_counter_is_called_sparingly(make_builder) -> None:
    calls: list[str] = []

    def counter(text: str) -> int:
        calls.append(text)
        return approximate_tokens(text)

    builder = make_builder()
    builder.set_token_counter(counter)
    editor = _open(builder, python_module(50))
    row = 300
    builder.build(editor.uri, row, 0)
    before = len(calls)
    editor.type(row, 0, "abc")
    # each keystroke re-counts the edited line (and little else)
    assert len(calls) - before <= 3 * 3


def test_cursor_moved_up_next_to_the_anchor_gets_context_again(make_builder) -> None:
    builder = make_builder(prompt_tokens=256)
    editor = _open(builder, python_module(80))
    far = builder.build(editor.uri, 500, 0)
    assert far is not None and far.window_start > 400
    near = builder.build(editor.uri, far.window_start + 1, 0)
    assert near is not None and near.window_start < far.window_start - 5
