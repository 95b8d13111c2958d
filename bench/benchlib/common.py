"""Small helpers every benchmark uses: paths, logging, percentiles, machine facts, JSON out."""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
WORK = BENCH / ".work"
VENV_BIN = ROOT / ".venv" / "bin"


def log(message: str) -> None:
    """Progress goes to stderr; stdout is for the JSON result only."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def sign_test(wins: int, losses: int) -> float | None:
    """Two-sided exact sign test p-value of paired wins and losses (ties left out);
    None when there are none."""
    n = wins + losses
    if n == 0:
        return None
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1)) / 2**n
    return round(min(1.0, 2 * tail), 4)


def summary(values: Sequence[float], digits: int = 1) -> dict[str, Any]:
    """n, p50, p95, mean, min, max of ``values`` (rounded)."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, digits)

    return {
        "n": len(values),
        "p50": rounded(percentile(values, 0.5)),
        "p95": rounded(percentile(values, 0.95)),
        "mean": rounded(statistics.fmean(values)) if values else None,
        "min": rounded(min(values)) if values else None,
        "max": rounded(max(values)) if values else None,
    }


def ratio(numerator: float | None, denominator: float | None, digits: int = 3) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, digits)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """What the numbers were measured on (other processes may share these cores)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 0
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpus": cpus,
        "cpuModel": cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadAverage1m": round(load[0], 2),
    }


def git_state() -> dict[str, Any]:
    """The commit measured, and how many files under server/ differ from it (uncommitted)."""

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return out.stdout.strip()

    dirty = [line for line in git("status", "--porcelain", "--", "server").splitlines() if line]
    return {"commit": git("rev-parse", "--short", "HEAD"), "serverFilesUncommitted": len(dirty)}


def header(name: str) -> dict[str, Any]:
    now = datetime.datetime.now(datetime.timezone.utc)
    return {"benchmark": name, "date": now.isoformat(timespec="seconds"), "machine": machine(),
            "git": git_state()}


def emit(result: dict[str, Any], json_out: Path | None) -> None:
    """Print ``result`` as JSON on stdout and optionally write it to ``json_out``."""
    text = json.dumps(result, indent=2, sort_keys=False)
    print(text)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text + "\n")
        log(f"wrote {json_out}")


def resolve_model(name: str) -> Path:
    """A catalog name (via ``ghost-ls models path``) or a path to a ``.gguf`` file."""
    if name.endswith(".gguf") or os.sep in name:
        path = Path(name).expanduser().resolve()
        if not path.is_file():
            raise SystemExit(f"model file not found: {path}")
        return path
    ghost = VENV_BIN / "ghost-ls"
    command = [str(ghost)] if ghost.exists() else [sys.executable, "-m", "ghost_ls"]
    out = subprocess.run(
        [*command, "models", "path", name], capture_output=True, text=True, check=False
    )
    path = Path(out.stdout.strip())
    if out.returncode != 0 or not path.is_file():
        raise SystemExit(f"model {name!r} not available: {out.stderr.strip() or out.stdout}")
    return path


def levenshtein(a: str, b: str) -> int:
    """Edit distance between ``a`` and ``b`` (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def edit_similarity(got: str, expected: str) -> float:
    """1 - Levenshtein distance / the longer length (1.0 for two empty strings)."""
    longest = max(len(got), len(expected))
    return 1.0 if longest == 0 else 1.0 - levenshtein(got, expected) / longest
