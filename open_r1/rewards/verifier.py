"""Batch math verification: extraction, a memo shared by every math reward, an exact fast path, a process pool.

WHAT: `MathVerifier.check(golds, completions) -> list[Verdict]` decides, for each completion, whether its final
answer equals the gold. A `Verdict` carries `score` (1.0, 0.0, or None for "no signal"), a `status` ("ok",
"bad_gold", "timeout", "error", "crash") and what was parsed. `accuracy`, `length` and `cosine` all use it.

WHY: in GRPO the same prompt is sampled G = 16 times (DeepSeekMath arXiv 2402.03300 §4.1), so one gold serves
16 completions and many completions end in the same answer. Parsing each pair from scratch wastes most of the
work; letting one pathological answer stall the step wastes the whole GPU. So:
  - extraction: when a completion has an `<answer>` block (the DeepSeek-R1 template, arXiv 2501.12948 §2.2.3),
    only the content of the last block is parsed; the think block is full of intermediate numbers;
  - memo: verdicts are cached by (gold, mode, answer text) across calls and across rewards, so `length` and
    `cosine` after `accuracy` in the same step cost nothing;
  - fast paths, exact by construction and property-tested against math-verify: a simple rational answer (an
    integer or a fraction of integers, bare in an answer block, in the usual $...$ / \\boxed{} wrappers, or as
    the only box of a completion) against a simple rational gold is decided by exact comparison, which is what
    math-verify concludes for two exact rationals; a text in which none of math-verify's extraction patterns can
    match (a truncated completion, "I could not solve this") scores 0 without parsing (the gold still decides
    between 0 and None). Integer and fraction answers, the bulk of math RL data, never reach the pool;
  - pool: everything else runs in worker processes (`_pool`), each sample under `timeout_s`; a sample that runs
    out of time gets None, never a hang.

HOW: for each completion -> (mode, text) with mode "answer" (block content, stripped) or "full" (the whole
completion). Known-bad golds -> None at once. Memo hits and fast-path pairs are settled in-thread (microseconds,
so they cannot break the budget). The remaining unique pairs go to the pool in one batch, routed by gold so that a
prompt's answers meet the worker whose caches already hold that gold and those answers. Timeouts are memoised
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
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from open_r1.rewards._common import last_answer_block
from open_r1.rewards._mathworker import MODE_GOLD, wrap_bare_math
from open_r1.rewards._pool import BudgetedPool

MODE_ANSWER = "answer"
MODE_FULL = "full"
_WORKER_SCRIPT = str(Path(__file__).with_name("_mathworker.py"))

# The exact fast path reads simple rationals: integers (no sign on zero, no leading zeros, no separators, at most
# 12 digits so numeric tolerance cannot merge two of them) and fractions of such integers written \frac{p}{q},
# \dfrac{p}{q}, \tfrac{p}{q} or p/q, optionally negated, inside the usual answer wrappers: $...$, \(...\),
# \[...\], \boxed{...}, "The final answer is $...$". For two exact rationals math-verify's verdict is exact
# equality (no float rounding is involved); tests/rewards check the two agree on generated cases of every form.
_INT = r"(?:0|-?[1-9][0-9]{0,11})"
_NAT = r"[1-9][0-9]{0,8}"
_SMALL = r"(?:0|-?[1-9][0-9]{0,8})"
_INT_RE = re.compile(_INT)
_FRAC_RE = re.compile(rf"(-?)\\[dt]?frac\{{\s*({_SMALL})\s*\}}\{{\s*({_NAT})\s*\}}")
_SLASH_RE = re.compile(rf"({_SMALL})\s*/\s*({_NAT})")
_DELIMITED_RE = re.compile(r"\$([^$]*)\$|\\\(((?:(?!\\\)).)*)\\\)|\\\[((?:(?!\\\]).)*)\\\]", re.DOTALL)
_BOXED_RE = re.compile(r"\\boxed\{(.*)\}", re.DOTALL)
_LEAD_IN_RE = re.compile(r"The final answer is\s+(.*?)\.?", re.DOTALL)


def exact_rational(text: str, lead_in: bool = True, wrappers: bool = True) -> Fraction | None:
    """The rational a simple answer spells, or None when it is anything else (then math-verify decides).

    >>> exact_rational(r"The final answer is $\\boxed{-\\frac{3}{4}}$.")
    Fraction(-3, 4)
    >>> exact_rational("007") is None, exact_rational(r"\\frac34") is None
    (True, True)
    """
    text = text.strip()
    if lead_in and (match := _LEAD_IN_RE.fullmatch(text)):
        # After prose, math-verify reads only delimited math: "The final answer is \\dfrac{1}{2}" is not 1/2 to it.
        text = match.group(1).strip()
        if _DELIMITED_RE.fullmatch(text) is None:
            return None
    # $x$ or \(x\) or \[x\], then \boxed{x}. A greedy \boxed{...} over two boxes leaves "1} and \boxed{2", which is
    # no number: such texts go to math-verify.
    if wrappers and (match := _DELIMITED_RE.fullmatch(text)) is not None:
        text = next(g for g in match.groups() if g is not None).strip()
    if wrappers and (match := _BOXED_RE.fullmatch(text)) is not None:
        text = match.group(1).strip()
    if _INT_RE.fullmatch(text):
        return Fraction(int(text))
    if (match := _FRAC_RE.fullmatch(text)) is not None:
        value = Fraction(int(match.group(2)), int(match.group(3)))
        return -value if match.group(1) else value
    if (match := _SLASH_RE.fullmatch(text)) is not None:
        return Fraction(int(match.group(1)), int(match.group(2)))
    return None


class Verdict(NamedTuple):
    """The outcome of one verification: `score` (1.0 correct, 0.0 wrong, None no signal), `status` (ok, bad_gold,
    timeout, error, crash), which text was parsed (`mode`: the answer block or the full completion) and what
    math-verify extracted from it.
    """

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


def single_boxed(text: str) -> str | None:
    """The content of the only `\\boxed{...}` in `text`, or None (none, several, unbalanced, or other patterns).

    math-verify tries boxed answers first (priority 0 in both extraction configs) and keeps only the box's content
    (`extract_boxed_content`), so with exactly one box, nothing else of priority 0 ("... I hope", `\\fbox`) and a
    box that parses, the box's content is the extracted answer wherever the box sits in the text.

    >>> single_boxed(r"so $x = \\boxed{\\frac{1}{2}}$.")
    '\\\\frac{1}{2}'
    """
    start = text.find("\\boxed{")
    if start < 0 or "\\boxed" in text[start + 6 :] or "\\fbox" in text or "hope" in text:
        return None
    depth = 0
    for i in range(start + 6, min(len(text), start + 6 + 200)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 7 : i]
    return None


def fast_verdict(gold: str, mode: str, text: str) -> Verdict | None:
    """Decide rational-vs-rational pairs exactly, without math-verify; None when the pair needs math-verify.

    The answer is read by `exact_rational` in answer blocks (where math-verify reads bare math), or as the content
    of a single `\\boxed{}` anywhere (where math-verify looks first). A whole completion's bare numbers are not
    answers to math-verify's anchored extraction, so they are never read here.
    """
    gold_value = exact_rational(gold, lead_in=False)
    if gold_value is None:
        return None
    pred_value = exact_rational(text) if mode == MODE_ANSWER else None
    if pred_value is None:
        boxed = single_boxed(text)
        pred_value = None if boxed is None else exact_rational(boxed, lead_in=False, wrappers=False)
    if pred_value is None:
        return None
    return Verdict(1.0 if pred_value == gold_value else 0.0, "ok", mode, str(pred_value))


# math-verify's extraction for whole completions (LaTeX, anchored) only has patterns that contain "answer" (any
# case) or "\\boxed{"; for answer blocks (LaTeX + expressions, anchorless) every pattern needs a digit, "$", a
# backslash or "[". A text with none of these cannot yield an answer: the verdict is 0.0 (when the gold parses).
_FULL_ANCHOR_RE = re.compile(r"(?i:answer)|\\boxed\{")
_ANSWER_SIGNAL_RE = re.compile(r"[\d$\\\[]")


def nothing_to_extract(mode: str, text: str) -> bool:
    """True when math-verify's extraction cannot find anything in `text` (decided by regex, no parsing).

    >>> nothing_to_extract(MODE_FULL, "<think>\\nLet me think about 3 + 4")  # truncated: no anchor
    True
    >>> nothing_to_extract(MODE_ANSWER, "I could not solve this."), nothing_to_extract(MODE_ANSWER, "x")
    (True, False)
    """
    if mode == MODE_FULL:
        return _FULL_ANCHOR_RE.search(text) is None
    # Bare math ("x") is wrapped in $...$ before parsing, so it can be read even without these characters.
    return _ANSWER_SIGNAL_RE.search(text) is None and wrap_bare_math(text) == text


def default_workers() -> int:
    """One worker per available core, shared among the training processes of this node, at most 8.

    Under torchrun / accelerate every rank scores its own completions with its own pool; LOCAL_WORLD_SIZE (set by
    both) divides the cores between them so 8 ranks do not start 8 x cores workers.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    try:
        ranks = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    except ValueError:
        ranks = 1
    return max(1, min(cores // ranks, 8))


class _Memo:
    """A bounded LRU of verdicts keyed by (gold, mode, text digest), shared by every verifier in the process."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._data: OrderedDict[tuple[str, str, str], tuple[Verdict, float]] = OrderedDict()
        self._bad_golds: OrderedDict[str, None] = OrderedDict()
        self._good_golds: OrderedDict[str, None] = OrderedDict()
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
            if verdict.status == "ok":
                self._good_golds[key[0]] = None
                if len(self._good_golds) > 16384:
                    self._good_golds.popitem(last=False)
            self._data[key] = (verdict, budget_s)
            if len(self._data) > self.size:
                self._data.popitem(last=False)

    def gold_is_good(self, gold_key: str) -> bool:
        """True once some verdict showed that this gold parses (so a 0.0 can be given without the pool)."""
        with self._lock:
            return gold_key in self._good_golds

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bad_golds.clear()
            self._good_golds.clear()
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

    def warmup(self, wait: bool = True) -> None:
        """Start the worker processes now (they start on the first uncached sample otherwise).

        With `wait=False` this returns at once and the workers get ready (and warm their parser) in the
        background, e.g. while a trainer loads its model.
        """
        if wait:
            self.pool.warmup()
        else:
            self.pool.start()

    def check(self, golds: list[str], completions: list[str]) -> list[Verdict]:
        """One verdict per (gold, completion) pair, in order. Never raises on content; never blocks past budgets."""
        verdicts: list[Verdict | None] = [None] * len(completions)
        todo: dict[tuple[str, str, str], list[int]] = {}
        tasks: list[tuple[str, str, str]] = []
        empty: dict[str, list[tuple[int, tuple[str, str, str]]]] = {}  # gold -> answers with nothing to extract
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
            if nothing_to_extract(mode, text):
                if MEMO.gold_is_good(key[0]):
                    verdicts[i] = Verdict(0.0, "ok", mode, "")
                    MEMO.put(key, verdicts[i], self.timeout_s)
                else:  # 0.0 or None depending on the gold alone: one cheap gold-only task per gold
                    empty.setdefault(gold, []).append((i, key))
                continue
            if key not in todo:
                todo[key] = []
                tasks.append((gold, text, mode))
            todo[key].append(i)
        gold_tasks = [(gold, "", MODE_GOLD) for gold in empty]
        if tasks or gold_tasks:
            # Route by gold: a prompt's answers reach the worker that already parsed that gold and its answers.
            everything = tasks + gold_tasks
            results = self.pool.run(everything, self.timeout_s, keys=[gold for gold, _, _ in everything])
            for (key, indices), (_, _, mode), (status, score, shown) in zip(
                todo.items(), tasks, results[: len(tasks)], strict=True
            ):
                verdict = Verdict(score if status == "ok" else None, status, mode, shown)
                MEMO.put(key, verdict, self.timeout_s)
                for i in indices:
                    verdicts[i] = verdict
            for waiting, (status, _, _) in zip(empty.values(), results[len(tasks) :], strict=True):
                for i, key in waiting:
                    verdicts[i] = Verdict(0.0 if status == "ok" else None, status, key[1], "")
                    MEMO.put(key, verdicts[i], self.timeout_s)
        return verdicts  # type: ignore[return-value]


_VERIFIERS: dict[tuple[float, int], MathVerifier] = {}


def shared_verifier(timeout_s: float = 5.0, workers: int = 0) -> MathVerifier:
    """One MathVerifier per (timeout, workers) setting for the whole process: rewards and held-out scoring share its
    worker pool instead of each starting its own processes.
    """
    key = (float(timeout_s), int(workers))
    if key not in _VERIFIERS:
        _VERIFIERS[key] = MathVerifier(timeout_s, workers)
    return _VERIFIERS[key]
