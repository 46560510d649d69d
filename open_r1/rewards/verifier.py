"""Batch math verification: extraction, a memo shared by every math reward, an exact fast path, a process pool.

WHAT: `MathVerifier.check(golds, completions) -> list[Verdict]` decides, for each completion, whether its final
answer equals the gold. A `Verdict` carries `score` (1.0, 0.0, or None for "no signal"), a `status` ("ok",
"bad_gold", "timeout", "error", "crash") and what was parsed. `accuracy`, `length` and `cosine` all use it.

WHY: in GRPO the same prompt is sampled G = 16 times (DeepSeekMath arXiv 2402.03300 §4.1), so one gold serves
16 completions and many completions end in the same answer. Parsing each pair from scratch wastes most of the
work; letting one pathological answer stall the step wastes the whole GPU. So:
  - extraction: when a completion has an `<answer>` block (the DeepSeek-R1 template, arXiv 2501.12948 §2.2.1),
    only the content of the last block is parsed; the think block is full of intermediate numbers;
  - memo: verdicts are cached by (gold, mode, answer text) across calls and across rewards, so `length` and
    `cosine` after `accuracy` in the same step cost nothing;
  - fast path: a canonical integer answer against a canonical integer gold is decided by comparing integers,
    which is what math-verify concludes for them (a property test checks the two agree);
  - pool: everything else runs in worker processes (`_pool`), each sample under `timeout_s`; a sample that runs
    out of time gets None, never a hang.

HOW: for each completion -> (mode, text) with mode "answer" (block content, stripped) or "full" (the whole
completion). Known-bad golds -> None at once. Memo hits and fast-path pairs are settled in-thread (microseconds,
so they cannot break the budget). The remaining unique pairs go to the pool in one batch. Timeouts are memoised
with their budget and only reused for a budget that is not larger.

DATA FLOW: reward callables (accuracy.py, length.py) -> `shared_verifier(timeout_s, workers)` -> `check` ->
`_pool.BudgetedPool.run` -> `_mathworker.run_task` in a worker process -> verdicts back to the reward, which
maps them to rewards for TRL's GRPO advantage computation.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from open_r1.rewards._common import last_answer_block
from open_r1.rewards._pool import BudgetedPool

MODE_ANSWER = "answer"
MODE_FULL = "full"
_WORKER_SCRIPT = str(Path(__file__).with_name("_mathworker.py"))

# Integers that math-verify reads exactly as the integer they spell: no sign on zero, no leading zeros, no
# separators, and few enough digits that numeric tolerance cannot merge two of them.
_INT = r"(0|-?[1-9][0-9]{0,11})"
_FAST_ANSWER_RE = re.compile(rf"\$?\s*(?:\\boxed\{{\s*{_INT}\s*\}}|{_INT})\s*\$?")
_FAST_GOLD_RE = _FAST_ANSWER_RE


class Verdict(NamedTuple):
    score: float | None  # 1.0 correct, 0.0 wrong, None no signal
    status: str  # ok | bad_gold | timeout | error | crash
    mode: str  # answer | full
    parsed: str  # what math-verify extracted from the prediction ("" when unknown)


def answer_region(completion: str) -> tuple[str, str]:
    """Which text to parse: the last `<answer>` block's content if there is one, else the whole completion.

    >>> answer_region("<think>\\n2+2\\n</think>\\n<answer>\\n4\\n</answer>")
    ('answer', '4')
    >>> answer_region("so the answer is $\\\\boxed{4}$")
    ('full', 'so the answer is $\\\\boxed{4}$')
    """
    block = last_answer_block(completion)
    if block is not None:
        return MODE_ANSWER, block.strip()
    return MODE_FULL, completion


def _fast_int(text: str, pattern: re.Pattern[str]) -> int | None:
    match = pattern.fullmatch(text.strip())
    if match is None:
        return None
    # `$` must be balanced: `$7` is not the LaTeX `$7$`.
    stripped = text.strip()
    if stripped.startswith("$") != stripped.endswith("$") or stripped == "$":
        return None
    digits = match.group(1) if match.group(1) is not None else match.group(2)
    return int(digits)


def fast_verdict(gold: str, mode: str, text: str) -> Verdict | None:
    """Decide integer-vs-integer pairs without math-verify, or return None when the pair needs it."""
    if mode != MODE_ANSWER:
        return None
    gold_int = _fast_int(gold, _FAST_GOLD_RE)
    if gold_int is None:
        return None
    pred_int = _fast_int(text, _FAST_ANSWER_RE)
    if pred_int is None:
        return None
    return Verdict(1.0 if pred_int == gold_int else 0.0, "ok", mode, str(pred_int))


def default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


class _Memo:
    """A bounded LRU of verdicts keyed by (gold, mode, text digest), shared by every verifier in the process."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._data: OrderedDict[tuple[str, str, str], tuple[Verdict, float]] = OrderedDict()
        self._bad_golds: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(gold: str, mode: str, text: str) -> tuple[str, str, str]:
        # Long completions ("full" mode) are keyed by a digest so the memo's memory stays small.
        if len(text) > 256:
            text = "#" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        if len(gold) > 256:
            gold = "#" + hashlib.blake2b(gold.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        return gold, mode, text

    def get(self, key: tuple[str, str, str], budget_s: float) -> Verdict | None:
        with self._lock:
            if key[0] in self._bad_golds:
                self.hits += 1
                return Verdict(None, "bad_gold", key[1], "")
            found = self._data.get(key)
            # A timeout under a smaller budget says nothing about a larger one.
            if found is None or (found[0].status == "timeout" and budget_s > found[1]):
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: tuple[str, str, str], verdict: Verdict, budget_s: float) -> None:
        with self._lock:
            if verdict.status == "bad_gold":
                self._bad_golds[key[0]] = None
                if len(self._bad_golds) > 4096:
                    self._bad_golds.popitem(last=False)
                return
            if verdict.status == "crash":  # may be the machine, not the sample: try again next time
                return
            self._data[key] = (verdict, budget_s)
            if len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bad_golds.clear()
            self.hits = self.misses = 0


MEMO = _Memo()
_POOLS: dict[int, BudgetedPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(workers: int) -> BudgetedPool:
    """The process-wide pool with `workers` processes (created on first use, reused by every reward)."""
    workers = workers or default_workers()
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = _POOLS[workers] = BudgetedPool(_WORKER_SCRIPT, workers)
        return pool


class MathVerifier:
    """Verify completions against golds with memo, fast path and a budgeted process pool.

    Args:
        timeout_s: per-sample budget in seconds (parsing + verification); an overrun sample gets None.
        workers: worker processes; 0 means one per available core (at most 8).
    """

    def __init__(self, timeout_s: float = 5.0, workers: int = 0) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {timeout_s}")
        self.timeout_s = float(timeout_s)
        self.workers = int(workers)

    @property
    def pool(self) -> BudgetedPool:
        return shared_pool(self.workers)

    def warmup(self) -> None:
        """Start the worker processes now (they start on the first uncached sample otherwise)."""
        self.pool.warmup()

    def check(self, golds: list[str], completions: list[str]) -> list[Verdict]:
        """One verdict per (gold, completion) pair, in order. Never raises on content; never blocks past budgets."""
        verdicts: list[Verdict | None] = [None] * len(completions)
        todo: dict[tuple[str, str, str], list[int]] = {}
        tasks: list[tuple[str, str, str]] = []
        for i, (gold, completion) in enumerate(zip(golds, completions, strict=True)):
            gold = "" if gold is None else str(gold)
            mode, text = answer_region(completion)
            key = MEMO.key(gold, mode, text)
            cached = MEMO.get(key, self.timeout_s)
            if cached is not None:
                verdicts[i] = cached
                continue
            fast = fast_verdict(gold, mode, text)
            if fast is not None:
                MEMO.put(key, fast, self.timeout_s)
                verdicts[i] = fast
                continue
            if key not in todo:
                todo[key] = []
                tasks.append((gold, text, mode))
            todo[key].append(i)
        if tasks:
            results = self.pool.run(tasks, self.timeout_s)
            for (key, indices), (gold, text, mode), (status, score, shown) in zip(
                todo.items(), tasks, results, strict=True
            ):
                verdict = Verdict(score if status == "ok" else None, status, mode, shown)
                MEMO.put(key, verdict, self.timeout_s)
                for i in indices:
                    verdicts[i] = verdict
        return verdicts  # type: ignore[return-value]


_VERIFIERS: dict[tuple[float, int], MathVerifier] = {}


def shared_verifier(timeout_s: float = 5.0, workers: int = 0) -> MathVerifier:
    key = (float(timeout_s), int(workers))
    if key not in _VERIFIERS:
        _VERIFIERS[key] = MathVerifier(timeout_s, workers)
    return _VERIFIERS[key]
