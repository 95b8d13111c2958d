"""An empty answer from the short prompt is followed by the full one (``completer.second_look``).

The engine is scripted here, to say which prompt each generation was given; the real
model's side is ``tests/lsp/test_cold_prompt.py``.
"""

from __future__ import annotations

import dataclasses
import threading

from ghost_ls.completer import Completer, second_look
from ghost_ls.config import Settings
from ghost_ls.context.types import CompletionMode, PromptContext
from ghost_ls.engine.backend import GenerationRequest, GenerationResult
from ghost_ls.engine.cache import CompletionCache
from ghost_ls.engine.host import ModelHost
from ghost_ls.engine.stats import Stats
from ghost_ls.engine.templates import PromptFormat
from ghost_ls.models.catalog import load_catalog

FULL_PREFIX = "import os\n\nfor name in os.listdir():\n    "
SHORT_PREFIX = "for name in os.listdir():\n    "


def place() -> PromptContext:
    full = PromptContext(
        uri="file:///w/app.py", path="app.py", language="python", prefix=FULL_PREFIX,
        suffix="\n", mode=CompletionMode.LINE, line_prefix="    ", line_suffix="",
    )
    return dataclasses.replace(full, cold=dataclasses.replace(full, prefix=SHORT_PREFIX))


class ScriptedEngine:
    """Answers each generation with the next of ``answers`` (text, read the short prompt)."""

    def __init__(self, *answers: tuple[str, bool]) -> None:
        self.answers = list(answers)
        self.requests: list[GenerationRequest] = []

    def generate(self, request: GenerationRequest) -> GenerationResult:
        self.requests.append(request)
        text, short = self.answers.pop(0)
        return GenerationResult(text=text, stop_reason="eos", prompt_tokens=10, cold_prompt=short)


def complete(engine: ScriptedEngine) -> tuple[list[str], Stats]:
    host = ModelHost()
    host.backend = engine  # type: ignore[assignment]
    host.format = PromptFormat(load_catalog()["qwen2.5-coder-1.5b"].fim)
    stats = Stats()
    outcome = Completer(host, CompletionCache(), stats).generate(
        place(), Settings(), candidates=1, cancel_event=threading.Event()
    )
    return [item.text for item in outcome.suggestions], stats


def test_an_empty_short_prompt_answer_reads_the_full_prompt() -> None:
    engine = ScriptedEngine(("", True), ("print(name)", False))
    texts, stats = complete(engine)
    assert texts == ["print(name)"]
    assert stats.second_looks == 1
    first, second = engine.requests
    assert first.cold_prompt is not None  # the engine could choose the short prompt
    assert second.cold_prompt is None and "import os" in second.prompt.text  # the full one


def test_an_answer_from_the_short_prompt_is_kept() -> None:
    engine = ScriptedEngine(("print(name)", True))
    texts, stats = complete(engine)
    assert texts == ["print(name)"] and stats.second_looks == 0 and len(engine.requests) == 1


def test_an_empty_answer_from_the_full_prompt_is_final() -> None:
    engine = ScriptedEngine(("", False))
    texts, stats = complete(engine)
    assert texts == [] and stats.second_looks == 0 and len(engine.requests) == 1


def test_no_second_look_after_a_cancel_or_an_error() -> None:
    for reason in ("cancelled", "error"):
        first = GenerationResult(text="", stop_reason=reason, cold_prompt=True)
        assert second_look(place(), first) is None
