"""Model error or search error? The model's likelihood of each failed answer vs the right one.

What it measures: for every task a system failed in a ``bench/humaneval.py --rows``
result, the log-probability the model gives, after the plain FIM prompt of that task
(the plain server's: 60 lines above, 20 below, PSM), to

- the failed answer (its first line of code on single-line tasks), and
- the canonical solution,

each followed by the line's end, along the spelling the model itself would write
(see ``Scorer.score``: scoring the tokenizer's spelling of a line on its own charges
artifacts, e.g. ``.`` then a newline where the model writes ``.\n``),

each as a whole and token by token, and where the two first differ, the rank the
model gave the canonical token there.  A failure where the canonical text is the more
likely one is a *search error*: greedy decoding missed a better answer the model
prefers overall, so a decoder or a re-ranker that follows the model's likelihood could
fix it.  Where the failed answer is the more likely one it is a *model error*: nothing
that decodes by the model's own preference will choose the canonical text; only more
information in the prompt, or a better model, can.  (Another correct answer the model
prefers may exist; the canonical line is one correct answer, so the split is a bound,
not a verdict on every task.)

Run:  .venv/bin/python bench/humaneval_likelihood.py \\
          --results bench/results/RUN.json [--results OTHER.json] --system ghost \\
          --json-out bench/results/DATE-humaneval-likelihood-MODEL.json
JSON on stdout, progress on stderr.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import math
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np

from baselines.naive_server import NaiveEngine, windows
from benchlib.common import emit, header, log, resolve_model
from humaneval import DATA, FILES, document_of


class Scorer:
    """Log-probabilities of continuations of one prompt, on a llama.cpp model."""

    def __init__(self, model: Path, threads: int) -> None:
        self.engine = NaiveEngine(str(model), threads=threads, context=4096, max_tokens=256)
        self.llm = self.engine.llm
        self.vocab = self.llm.n_vocab()
        self.prompt: list[int] = []
        self.pieces = [self.llm.detokenize([token]) for token in range(self.vocab)]
        self.by_piece = {piece: token for token, piece in enumerate(self.pieces) if piece}
        self.longest = max(len(piece) for piece in self.pieces)
        self.sorted_pieces = sorted((piece, token) for token, piece in enumerate(self.pieces) if piece)
        vocab = self.llm._model.vocab
        self.end_of_generation = [token for token in range(self.vocab)
                                  if llama_cpp.llama_vocab_is_eog(vocab, token)]

    def set_prompt(self, before: str, after: str) -> None:
        self.prompt = self.engine.prompt(before, after)
        self.llm.reset()
        self.llm.eval(self.prompt)

    def _last_logprobs(self) -> np.ndarray:
        """Log-probabilities of the next token after what was decoded last."""
        raw = np.ctypeslib.as_array(self.llm._ctx.get_logits(), shape=(self.vocab,))
        logits: np.ndarray = raw.astype(np.float64)
        top = float(logits.max())
        shifted: np.ndarray = logits - top
        return shifted - math.log(float(np.exp(shifted).sum()))

    def _finishing(self, rest: bytes) -> list[int]:
        """Tokens that spell all of ``rest`` (which ends with the newline) and maybe more."""
        tokens = []
        index = bisect.bisect_left(self.sorted_pieces, (rest, -1))
        while index < len(self.sorted_pieces) and self.sorted_pieces[index][0].startswith(rest):
            tokens.append(self.sorted_pieces[index][1])
            index += 1
        return tokens + (self.end_of_generation if rest == b"\n" else [])

    def score(self, text: str) -> list[tuple[int, float, int]]:
        """(token, log-probability, rank) for each token of ``text`` after the prompt,
        then (-1, log-probability of ending the line there, 0).

        The text is spelled as the tokenizer spells it, except at its end: a line on its
        own ends in a token the model would have merged with the newline (``.`` then a
        newline, where the model writes ``.\n``), so the last token and the newline are
        followed the way the model prefers: at each step the likeliest token that spells
        the next characters, until ending is likelier.  The line ends with every token
        that spells the rest including the newline (``.\n``, ``\n    ``), or an
        end-of-generation token once only the newline is left: their probabilities add.
        """
        # rewind to the prompt's last token and decode it again: its logits come back
        self.llm.n_tokens = len(self.prompt) - 1
        self.llm.eval(self.prompt[-1:])
        scored: list[tuple[int, float, int]] = []
        spelled = self.engine.tokens(text)
        for token in spelled[:-1]:
            logprobs = self._last_logprobs()
            scored.append((token, float(logprobs[token]), int((logprobs > logprobs[token]).sum()) + 1))
            self.llm.eval([token])
        rest = (self.pieces[spelled[-1]] if spelled else b"") + b"\n"
        while True:
            logprobs = self._last_logprobs()
            finishing = self._finishing(rest)
            ending = logprobs[finishing] if finishing else np.array([-math.inf])
            top = float(ending.max())
            end = top + math.log(float(np.exp(ending - top).sum())) if top > -math.inf else top
            steps = [self.by_piece[rest[:size]] for size in range(1, min(len(rest), self.longest + 1))
                     if rest[:size] in self.by_piece]
            if not steps or end >= max(logprobs[token] for token in steps):
                scored.append((-1, end, 0))
                return scored
            token = max(steps, key=lambda candidate: logprobs[candidate])
            rank = int((logprobs > logprobs[token]).sum()) + 1
            scored.append((token, float(logprobs[token]), rank))
            rest = rest[len(self.pieces[token]):]
            self.llm.eval([token])


def first_difference(answer: list[tuple[int, float, int]],
                     canonical: list[tuple[int, float, int]]) -> int | None:
    """The index of the first token where the two token sequences differ."""
    for index, (left, right) in enumerate(zip(answer, canonical, strict=False)):
        if left[0] != right[0]:
            return index
    return None if len(answer) == len(canonical) else min(len(answer), len(canonical))


def failed_rows(paths: list[Path], system: str) -> list[tuple[str, dict[str, Any]]]:
    """(subset, row) for every row of ``system`` that failed, first file first, no repeats."""
    seen: set[str] = set()
    found = []
    for path in paths:
        result = json.loads(path.read_text(encoding="utf-8"))
        for subset in FILES:
            for row in result.get(subset, {}).get("rows", []):
                if row["task"] in seen or row["results"][system]["passed"]:
                    continue
                seen.add(row["task"])
                found.append((subset, row))
    return found


def load_all(data: Path) -> dict[str, dict[str, Any]]:
    """Every task of both infilling sets, by task id."""
    tasks = {}
    for name in FILES.values():
        with gzip.open(data / name, "rt", encoding="utf-8") as stream:
            for line in stream:
                if line.strip():
                    task = json.loads(line)
                    tasks[task["task_id"]] = task
    return tasks


def judge(scorer: Scorer, subset: str, row: dict[str, Any], task: dict[str, Any],
          system: str) -> dict[str, Any]:
    text, line, column = document_of(task)
    before, after = windows(text.splitlines(keepends=True), line, column, 60, 20)
    scorer.set_prompt(before, after)
    answer = row["results"][system]["text"].lstrip("\n").rstrip()
    if subset == "single":
        answer = answer.split("\n", 1)[0]
    canonical = task["canonical_solution"].rstrip()
    answer_scored = scorer.score(answer)
    canonical_scored = scorer.score(canonical)
    fork = first_difference(answer_scored, canonical_scored)
    answer_lp = sum(lp for _, lp, _ in answer_scored)
    canonical_lp = sum(lp for _, lp, _ in canonical_scored)
    return {
        "task": row["task"], "subset": subset, "reason": row["results"][system]["reason"][:80],
        "answer": answer, "canonical": canonical,
        "answerLogprob": round(answer_lp, 3), "canonicalLogprob": round(canonical_lp, 3),
        "answerTokens": len(answer_scored), "canonicalTokens": len(canonical_scored),
        "canonicalRankAtFork": (canonical_scored[fork][2]
                                if fork is not None and fork < len(canonical_scored) else None),
        "searchError": canonical_lp > answer_lp,
        "searchErrorPerToken": (canonical_lp / max(1, len(canonical_scored))
                                > answer_lp / max(1, len(answer_scored))),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, action="append", required=True,
                        help="a bench/humaneval.py --rows result (repeatable)")
    parser.add_argument("--system", default="ghost", help="whose failures to judge")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    result = header("humaneval-likelihood")
    result["settings"] = {"results": [str(p) for p in args.results], "system": args.system,
                          "model": args.model}
    tasks = load_all(args.data)
    scorer = Scorer(resolve_model(args.model), args.threads)
    judged = []
    for subset, row in failed_rows(args.results, args.system):
        judged.append(judge(scorer, subset, row, tasks[row["task"]], args.system))
        log(f"{row['task']} search error: {judged[-1]['searchError']}")
    ranks = [j["canonicalRankAtFork"] for j in judged if j["canonicalRankAtFork"] is not None]
    result["failures"] = len(judged)
    result["searchErrors"] = sum(j["searchError"] for j in judged)
    result["searchErrorsPerToken"] = sum(j["searchErrorPerToken"] for j in judged)
    result["modelErrors"] = len(judged) - result["searchErrors"]
    result["canonicalRankAtForkAtMost"] = {str(k): sum(r <= k for r in ranks) for k in (2, 3, 5)}
    result["tasks"] = judged
    emit(result, args.json_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
