"""Run a candidate program and its tests in a throwaway directory, killed on timeout.

The program runs in a fresh ``python -I`` (isolated: no user site, no PYTHON* env, no
current directory on sys.path) in its own temporary directory and process group, with
a minimal environment; on timeout the whole group is killed.  This is a guard against
accidents (infinite loops, stray files), not a security boundary.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path


def run_program(source: str, timeout: float = 10.0) -> tuple[bool, str]:
    """(passed, reason): passed when the program exits 0 within ``timeout`` seconds."""
    with tempfile.TemporaryDirectory(prefix="ghost-bench-") as folder:
        path = Path(folder) / "program.py"
        path.write_text(source, encoding="utf-8")
        env = {"PATH": "/usr/bin:/bin", "HOME": folder, "PYTHONHASHSEED": "0"}
        process = subprocess.Popen(
            [sys.executable, "-I", str(path)], cwd=folder, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return False, "timeout"
        if process.returncode == 0:
            return True, "passed"
        last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
        return False, last[0][:200]
