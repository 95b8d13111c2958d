"""The recent edits/views ring and the stability statistics."""

from __future__ import annotations

from pathlib import Path

from ghost_ls.context.recent import RecentRing
from ghost_ls.context.tokens import approximate_tokens

from .conftest import Editor


def _lines(prefix: str, count: int = 40) -> list[str]:
    return [f"{prefix}_{i} = {i}" for i in range(count)]


def test_ring_dedupes_merges_and_excludes_the_window() -> None:
    ring = RecentRing(capacity=3)
    a, b = _lines("alpha"), _lines("beta")
    ring.record("u:a", "a.py", lambda r: a[r], len(a), 10)
    ring.record("u:a", "a.py", lambda r: a[r], len(a), 12)  # same place: merged
    assert len(ring.entries) == 1 and ring.entries[0].first == 6
    ring.record("u:b", "b.py", lambda r: b[r], len(b), 20)
    ring.record("u:b2", "b2.py", lambda r: b[r], len(b), 20)  # same text: deduplicated
    assert [e.path for e in ring.entries] == ["a.py", "b2.py"]
    window = {line for line in a[0:30]}
    picked = ring.select("u:a", 0, 30, window, 1000, approximate_tokens)
    assert [s.path for s in picked] == ["b2.py"]  # a.py's chunk is inside the window
    elsewhere = ring.select("u:z", 0, 5, set(a), 1000, approximate_tokens)
    assert [s.path for s in elsewhere] == ["b2.py"]  # too similar to what is shown
    everything = ring.select("u:z", 0, 5, set(), 1000, approximate_tokens)
    assert [s.kind for s in everything] == ["recent", "recent"]
    assert [s.path for s in everything] == ["a.py", "b2.py"]  # oldest first
    assert ring.select("u:z", 0, 5, set(), 10, approximate_tokens) == []


def test_recent_edits_of_other_files_reach_the_prompt(make_builder, tmp_path: Path) -> None:
    builder = make_builder([tmp_path])
    first = tmp_path / "first.py"
    second = tmp_path / "second.py"
    first.write_text("\n".join(_lines("alpha")) + "\n")
    second.write_text("\n".join(_lines("gamma")) + "\n")
    one = Editor(builder, first.as_uri(), "python", first.read_text())
    two = Editor(builder, second.as_uri(), "python", second.read_text())
    builder.wait_idle(30)  # their paths are judged on the index thread
    one.type(20, 0, "edited_here = True\n")
    contexts = two.type(5, 0, "value = ")
    assert all(c is not None for c in contexts)
    recent = [s for s in contexts[-1].snippets if s.kind == "recent"]
    assert [s.path for s in recent] == ["first.py"]
    assert "edited_here = True" in recent[0].text
    assert all(c.snippets == contexts[0].snippets for c in contexts)  # stable while typing


def test_last_stats_reports_what_is_shared(make_builder) -> None:
    builder = make_builder(measure_stability=True)
    editor = Editor(builder, "file:///w/s.py", "python", "import os\n\nx = 1\n")
    assert builder.last_stats() == {}
    editor.type(3, 0, "y = ")
    stats = builder.last_stats(editor.uri)
    assert stats["uri"] == editor.uri and stats["snippets_same"] is True
    assert stats["shared_chars"] >= len("s.py\x00import os\n\nx = 1\ny =")
    assert 0.9 < stats["shared_fraction"] <= 1.0
    assert stats["build_ms"] >= 0 and stats["mode"] in ("line", "none", "block")


def test_stability_is_not_measured_on_the_request_path(make_builder) -> None:
    builder = make_builder()
    editor = Editor(builder, "file:///w/t.py", "python", "import os\n\nx = 1\n")
    editor.type(3, 0, "y = ")
    stats = builder.last_stats(editor.uri)
    assert stats["uri"] == editor.uri
    assert "shared_chars" not in stats and "snippets_same" not in stats
