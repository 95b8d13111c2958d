"""Settings: camelCase parsing, validation messages that name the key, defaults."""

from __future__ import annotations

from ghost_ls.config import Settings, defaults_as_wire, parse_settings, to_camel, to_snake


def test_defaults_round_trip_through_the_wire_form() -> None:
    settings, problems = parse_settings(defaults_as_wire())
    assert problems == []
    assert settings == Settings()


def test_camel_and_snake_names() -> None:
    assert to_camel("gpu_layers") == "gpuLayers"
    assert to_snake("gpuLayers") == "gpu_layers"
    assert to_snake("enabledLanguages") == "enabled_languages"


def test_valid_values_are_taken() -> None:
    settings, problems = parse_settings({"maxTokens": 32, "temperature": 1, "streaming": True})
    assert problems == []
    assert (settings.max_tokens, settings.temperature, settings.streaming) == (32, 1.0, True)


def test_vscode_section_shape_is_accepted() -> None:
    settings, problems = parse_settings({"ghostLs": {"candidates": 5}})
    assert problems == [] and settings.candidates == 5


def test_invalid_values_name_the_key_and_keep_the_default() -> None:
    settings, problems = parse_settings(
        {"maxTokens": "many", "candidates": 99, "streaming": "yes", "enabledLanguages": "python"}
    )
    assert settings == Settings()
    joined = " ".join(problems)
    for key in ("maxTokens", "candidates", "streaming", "enabledLanguages"):
        assert key in joined
    assert "using the default 64" in joined


def test_unknown_keys_are_reported() -> None:
    settings, problems = parse_settings({"modle": "x"})
    assert settings == Settings()
    assert problems == ["unknown setting 'modle'"]


def test_null_resets_to_default_and_missing_keeps_base() -> None:
    base, _ = parse_settings({"maxTokens": 10, "candidates": 2})
    settings, problems = parse_settings({"maxTokens": None}, base)
    assert problems == []
    assert settings.max_tokens == 64 and settings.candidates == 2


def test_non_object_settings_are_rejected() -> None:
    settings, problems = parse_settings(["not", "an", "object"])
    assert settings == Settings() and problems


def test_language_filter() -> None:
    settings, _ = parse_settings({"enabledLanguages": ["python", "lua"], "disabledLanguages": ["lua"]})
    assert settings.language_enabled("python")
    assert not settings.language_enabled("lua")
    assert not settings.language_enabled("go")
    assert Settings().language_enabled("anything")


def test_an_empty_list_is_no_settings() -> None:
    assert parse_settings([]) == (Settings(), [])
