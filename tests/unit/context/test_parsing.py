"""Bounded parsing: slow reparses are deferred to the background and edits replayed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ghost_ls.context import parsing
from ghost_ls.context.documents import Document
from ghost_ls.context.grammars import spec_for
from ghost_ls.context.parsing import parse_bytes

from .conftest import partial, python_module


def test_deferred_reparse_catches_up_with_replayed_edits(monkeypatch) -> None:
    jobs: list[Callable[[], None]] = []
    text = python_module(30)
    doc = Document("file:///t.py", "python", 1, text, spec_for("python"), jobs.append)
    assert doc.tree() is not None and doc.parse.fresh
    monkeypatch.setattr(parsing, "REPARSE_DEADLINE_S", -1.0)  # every inline reparse "slow"
    monkeypatch.setattr(parsing, "QUIET_S", 0.0)
    event, text = partial(text, 5, 0, 5, 0, "x = 1\n")
    doc.apply_changes([event], 2)
    stale = doc.tree()
    assert stale is not None and not doc.parse.fresh and len(jobs) == 1
    event, text = partial(text, 6, 0, 6, 0, "y = 2\n")  # typed while the job is queued
    doc.apply_changes([event], 3)
    assert doc.tree() is stale and len(jobs) == 1  # no second job while one is pending
    jobs.pop()()  # the worker runs the job
    monkeypatch.setattr(parsing, "REPARSE_DEADLINE_S", 10.0)
    doc.tree()  # adopt, replay the second edit, then reparse (fast again)
    tree = doc.tree(force=True)
    assert tree is not None and doc.parse.fresh
    expected = parse_bytes(doc.spec, doc.source())  # type: ignore[arg-type]
    assert expected is not None and str(tree.root_node) == str(expected.root_node)


def test_large_first_parse_goes_to_the_background(monkeypatch) -> None:
    jobs: list[Callable[[], None]] = []
    monkeypatch.setattr(parsing, "SYNC_PARSE_BYTES", 10)
    doc = Document("file:///t.py", "python", 1, python_module(5), spec_for("python"),
                   jobs.append)
    assert doc.tree() is None and len(jobs) == 1
    jobs.pop()()
    assert doc.tree() is not None and doc.parse.fresh


@pytest.mark.parametrize("language", ["ruby", "plaintext", ""])
def test_no_grammar_no_tree(language: str) -> None:
    doc = Document("file:///t", language, 1, "a\nb\n", spec_for(language))
    assert doc.spec is None and doc.tree() is None


def test_too_large_for_a_tree(monkeypatch) -> None:
    monkeypatch.setattr(parsing, "MAX_TREE_BYTES", 100)
    doc = Document("file:///t.py", "python", 1, "x = 1\n" * 50, spec_for("python"))
    assert doc.tree() is None
