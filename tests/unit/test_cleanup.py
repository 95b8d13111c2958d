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
