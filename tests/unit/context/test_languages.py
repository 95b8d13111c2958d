"""The language records: each one complete and loadable, and the record module light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ghost_ls.commands.doctor import check_languages
from ghost_ls.context.grammars import spec_for, tags_query
from ghost_ls.context.languages import SPECS, LanguageSpec, language_id_for_path, line_comment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[3]


def _dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = set()
    for requirement in project["dependencies"]:
        name = requirement.split(";")[0]
        for separator in "<>=!~[ ":
            name = name.split(separator)[0]
        names.add(name.lower())
    return names


@pytest.mark.parametrize("spec", SPECS.values(), ids=list(SPECS))
def test_each_record_is_a_whole_language(spec: LanguageSpec) -> None:
    assert spec.module.replace("_", "-") in _dependencies()
    for language_id, extensions in spec.language_ids.items():
        assert spec_for(language_id) is spec
        for extension in extensions:
            assert language_id_for_path(Path(f"file{extension}")) == language_id
    assert tags_query(spec) is not None
    assert spec.import_line is not None


def test_comment_tokens_come_from_the_records_then_the_other_languages() -> None:
    assert [line_comment(name) for name in ("python", "typescriptreact", "lua", "go")] == [
        "#", "//", "--", "//"]
    assert [line_comment(name) for name in ("ruby", "sql", "plaintext")] == ["#", "--", "//"]


def test_doctor_lists_each_grammar_wheel_once() -> None:
    assert list(check_languages()) == [
        "python", "javascript", "typescript", "lua", "go", "rust", "c", "cpp", "java"]


def test_the_records_and_what_reads_them_in_the_engine_child_import_no_tree_sitter() -> None:
    """The engine's child unpickles stop rules (postprocess/stops.py): it must stay light."""
    code = ("import sys, ghost_ls.postprocess.stops, ghost_ls.engine.templates; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'tree_sitter'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
