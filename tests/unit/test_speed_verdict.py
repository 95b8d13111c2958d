"""``doctor``'s verdict on the machine's speed for the model (``commands/speed.py``)."""

from __future__ import annotations

from ghost_ls.commands.speed import SLOW_NEW_PLACE_SECONDS, Speed, probe_prompt, verdict


def test_a_slow_cpu_is_told_what_to_choose() -> None:
    # an AVX2-only 2-core EPYC with the 1.5B: ~45 prompt tokens/s, ~22 generated tokens/s
    report = verdict("qwen2.5-coder-1.5b-instruct", Speed(45.0, 22.0), 1024)
    assert report["tooSlow"] is True
    assert report["newPlaceSeconds"] == round(1024 / 45 + 16 / 22, 1)
    advice = str(report["advice"])
    assert "qwen2.5-coder-0.5b-instruct" in advice
    assert "promptTokens = 320" in advice  # 1024 * 8 / 23.5 s, in steps of 64


def test_a_fast_machine_gets_no_advice() -> None:
    report = verdict("qwen2.5-coder-1.5b-instruct", Speed(900.0, 60.0), 1024)
    assert report == {"newPlaceSeconds": round(1024 / 900 + 16 / 60, 1), "tooSlow": False, "advice": ""}


def test_the_threshold() -> None:
    seconds_at = 1024 / SLOW_NEW_PLACE_SECONDS
    assert verdict("m", Speed(seconds_at * 1.2, 1e6), 1024)["tooSlow"] is False
    assert verdict("m", Speed(seconds_at * 0.8, 1e6), 1024)["tooSlow"] is True


def test_a_model_without_a_smaller_sibling_still_gets_advice() -> None:
    advice = str(verdict("my-model.gguf", Speed(20.0, 10.0), 1024)["advice"])
    assert "promptTokens" in advice and "models pull" not in advice


def test_unmeasured_speed_is_not_a_verdict() -> None:
    assert verdict("m", Speed(0.0, 0.0), 1024)["tooSlow"] is False


def test_probe_prompts_share_no_prefix() -> None:
    first, second = probe_prompt(), probe_prompt()
    assert first.split("\n", 1)[0] != second.split("\n", 1)[0]
    assert first.split("\n", 1)[1] == second.split("\n", 1)[1]
