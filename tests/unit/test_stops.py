"""Stop rules: line end, dedent below the block, blank runs, repeats, line cap."""

from __future__ import annotations

from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.postprocess.stops import indent_width, make_block_stop, stop_at_newline, stop_rule_for


def test_line_rule_stops_at_the_first_newline() -> None:
    assert stop_at_newline("abc") is None
    assert stop_at_newline("abc\ndef") == 3


def test_block_rule_waits_for_complete_lines() -> None:
    stop = make_block_stop(4)
    assert stop("x = 1\n    y = ") is None


def test_block_rule_stops_before_a_dedented_line() -> None:
    stop = make_block_stop(4)
    text = "x = 1\n    return x\ndef other():\n"
    keep = stop(text)
    assert keep is not None and text[:keep] == "x = 1\n    return x"


def test_block_rule_stops_at_two_blank_lines() -> None:
    stop = make_block_stop(4)
    text = "x = 1\n    y = 2\n\n\n"
    keep = stop(text)
    assert keep is not None and text[:keep].rstrip() == "x = 1\n    y = 2"


def test_block_rule_stops_on_a_repeated_line() -> None:
    stop = make_block_stop(0)
    text = "a()\nb()\nb()\n"
    keep = stop(text)
    assert keep is not None and text[:keep] == "a()\nb()"


def test_block_rule_caps_the_number_of_lines() -> None:
    stop = make_block_stop(0, max_lines=3)
    text = "".join(f"line_{i}()\n" for i in range(10))
    keep = stop(text)
    assert keep is not None and text[:keep].count("\n") == 2


def test_indent_width_counts_tabs() -> None:
    assert indent_width("\t  x") == 6


def test_rule_follows_the_mode() -> None:
    ctx = PromptContext(
        uri="u",
        path="p",
        language="python",
        prefix="def f():\n    ",
        suffix="",
        mode=CompletionMode.BLOCK,
        line_prefix="    ",
        line_suffix="",
    )
    assert stop_rule_for(ctx)("pass\nx = 1\n") is not None  # dedent below 4
    line = PromptContext(**{**ctx.__dict__, "mode": CompletionMode.LINE})
    assert stop_rule_for(line) is stop_at_newline


def test_block_rule_stops_where_the_enclosing_block_is_closed() -> None:
    stop = make_block_stop(2)
    text = "return a + 1;\n}"  # the body of `function f(a) {`, then its closing brace
    keep = stop(text)
    assert keep is not None and text[:keep] == "return a + 1;"
    assert stop("if (x) { y(); }") is None  # braces it opened itself


def _fill_context(prefix: str, suffix: str, language: str = "python",
                  mode: CompletionMode = CompletionMode.FILL) -> PromptContext:
    return PromptContext(
        uri="file:///t.py", path="t.py", language=language, prefix=prefix, suffix=suffix,
        mode=mode, line_prefix="", line_suffix="",
    )


def test_fill_rule_ends_where_the_suggestion_reaches_the_code_below() -> None:
    prefix = "def grade(gpas):\n    letters = []\n"
    suffix = "\n        if gpa == 4.0:\n            letters.append('A+')\n    return letters\n"
    stop = stop_rule_for(_fill_context(prefix, suffix))
    text = "    for gpa in gpas:\n        if gpa == 4.0:\n"
    assert stop(text) is None  # one line like the code below: wait for the next
    text += "            letters.append('A+')\n"
    keep = stop(text)
    assert keep is not None and text[:keep] == "    for gpa in gpas:"


def test_a_short_line_like_the_code_below_is_not_yet_the_code_below() -> None:
    """`return False` under an `if` the model opened: its own body, not the document's."""
    prefix = "def valid(date):\n    try:\n"
    suffix = "\n            return False\n        if day > 31:\n            return False\n"
    stop = stop_rule_for(_fill_context(prefix, suffix))
    text = "        month, day = map(int, date.split('-'))\n        if not date:\n            return False\n"
    assert stop(text) is None
    text += "        if month > 12:\n"
    assert stop(text) is None  # it went on with its own code
    ended = text + "            return False\n        if day > 31:\n"
    keep = stop(ended)
    assert keep is not None and ended[:keep] == text.rstrip("\n")


def test_fill_rule_has_no_indentation_floor() -> None:
    prefix = "def f(xs):\n"
    suffix = "\n            total += y\n    return total\n"
    stop = stop_rule_for(_fill_context(prefix, suffix))
    assert stop("    total = 0\n    for x in xs:\n        if x:\n            y = x\n") is None


def test_fill_rule_lets_the_model_write_several_lines() -> None:
    prefix = "def f(xs):\n"
    suffix = "\n    return total\n"
    stop = stop_rule_for(_fill_context(prefix, suffix))
    assert stop("    total = 0\n    for x in xs:\n        total += x\n") is None


def test_fill_rule_lets_the_model_close_a_bracket_opened_above() -> None:
    """A multi-line list the suffix does not close: FILL keeps the `]`, BLOCK cuts there."""
    prefix = "def roman(n):\n    sym = [\"I\", \"IV\",\n"
    suffix = "\n    i = 12\n    return sym[i]\n"
    text = '           "L", "XC", "C"]\n    i = 12\n    return sym[i]\n'
    keep = stop_rule_for(_fill_context(prefix, suffix))(text)
    assert keep is not None and text[:keep] == '           "L", "XC", "C"]'
    block_keep = make_block_stop(4)(text)
    assert block_keep is not None and text[:block_keep] == '           "L", "XC", "C"'


def test_fill_rule_does_not_go_left_of_the_cursor() -> None:
    context = PromptContext(
        uri="file:///t.py", path="t.py", language="python", prefix="def f(n):\n    ",
        suffix="", mode=CompletionMode.FILL, line_prefix="    ", line_suffix="",
    )
    text = "if n:\n        return 1\n```\n"
    keep = stop_rule_for(context)(text)
    assert keep is not None and text[:keep] == "if n:\n        return 1"


def test_the_last_line_is_judged_when_the_model_ends() -> None:
    """At end-of-generation the last line is complete: a dedent there ends the block too."""
    import threading

    from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt
    from ghost_ls.engine.streaming import StreamDriver

    request = GenerationRequest(
        prompt=Prompt(text=""), max_tokens=64, stop=make_block_stop(4), cancel=threading.Event()
    )
    driver = StreamDriver(request, GenerationResult(text="", stop_reason=""))
    driver.start_sampling()
    for piece in ("if n:\n", "        return 1\n", "```"):
        assert driver.feed(piece)
    driver.end_of_stream()
    result = driver.finish()
    assert (result.text, result.stop_reason) == ("if n:\n        return 1", "eos")


def test_fill_rule_knows_the_next_line_without_its_trailing_comma() -> None:
    prefix = "dic = {\n    7: 'Seven',\n"
    suffix = "\n    9: 'Nine',\n}\n"
    text = "    8: 'Eight',\n    9: 'Nine'\n}\n"
    keep = stop_rule_for(_fill_context(prefix, suffix))(text)
    assert keep is not None and text[:keep] == "    8: 'Eight',"


def test_fill_rule_ends_where_the_model_leaves_the_function() -> None:
    """Inside a function with nothing below: test code after a blank line is not the middle."""
    prefix = "def get_row(lst, x):\n    coords = [c for c in lst]\n"
    text = "    coords.sort()\n    return coords\n\n# Test cases\nprint(get_row([], 1))\n"
    keep = stop_rule_for(_fill_context(prefix, ""))(text)
    assert keep is not None and text[:keep] == "    coords.sort()\n    return coords"
    # at top level (the code above is not indented) a new definition may follow
    top = "import os\n"
    new_def = "def f():\n    return 1\n\ndef g():\n    return 2\n"
    assert stop_rule_for(_fill_context(top, ""))(new_def) is None


def test_in_python_the_code_below_matches_only_at_its_own_indentation() -> None:
    """The same statement one block deeper is the suggestion's own code, not the suffix."""
    prefix = "def kind(d):\n    if not d:\n        return 'empty'\n"
    suffix = "\n                    state = 'mixed'\n                    break\n        return state\n"
    text = "    else:\n        state = 'mixed'\n        for key in d:\n            if x:\n"
    assert stop_rule_for(_fill_context(prefix, suffix))(text) is None
    reached = text + "                    state = 'mixed'\n                    break\n"
    keep = stop_rule_for(_fill_context(prefix, suffix))(reached)
    assert keep is not None and reached[:keep] == text.rstrip("\n")
    # where indentation is not syntax, the closing line matches at any indentation
    braces = stop_rule_for(_fill_context("function f() {\n", "\n}\n", "typescript"))
    keep = braces("  return 1;\n  }\n")
    assert keep is not None and "}" not in "  return 1;\n  }\n"[:keep]


def _block_context(prefix: str, suffix: str) -> PromptContext:
    return _fill_context(prefix, suffix, mode=CompletionMode.BLOCK)


def test_more_branches_of_a_chain_the_code_below_continues_are_not_a_dedent() -> None:
    """After `if` with an `elif` below at its indentation, the middle may add branches."""
    prefix = "def grade(gpa):\n    if gpa == 4.0:\n"
    suffix = "\n    elif gpa > 1.0:\n        return 'D'\n    return 'E'\n"
    stop = stop_rule_for(_block_context(prefix, suffix))
    text = "        return 'A+'\n    elif gpa > 3.0:\n        return 'B'\n"
    assert stop(text) is None
    reached = text + "    elif gpa > 1.0:\n        return 'D'\n"
    keep = stop(reached)
    assert keep is not None and reached[:keep] == text.rstrip("\n")
    # other code at the opener's indentation still ends the block
    keep = stop("        return 'A+'\n    x = 1\n")
    assert keep is not None and "x = 1" not in "        return 'A+'\n    x = 1\n"[:keep]
    # with plain code below (no clause), a clause line ends it as before
    plain = stop_rule_for(_block_context(prefix, "\n    return 'E'\n"))
    keep = plain(text)
    assert keep is not None and text[:keep] == "        return 'A+'"


def test_a_code_fence_line_ends_fill_and_block_outside_markdown() -> None:
    """An Instruct model's chat-style ending: stop generating at the fence, not 24 lines on."""
    prefix = "def exchange(lst1, lst2):\n"
    text = '    return "YES"\n```\n'
    for mode in (CompletionMode.FILL, CompletionMode.BLOCK):
        keep = stop_rule_for(_fill_context(prefix, "\n", mode=mode))(text)
        assert keep is not None and text[:keep] == '    return "YES"', mode
    assert stop_rule_for(_fill_context(prefix, "\n"))('    return "YES"\n') is None
    assert stop_rule_for(_fill_context(prefix, "\n"))("```python\n    return 1\n") is None  # opens it
    markdown = stop_rule_for(_fill_context("Example:\n", "\n", language="markdown"))
    assert markdown("```python\nx = 1\n```\n") is None
