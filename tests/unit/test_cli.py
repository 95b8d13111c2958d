"""The command line: complete, models, doctor, and their errors (real model)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ghost_ls", *args], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )


@pytest.mark.model
def test_complete_prints_a_model_suggestion() -> None:
    result = run("complete", "examples/demo.py", "--line", "13", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == "line"
    assert report["completion"].strip()
    assert report["generatedTokens"] > 0


def test_complete_rejects_a_line_outside_the_file() -> None:
    result = run("complete", "examples/demo.py", "--line", "999")
    assert result.returncode == 1
    assert "--line must be between 1 and" in result.stderr


def test_complete_refuses_binary_files(tmp_path: Path) -> None:
    blob = tmp_path / "blob.py"
    blob.write_bytes(b"\x00\x01\x02" * 100)
    result = run("complete", str(blob), "--line", "1")
    assert result.returncode == 1 and "binary" in result.stderr


def test_models_list_and_path() -> None:
    listing = run("models", "list")
    assert listing.returncode == 0
    assert "gemma3-270m" in listing.stdout and "qwen2.5-coder-1.5b-instruct" in listing.stdout
    listed = {entry["name"]: entry for entry in json.loads(run("models", "list", "--json").stdout)}
    default = listed["qwen2.5-coder-1.5b-instruct"]
    assert {"source": "registry", "promptFormat": "qwen"}.items() <= default.items()
    assert listed["gemma3-270m"]["source"] == "registry" and "embedded" not in listed["gemma3-270m"]
    path = run("models", "path", "gemma3-270m")
    assert path.returncode == 0 and path.stdout.strip().endswith("gemma-3-270m-q4_k_m.gguf")


def test_models_path_of_a_model_not_downloaded_says_what_to_run(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ghost_ls", "models", "path", "qwen2.5-coder-0.5b"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"GHOST_LS_MODELS_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "ghost-ls models pull qwen2.5-coder-0.5b" in result.stderr


@pytest.mark.model
def test_doctor_reports_the_model_and_languages() -> None:
    result = run("doctor", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"]["state"] == "ready"
    assert report["model"]["testCompletion"]
    assert isinstance(report["llamaCpp"]["gpuOffloadSupported"], bool)
    assert all(report["treeSitterLanguages"].values())
    assert report["settings"]["model"] == "qwen2.5-coder-1.5b-instruct"
    assert report["model"]["promptFormat"] == "qwen"
    model = report["model"]
    assert model["promptTokensPerSecond"] > 0 and model["generatedTokensPerSecond"] > 0
    expected = 1024 / model["promptTokensPerSecond"] + 16 / model["generatedTokensPerSecond"]
    assert abs(model["speed"]["newPlaceSeconds"] - expected) < 0.2  # the verdict uses what was measured
    assert model["speed"]["tooSlow"] == (model["speed"]["newPlaceSeconds"] > 8)
