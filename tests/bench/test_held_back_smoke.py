"""Smoke runs of bench/held_back.py on the standard library's ``json`` with the 0.5B.

Checked, at each place: the JSON's shape; each case cut where the place says (right
after the line's first ``(``, member-access dot or mark glued to a word, so that a
glued case's rest begins with a letter; after the indentation of an indented line);
each row's
exact match, empty flag and edit similarity the ones its guess and target give; both
variants for every case; the wins and losses the rows' own.  No timing or score is
asserted.
Run:  flock /tmp/ghost-model.lock .venv/bin/pytest -m bench tests/bench/test_held_back_smoke.py
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

PLACES = {
    "bracket": (("in-prompt", "held-back"), "heldBackVsInPrompt"),
    "dot": (("in-prompt", "held-back"), "heldBackVsInPrompt"),
    "glued": (("in-prompt", "held-back"), "heldBackVsInPrompt"),
    "indentation": (("all-held-back", "last-held-back"), "lastVsAllHeldBack"),
}


@pytest.mark.parametrize("place", sorted(PLACES))
def test_held_back_on_the_json_package(place: str, fim_model: str, tmp_path: Path) -> None:
    (old, new), key = PLACES[place]
    out = tmp_path / "held.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "held_back.py"), "--place", place, "--model", fim_model,
         "--local", str(Path(json.__file__).parent), "--per-language", "8", "--seed", "1",
         "--max-tokens", "24", "--json-out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["benchmark"] == f"held-back-{place}"
    rows = result["rows"]
    cases = {row["case"] for row in rows}
    assert cases, f"no {place} case among json/'s lines"
    assert sorted(row["variant"] for row in rows) == sorted([old, new] * len(cases))
    for row in rows:
        assert row["exact"] == (row["guess"] == row["target"])
        assert row["empty"] == (row["guess"] == "")
        assert row["editSimilarity"] == round(edit_similarity(row["guess"], row["target"]), 4)
        if place == "indentation":
            assert ":line-start" in row["case"]
        if place == "glued":  # cut between a mark and the letters the tokenizer joins to it
            assert row["target"][:1].isalpha(), row
    by_case: dict[str, dict[str, bool]] = {}
    for row in rows:
        by_case.setdefault(row["case"], {})[row["variant"]] = row["exact"]
    wins = sum(1 for pair in by_case.values() if pair[new] and not pair[old])
    losses = sum(1 for pair in by_case.values() if pair[old] and not pair[new])
    assert result[key]["exactWins"] == wins
    assert result[key]["exactLosses"] == losses
    for variant in (old, new):
        assert result["variants"][variant]["n"] == len(cases)
        assert result["variants"][variant]["exact"] == sum(
            row["exact"] for row in rows if row["variant"] == variant)
