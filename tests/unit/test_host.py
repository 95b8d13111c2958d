"""engine/host.py: the model's life cycle as the language server sees it."""

from __future__ import annotations

import pytest

from ghost_ls.config import Settings
from ghost_ls.engine.host import ModelHost


def test_the_request_path_is_prepared_before_ready_is_announced(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client sends its first request as soon as it hears ``ready``: by then the
    context must be built for the new model (its tokenizer, its FIM layout).  Before,
    that happened after ``ready`` on the event loop, and a fast first request got a
    plain PSM prompt counted with the estimate (tests/lsp/test_prompt_layout.py failed
    under load)."""
    monkeypatch.setenv("GHOST_LS_BACKEND", "fake")
    events: list[str] = []
    host = ModelHost(on_status=lambda state, _message: events.append(state))
    host.load(Settings(), lambda backend, _format: events.append(f"prepared {backend.info().backend}"))
    assert events == ["loading", "prepared fake", "ready"]
    host.close()


def test_a_failing_preparation_still_serves_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GHOST_LS_BACKEND", "fake")
    host = ModelHost()

    def broken(*_args: object) -> None:
        raise RuntimeError("tokenizer gone")

    host.load(Settings(), broken)
    assert host.ready and host.state == "ready"
    host.close()
