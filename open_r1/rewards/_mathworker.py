"""Math-verification worker: one process that parses and verifies answers under a per-task time budget.

WHAT: `score_one(gold, text, mode)` turns a gold answer and a prediction into a verdict; `main()` is the worker
process loop that `_pool.BudgetedPool` starts (run by path, without importing `open_r1`, so it starts in ~0.4 s).

WHY: math-verify's own timeouts use `signal.alarm`, which only works on a process's main thread and whole seconds.
A worker process owns its main thread, so here a sub-second `setitimer` budget is safe; the parent still kills a
worker that overruns (C-level loops ignore signals), so nothing can block forever.

HOW: the gold is parsed once per worker (cache keyed by the gold string) with math-verify's default extraction
(LaTeX + plain expressions) after wrapping bare math in `$...$` (a bare `(-\\infty, 3]` otherwise parses to 3).
A gold that yields no SymPy object (e.g. the leftover string of a malformed `$\\boxed{\\frac{1}{`) is "no signal".
The prediction is parsed with the strict LaTeX normalisation of the DeepSeek-R1 reproductions (units removed,
no repair of malformed operators) and verified gold-first (`verify(gold, pred)`: the order matters to
math-verify's asymmetric checks). Each (gold, parsed answer) pair is verified once per worker (different texts
often extract the same answer), and the worker keeps larger memos of parsed LaTeX and compiled extraction
patterns than math-verify's defaults. While idle after start-up it parses a few typical answers, so ANTLR's
prediction cache is warm before real work arrives. Modes:
  - "answer": the text is the content of an `<answer>` block, so bare numbers count (LaTeX + expressions);
    bare math is wrapped in `$...$` like the gold.
  - "full": the whole completion; only LaTeX (boxed first) with an anchor counts, so a stray number in the
    reasoning is never taken for the answer (the TRL / open-r1 reference extraction).
  - "gold": only check that the gold parses (the parent found nothing to extract in the answer).

DATA FLOW: `verifier.MathVerifier` sends (task id, gold, text, mode, budget) over a pipe; the worker answers
(task id, status, score, parsed) where status is "ok", "bad_gold", "timeout" or "error".
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import traceback
from collections import OrderedDict
from typing import Any

MODE_ANSWER = "answer"
MODE_FULL = "full"
MODE_GOLD = "gold"  # only check that the gold parses (the answer is known to hold nothing to extract)

_GOLD_CACHE: OrderedDict[str, Any] = OrderedDict()
_GOLD_CACHE_SIZE = 4096
_GOLD_TIMEOUTS: dict[str, float] = {}  # gold -> the budget its parse ran out of
_VERDICTS: OrderedDict[tuple[str, tuple[str, ...]], bool] = OrderedDict()
_VERDICTS_SIZE = 16384
_CONFIGS: dict[str, tuple[Any, ...]] = {}

# Bare math is wrapped in $...$ only if it has no math delimiters of its own, no run of three or more letters
# outside a LaTeX command or \text{} group (prose, which LaTeX would read as a product of symbols), and no
# space-separated thousands (`1 000`, which LaTeX reads as 1*000).
_HAS_DELIMITER_RE = re.compile(r"\$|\\boxed|\\\(|\\\[")
_TEXT_GROUP_RE = re.compile(r"\\(?:text|mathrm|textbf|mbox|operatorname)\s*\{[^{}]*\}")
_PROSE_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{3,}")
_SPACED_THOUSANDS_RE = re.compile(r"\d\s\d{3}(?!\d)")


class BudgetExceeded(BaseException):
    """Raised by the interval timer. A BaseException, so math-verify's `except Exception` cannot swallow it."""


_armed = False


def _on_alarm(signum: int, frame: Any) -> None:
    # Only raise while a task is running: a timer that fires in the gap after the task returned must not kill
    # the loop.
    if _armed:
        raise BudgetExceeded


def _configs() -> dict[str, tuple[Any, ...]]:
    if not _CONFIGS:
        from latex2sympy2_extended import NormalizationConfig
        from math_verify import ExprExtractionConfig, LatexExtractionConfig

        # The prediction normalisation of the DeepSeek-R1 reproductions: strip units, keep LaTeX strict
        # (a malformed `\frac34` is not repaired into a correct answer).
        strict = NormalizationConfig(
            basic_latex=True, units=True, malformed_operators=False, nits=False, boxed="all", equations=False
        )
        _CONFIGS[MODE_ANSWER] = (
            LatexExtractionConfig(
                normalization_config=strict, boxed_match_priority=0, try_extract_without_anchor=True
            ),
            ExprExtractionConfig(try_extract_without_anchor=True),
        )
        _CONFIGS[MODE_FULL] = (
            LatexExtractionConfig(
                normalization_config=strict, boxed_match_priority=0, try_extract_without_anchor=False
            ),
        )
    return _CONFIGS


def wrap_bare_math(text: str) -> str:
    """Wrap bare math in `$...$` so math-verify reads it as LaTeX.

    Unwrapped, math-verify's plain-expression reader takes the last number it sees: `(-\\infty, 3]` becomes 3,
    `2\\sqrt{3}` becomes 2 (platform notes). Text with its own delimiters, or prose, is returned unchanged.

    >>> wrap_bare_math(r"(-\\infty, 3]")
    '$(-\\\\infty, 3]$'
    >>> wrap_bare_math(r"$\\frac{1}{2}$")
    '$\\\\frac{1}{2}$'
    >>> wrap_bare_math("The answer is 7")
    'The answer is 7'
    """
    stripped = text.strip()
    if not stripped or len(stripped) > 500 or _HAS_DELIMITER_RE.search(stripped):
        return text
    if _PROSE_RE.search(_TEXT_GROUP_RE.sub(" ", stripped)) or _SPACED_THOUSANDS_RE.search(stripped):
        return text
    return f"${stripped}$"


_MATH: tuple[Any, ...] = ()


def _math() -> tuple[Any, ...]:
    """(parse, verify, srepr), imported on first use: the parent imports this module for its helpers only."""
    global _MATH
    if not _MATH:
        from math_verify import parse, verify
        from sympy import srepr

        _MATH = (parse, verify, srepr)
    return _MATH


def _has_math(parsed: list[Any]) -> bool:
    from sympy import Basic, MatrixBase

    return any(isinstance(x, Basic | MatrixBase) for x in parsed)


def _parse_wrapped(text: str, **kwargs: Any) -> list[Any]:
    """Parse the `$...$`-wrapped reading of bare math first; fall back to the text as written."""
    parse = _math()[0]
    wrapped = wrap_bare_math(text)
    parsed = parse(wrapped, parsing_timeout=None, **kwargs)
    if wrapped != text and not _has_math(parsed):
        parsed = parse(text, parsing_timeout=None, **kwargs)
    return parsed


def parse_gold(gold: str) -> list[Any] | None:
    """The parsed gold, or None when it carries no mathematical object (no signal). Cached per process."""
    if gold in _GOLD_CACHE:
        _GOLD_CACHE.move_to_end(gold)
        return _GOLD_CACHE[gold]
    parsed = _parse_wrapped(gold)
    result = parsed if _has_math(parsed) else None
    _GOLD_CACHE[gold] = result
    if len(_GOLD_CACHE) > _GOLD_CACHE_SIZE:
        _GOLD_CACHE.popitem(last=False)
    return result


def score_one(gold: str, text: str, mode: str) -> tuple[str, float | None, str]:
    """Verify one prediction against one gold, with no timeout of its own (the caller enforces the budget).

    Returns:
        (status, score, parsed): status "ok" with score 1.0 / 0.0, or "bad_gold" with score None;
        `parsed` is a short rendering of what was extracted from the prediction (for logs and tables).
    """
    gold_parsed = parse_gold(gold)
    if gold_parsed is None:
        return "bad_gold", None, ""
    if mode == MODE_GOLD:
        return "ok", 0.0, ""
    parse, verify, srepr = _math()
    config = _configs()[mode]
    if mode == MODE_ANSWER:  # the block is the answer: bare math in it is read as math
        pred = _parse_wrapped(text, extraction_config=config, extraction_mode="first_match")
    else:
        pred = parse(text, extraction_config=config, extraction_mode="first_match", parsing_timeout=None)
    # Different texts often extract the same answer ("The answer is $\\boxed{3}$", "$\\boxed{3}$", a boxed 3 at the
    # end of a long completion): verify each (gold, extracted answer) once. The key is the structural repr of what
    # was parsed (srepr keeps assumptions and float precision), so equal keys mean equal inputs to `verify`.
    key = (gold, tuple(srepr(x) if not isinstance(x, str) else "s:" + x for x in pred))
    correct = _VERDICTS.get(key)
    if correct is None:
        correct = bool(verify(gold_parsed, pred, timeout_seconds=None))
        _VERDICTS[key] = correct
        if len(_VERDICTS) > _VERDICTS_SIZE:
            _VERDICTS.popitem(last=False)
    else:
        _VERDICTS.move_to_end(key)
    # Render the extraction from the string fallback math-verify appends (cheap and safe: printing a huge SymPy
    # object can itself hang).
    shown = next((x for x in reversed(pred) if isinstance(x, str)), "") if pred else ""
    return "ok", 1.0 if correct else 0.0, shown[:200]


def run_task(gold: str, text: str, mode: str, budget_s: float) -> tuple[str, float | None, str]:
    """`score_one` under an interval-timer budget. Only valid on the main thread of a worker process."""
    global _armed
    # A gold that could not be parsed within this budget would cost every sample of its group the whole budget
    # again: answer "timeout" at once (a larger budget tries again).
    if _GOLD_TIMEOUTS.get(gold, 0.0) >= budget_s:
        return "timeout", None, ""
    _armed = True  # arm first: a timer that fired before arming would leave the task unbounded
    signal.setitimer(signal.ITIMER_REAL, max(budget_s, 1e-3))
    try:
        return score_one(gold, text, mode)
    except BudgetExceeded:
        if gold not in _GOLD_CACHE:  # the budget ran out while parsing the gold
            _GOLD_TIMEOUTS[gold] = budget_s
            if len(_GOLD_TIMEOUTS) > _GOLD_CACHE_SIZE:
                _GOLD_TIMEOUTS.pop(next(iter(_GOLD_TIMEOUTS)))
        return "timeout", None, ""
    except Exception as err:  # a parser bug on odd input is "no verdict", never a crash of the worker
        return "error", None, f"{type(err).__name__}"
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)


def _enlarge_parse_cache(size: int = 4096) -> None:
    """Give this worker larger memos than math-verify's defaults (only this worker process is affected).

    Parsing (an ANTLR grammar) is most of the cost of a sample, and a worker serves many prompts' answers: with
    math-verify's 20 entries, the answers of one prompt evict those of the previous one. Its compiled extraction
    patterns are memoised for one configuration at a time, and a worker alternates three (gold, answer block,
    whole completion), rebuilding the patterns at every switch.
    """
    from functools import lru_cache

    from math_verify import parser

    for name, entries in (("parse_latex_cached", size), ("lazy_latex_regex", 8), ("lazy_expr_regex", 8)):
        original = getattr(getattr(parser, name, None), "__wrapped__", None)
        if original is not None:
            setattr(parser, name, lru_cache(maxsize=entries)(original))


# Typical answers, one per corner of the LaTeX grammar. ANTLR builds its prediction cache lazily, so a fresh worker
# parses its first expressions several times slower than later ones; these are parsed while no task is waiting.
_WARM_UP = [
    ("$\\frac{3}{4}$", "$\\boxed{\\dfrac{6}{8}}$"),
    ("$2\\sqrt{3}$", "The final answer is $\\boxed{\\sqrt{12}}$"),
    ("$(-\\infty, 3]$", "$\\left(-\\infty, 3\\right]$"),
    ("$\\frac{\\pi}{3}$", "$\\boxed{\\frac{1}{3}\\pi}$"),
    ("$x^2 + 2x + 1$", "$(x+1)^2$"),
    ("$\\{1, 2\\}$", "$\\{2, 1\\}$"),
    ("$y = 2x + 1$", "$y=1+2x$"),
    ("$0.25$", "$25\\%$"),
    ("$\\text{(A)}$", "$\\textbf{(A)}$"),
    ("$3^{10} \\cdot 2$", "$2 \\times 3^{10}$"),
    ("$[1, 2) \\cup (3, 4]$", "$[1,2)\\cup(3,4]$"),
    ("$\\log_2 8$", "$3$"),
]


def _warm_up_while_idle(inbox: Any) -> None:
    for gold, text in _WARM_UP:
        if inbox.poll(0):  # real work first
            return
        try:
            run_task(gold, text, MODE_ANSWER, 0.2)  # short: a task arriving meanwhile waits at most this
        except BaseException:  # noqa: BLE001 - warm-up must never stop a worker
            pass
    _GOLD_CACHE.clear()
    _VERDICTS.clear()


def _set_parent_death_signal() -> None:
    # If the trainer dies (or is killed), its workers must not linger, even mid-computation.
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def main(argv: list[str] | None = None) -> int:
    """The worker process's entry point: read (gold, prediction) jobs from the parent's pipe, verify each with
    math-verify under a memory cap, answer with a verdict. It dies with its parent (parent-death signal), so a
    killed trainer leaves no orphan workers.
    """
    from multiprocessing.connection import Connection

    argv = sys.argv[1:] if argv is None else argv
    read_fd, write_fd, memory_mb = int(argv[0]), int(argv[1]), int(argv[2])
    inbox, outbox = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    _set_parent_death_signal()
    try:
        if memory_mb > 0:
            import resource

            # A pathological answer (a tower of exponents) can ask SymPy for gigabytes; a MemoryError is a
            # verdict of "error" for that one sample instead of an OOM-killed trainer.
            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        for name in ("math_verify", "math_verify.parser", "math_verify.grader", "latex2sympy2_extended"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        import math_verify  # noqa: F401  (import now, so the first task does not pay for it)

        _enlarge_parse_cache()
        _configs()
        outbox.send(("ready", os.getpid()))
    except BaseException:
        outbox.send(("fatal", traceback.format_exc()))
        return 1
    _warm_up_while_idle(inbox)
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):
            return 0
        if message is None:
            return 0
        task_id, gold, text, mode, budget_s = message
        status, score, shown = run_task(gold, text, mode, budget_s)
        try:
            outbox.send((task_id, status, score, shown))
        except (BrokenPipeError, OSError):
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
