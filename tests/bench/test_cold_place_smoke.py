"""Smoke run of bench/cold_place.py: two cold places in real code, the 0.5B model, load beside.

The cases come from the standard library's ``json`` package (offline, real code nobody
here wrote) through ``--local``; ghost-ls (with and without the short prompt first) and
the plain FIM server answer each (llama-vim only where llama-server is built).  Checked:
the JSON's shape, that every row's exact match is the one its guess and its case's target
give, that the wins and losses against the plain server are the rows' own, and that the
load processes ran and are gone.
Run:  flock /tmp/ghost-model.lock .venv/bin/pytest -m bench tests/bench/test_cold_place_smoke.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"

pytestmark = pytest.mark.bench

sys.path.insert(0, str(BENCH))

from benchlib.cold_cases import TOKEN, Case, Package, extract_cases, score_line  # noqa: E402
from cold_place import apply_item  # noqa: E402


def known_case(tmp_path: Path) -> Case:
    source = tmp_path / "shapes.py"
    source.write_text("def area(side):\n    result = side * side\n    return result\n")
    return Case("python:shapes.py:2:mid-line", "python", "python", "local", source, "shapes.py",
                1, len("    result = "), "mid-line", "    result = side * side")


def test_exact_match_is_the_real_line_back(tmp_path: Path) -> None:
    case = known_case(tmp_path)
    assert (case.prefix, case.target) == ("    result = ", "side * side")
    lines = case.document().split("\n")
    assert lines[1] == ""  # the cursor's line is emptied before the prefix is typed
    lines[1] = case.prefix
    right = score_line(apply_item(lines, {"insertText": "side * side  "}, 1, 13), case)
    assert right == {"guess": "side * side", "exact": True, "editSimilarity": 1.0}
    wrong = score_line(apply_item(lines, {"insertText": "side ** 2"}, 1, 13), case)
    assert wrong["exact"] is False and 0 < wrong["editSimilarity"] < 1
    # an item whose range starts at the line's start replaces the typed prefix
    ranged = {"insertText": "    result = side * side",
              "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 13}}}
    assert score_line(apply_item(lines, ranged, 1, 13), case)["exact"] is True
    assert score_line(apply_item(lines, None, 1, 13), case)["exact"] is False


def test_cases_are_seeded_and_cut_where_they_say() -> None:
    local = Path(json.__file__).parent
    package = Package("python", "local", "json", "local", ".", ".py", "python")
    first = extract_cases(package, local, 4, seed=3)
    assert first == extract_cases(package, local, 4, seed=3)  # the same seed, the same cases
    assert [c.case_id for c in first] != [c.case_id for c in extract_cases(package, local, 4, seed=4)]
    assert len({case.path for case in first}) == 4  # a file per case, never a neighbour
    assert not {case.path for case in first} & {n for case in first for n in case.neighbours}
    for case in first:
        assert case.original == case.path.read_text().split("\n")[case.line]
        if case.kind == "line-start":
            assert case.prefix == case.indent and case.target == case.original.strip()
        else:  # after part of the line, at the start of one of its tokens
            assert case.prefix.strip() and case.column in {m.start() for m in TOKEN.finditer(case.original)}
        assert len(case.target.strip()) >= 4


def test_cold_place_smoke(fim_model: str) -> None:
    local = Path(json.__file__).parent
    done = subprocess.run(
        [sys.executable, str(BENCH / "cold_place.py"), "--model", fim_model, "--local", str(local),
         "--per-language", "2", "--rest-seconds", "0,1", "--max-tokens", "16", "--no-floor",
         "--load", "1", "--load-max-seconds", "900"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    cases = {case["id"]: case for case in result["cases"]}
    assert [case["kind"] for case in result["cases"]] == ["line-start", "mid-line"]
    assert len({case["file"] for case in result["cases"]}) == 2  # one file per case
    for case in result["cases"]:
        assert case["file"] not in case["neighbours"] and len(case["neighbours"]) == 3
    systems = ["ghost", "ghost-full", "plain"] + ([] if "llama-vim" in result["skipped"] else ["llama-vim"])
    rows = result["rows"]
    assert len(rows) == 2 * 2 * len(systems)  # cases x rests x systems, one round
    for row in rows:
        assert "failure" not in row, row
        assert row["latencyMs"] > 0
        case = cases[row["case"]]
        # exact match means the guess after the typed prefix is the real rest of the line
        assert row["exact"] == (row["guess"] == case["target"]), (row, case)
    for rest in ("0", "1"):
        entry = result["byRest"][rest]
        assert set(entry["systems"]) == set(systems)
        for name, scores in entry["systems"].items():
            mine = [r for r in rows if r["system"] == name and f"{r['rest']:g}" == rest]
            assert scores["n"] == len(mine) == 2
            assert scores["exactMatch"] == round(sum(r["exact"] for r in mine) / 2, 3)
        versus = entry["ghostVs"]["plain"]
        pairs = {(r["case"], r["system"]): r for r in rows if f"{r['rest']:g}" == rest}
        wins = sum(1 for c in cases if pairs[c, "ghost"]["exact"] and not pairs[c, "plain"]["exact"])
        losses = sum(1 for c in cases if pairs[c, "plain"]["exact"] and not pairs[c, "ghost"]["exact"])
        assert versus["pairs"] == 2
        assert (versus["exact"]["wins"], versus["exact"]["losses"]) == (wins, losses)
    ghost_rest = [r for r in rows if r["system"] == "ghost" and r["rest"] == 1]
    assert all(r["counters"]["requests"] >= 1 for r in ghost_rest)
    load = result["load"]
    assert load["processes"] == 1 and load["allStopped"] is True
    assert load["cpuSeconds"] > 0  # the busy loop really ran beside the run
    for pid in load["pids"]:  # and is gone once the run is over
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid), pid


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return False


def test_load_processes_stop_with_the_block() -> None:
    from benchlib.load import cpu_load

    with cpu_load(2, 60) as load:
        pids = list(load.pids)
        assert all(Path(f"/proc/{pid}").exists() for pid in pids)
    assert load.describe()["allStopped"] is True
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
