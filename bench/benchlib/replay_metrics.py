"""Numbers of a typing replay: time-to-suggestion, work per keystroke, overheads, floor.

Each function takes the answers of one or more runs (pooled) and the counters summed
over those runs (``delta``/``http_delta`` of each run's before/after, then ``add``);
``spread`` and ``over_rounds`` turn per-round p50s and ratios into median/min/max.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from benchlib.common import ratio, summary
from benchlib.drivers import Answer

COUNTERS = ("requests", "modelCalls", "cacheHits", "joined", "cancelled", "tokensEvaluatedTotal",
            "tokensReusedTotal", "tokensGeneratedTotal")


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    return {
        key: after[key] - before.get(key, 0)
        for key in COUNTERS
        if isinstance(after.get(key), int | float)
    }


def http_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """llama-server's ``/metrics`` counters the replay reads, as after - before."""
    return {key: after.get(key, 0) - before.get(key, 0)
            for key in ("prompt_tokens_total", "tokens_predicted_total")}


def add(total: dict[str, float], counters: Mapping[str, float]) -> dict[str, float]:
    """``total`` += ``counters`` key by key (in place; returned)."""
    for key, value in counters.items():
        total[key] = total.get(key, 0) + value
    return total


def p50(values: Iterable[float]) -> float | None:
    ordered = list(values)
    return summary(ordered)["p50"] if ordered else None


def spread(values: list[float | None], digits: int = 3) -> dict[str, Any]:
    """Median, min and max of per-round values (rounds without a value are left out)."""
    present = [v for v in values if v is not None]
    if not present:
        return {"n": 0, "median": None, "min": None, "max": None, "perRound": values}
    return {"n": len(present), "median": round(statistics.median(present), digits),
            "min": round(min(present), digits), "max": round(max(present), digits),
            "perRound": values}


def pause_latencies(answers: list[Answer]) -> list[float]:
    return [a.latency_ms for a in answers if a.pause and a.status == "answered"
            and a.latency_ms is not None]


def model_pause_latencies(answers: list[Answer]) -> list[float]:
    """Pause latencies of the pauses the model answered (not the typing-through cache,
    nor a generation the typing had followed, which answers through the cache): the
    pauses the compute floor is computed for."""
    return [a.latency_ms for a in answers if a.pause and a.status == "answered"
            and a.latency_ms is not None and a.source != "cache"]


def common_metrics(answers: list[Answer], keystrokes: int) -> dict[str, Any]:
    """What every system gets: time-to-suggestion at pauses, answers while typing."""
    pauses = [a for a in answers if a.pause]
    typing = [a for a in answers if not a.pause]
    answered_typing = [a for a in typing if a.status == "answered"]
    return {
        "keystrokes": keystrokes,
        "pauses": len(pauses),
        "timeToSuggestionMs": summary(pause_latencies(answers)),
        "pausesWithSuggestion": sum(1 for a in pauses if a.status == "answered" and a.text),
        "pausesNotAnswered": sum(1 for a in pauses if a.status != "answered"),
        "typingAnsweredBeforeNextKey": ratio(len(answered_typing), len(typing)),
        "typingAnswerMs": summary([a.latency_ms for a in answered_typing if a.latency_ms]),
        "errors": sum(1 for a in answers if a.status == "error"),
        "samplePauseMs": [round(x) for x in pause_latencies(answers)][:200],
    }


def lsp_metrics(
    answers: list[Answer], keystrokes: int, counters: dict[str, float], *, overhead: bool = True,
) -> dict[str, Any]:
    """ghost-ls / naive server: counters from their status request, overheads.

    Server overhead = pause latency minus ``lastLatencyMs`` (ghost-ls times the model job
    from before it is queued to its result), i.e. transport, context building, cache
    lookup and response building.  Not meaningful for the naive server, whose
    ``lastLatencyMs`` leaves out the wait behind an earlier uninterruptible job.
    """
    result = common_metrics(answers, keystrokes)
    calls = counters.get("modelCalls", 0)
    hits = counters.get("cacheHits", 0)
    model_pauses = [a for a in answers if a.pause and a.status == "answered"
                    and a.source != "cache" and "lastLatencyMs" in a.extra]
    outside = [a.latency_ms - a.extra["lastLatencyMs"] for a in model_pauses
               if a.latency_ms is not None and overhead]
    cache_answers = [a.latency_ms for a in answers if a.source == "cache" and a.latency_ms]
    result.update(
        counters=counters,
        modelCallsPerKeystroke=ratio(calls, keystrokes),
        cacheHitRate=ratio(hits, hits + calls),
        tokensEvaluatedPerModelCall=ratio(counters.get("tokensEvaluatedTotal"), calls, 1),
        tokensEvaluatedPerKeystroke=ratio(counters.get("tokensEvaluatedTotal"), keystrokes, 1),
        tokensEvaluatedPerPause=summary(
            [a.extra["lastEvaluatedTokens"] for a in model_pauses
             if "lastEvaluatedTokens" in a.extra], 0),
        generatedTokensPerPause=summary(
            [a.extra["generatedTokens"] for a in model_pauses if "generatedTokens" in a.extra], 0),
        modelPauseTimeToSuggestionMs=summary(model_pause_latencies(answers)),
        cachePauses=sum(1 for a in answers if a.pause and a.status == "answered"
                        and a.source == "cache"),
        serverOverheadMs=summary(outside, 2),
        typingThroughCacheMs=summary(cache_answers, 2),
        typingThroughCacheAnswers=len(cache_answers),
    )
    return result


def http_metrics(answers: list[Answer], keystrokes: int, counters: dict[str, float]) -> dict[str, Any]:
    """llama-server: prompt tokens and cache reuse from each answer and ``/metrics`` (``http_delta``)."""
    result = common_metrics(answers, keystrokes)
    pauses = [a for a in answers if a.pause and a.status == "answered"]
    evaluated = counters.get("prompt_tokens_total", 0)
    predicted = counters.get("tokens_predicted_total", 0)
    result.update(
        counters={"promptTokensTotal": evaluated, "tokensPredictedTotal": predicted},
        tokensEvaluatedPerKeystroke=ratio(evaluated, keystrokes, 1),
        tokensEvaluatedPerPause=summary(
            [a.extra["promptEvaluated"] for a in pauses
             if a.extra.get("promptEvaluated") is not None], 0),
        tokensCachedPerPause=summary(
            [a.extra["tokensCached"] for a in pauses if a.extra.get("tokensCached") is not None],
            0),
        generatedTokensPerPause=summary(
            [a.extra["generated"] for a in pauses if a.extra.get("generated") is not None], 0),
    )
    return result


def speed_at_depth(by_depth: dict[str, float], depth: float) -> float:
    """Generation tok/s after ``depth`` tokens of context: linear between llama-bench's
    measured depths, the nearest one's outside them."""
    points = sorted((int(d), speed) for d, speed in by_depth.items())
    if depth <= points[0][0]:
        return points[0][1]
    for (d0, s0), (d1, s1) in itertools.pairwise(points):
        if depth <= d1:
            return s0 + (s1 - s0) * (depth - d0) / (d1 - d0)
    return points[-1][1]


def floor_metrics(
    answers: list[Answer], pp: float, tg: float, count_tokens: Callable[[str], int],
    pp_small: float | None = None, max_tokens: int = 64,
    tg_by_depth: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Compute floor of ghost-ls' own model-answered pauses: new prompt tokens / pp + generated / tg.

    ``pp`` is llama-bench's prompt speed at its largest batch (the usual definition);
    ``pp_small`` (its smallest batch, e.g. 32) gives a second, less flattering floor for
    the few-token evaluations that KV reuse leaves.  Generated tokens come from
    ``lastGeneratedTokens`` when the server reports it, else they are estimated as the
    tokens of the suggestion plus the one that stopped it, at most ``max_tokens``.
    ``tg_by_depth`` (llama-bench ``-d``) gives a third floor, ``perPauseMsAtDepth``: each
    pause's tokens generated at the speed llama.cpp has at that pause's depth (its
    prompt tokens plus half the generated ones) instead of at an empty context.
    ``latencyOverFloorPerPause``: each pause's time-to-suggestion over its own floor,
    a paired ratio that a few pauses moving across the median cannot swing;
    ``latencyOverFloorAtDepthPerPause`` the same over its floor at depth.
    """
    floors, small, deep, over, over_deep = [], [], [], [], []
    estimated = 0
    for answer in answers:
        if not (answer.pause and answer.status == "answered" and answer.source != "cache"):
            continue
        if "lastEvaluatedTokens" not in answer.extra:
            continue
        generated = answer.extra.get("generatedTokens")
        if generated is None:
            estimated += 1
            generated = min(count_tokens(answer.text) + 1, max_tokens)
            answer.extra["generatedTokens"] = generated
        evaluated = answer.extra["lastEvaluatedTokens"]
        floors.append(1000 * (evaluated / pp + generated / tg))
        if answer.latency_ms is not None:
            over.append(answer.latency_ms / floors[-1])
        if pp_small:
            small.append(1000 * (evaluated / pp_small + generated / tg))
        if tg_by_depth and "lastPromptTokens" in answer.extra:
            depth = answer.extra["lastPromptTokens"] + generated / 2
            deep.append(1000 * (evaluated / pp + generated / speed_at_depth(tg_by_depth, depth)))
            if answer.latency_ms is not None:
                over_deep.append(answer.latency_ms / deep[-1])
    return {"perPauseMs": summary(floors), "perPauseMsSmallBatchPp": summary(small),
            "perPauseMsAtDepth": summary(deep), "generatedTokensEstimated": estimated,
            "latencyOverFloorPerPause": summary(over, 3),
            "latencyOverFloorAtDepthPerPause": summary(over_deep, 3)}
