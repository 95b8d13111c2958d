"""The extra-buffer (AMX) decision, on system-info lines real llama.cpp builds printed."""

from __future__ import annotations

import pytest

from ghost_ls.engine.cpu_features import (
    ExtraBuffersChoice,
    choose_extra_buffers,
    choose_for_this_cpu,
    cpu_flags,
    crash_fallback,
)
from support import EPYC, SAPPHIRE_RAPIDS

# An AVX2-only EPYC (Zen 2), the same build as support.EPYC's.
EPYC_AVX2 = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
    "LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)


def test_flags_are_parsed_from_the_line() -> None:
    flags = cpu_flags(SAPPHIRE_RAPIDS)
    assert flags["AMX_INT8"] == 1 and flags["AVX512"] == 1 and flags["REPACK"] == 1
    assert "AMX_INT8" not in cpu_flags(EPYC)


@pytest.mark.parametrize("line", [EPYC, EPYC_AVX2])
def test_auto_keeps_extra_buffers_without_amx(line: str) -> None:
    choice = choose_extra_buffers("auto", line)
    assert choice.enabled
    assert "no AMX" in choice.reason and "repacking stays on" in choice.reason


def test_auto_turns_extra_buffers_off_on_amx() -> None:
    choice = choose_extra_buffers("auto", SAPPHIRE_RAPIDS)
    assert not choice.enabled
    assert "AMX" in choice.reason and "extraBuffers = on" in choice.reason


def test_amx_flag_at_zero_is_not_amx() -> None:
    assert choose_extra_buffers("auto", SAPPHIRE_RAPIDS.replace("AMX_INT8 = 1", "AMX_INT8 = 0")).enabled


@pytest.mark.parametrize(("setting", "enabled"), [("on", True), ("off", False)])
def test_the_setting_wins(setting: str, enabled: bool) -> None:
    for line in (EPYC, SAPPHIRE_RAPIDS):
        choice = choose_extra_buffers(setting, line)
        assert choice.enabled is enabled
        assert "(setting)" in choice.reason


def test_crash_fallback_turns_them_off_once() -> None:
    fallback = crash_fallback(ExtraBuffersChoice(True, "on: no AMX on this CPU"))
    assert fallback is not None and not fallback.enabled
    assert "crashed at its first decode" in fallback.reason
    assert crash_fallback(fallback) is None


def test_test_hook_line_replaces_this_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GHOST_LS_TEST_SYSTEM_INFO", SAPPHIRE_RAPIDS)
    assert not choose_for_this_cpu("auto").enabled
    monkeypatch.setenv("GHOST_LS_TEST_SYSTEM_INFO", EPYC)
    assert choose_for_this_cpu("auto").enabled


def test_a_llama_server_started_on_an_amx_cpu_gets_no_repack(monkeypatch: pytest.MonkeyPatch) -> None:
    from ghost_ls.engine.cpu_features import TEST_SYSTEM_INFO_ENV, llama_server_flags

    monkeypatch.setenv(TEST_SYSTEM_INFO_ENV, "CPU : AVX512 = 1 | AMX_INT8 = 1 | REPACK = 1 |")
    assert llama_server_flags() == ["--no-repack"]
    assert llama_server_flags("on") == []
    monkeypatch.setenv(TEST_SYSTEM_INFO_ENV, "CPU : AVX2 = 1 | REPACK = 1 |")
    assert llama_server_flags() == []


@pytest.mark.model
def test_llama_loaded_without_a_choice_takes_this_cpus_safe_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Benchmarks and tools load ``LlamaBackend``/``bare_llama`` without the setting:
    on an AMX CPU that must still mean no extra buffers (a plain load crashes there)."""
    from ghost_ls.engine.llama import LlamaBackend
    from ghost_ls.models.store import resolve_model

    path = resolve_model("qwen2.5-coder-0.5b-instruct")[0]
    monkeypatch.setenv("GHOST_LS_TEST_SYSTEM_INFO", SAPPHIRE_RAPIDS)
    backend = LlamaBackend(path, vocab_only=True)
    try:
        engine = backend.info().engine
        assert engine is not None and engine.extra_buffers is False
        assert "AMX" in engine.extra_buffers_reason
    finally:
        backend.close()
    monkeypatch.setenv("GHOST_LS_TEST_SYSTEM_INFO", EPYC)
    backend = LlamaBackend(path, vocab_only=True)
    try:
        engine = backend.info().engine
        assert engine is not None and engine.extra_buffers is True
    finally:
        backend.close()
