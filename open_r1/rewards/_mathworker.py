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
math-verify's asymmetric checks). Modes:
  - "answer": the text is the content of an `<answer>` block, so bare numbers count (LaTeX + expressions);
    bare math is wrapped in `$...$` like the gold.
  - "full": the whole completion; only LaTeX (boxed first) with an anchor counts, so a stray number in the
    reasoning is never taken for the answer (the TRL / open-r1 reference extraction).

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

_GOLD_CACHE: OrderedDict[str, Any] = OrderedDict()
_GOLD_CACHE_SIZE = 4096
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
            LatexExtractionConfig(normalization_config=strict, boxed_match_priority=0, try_extract_without_anchor=True),
            ExprExtractionConfig(try_extract_without_anchor=True),
        )
        _CONFIGS[MODE_FULL] = (
            LatexExtractionConfig(normalization_config=strict, boxed_match_priority=0, try_extract_without_anchor=False),
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


def _has_math(parsed: list[Any]) -> bool:
    from sympy import Basic, MatrixBase

    return any(isinstance(x, Basic | MatrixBase) for x in parsed)


def _parse_wrapped(text: str, **kwargs: Any) -> list[Any]:
    """Parse the `$...$`-wrapped reading of bare math first; fall back to the text as written."""
    from math_verify import parse

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
    from math_verify import parse, verify

    gold_parsed = parse_gold(gold)
    if gold_parsed is None:
        return "bad_gold", None, ""
    config = _configs()[mode]
    if mode == MODE_ANSWER:  # the block is the answer: bare math in it is read as math
        pred = _parse_wrapped(text, extraction_config=config, extraction_mode="first_match")
    else:
        pred = parse(text, extraction_config=config, extraction_mode="first_match", parsing_timeout=None)
    correct = verify(gold_parsed, pred, timeout_seconds=None)
    # Render the extraction from the string fallback math-verify appends (cheap and safe: printing a huge SymPy
    # object can itself hang).
    shown = next((x for x in reversed(pred) if isinstance(x, str)), "") if pred else ""
    return "ok", 1.0 if correct else 0.0, shown[:200]


def run_task(gold: str, text: str, mode: str, budget_s: float) -> tuple[str, float | None, str]:
    """`score_one` under an interval-timer budget. Only valid on the main thread of a worker process."""
    global _armed
    _armed = True  # arm first: a timer that fired before arming would leave the task unbounded
    signal.setitimer(signal.ITIMER_REAL, max(budget_s, 1e-3))
    try:
        return score_one(gold, text, mode)
    except BudgetExceeded:
        return "timeout", None, ""
    except Exception as err:  # a parser bug on odd input is "no verdict", never a crash of the worker
        return "error", None, f"{type(err).__name__}"
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)


def _set_parent_death_signal() -> None:
    # If the trainer dies (or is killed), its workers must not linger, even mid-computation.
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def main(argv: list[str] | None = None) -> int:
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

        _configs()
        outbox.send(("ready", os.getpid()))
    except BaseException:
        outbox.send(("fatal", traceback.format_exc()))
        return 1
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
