"""A budget never serves half a line: the stream driver's time and token budgets.

The clock is the driver's own ``time.monotonic``, replaced by one the test moves, so the
cases say exactly when the budget runs out.
"""

from __future__ import annotations

import pytest

from ghost_ls.engine import streaming
from ghost_ls.engine.backend import GenerationRequest, GenerationResult, Prompt
from ghost_ls.engine.streaming import StreamDriver, complete_lines


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(streaming.time, "monotonic", fake)
    return fake


def run(clock: Clock, pieces: list[tuple[float, str]], **fields: object) -> GenerationResult:
    """Feed ``pieces`` (seconds since sampling started, text) through a driver."""
    request = GenerationRequest(Prompt("x"), **{"max_tokens": 100, "time_budget": 1.0, **fields})  # type: ignore[arg-type]
    driver = StreamDriver(request, GenerationResult(text="", stop_reason=""))
    start = clock.now
    driver.start_sampling()
    for at, piece in pieces:
        clock.now = start + at
        if not driver.should_continue() or not driver.feed(piece):
            break
    else:
        driver.end_of_stream()
    return driver.finish()


def test_complete_lines() -> None:
    assert complete_lines("a\nb") == "a"
    assert complete_lines("a\nb\n") == "a\nb"
    assert complete_lines("abc") == ""


def test_a_line_in_progress_at_the_budget_is_finished(clock: Clock) -> None:
    pieces = [(0.2, "binary = bin(sum("), (0.9, "int(d) for d in"), (1.3, " str(n)))[2:]"),
              (1.6, "\n"), (1.7, "never")]
    result = run(clock, pieces)
    assert (result.text, result.stop_reason) == ("binary = bin(sum(int(d) for d in str(n)))[2:]", "timeout")


def test_a_line_still_unfinished_after_the_grace_is_dropped(clock: Clock) -> None:
    pieces = [(0.2, "if len(date) != 10:\n"), (0.5, "    return"), (1.5, " Fal"), (2.1, "se\n")]
    result = run(clock, pieces)
    assert (result.text, result.stop_reason) == ("if len(date) != 10:", "timeout")


def test_a_single_unfinished_line_gives_nothing(clock: Clock) -> None:
    result = run(clock, [(0.2, "binary = bin(sum("), (2.5, "int(d)")])
    assert (result.text, result.stop_reason) == ("", "timeout")


def test_the_budget_at_a_line_end_stops_at_once(clock: Clock) -> None:
    result = run(clock, [(0.2, "a = 1\n"), (1.1, "b = 2\n")])
    assert (result.text, result.stop_reason) == ("a = 1", "timeout")


def test_the_stop_rule_still_ends_a_finished_line(clock: Clock) -> None:
    def first_line(text: str) -> int | None:
        index = text.find("\n")
        return index if index >= 0 else None

    result = run(clock, [(0.5, "total = "), (1.4, "0\n"), (1.5, "x")], stop=first_line)
    assert (result.text, result.stop_reason) == ("total = 0", "stop-rule")


def test_max_tokens_drops_the_cut_line(clock: Clock) -> None:
    result = run(clock, [(0.1, "a = 1\n"), (0.2, "b = f("), (0.3, "x")], max_tokens=2)
    assert (result.text, result.stop_reason) == ("a = 1", "max-tokens")


def test_within_budget_the_text_is_untouched(clock: Clock) -> None:
    result = run(clock, [(0.1, "a = 1\n"), (0.2, "b = f(x)")])
    assert (result.text, result.stop_reason) == ("a = 1\nb = f(x)", "eos")
