"""Prompt formats: how a :class:`PromptContext` becomes the text a given model reads.

Pieces go from most stable to least stable, so that typing at the cursor only changes
the end of the prompt and llama.cpp reuses the KV cache for the rest
(docs/ARCHITECTURE.md, "KV prefix layout"): cross-file snippets, then the file header,
then the prefix window.

- Models without FIM tokens (Gemma 3 270M): comment headers and the prefix only.
- FIM models, ``psm`` order: ``<pre>`` context+prefix ``<suf>`` suffix ``<mid>``, the
  last ``middle_chars`` characters of the prefix (what was just typed,
  ``context/layout.py``) after ``<mid>`` instead.
- FIM models, ``spm`` order: ``<suf>`` suffix ``<pre>`` context+prefix ``<mid>``; typing
  appends to the prompt, but only models trained on it should use it.
- Repo-level formats (Qwen2.5-Coder, StarCoder2) put snippets and the file path between
  ``file_sep`` markers; others get them as comments.  With no snippets to show, the
  prompt is the plain FIM prompt with the file's path as a comment: on
  Qwen2.5-Coder-0.5B-Instruct the repo header alone
  (``<|repo_name|>workspace<|file_sep|>path``) costs 12.5 points of HumanEval
  single-line pass@1 (measured in the code-models issue).  The comment itself was
  tried out and kept (bench/README.md, "The file's path as a comment"): without it
  the 0.5B gained 5 points on Python one-liners, the 1.5B lost 3 tasks and gained 1 of
  300, and the 0.5B wrote no body in a small JavaScript function, where the path is
  what names the language.
"""

from __future__ import annotations

from ghost_ls.context.languages import line_comment
from ghost_ls.context.types import PromptContext, Snippet
from ghost_ls.engine.backend import HELD_BACK_GLUED, HELD_BACK_MARKS, Prompt
from ghost_ls.models.catalog import FimTemplate


def comment_marker(language: str) -> str:
    """The line comment token prompts use for this LSP language id (the language record's)."""
    return line_comment(language)


def _commented(snippet: Snippet, marker: str) -> str:
    body = "\n".join(f"{marker} {line}".rstrip() for line in snippet.text.splitlines())
    return f"{marker} {snippet.path}\n{body}\n\n"


def held_back(middle: str) -> str:
    """What the prompt leaves out of the end of the typed middle, for the model to
    write again (``Prompt.held_back``).

    An opening bracket or a member-access dot (``HELD_BACK_MARKS``) with the whitespace
    around it; a punctuation mark right after a letter or digit (``HELD_BACK_GLUED``:
    the ``_`` of ``some_``, the ``<`` of ``Vec<``); otherwise the last space or tab
    only.  The tokenizers of these models split ``x = 1`` as ``x`` `` =`` `` 1`` and an
    indented ``if`` as the indentation less one space, then `` if``: a prompt that ends
    in the space a word token begins with makes the model start with a second one, so
    that space goes; the rest of the indentation stays, because it says where the line
    is (held back too, the model had nothing that said a line had begun there, and
    wrote a blank line first or closed the block instead: bench/README.md, "Held-back
    indentation").
    """
    typed = middle.rstrip(" \t")
    if typed.endswith(HELD_BACK_MARKS):
        return middle[len(typed[:-1].rstrip(" \t")):]
    if typed == middle and typed.endswith(HELD_BACK_GLUED) and typed[-2:-1].isalnum():
        return typed[-1]
    return middle[len(typed):][-1:]


class PromptFormat:
    """Renders prompts for one model family (``fim`` None: prefix-only)."""

    def __init__(self, fim: FimTemplate | None) -> None:
        self.fim = fim

    @property
    def name(self) -> str:
        return self.fim.name if self.fim else "prefix-only"

    def render(self, context: PromptContext, *, with_snippets: bool = True) -> Prompt:
        """The prompt: its text (special markers included as text) and its parts."""
        snippets = context.snippets if with_snippets else ()
        before, middle = self._split(context)
        left_out = held_back(middle)
        typed = middle[: len(middle) - len(left_out)]
        if self.fim is None:
            text = self._plain(context, snippets)
        else:
            text = self._fim(context, snippets, self.fim, before, typed)
        return Prompt(
            text=text,
            prefix=before,
            suffix=context.suffix if self.fim is not None else "",
            middle=typed,
            held_back=left_out,
            extra=tuple((snippet.path, snippet.text) for snippet in snippets),
            path=context.path,
        )

    def _split(self, context: PromptContext) -> tuple[str, str]:
        """(prefix before the suffix, typed middle after the middle marker)."""
        cut = context.middle_chars if self.fim is not None and self.fim.order == "psm" else 0
        cut = min(max(cut, 0), len(context.prefix))
        return context.prefix[: len(context.prefix) - cut], context.prefix[len(context.prefix) - cut:]

    def stop_strings(self) -> tuple[str, ...]:
        """End markers of the template, for servers that stream them as text."""
        return self.fim.stop if self.fim else ()

    def _plain(self, context: PromptContext, snippets: tuple[Snippet, ...]) -> str:
        marker = comment_marker(context.language)
        head = "".join(_commented(snippet, marker) for snippet in snippets)
        header = f"{marker} {context.path}\n" if context.path else ""
        return head + header + context.prefix

    def _fim(self, context: PromptContext, snippets: tuple[Snippet, ...], fim: FimTemplate,
             before: str, typed: str) -> str:
        """``before``: the prefix up to the typed middle; ``typed``: the middle, less its
        trailing whitespace (see :meth:`render`)."""
        outer, inner = "", ""
        if fim.file_sep and snippets:
            repo = f"{fim.repo_name}workspace\n" if fim.repo_name else ""
            files = "".join(f"{fim.file_sep}{s.path}\n{s.text}\n" for s in snippets)
            outer = f"{repo}{files}{fim.file_sep}{context.path}\n"
        else:
            marker = comment_marker(context.language)
            inner = "".join(_commented(s, marker) for s in snippets)
            inner += f"{marker} {context.path}\n" if context.path else ""
        if fim.order == "spm":  # typing already only appends: no split
            prefix = inner + context.prefix
            return f"{outer}{fim.suffix}{context.suffix}{fim.prefix}{prefix}{fim.middle}"
        return f"{outer}{fim.prefix}{inner}{before}{fim.suffix}{context.suffix}{fim.middle}{typed}"
