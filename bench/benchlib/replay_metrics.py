"""Numbers of one typing replay: time-to-suggestion, work per keystroke, overheads, floor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchlib.common import ratio, summary
from benchlib.drivers import Answer

COUNTERS = ("requests", "modelCalls", "cacheHits", "cancelled", "tokensEvaluatedTotal",
            "tokensReusedTotal")


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    return {
        key: after[key] - before.get(key, 0)
        for key in COUNTERS
        if isinstance(after.get(key), int | float)
    }


def pause_latencies(answers: list[Answer]) -> list[float]:
    return [a.latency_ms for a in answers if a.pause and a.status == "answered"
            and a.latency_ms is not None]


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
    answers: list[Answer], keystrokes: int, before: dict[str, Any], after: dict[str, Any],
    *, overhead: bool = True,
) -> dict[str, Any]:
    """ghost-ls / naive server: counters from their status request, overheads.

    Server overhead = pause latency minus ``lastLatencyMs`` (ghost-ls times the model job
    from before it is queued to its result), i.e. transport, context building, cache
    lookup and response building.  Not meaningful for the naive server, whose
    ``lastLatencyMs`` leaves out the wait behind an earlier uninterruptible job.
    """
    result = common_metrics(answers, keystrokes)
    counters = delta(before, after)
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
        serverOverheadMs=summary(outside, 2),
        typingThroughCacheMs=summary(cache_answers, 2),
        typingThroughCacheAnswers=len(cache_answers),
    )
    return result


def http_metrics(
    answers: list[Answer], keystrokes: int, before: dict[str, float], after: dict[str, float]
) -> dict[str, Any]:
    """llama-server: prompt tokens and cache reuse from each answer and from /metrics."""
    result = common_metrics(answers, keystrokes)
    pauses = [a for a in answers if a.pause and a.status == "answered"]
    evaluated = after.get("prompt_tokens_total", 0) - before.get("prompt_tokens_total", 0)
    predicted = after.get("tokens_predicted_total", 0) - before.get("tokens_predicted_total", 0)
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


def floor_metrics(
    answers: list[Answer], pp: float, tg: float, count_tokens: Callable[[str], int],
    pp_small: float | None = None, max_tokens: int = 64,
) -> dict[str, Any]:
    """Compute floor of ghost-ls' own model-answered pauses: new prompt tokens / pp + generated / tg.

    ``pp`` is llama-bench's prompt speed at its largest batch (the usual definition);
    ``pp_small`` (its smallest batch, e.g. 32) gives a second, less flattering floor for
    the few-token evaluations that KV reuse leaves.  Generated tokens come from
    ``lastGeneratedTokens`` when the server reports it, else they are estimated as the
    tokens of the suggestion plus the one that stopped it, at most ``max_tokens``.
    """
    floors, small = [], []
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
        if pp_small:
            small.append(1000 * (evaluated / pp_small + generated / tg))
    return {"perPauseMs": summary(floors), "perPauseMsSmallBatchPp": summary(small),
            "generatedTokensEstimated": estimated}
