"""bench/benchlib/replay_metrics.py: the typing replay's compute floor at each pause's depth."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from benchlib.drivers import Answer  # noqa: E402
from benchlib.replay_metrics import floor_metrics, speed_at_depth  # noqa: E402

SPEEDS = {"0": 30.0, "512": 25.0, "1024": 20.0}


def test_generation_speed_is_interpolated_between_measured_depths() -> None:
    assert speed_at_depth(SPEEDS, 256) == 27.5
    assert speed_at_depth(SPEEDS, 768) == 22.5
    assert speed_at_depth(SPEEDS, 0) == 30.0
    assert speed_at_depth(SPEEDS, 4096) == 20.0  # past the deepest: its speed, not a guess


def test_the_floor_at_depth_generates_at_the_pauses_depth() -> None:
    answer = Answer(index=0, sent=0.0, pause=True, arrived=0.9, status="answered", text="x = 1")
    # 500 prompt tokens, 24 generated: the middle of the generation is at depth 512
    answer.extra.update(lastEvaluatedTokens=2, lastPromptTokens=500, generatedTokens=24)
    floor = floor_metrics([answer], pp=100.0, tg=30.0, count_tokens=len, tg_by_depth=SPEEDS)
    assert floor["perPauseMs"]["p50"] == 820.0  # 2 / 100 + 24 / 30 seconds
    assert floor["perPauseMsAtDepth"]["p50"] == 980.0  # 2 / 100 + 24 / 25 seconds
    # each pause over its own floor: 900 ms against 820 and against 980
    assert floor["latencyOverFloorPerPause"]["p50"] == round(900 / 820, 3)
    assert floor["latencyOverFloorAtDepthPerPause"]["p50"] == round(900 / 980, 3)
