"""Prompt formats: prefix-only, PSM/SPM FIM, repo-level markers, stable ordering."""

from __future__ import annotations

import dataclasses

from ghost_ls.context.types import CompletionMode, PromptContext, Snippet
from ghost_ls.engine.backend import Prompt
from ghost_ls.engine.templates import PromptFormat
from ghost_ls.models.catalog import load_catalog


def context(prefix: str = "def f():\n    return ", suffix: str = "\n\nprint(f())\n") -> PromptContext:
    return PromptContext(
        uri="file:///w/app.py",
        path="app.py",
        language="python",
        prefix=prefix,
        suffix=suffix,
        mode=CompletionMode.LINE,
        line_prefix="    return ",
        line_suffix="",
        snippets=(Snippet("lib/util.py", "def helper(x: int) -> int:"),),
    )


def test_prefix_only_puts_snippets_then_path_then_prefix() -> None:
    text = PromptFormat(None).render(context()).text
    assert text == "# lib/util.py\n# def helper(x: int) -> int:\n\n# app.py\ndef f():\n    return "


def test_typing_only_appends_to_a_prefix_only_prompt() -> None:
    fmt = PromptFormat(None)
    before = fmt.render(context()).text
    after = fmt.render(context(prefix="def f():\n    return 4")).text
    assert after.startswith(before)


def test_qwen_psm_uses_repo_level_markers_before_the_fim_markers() -> None:
    qwen = load_catalog()["qwen2.5-coder-1.5b"].fim
    text = PromptFormat(qwen).render(context()).text
    assert text.startswith("<|repo_name|>workspace\n<|file_sep|>lib/util.py\ndef helper")
    assert (
        "<|file_sep|>app.py\n<|fim_prefix|>def f():\n    return <|fim_suffix|>\n\nprint(f())\n<|fim_middle|>"
        in text
    )
    assert text.endswith("<|fim_middle|>")


def test_spm_order_puts_the_suffix_first() -> None:
    qwen = load_catalog()["qwen2.5-coder-1.5b"].fim
    assert qwen is not None
    spm = type(qwen)(**{**qwen.__dict__, "order": "spm"})
    text = PromptFormat(spm).render(context()).text
    assert text.index("<|fim_suffix|>") < text.index("<|fim_prefix|>") < text.index("<|fim_middle|>")


def test_fim_without_repo_format_uses_comment_headers() -> None:
    deepseek = load_catalog()["deepseek-coder-1.3b"].fim
    text = PromptFormat(deepseek).render(context()).text
    assert text.startswith("<｜fim▁begin｜># lib/util.py\n")


def test_snippets_can_be_left_out() -> None:
    assert "util.py" not in PromptFormat(None).render(context(), with_snippets=False).text


def test_the_typed_middle_goes_after_the_middle_marker() -> None:
    qwen = load_catalog()["qwen2.5-coder-1.5b"].fim
    typed = dataclasses.replace(context(), middle_chars=len("    return "), snippets=())
    prompt = PromptFormat(qwen).render(typed)
    # the typed trailing space is held back: a prompt ending in one makes the model
    # start with a second
    assert prompt.text == (
        "<|fim_prefix|># app.py\ndef f():\n<|fim_suffix|>\n\nprint(f())\n<|fim_middle|>    return"
    )
    assert (prompt.prefix, prompt.middle, prompt.held_back) == ("def f():\n", "    return", " ")


def _typed_at_end(prefix: str, typed: str) -> Prompt:
    """The Qwen prompt for ``prefix``, of which ``typed`` is the typed middle."""
    qwen = load_catalog()["qwen2.5-coder-1.5b"].fim
    return PromptFormat(qwen).render(
        dataclasses.replace(context(prefix=prefix), middle_chars=len(typed), snippets=()))


def test_typed_indentation_stays_in_the_prompt_but_its_last_character() -> None:
    from ghost_ls.engine.templates import held_back

    prompt = _typed_at_end("def f():\n    if x:\n        ", "        ")
    # the model is told a line begins there, at that depth; the space its first word
    # token begins with is left for it to write
    assert prompt.text.endswith("<|fim_middle|>       ")
    assert (prompt.middle, prompt.held_back) == ("       ", " ")
    assert held_back("\t\t") == "\t"
    assert held_back("x =  ") == " "
    assert held_back("    return") == ""
    assert held_back("    return (  ") == " (  "


def test_a_member_access_dot_is_held_back_like_a_bracket() -> None:
    from ghost_ls.engine.backend import without_held_back
    from ghost_ls.engine.templates import held_back

    prompt = _typed_at_end("def f():\n    return self.", "    return self.")
    assert prompt.text.endswith("<|fim_middle|>    return self")
    assert (prompt.middle, prompt.held_back) == ("    return self", ".")
    assert held_back("x = 1. ") == ". "
    assert without_held_back(".get_mut(i)", ".") == "get_mut(i)"
    assert without_held_back("0.get_mut(i)", ".") == ""  # not the dot the person typed


def test_a_mark_typed_right_after_a_word_is_held_back() -> None:
    from ghost_ls.engine.backend import HELD_BACK_GLUED, HELD_BACK_MARKS, without_held_back
    from ghost_ls.engine.templates import held_back

    prompt = _typed_at_end("def f():\n    return encode_", "    return encode_")
    # the tokenizer reads ``_content`` as one piece: the prompt ends where it splits
    assert prompt.text.endswith("<|fim_middle|>    return encode")
    assert (prompt.middle, prompt.held_back) == ("    return encode", "_")
    assert held_back("f(key=") == "="
    assert held_back("let v: Vec<") == "<"
    assert held_back("x = $") == ""  # after a space the tokenizer splits there anyway
    assert held_back("self.__") == ""  # after a mark, not a word
    assert held_back("some_ ") == " "
    assert without_held_back("_content(content)", "_") == "content(content)"
    assert without_held_back("aware_content(content)", "_") == ""  # not the person's mark
    # the engine masks the first token by a mark's one byte
    assert all(len(mark.encode("utf-8")) == 1 for mark in (*HELD_BACK_MARKS, *HELD_BACK_GLUED))


def test_held_back_whitespace_comes_off_what_the_model_wrote() -> None:
    from ghost_ls.engine.backend import without_held_back

    assert without_held_back(" x + 1", " ") == "x + 1"
    assert without_held_back("    for c in s:", "    ") == "for c in s:"
    assert without_held_back("  for c in s:", "    ") == "for c in s:"  # wrote less than typed
    assert without_held_back("x + 1", " ") == "x + 1"
    assert without_held_back("\n    y", " ") == "\n    y"
    assert without_held_back(" x", "") == " x"


def test_an_opening_bracket_ending_the_typed_middle_is_held_back() -> None:
    qwen = load_catalog()["qwen2.5-coder-1.5b"].fim
    fmt = PromptFormat(qwen)
    typed = context(prefix="def f():\n    return area( ")
    prompt = fmt.render(dataclasses.replace(typed, middle_chars=len("    return area( "), snippets=()))
    assert prompt.text.endswith("<|fim_middle|>    return area")
    assert (prompt.middle, prompt.held_back) == ("    return area", "( ")
    # typing on inside the brackets still only appends to the prompt
    more = context(prefix="def f():\n    return area(w")
    after = fmt.render(dataclasses.replace(more, middle_chars=len("    return area(w"), snippets=()))
    assert after.text.startswith(prompt.text) and after.held_back == ""
    # a space before the bracket goes with it: the prompt never ends in one
    spaced = context(prefix="def f():\n    return [")
    listed = fmt.render(dataclasses.replace(spaced, middle_chars=len("    return ["), snippets=()))
    assert (listed.middle, listed.held_back) == ("    return", " [")
    # in the prefix (psm) nothing is held back: the suffix marker follows the bracket
    assert fmt.render(dataclasses.replace(typed, snippets=())).held_back == ""


def test_the_held_back_bracket_comes_off_what_the_model_wrote() -> None:
    from ghost_ls.engine.backend import without_held_back

    assert without_held_back("(ZodBigInt, params)", "(") == "ZodBigInt, params)"
    assert without_held_back("( x)", "( ") == "x)"
    assert without_held_back("[0]", "[") == "0]"
    assert without_held_back("", "(") == ""  # nothing written yet
    assert without_held_back("0) as any;", "(") == ""  # the model did not write the bracket
    assert without_held_back(" (x)", "(") == "x)"  # the user's spacing stays
    assert without_held_back(" [v]", " [") == "v]"
    assert without_held_back("[v]", " [") == "v]"
    assert without_held_back("v]", " [") == ""
    assert without_held_back(" ", " [") == ""  # nothing but the space yet


def test_typing_after_the_middle_marker_only_appends() -> None:
    qwen = load_catalog()["qwen2.5-coder-1.5b"].fim
    fmt = PromptFormat(qwen)
    before = fmt.render(dataclasses.replace(context(), middle_chars=11)).text
    typed = context(prefix="def f():\n    return 4")
    after = fmt.render(dataclasses.replace(typed, middle_chars=12)).text
    assert after.startswith(before)
    assert not fmt.render(typed).text.startswith(fmt.render(context()).text)  # psm: it does not
