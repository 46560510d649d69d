r"""The pure scoring rules of competitive programming: IOI subtasks and the Codeforces reward modes.

WHAT
    - `ioi_status`, `worst_status`, `ioi_subtask_score`, `ioi_problem_score`, `ioi_best_of`: IOI scoring;
    - `cf_score`, `check_cf_mode`, `CF_MODES`: the Codeforces reward in its three modes.
    Plain functions of numbers and verdict strings: no sandbox, no I/O, doctested (`pytest --doctest-modules`).
WHY
    DeepSeek-R1 (arXiv 2501.12948 §2.2.2) rewards code by running it on test cases; the reward must mean the same
    thing whichever backend ran the code (local bubblewrap, E2B, Morph, Piston), so each rule is written once,
    here, and the judges (open_r1.competitive.ioi / codeforces), the reward backends and the reports all call it.
    IOI follows the IOI rules (as in open-r1's IOI work): a subtask scores its points times the minimum test score,
    a problem sums its subtasks, and over several submissions each subtask takes its best. The Codeforces reward
    follows open-r1's `cf_code`: pass_fail, partial, or their weighted sum (pass_fail + 0.1 x partial: dense, and
    still ranks full solutions first); no code at all is -1 and a compile error -0.1, so a program that compiles
    beats one that does not.
HOW
    Verdicts are ordered worst → best by `IOI_STATUS_ORDER`; an unknown verdict ranks with CE, the worst.
    subtask = points × min(test scores) with the worst verdict; problem = Σ subtasks; best-of-N = Σ_subtask max_N.
    cf_score: -1 (no code) | None (no tests) | -0.1 (CE) | 1[all pass] | passed/total | 1[all pass] + 0.1·passed/total.
DATA FLOW
    open_r1.competitive.ioi (subtask and problem scores, best-of-50), open_r1.competitive.codeforces (CFResult
    rewards), open_r1.competitive.rewards (the `ioi_code` / `cf_code` backends), open_r1.cli.competitive (tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# IOI verdicts from worst to best; a subtask takes its worst test's verdict.
IOI_STATUS_ORDER = ("CE", "RE", "WA", "MLE", "TLE", "PA", "AC", "SKIPPED")
CF_MODES = ("pass_fail", "partial", "weighted_sum")


def worst_status(statuses: Iterable[str]) -> str:
    """The worst of several verdicts by `IOI_STATUS_ORDER` (an unknown verdict ranks with CE, the worst).

    >>> worst_status(["AC", "TLE", "WA"])
    'WA'
    """
    return min(statuses, key=lambda s: IOI_STATUS_ORDER.index(s) if s in IOI_STATUS_ORDER else 0)


def check_cf_mode(mode: str) -> str:
    """`mode` if it is one of `CF_MODES`, else a ValueError naming the choices (the one check of this option)."""
    if mode not in CF_MODES:
        raise ValueError(f"cf_code: scoring_mode must be one of {CF_MODES}, got {mode!r}")
    return mode


def ioi_status(score: float, status: str | None = None) -> str:
    """The verdict of one test: the checker's when given, else AC for 1, PA for a partial score, WA for 0."""
    if status:
        return status
    return "AC" if score >= 1.0 else ("PA" if score > 0.0 else "WA")


def ioi_subtask_score(tests: Sequence[tuple[float, str | None]], points: float) -> tuple[float, str]:
    """Score and verdict of one subtask from its tests' (score, verdict) pairs.

    Score = points x the minimum test score (0 as soon as any test scores 0; a skipped test counts 0).
    Verdict = the worst of the tests' verdicts.

    >>> ioi_subtask_score([(1.0, "AC"), (0.5, "PA")], 20)
    (10.0, 'PA')
    >>> ioi_subtask_score([(1.0, "AC"), (0.0, "TLE"), (0.0, "SKIPPED")], 20)
    (0.0, 'TLE')
    """
    if not tests:
        return 0.0, "SKIPPED"
    scores = [0.0 if status == "SKIPPED" else float(score) for score, status in tests]
    statuses = [ioi_status(score, status) for score, status in tests]
    return min(scores) * points, worst_status(statuses)


def ioi_problem_score(subtask_scores: Sequence[float]) -> float:
    """A problem's score: the sum of its subtask scores."""
    return float(sum(subtask_scores))


def ioi_best_of(submissions: Sequence[Sequence[float]]) -> float:
    """IOI's rule over several submissions: each subtask takes its best score across submissions, then sum.

    >>> ioi_best_of([[10, 0, 30], [0, 20, 10]])
    60.0
    """
    if not submissions:
        return 0.0
    return float(sum(max(column) for column in zip(*submissions, strict=True)))


def cf_score(
    mode: str, passed: int, total: int, *, has_code: bool = True, compile_error: bool = False
) -> float | None:
    """The Codeforces (`cf_code`) reward for one judged submission, from its tests passed and run under the chosen
    mode, with fixed penalties for no code and for a compile error (see the module docstring).

    Args:
        mode: "pass_fail" (1 if every test passes), "partial" (passed / total) or "weighted_sum"
            (pass_fail + 0.1 x partial).
        passed, total: tests passed and tests run.
        has_code: False when no code block could be extracted: -1.0.
        compile_error: the program did not compile: -0.1.

    Returns:
        The reward; None when the problem has no tests (no signal).

    >>> cf_score("weighted_sum", 3, 3), cf_score("partial", 1, 4), cf_score("pass_fail", 3, 4)
    (1.1, 0.25, 0.0)
    >>> cf_score("partial", 0, 0, has_code=False), cf_score("partial", 0, 5, compile_error=True)
    (-1.0, -0.1)
    """
    check_cf_mode(mode)
    if not has_code:
        return -1.0
    if total <= 0:
        return None
    if compile_error:
        return -0.1
    all_passed = 1.0 if passed >= total else 0.0
    partial = passed / total
    if mode == "pass_fail":
        return all_passed
    if mode == "partial":
        return partial
    return all_passed + 0.1 * partial
