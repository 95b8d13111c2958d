"""The settings the documentation names are the settings the server knows.

``docs/PROTOCOL.md``'s settings table must list every field of ``config.Settings``
under its camelCase wire name, with its type and default, once, and nothing else.
``README.md`` may mention only settings that exist: the keys of its settings table, the
``ghostLs.*`` keys of its VS Code examples (server settings, or the extension's own from
``clients/vscode/package.json``) and the keys of its Neovim ``server_settings`` tables.
The Neovim help (``clients/neovim/doc/ghost_ls.txt``) lists the most used server settings
with a type and default: each must exist, with that type and default.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ghost_ls.config import FIELDS, Settings, to_camel

ROOT = Path(__file__).resolve().parents[2]
WIRE_NAMES = {to_camel(name): name for name in FIELDS}


def _section(text: str, heading: str) -> str:
    """The text under the level-2 ``heading`` (a line starting with it), up to the next one."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start + 1:end])


def _table_rows(section: str) -> list[list[str]]:
    """The cells of each body row of the first Markdown table in ``section``."""
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def _doc_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, tuple):
        return "string[]"
    return "string"


def _doc_default(value: Any) -> str:
    """A default as the table writes it: `local`, `""`, `["*"]`, -1, 0.0, true."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    if isinstance(value, tuple):
        return f"`{json.dumps(list(value))}`"
    return repr(value)


def _protocol_rows() -> list[list[str]]:
    text = (ROOT / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")
    return _table_rows(_section(text, "## Settings"))


def test_protocol_table_lists_every_setting_once_and_no_other() -> None:
    keys = [row[0].strip("`") for row in _protocol_rows()]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert duplicates == [], f"listed more than once in docs/PROTOCOL.md: {duplicates}"
    assert set(WIRE_NAMES) - set(keys) == set(), "settings missing from docs/PROTOCOL.md"
    assert set(keys) - set(WIRE_NAMES) == set(), "docs/PROTOCOL.md lists unknown settings"


def test_protocol_table_gives_each_setting_its_type_and_default() -> None:
    defaults = Settings()
    wrong = {}
    for key, kind, default, _meaning in _protocol_rows():
        name = WIRE_NAMES.get(key.strip("`"))
        if name is None:
            continue  # the test above names it
        value = getattr(defaults, name)
        expected = (_doc_type(value), _doc_default(value))
        if (kind, default) != expected:
            wrong[key] = f"documented {kind} {default}, config.py says {expected[0]} {expected[1]}"
    assert wrong == {}


def _readme_setting_mentions(text: str) -> set[str]:
    """Every setting name README.md uses as one."""
    table = _table_rows(_section(text, "## Settings"))
    assert table, "README.md has a settings table"
    mentions = {name for row in table for name in re.findall(r"`([A-Za-z]+)`", row[0])}
    mentions |= set(re.findall(r"\bghostLs\.([A-Za-z]+(?:\.[A-Za-z]+)*)", text))
    for block in re.findall(r"server_settings\s*=\s*\{([^}]*)\}", text):
        mentions |= set(re.findall(r"\b([A-Za-z]+)\s*=", block))
    return mentions


def test_readme_mentions_only_settings_that_exist() -> None:
    package = json.loads((ROOT / "clients" / "vscode" / "package.json").read_text(encoding="utf-8"))
    extension_only = {
        key.removeprefix("ghostLs.") for key in package["contributes"]["configuration"]["properties"]
    } - set(WIRE_NAMES)
    mentions = _readme_setting_mentions((ROOT / "README.md").read_text(encoding="utf-8"))
    assert mentions & set(WIRE_NAMES), "found no setting in README.md: the parsing is broken"
    unknown = mentions - set(WIRE_NAMES) - extension_only
    assert unknown == set(), f"README.md names settings that do not exist: {sorted(unknown)}"


NVIM_HELP = ROOT / "clients" / "neovim" / "doc" / "ghost_ls.txt"
_HELP_KINDS = {"string": "string", "integer": "int", "boolean": "bool", "number": "number",
               "string[]": "string[]"}
"""The Neovim help's type words, as ``_doc_type`` names them."""


def _help_value(kind: str, text: str) -> Any:
    """A default as the Neovim help writes it: "local", -1, true, 0.0, { "*" }."""
    if kind == "string[]":
        return tuple(re.findall(r'"([^"]*)"', text))
    return json.loads(text)  # a JSON string, integer, number or boolean


def _help_settings() -> dict[str, tuple[str, str]]:
    """Each server setting the help's ``server_settings`` list names: (type word, default)."""
    text = NVIM_HELP.read_text(encoding="utf-8")
    block = text.split("*ghost_ls-config-server_settings*", 1)[1].split("\n=====", 1)[0]
    row = re.compile(
        r'^ {6}(\w+)\s+(string\[\]|string|integer|boolean|number)\s+("[^"]*"|\{[^}]*\}|\S+)', re.M
    )
    return {name: (kind, default) for name, kind, default in row.findall(block)}


def test_neovim_help_gives_server_settings_their_type_and_default() -> None:
    listed = _help_settings()
    assert len(listed) >= 5, f"found {sorted(listed)} in the Neovim help: the parsing is broken"
    defaults = Settings()
    wrong = {}
    for key, (kind, default) in listed.items():
        name = WIRE_NAMES.get(key)
        if name is None:
            wrong[key] = "no such server setting"
            continue
        value, stated = getattr(defaults, name), _help_value(kind, default)
        if (_HELP_KINDS[kind], type(stated), stated) != (_doc_type(value), type(value), value):
            wrong[key] = f"help says {kind} {default}, config.py says {_doc_type(value)} {value!r}"
    assert wrong == {}


def test_neovim_help_mentions_only_server_settings_that_exist() -> None:
    text = NVIM_HELP.read_text(encoding="utf-8")
    mentions = set(re.findall(r"server_settings\.(\w+)", text))
    assert mentions, "found no server_settings.NAME in the Neovim help: the parsing is broken"
    assert mentions - set(WIRE_NAMES) == set()
