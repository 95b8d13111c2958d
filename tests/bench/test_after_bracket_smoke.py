"""Smoke run of bench/after_bracket.py on the standard library's ``json`` with the 0.5B.

Checked: the JSON's shape; each line cut right after its first ``(``; each row's exact
match, empty flag and edit similarity the ones its guess and target give; both variants
for every case; the wins and losses the rows' own.  No timing or score is asserted.
Run:  flock /tmp/ghost-model.lock .venv/bin/pytest -m bench tests/bench/test_after_bracket_smoke.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"

pytestmark = pytest.mark.bench

sys.path.insert(0, str(BENCH))

from benchlib.common import edit_similarity  # noqa: E402


def test_after_bracket_on_the_json_package(fim_model: str, tmp_path: Path) -> None:
    out = tmp_path / "after.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "after_bracket.py"), "--model", fim_model, "--local",
         str(Path(json.__file__).parent), "--per-language", "8", "--seed", "1", "--max-tokens", "24",
         "--json-out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    rows = result["rows"]
    cases = {row["case"] for row in rows}
    assert cases, "no line of json/ has text after a '('"
    assert sorted(row["variant"] for row in rows) == sorted(["in-prompt", "held-back"] * len(cases))
    for row in rows:
        assert row["exact"] == (row["guess"] == row["target"])
        assert row["empty"] == (row["guess"] == "")
        assert row["editSimilarity"] == round(edit_similarity(row["guess"], row["target"]), 4)
    by_case: dict[str, dict[str, bool]] = {}
    for row in rows:
        by_case.setdefault(row["case"], {})[row["variant"]] = row["exact"]
    wins = sum(1 for pair in by_case.values() if pair["held-back"] and not pair["in-prompt"])
    losses = sum(1 for pair in by_case.values() if pair["in-prompt"] and not pair["held-back"])
    assert result["heldBackVsInPrompt"]["exactWins"] == wins
    assert result["heldBackVsInPrompt"]["exactLosses"] == losses
    for variant in ("in-prompt", "held-back"):
        assert result["variants"][variant]["n"] == len(cases)
        assert result["variants"][variant]["exact"] == sum(
            row["exact"] for row in rows if row["variant"] == variant)
