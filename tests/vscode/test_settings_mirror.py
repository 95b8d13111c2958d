"""The VS Code extension's ghostLs.* settings mirror the server's, one to one.

clients/vscode/package.json contributes one ``ghostLs.<key>`` setting per server
setting, with the server's default, type and bounds; the extension sends them as
``initializationOptions`` and ``workspace/didChangeConfiguration``.  The source of
truth is ``ghost_ls.config`` (docs/PROTOCOL.md, "Settings").
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from ghost_ls import config

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "clients" / "vscode"
PREFIX = "ghostLs."

# Settings only the extension reads; never sent to the server.
CLIENT_ONLY = {
    "enabled": "turns ghost text on and off (commands ghostLs.enable / ghostLs.disable)",
    "serverPath": "the ghost-ls executable to start",
    "trace.server": "vscode-languageclient's JSON-RPC trace in the output channel",
    "warmOnFocus": "sends ghost/didFocus where the cursor rests",
}

JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}


def _properties() -> dict[str, dict[str, Any]]:
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    props: dict[str, dict[str, Any]] = manifest["contributes"]["configuration"]["properties"]
    assert all(key.startswith(PREFIX) for key in props), sorted(props)
    return {key[len(PREFIX) :]: value for key, value in props.items()}


def _server_properties() -> dict[str, dict[str, Any]]:
    return {k: v for k, v in _properties().items() if k not in CLIENT_ONLY}


def test_no_missing_server_setting() -> None:
    missing = sorted(set(config.defaults_as_wire()) - set(_server_properties()))
    assert not missing, f"server settings with no ghostLs.* setting in package.json: {missing}"


def test_no_extra_setting() -> None:
    extra = sorted(set(_server_properties()) - set(config.defaults_as_wire()))
    assert not extra, (
        f"ghostLs.* settings the server does not know: {extra} "
        "(a client-only one belongs in CLIENT_ONLY here and in src/settings.ts)"
    )


def test_client_only_settings_exist() -> None:
    props = _properties()
    assert not set(CLIENT_ONLY) - set(props), "CLIENT_ONLY names a setting package.json lacks"
    assert not set(CLIENT_ONLY) & set(config.defaults_as_wire()), "a client-only key is a server key"


def test_client_only_list_matches_extension_source() -> None:
    source = (EXTENSION / "src" / "settings.ts").read_text(encoding="utf-8")
    match = re.search(r"CLIENT_ONLY_KEYS[^=]*=\s*\[([^\]]*)\]", source)
    assert match, "CLIENT_ONLY_KEYS not found in clients/vscode/src/settings.ts"
    in_source = set(re.findall(r"'([^']+)'", match.group(1)))
    assert in_source == set(CLIENT_ONLY)


@pytest.mark.parametrize("key", sorted(config.defaults_as_wire()))
def test_default_and_type(key: str) -> None:
    prop = _server_properties().get(key)
    if prop is None:
        pytest.fail(f"ghostLs.{key} missing from package.json")
    default = config.defaults_as_wire()[key]
    expected_type = JSON_TYPES[type(default)]
    assert prop.get("type") == expected_type, f"ghostLs.{key}: type {prop.get('type')!r}"
    assert "default" in prop, f"ghostLs.{key} has no default"
    assert type(prop["default"]) is type(default) or (
        expected_type == "number" and isinstance(prop["default"], int | float)
    ), f"ghostLs.{key}: default {prop['default']!r} is not a {expected_type}"
    assert prop["default"] == default, f"ghostLs.{key}: {prop['default']!r} != server {default!r}"
    if expected_type == "array":
        assert prop.get("items", {}).get("type") == "string", f"ghostLs.{key}: items must be strings"


def _problems(key: str, value: object) -> list[str]:
    """What the server says about ``key`` set to ``value`` (nothing when it takes it)."""
    return config.parse_settings({key: value})[1]


@pytest.mark.parametrize("key", sorted(config.defaults_as_wire()))
def test_bounds(key: str) -> None:
    """package.json's minimum and maximum are the range the server accepts: read from
    what ``ghost_ls.config`` takes and refuses, not from how it stores its bounds."""
    prop = _server_properties()[key]
    default = config.defaults_as_wire()[key]
    if isinstance(default, bool) or not isinstance(default, int | float):
        assert "minimum" not in prop and "maximum" not in prop, f"ghostLs.{key} has bounds"
        return
    assert "minimum" in prop and "maximum" in prop, f"ghostLs.{key}: no minimum/maximum in package.json"
    low, high = prop["minimum"], prop["maximum"]
    if isinstance(default, int):
        below, above = low - 1, high + 1
    else:
        below, above = math.nextafter(low, -math.inf), math.nextafter(high, math.inf)
    assert _problems(key, low) == [], f"ghostLs.{key}: the server refuses the minimum {low}"
    assert _problems(key, high) == [], f"ghostLs.{key}: the server refuses the maximum {high}"
    assert _problems(key, below), f"ghostLs.{key}: the server takes {below}, below the minimum {low}"
    assert _problems(key, above), f"ghostLs.{key}: the server takes {above}, above the maximum {high}"


@pytest.mark.parametrize("key", sorted(config.defaults_as_wire()))
def test_choices(key: str) -> None:
    """A string setting that is a choice has package.json's enum equal to the server's
    choices, each of them accepted; any other string setting has no enum."""
    prop = _server_properties()[key]
    choices = config.choices_as_wire().get(key)
    if choices is None:
        assert "enum" not in prop, f"ghostLs.{key} has an enum the server does not check"
        return
    assert prop.get("enum") == list(choices), f"ghostLs.{key}: enum {prop.get('enum')} != server {choices}"
    for value in choices:
        assert _problems(key, value) == [], f"ghostLs.{key}: the server refuses {value!r}"
    assert _problems(key, "no-such-choice"), f"ghostLs.{key}: the server takes any string"
