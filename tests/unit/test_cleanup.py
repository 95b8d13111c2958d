"""Clean-up of raw model text: overlap with the document, brackets, indentation, repeats."""

from __future__ import annotations

from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.postprocess.brackets import first_stray_closer, unmatched_openers
from ghost_ls.postprocess.cleanup import clean


def context(
    line_prefix: str,
    line_suffix: str = "",
    below: str = "",
    mode: CompletionMode = CompletionMode.LINE,
    indent_unit: str = "    ",
) -> PromptContext:
    suffix = line_suffix + ("\n" + below if below else "")
    return PromptContext(
        uri="file:///t.py",
        path="t.py",
        language="python",
        prefix=line_prefix,
        suffix=suffix,
        mode=mode,
        line_prefix=line_prefix,
        line_suffix=line_suffix,
        indent_unit=indent_unit,
    )


def test_line_mode_keeps_only_the_first_line_and_trims() -> None:
    assert clean("x + 1   \nmore", context("y = ")).text == "x + 1"


def test_whitespace_only_is_empty() -> None:
    assert clean("   \n  ", context("y = ")).text == ""


def test_closing_characters_right_of_the_cursor_are_replaced_not_doubled() -> None:
    result = clean('"hello")', context("print(", ")"))
    assert result.text == '"hello")' and result.replaces_line_suffix


def test_suggestion_without_the_closer_is_inserted_before_it() -> None:
    result = clean('"hello"', context("print(", ")"))
    assert result.text == '"hello"' and not result.replaces_line_suffix


def test_brackets_left_open_are_closed() -> None:
    assert clean("max(a, min(b, c", context("x = ")).text == "max(a, min(b, c))"
    assert clean("[1, 2", context("x = ")).text == "[1, 2]"


def test_brackets_the_line_already_closes_are_not_added() -> None:
    assert clean("a, min(b", context("x = max(", ")")).text == "a, min(b)"


def test_open_bracket_at_the_end_is_left_for_the_next_line() -> None:
    assert clean("call(", context("x = ")).text == "call("


def test_unmatched_openers_ignore_strings() -> None:
    assert unmatched_openers('f("(", [1') == ["(", "["]


def test_block_lines_the_document_already_has_below_are_dropped() -> None:
    raw = "total = 0\n    for x in xs:\n        total += x\n    return total"
    ctx = context("    ", below="    return total\n", mode=CompletionMode.BLOCK)
    assert clean(raw, ctx).text == "total = 0\n    for x in xs:\n        total += x"


def test_repeated_lines_are_cut() -> None:
    raw = "a = 1\n    b = 2\n    b = 2\n    b = 2"
    assert clean(raw, context("    ", mode=CompletionMode.BLOCK)).text == "a = 1\n    b = 2"


def test_indentation_follows_a_tab_indented_document() -> None:
    raw = "if x:\n        y()\n    z()"
    result = clean(raw, context("\t", mode=CompletionMode.BLOCK, indent_unit="\t"))
    assert result.text == "if x:\n\t\ty()\n\tz()"


def test_indentation_follows_a_space_indented_document() -> None:
    raw = "if x:\n\t\ty()"
    assert clean(raw, context("    ", mode=CompletionMode.BLOCK)).text == "if x:\n        y()"


def test_stray_closer_is_the_first_bracket_the_text_did_not_open() -> None:
    assert first_stray_closer("a(b)\n}") == 5
    assert first_stray_closer("x = '}'\ny = [1]") is None
    assert first_stray_closer("# don't\n)") == 8  # an apostrophe in a comment ends at the line


def test_python_tail_that_leaves_the_block_the_code_below_continues_is_cut() -> None:
    # HumanEval/5 L6 with the 0.5B: the loop body goes on below, so `return result`
    # there would be an IndentationError.
    below = "        result.append(delimeter)\n\n    result.append(numbers[-1])\n    return result\n"
    raw = "        result.append(n)\n\n    return result"
    assert clean(raw, context("", below=below, mode=CompletionMode.FILL)).text == "        result.append(n)"


def test_python_suggestion_may_end_on_the_opener_of_the_block_below() -> None:
    below = "        ans += (c == '7')\n    return ans\n"
    raw = "    for c in s:\n        if c == '7': ans += 1\n    return ans"
    assert clean(raw, context("", below=below, mode=CompletionMode.FILL)).text == (
        "    for c in s:\n        if c == '7': ans += 1")
    ok = "    for c in s:"
    assert clean(ok + "\n    x = 1", context("", below=below, mode=CompletionMode.FILL)).text == ok


def test_a_suggestion_that_fits_the_code_below_is_kept_whole() -> None:
    below = "    return total\n"
    raw = "    for item in items:\n        total += item\n    total *= 2"
    assert clean(raw, context("", below=below, mode=CompletionMode.FILL)).text == raw
    # a continuation line inside brackets may be indented less
    raw = "    total = sum(\n  item for item in items)"
    assert clean(raw, context("", below=below, mode=CompletionMode.FILL)).text == raw
    assert clean(raw + "\nprint(x)", context("", below=below, mode=CompletionMode.FILL)).text == raw


def around(above: str, line_prefix: str, below: str, language: str = "python",
           mode: CompletionMode = CompletionMode.FILL) -> PromptContext:
    """The cursor on its own line between the code ``above`` and ``below``."""
    return PromptContext(uri="file:///t", path="t", language=language,
                         prefix=above + line_prefix, suffix="\n" + below, mode=mode,
                         line_prefix=line_prefix, line_suffix="")


SQUARES = 'def sum_squares(lst):\n    """Sum of the squares."""\n'


def test_python_statement_left_of_the_code_below_takes_its_indentation() -> None:
    # HumanEval/133/L0 with the 1.5B: `import math` at column 0 inside the function,
    # an IndentationError once the indented code below follows.
    below = "    squared = 0\n    for i in lst:\n"
    assert clean("import math", around(SQUARES, "", below)).text == "    import math"
    # the user's own indentation stays; the suggestion adds the rest
    assert clean("x = 1", around("def f():\n", "  ", "    y = x\n")).text == "  x = 1"
    # a blank line between, and comments, are not the code below; the opener above
    # puts the block one unit deeper
    assert clean("x = 1", around("def f():\n", "", "\n    # note\n    y = x\n")).text == "    x = 1"
    # a statement after a loop, at the loop's level
    loop = "def f(xs):\n    for x in xs:\n        print(x)\n"
    assert clean("x = 1", around(loop, "", "    return x\n")).text == "    x = 1"


def test_python_lines_that_may_stand_left_of_the_code_below_are_kept() -> None:
    above = "def f(x):\n    y = g(x)\n"
    below = "        return x\n"  # deeper than the block: the missing line opens its block
    for raw in ("    if x:",  # an opener: the code below is its body
                "# a comment",
                "    y = f(",  # a call that goes on below
                "    total = a + \\",
                "\n    x = 1",  # a blank line first: its own layout
                "    return y"):  # below is deeper than the block: moving it changes its meaning
        assert clean(raw, around(above, "", below)).text == raw.rstrip(), raw
    # inside brackets the code above left open, indentation is free
    open_call = around("def f():\n    value = compute(\n", "", "        second)\n", mode=CompletionMode.LINE)
    assert clean("first,", open_call).text == "first,"
    # other languages: indentation is not syntax
    js = around("function f() {\n", "", "    return x;\n", language="javascript")
    assert clean("x = 1;", js).text == "x = 1;"


def test_a_code_fence_ends_the_suggestion_outside_markdown() -> None:
    # Qwen2.5-Coder-0.5B-Instruct on HumanEval/110/L5: the code, then a chat-style ending
    raw = '    return "YES"\n```\n\nThis function checks if it is possible to exchange'
    above = "def exchange(lst1, lst2):\n    odd = even = 0\n"
    assert clean(raw, around(above, "", "    return odd\n")).text == '    return "YES"'
    # an answer that opens with a fence: the code after it, less the typed indentation
    assert clean("```python\nx = 1", around("", "", "")).text == "x = 1"
    body = around("function add(a, b) {\n", "  ", "}\n", language="javascript", mode=CompletionMode.BLOCK)
    assert clean("```javascript\n  return a + b;\n```\n\nThis adds.", body).text == "return a + b;"
    assert clean("```", body).text == ""
    # mid-line, the text continues the line: a fence there is inside a string
    assert clean("```py```", around("", 'doc = "', "", mode=CompletionMode.LINE)).text == "```py```"
    # in Markdown, fences are content
    assert clean("```python\nx = 1\n```", around("# Title\n", "", "", language="markdown")).text == (
        "```python\nx = 1\n```")
