"""The ``bench`` marker (smoke runs of the scripts in bench/) and the FIM model they share."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "bench: smoke runs of the bench/ scripts with tiny sizes (real model, minutes)"
    )


@pytest.fixture(scope="module")
def fim_model() -> str:
    """The 0.5B FIM model's file (installed by scripts/test.sh)."""
    done = subprocess.run(
        [sys.executable, "-m", "ghost_ls", "models", "path", "qwen2.5-coder-0.5b-instruct"],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0 or not Path(done.stdout.strip()).is_file():
        pytest.skip("qwen2.5-coder-0.5b-instruct is not available")
    return done.stdout.strip()
