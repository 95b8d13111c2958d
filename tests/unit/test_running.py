"""The rules that decide whether an edit or a request can keep a running generation."""

from __future__ import annotations

import asyncio
import threading

from ghost_ls.completer import Outcome
from ghost_ls.context.types import CompletionMode
from ghost_ls.running import Running, RunningGenerations, advance

LINE = CompletionMode.LINE


def _insert(line: int, character: int, text: str) -> list[dict[str, object]]:
    position = {"line": line, "character": character}
    return [{"range": {"start": position, "end": position}, "text": text}]


def _running(lead: str = "", written: str = "") -> Running:
    running = Running("file:///a.py", 1, 3, 4, LINE, 1, threading.Event(), lead=lead)
    running.written = written
    return running


def test_typing_on_at_the_position_in_agreement_is_followed() -> None:
    running = _running(written="return x")
    assert running.follow(2, _insert(3, 4, "re"))
    assert running.follow(3, _insert(3, 6, "t"))
    assert (running.version, running.line, running.character, running.typed) == (3, 3, 7, "ret")


def test_edits_that_are_not_typing_on_in_agreement_are_not_followed() -> None:
    elsewhere = _running(written="return x")
    assert not elsewhere.follow(2, _insert(3, 5, "r"))
    disagreeing = _running(written="return x")
    assert not disagreeing.follow(2, _insert(3, 4, "x"))
    deleting = _running(written="return x")
    position = {"line": 3, "character": 4}
    deletion = [{"range": {"start": position, "end": {"line": 3, "character": 5}}, "text": ""}]
    assert not deleting.follow(2, deletion)
    whole = _running(written="return x")
    assert not whole.follow(2, [{"text": "everything"}])
    two = _running(written="return x")
    assert not two.follow(2, _insert(3, 4, "r") + _insert(3, 5, "e"))


def test_a_line_generation_is_not_followed_past_its_line() -> None:
    line = _running(written="return x")
    assert line.follow(2, _insert(3, 4, "return x"))
    assert not line.follow(3, _insert(3, 12, "\n    "))  # Enter: its text ends before
    block = Running("file:///a.py", 1, 3, 4, CompletionMode.BLOCK, 1, threading.Event())
    block.written = "x = 1\n    y = 2"
    assert block.follow(2, _insert(3, 4, "x = 1\n    "))


def test_typing_ahead_of_the_model_is_followed_until_the_model_parts_from_it() -> None:
    running = _running(written="re")
    assert running.follow(2, _insert(3, 4, "ret"))  # the model has not written that far
    running.on_text("retu")
    assert not running.cancel.is_set()
    running.on_text("rex")
    assert running.cancel.is_set()


def test_a_prefetch_follows_the_accepted_text_and_enter_before_its_own() -> None:
    running = _running(lead="foo()\n    ", written="bar")
    assert running.follow(2, _insert(3, 4, "foo()"))
    assert running.follow(3, _insert(3, 9, "\n    "))
    assert (running.line, running.character) == (4, 4)
    assert running.follow(4, _insert(4, 4, "ba"))


def test_positions_advance_in_utf16_units() -> None:
    assert advance(3, 4, "a😀b") == (3, 8)
    assert advance(3, 4, "x\ny😀") == (4, 3)


def _started(registry: RunningGenerations, running: Running) -> None:
    loop = asyncio.get_running_loop()
    running.future = loop.create_future()
    registry.started(running)


def test_a_request_joins_only_where_the_typing_has_reached() -> None:
    async def scenario() -> None:
        registry = RunningGenerations()
        prefetch = _running(lead="foo()\n    ", written="bar")
        _started(registry, prefetch)
        assert registry.joinable("file:///a.py", 1, 3, 4, 1) is None  # before accepting
        assert registry.follow("file:///a.py", 2, _insert(3, 4, "foo()\n    "))
        assert registry.joinable("file:///a.py", 2, 4, 4, 1) is prefetch
        assert registry.joinable("file:///a.py", 2, 4, 4, 3) is None  # more candidates
        assert registry.joinable("file:///a.py", 1, 4, 4, 1) is None  # another version

    asyncio.run(scenario())


def test_a_new_generation_cancels_the_ones_nobody_waits_for() -> None:
    async def scenario() -> None:
        registry = RunningGenerations()
        orphan = Running("file:///a.py", 1, 0, 0, LINE, 1, threading.Event())
        _started(registry, orphan)
        _started(registry, Running("file:///b.py", 1, 0, 0, LINE, 1, threading.Event()))
        assert orphan.cancel.is_set()

    asyncio.run(scenario())


def test_a_cancelled_last_waiter_leaves_a_grace_period_to_the_next_request() -> None:
    async def scenario() -> None:
        running = _running()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome | None] = loop.create_future()
        running.future = future
        first = asyncio.create_task(running.wait(grace=30))
        await asyncio.sleep(0)
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        assert not running.cancel.is_set()  # still running: the next request may take it
        second = asyncio.create_task(running.wait(grace=0))
        await asyncio.sleep(0)
        future.set_result(Outcome())
        assert await second == Outcome()
        assert not running.cancel.is_set()

        alone = _running()
        alone.future = loop.create_future()
        waiter = asyncio.create_task(alone.wait(grace=0.01))
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        assert not alone.cancel.is_set()
        assert await asyncio.to_thread(alone.cancel.wait, 5)  # set by the grace timer

    asyncio.run(asyncio.wait_for(scenario(), 10))
