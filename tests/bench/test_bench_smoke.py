"""Smoke runs of the benchmark scripts with tiny sizes, so they cannot rot.

Each script runs as a subprocess exactly as documented in bench/README.md, with the
real Gemma 3 270M (`ghost-ls models pull gemma3-270m`), and its JSON is checked for
the expected keys and sane values.
llama-server / llama-bench (bench/setup_llama_cpp.sh) and the synthetic FIM model are
used only when they are already built here; building them is too slow for a test.
No timing is asserted.  Run:  .venv/bin/pytest -m bench tests/bench
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
BIN = BENCH / ".work" / "llama.cpp-build" / "bin"
SDIST_VOCAB = "vendor/llama.cpp/models/ggml-vocab-qwen2.gguf"

pytestmark = pytest.mark.bench

sys.path.insert(0, str(BENCH))

from benchlib.drivers import Mirror  # noqa: E402
from benchlib.keystrokes import plan  # noqa: E402


def run_script(name: str, *args: str, timeout: float = 300) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(BENCH / name), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["machine"]["cpus"] >= 1
    return result


@pytest.fixture(scope="module")
def tiny_model() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "ghost_ls", "models", "path", "gemma3-270m"],
        capture_output=True, text=True, check=False,
    )
    path = Path(done.stdout.strip())
    if done.returncode != 0 or not path.is_file():
        pytest.skip("gemma3-270m is not pulled (ghost-ls models pull gemma3-270m)")
    return str(path)


def test_keystrokes_retype_the_file_exactly() -> None:
    source = "def f(x):\n    if x:\n        return 1\n\n    return 'é'\n"
    replay = plan("f.py", source, 1, 4, mid_file=False)  # truncated: the cursor ends the document
    mirror = Mirror(replay.initial_text)
    for key in replay.keystrokes:
        mirror.insert(key)
        assert (len(mirror.lines) - 1, len(mirror.lines[-1])) == (key.after_line, key.after_column)
    assert mirror.text == "\n".join(source.split("\n")[:5])
    assert replay.pauses == 3  # one after each Enter


def test_humaneval(tiny_model: str) -> None:
    result = run_script("humaneval.py", "--limit", "2", "--model", tiny_model, "--rows")
    for subset in ("single", "multi"):
        scores = result[subset]
        assert scores["n"] == 2
        assert scores["canonicalPassRate"] == 1.0, "the harness fails canonical solutions"
        rows = scores["rows"]
        assert len(rows) == 2
        for system in ("ghost", "plain"):
            verdicts = [row["results"][system] for row in rows]
            passed = sum(1 for verdict in verdicts if verdict["passed"] is True)
            assert scores[system]["passed"] == passed  # the score counts the per-task verdicts
            assert scores[system]["passAt1"] == round(passed / 2, 3)
            for verdict in verdicts:  # a failure says why; an empty body never passes
                assert verdict["passed"] is True or verdict["reason"], verdict
                assert verdict["text"].strip() or verdict["passed"] is False, verdict
            assert scores[system]["seconds"]["p50"] > 0
        ghost_rows = [row["results"]["ghost"] for row in rows]
        assert all(verdict["threads"] >= 1 for verdict in ghost_rows)  # threads: 0 chose a count
        assert scores["ghost"]["timedOut"] == sum(verdict["timedOut"] for verdict in ghost_rows)
        differing = {d["task"] for d in scores["differences"]}
        expected = {row["task"] for row in rows
                    if row["results"]["ghost"]["passed"] != row["results"]["plain"]["passed"]}
        assert differing == expected


def test_humaneval_likelihood(tiny_model: str, tmp_path: Path) -> None:
    """A failed answer equal to the canonical line scores exactly as it; line noise scores
    far below it (a search error); a passed row is not judged."""
    row = {"passed": False, "reason": "AssertionError", "seconds": 1.0}
    right = "                distance = abs(elem - elem2)"  # HumanEval/0/L3's canonical line
    results = {"single": {"rows": [
        {"task": "SingleLineInfilling/HumanEval/0/L3", "results": {"ghost": {**row, "text": right}}},
        {"task": "SingleLineInfilling/HumanEval/0/L7",
         "results": {"ghost": {**row, "text": "    )))]]]}}} ;;;; @@@@ ~~~~"}}},
        {"task": "SingleLineInfilling/HumanEval/2/L0",
         "results": {"ghost": {**row, "passed": True, "text": "    return number % 1.0"}}},
    ]}}
    path = tmp_path / "run.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    result = run_script("humaneval_likelihood.py", "--results", str(path), "--model", tiny_model)
    assert result["failures"] == 2
    same, noise = result["tasks"]
    assert same["answer"] == same["canonical"]
    assert same["answerLogprob"] == same["canonicalLogprob"] < 0
    assert same["searchError"] is False and same["canonicalRankAtFork"] is None
    assert noise["searchError"] is True
    assert noise["canonicalLogprob"] - noise["answerLogprob"] > 10
    assert result["searchErrors"] == 1 and result["modelErrors"] == 1


def test_typed_through(tiny_model: str) -> None:
    result = run_script("typed_through.py", "--limit", "4", "--typed", "1", "--model", tiny_model)
    summary = result["byTyped"]["1"]
    typed_rows = [row for row in result["rows"] if "1" in row["byTyped"]]
    entries = [row["byTyped"]["1"] for row in typed_rows]
    assert summary["n"] == len(entries) >= 1
    # typing the suggestion's first character is answered with the rest, from the cache
    assert summary["reusedSources"] == {"cache": len(entries)}
    for row, entry in zip(typed_rows, entries, strict=True):
        assert entry["typed"] + entry["reused"]["text"] == row["suggestions"]["1"].split("\n")[0]
        assert entry["fresh"]["source"] != "cache"  # asked again after clearing the cache
    reused = sum(1 for entry in entries if entry["reused"]["passed"])
    assert summary["reusedPassAt1"] == round(reused / len(entries), 3)


def test_flash_attention(tiny_model: str) -> None:
    source = Path(json.__file__).parent / "decoder.py"  # real code, offline
    result = run_script("flash_attention.py", "--model", tiny_model, "--files", str(source),
                        "--per-file", "2", "--max-tokens", "4")
    rows, summary = result["rows"], result["summary"]
    assert summary["prompts"] == len(rows) == 2
    for row in rows:
        for system in ("off", "on"):
            assert row[system]["promptTokens"] > 20  # read from scratch, not from the cache
            assert 1 <= row[system]["generatedTokens"] <= 4
        assert row["sameText"] == (row["off"]["text"] == row["on"]["text"])
    assert summary["textsDiffering"] == sum(1 for row in rows if not row["sameText"])
    assert summary["onOverOffGenerateMsPerTokenPaired"]["n"] >= 1


@pytest.mark.skipif(not (BIN / "llama-bench").is_file(),
                    reason="llama-bench is not built (bench/setup_llama_cpp.sh)")
def test_prompt_speed(tiny_model: str) -> None:
    result = run_script("prompt_speed.py", "--model", tiny_model, "--prompt-tokens", "96",
                        "--chunks", "16,32", "--rounds", "2", "--cancels", "1",
                        "--cancel-after", "0")
    assert result["llamaBench"]["pp96"]["n"] == 2
    for size in ("16", "32"):
        chunk = result["chunks"][size]
        assert [read["round"] for read in chunk["reads"]] == [0, 1]
        assert all(60 <= read["tokens"] <= 96 for read in chunk["reads"])  # whole lines in 96
        assert chunk["overLlamaBenchSameRound"]["n"] == 2
        assert chunk["llamaBenchPpOverPpPrompt"]["n"] == 2
        (cancel,) = chunk["cancels"]
        assert cancel["stopReason"] == "cancelled"
        assert cancel["tokensKept"] % int(size) == 0  # whole chunks only
        assert chunk["cancelsThatStopped"] == 1


def test_typing_replay(tiny_model: str) -> None:
    source = Path(json.__file__).parent / "decoder.py"  # real code, offline
    systems = "ghost,naive"
    extra = ["--no-floor"]
    if (BIN / "llama-server").is_file() and (BIN / "llama-bench").is_file():
        systems += ",llama-server"
        extra = ["--floor-prompt-sizes", "16", "--floor-reps", "1", "--floor-depths", "64"]
    result = run_script(
        "typing_replay.py", "--model", tiny_model, "--files", str(source),
        "--lines", "2", "--window-lines", "8", "--interval-ms", "40", "--systems", systems,
        "--rounds", "2", *extra,
    )
    assert result["replay"][0]["language"] == "python" and result["replay"][0]["midFile"]
    orders = [entry["order"] for entry in result["schedule"]]
    assert len(orders) == 2 and orders[0] != orders[1]  # the system order rotates per round
    ghost = result["systems"]["ghost"]
    assert ghost["perRoundP50Ms"]["n"] == 2
    assert ghost["keystrokes"] > 10 and ghost["pauses"] >= 1
    assert ghost["timeToSuggestionMs"]["n"] == ghost["pauses"] - ghost["pausesNotAnswered"]
    assert ghost["timeToSuggestionMs"]["p50"] > 0
    # every answered pause came from the model or through the cache, and only the model's
    # are set against the floor
    model_pauses = ghost["modelPauseTimeToSuggestionMs"].get("n", 0)
    assert model_pauses + ghost["cachePauses"] == ghost["timeToSuggestionMs"]["n"]
    assert ghost["noModelProbe"]["modelCallsDuring"] == 0
    assert 0 <= ghost["modelCallsPerKeystroke"] <= 1.5
    naive = result["systems"]["naive"]
    assert naive["tokensEvaluatedPerModelCall"] > ghost["tokensEvaluatedPerModelCall"]
    assert result["ratios"]["ghostP50OverNaiveP50"] is not None
    if "llama-server" in systems:
        server = result["systems"]["llama-server"]
        assert server["mode"] == "completion" and server["timeToSuggestionMs"]["n"] >= 1
        assert result["floor"]["perPauseMs"]["n"] >= 1
        assert result["ratios"]["perRound"]["ghostModelPauses/floor"]["n"] >= 1
        per_pause = result["floor"]["latencyOverFloorPerPause"]  # one ratio per floored pause
        assert per_pause["n"] == result["floor"]["perPauseMs"]["n"]
        assert set(result["floor"]["tgByDepth"]) == {"0", "64"}
        assert result["floor"]["perPauseMsAtDepth"]["n"] == result["floor"]["perPauseMs"]["n"]
        assert result["floor"]["latencyOverFloorAtDepthPerPause"]["n"] == per_pause["n"]
    # each pause broken down: the server's own times for the model-answered ones
    pauses = [p for run in result["runs"] if run["system"] == "ghost" for p in run["pauses"]]
    assert len(pauses) == ghost["pauses"]
    model = [p for p in pauses if p["source"] == "model"]
    assert len(model) == model_pauses
    assert all(p["promptMs"] is not None and p["serverMs"] >= p["generateMs"] for p in model)


needs_llama_server = pytest.mark.skipif(
    not (BIN / "llama-server").is_file(), reason="llama-server is not built (bench/setup_llama_cpp.sh)"
)


@needs_llama_server
def test_typing_replay_ghost_and_llama_vim_on_the_same_llama_server(fim_model: str) -> None:
    source = Path(json.__file__).parent / "decoder.py"
    result = run_script(
        "typing_replay.py", "--model", fim_model, "--files", str(source), "--lines", "2",
        "--interval-ms", "40", "--systems", "ghost-llama-server,llama-server", "--rounds", "1",
        "--no-floor", "--max-tokens", "16",
        "--llama-server-variant", 'np1={"slots": 1, "timeLimits": false}', timeout=600,
    )
    ghost = result["systems"]["ghost-llama-server"]
    assert ghost["settings"]["backend"] == "llama-server", ghost["settings"]
    assert ghost["timeToSuggestionMs"]["n"] == ghost["pauses"] - ghost["pausesNotAnswered"] >= 1
    server = ghost["server"]
    assert "--metrics" in server["command"]
    assert server["promptTokensTotal"] > 0 and server["tokensPredictedTotal"] > 0
    per_keystroke = round(server["promptTokensTotal"] / ghost["keystrokes"], 1)
    assert server["tokensEvaluatedPerKeystroke"] == per_keystroke
    vim = result["systems"]["llama-server"]
    assert vim["mode"] == "infill" and vim["counters"]["promptTokensTotal"] > 0
    assert " -np " not in vim["command"] and vim["stop"] == [] and vim["timeLimits"] is True
    swept = result["systems"]["llama-server-np1"]  # the variant: -np 1, newline stop, no limits
    assert " -np 1 " in f" {swept['command']} " and swept["stop"] == ["\n"]
    assert swept["timeLimits"] is False
    best = result["ratios"]["bestLlamaServer"]
    assert best["system"] in ("llama-server", "llama-server-np1")
    assert best["p50"] == result["systems"][best["system"]]["timeToSuggestionMs"]["p50"]


def test_team_backend(fim_model: str) -> None:
    source = Path(json.__file__).parent / "decoder.py"  # real code, offline
    result = run_script(
        "team_backend.py", "--editors", "1,2", "--file", str(source), "--keystrokes", "8",
        "--pause-every", "4", "--max-tokens", "8", timeout=600,
    )
    assert [run["editors"] for run in result["runs"]] == [1, 2]
    for run in result["runs"]:
        assert len(run["users"]) == run["editors"]
        assert all(not user["failure"] for user in run["users"])
        assert run["pauses"] == 2 * run["editors"]
        assert run["pooledTimeToSuggestionMs"]["n"] == run["pauses"] - run["pausesNotAnswered"]
        assert run["modelCalls"] >= 1


def test_crossfile(tiny_model: str, tmp_path: Path) -> None:
    if not (BENCH / "context" / "crossfile_dataset.py").is_file():
        pytest.skip("bench/context/crossfile_dataset.py has not landed")
    package = tmp_path / "tinypkg"
    (package / "tinypkg").mkdir(parents=True)
    (package / "tinypkg" / "__init__.py").write_text("")
    (package / "tinypkg" / "shapes.py").write_text(textwrap.dedent('''
        def make_square(side: float) -> dict:
            """A square of the given side."""
            return {"kind": "square", "side": side}
    '''))
    (package / "tinypkg" / "app.py").write_text(textwrap.dedent('''
        from tinypkg.shapes import make_square


        def main() -> None:
            shape = make_square(2.0)
            print(shape)
    '''))
    result = run_script("crossfile.py", "--source", str(package), "--limit", "2",
                        "--model", tiny_model)
    scores = result["scores"]
    assert scores["n"] >= 1
    for variant in ("with", "without"):
        assert 0.0 <= scores[variant]["exactMatch"] <= 1.0
        assert 0.0 <= scores[variant]["editSimilarity"]["mean"] <= 1.0


def test_similar_windows(tmp_path: Path) -> None:
    package = tmp_path / "tinypkg"
    (package / "tinypkg").mkdir(parents=True)
    (package / "tinypkg" / "shapes.py").write_text(textwrap.dedent('''
        def make_square(side: float) -> dict:
            return {"kind": "square", "side": side}
    '''))
    usage = textwrap.dedent('''
        from tinypkg.shapes import make_square


        def area_of_two(side: float) -> float:
            first = make_square(side)
            return first["side"] ** 2
    ''')
    (package / "tinypkg" / "app.py").write_text(usage)
    (package / "tinypkg" / "copy.py").write_text(usage.replace("area_of_two", "area_again"))
    result = run_script("context/similar_windows.py", "--source", str(package), "--window", "4",
                        "--stride", "2", "--query", "2")
    rows = result["rows"]
    assert result["summary"]["records"] == len(rows) == 2  # make_square used in app.py and copy.py
    for row in rows:
        other = "tinypkg/copy.py" if row["path"] == "tinypkg/app.py" else "tinypkg/app.py"
        assert row["window"].startswith(other)  # the twin file, never the record's own
        assert row["containsExpected"] is True
    assert result["summary"]["bestWindowContainsExpected"] == 2


def _sdist_vocab() -> Path | None:
    for root in (Path("/tmp/sdist/llama_cpp_python-0.3.36"),
                 BENCH / ".work" / "llama_cpp_python-0.3.36"):
        if (root / SDIST_VOCAB).is_file():
            return root
    return None


def test_make_fim_model(tmp_path: Path) -> None:
    if _sdist_vocab() is None:
        pytest.skip("no unpacked llama-cpp-python sdist (bench/setup_llama_cpp.sh)")
    out = tmp_path / "tiny.gguf"
    done = subprocess.run(
        [sys.executable, str(BENCH / "make_fim_model.py"), "--preset", "tiny", "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["check"]["fimTokenIds"] == [151659, 151661, 151660]
    assert summary["check"]["sampleTokens"] > 0


def test_setup_llama_cpp_is_idempotent() -> None:
    if not ((BIN / "llama-server").is_file() and (BIN / "llama-bench").is_file()):
        pytest.skip("llama.cpp tools not built (slow; run bench/setup_llama_cpp.sh)")
    done = subprocess.run(["bash", str(BENCH / "setup_llama_cpp.sh")], capture_output=True,
                          text=True, timeout=60, check=False)
    # the build lives in ~/.cache/ghost-ls, linked as bench/.work/llama.cpp-build
    assert done.returncode == 0, done.stderr[-2000:]
    assert Path(done.stdout.strip()).resolve() == BIN.resolve()


@needs_llama_server
def test_team_backend_counts_what_llama_server_evaluated(fim_model: str) -> None:
    source = Path(json.__file__).parent / "decoder.py"
    result = run_script(
        "team_backend.py", "--editors", "2", "--file", str(source), "--keystrokes", "8",
        "--pause-every", "4", "--max-tokens", "8", "--server", "llama-server",
        "--ghost-backend", "llama-server", timeout=600,
    )
    (run,) = result["runs"]
    assert all(not user["failure"] for user in run["users"])
    work = run["serverWork"]
    assert work["keystrokes"] == 16
    assert work["promptTokens"] > 0 and work["generatedTokens"] > 0
    assert work["promptTokensPerKeystroke"] == round(work["promptTokens"] / 16, 1)
