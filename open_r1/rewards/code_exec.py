r"""Code-execution rewards: the competitive-programming scoring rules and the lazy link to execution backends.

WHAT: the reward callables `code`, `binary_code`, `ioi_code`, `cf_code` (`ExecutionReward`), which import their
backend (`open_r1.sandbox.rewards` for code / binary_code, `open_r1.competitive.rewards` for ioi_code / cf_code)
only when built and fail with a clear error when it is not there; and the pure scoring rules of competitive
programming, shared by the backends and tested here:
  - `ioi_status`, `ioi_subtask_score`, `ioi_problem_score`, `ioi_best_of`: IOI subtask scoring;
  - `cf_score`: the Codeforces reward in its three modes.
(The `code` / `binary_code` rules, strict line-by-line output comparison and None on an execution failure, live
with the sandbox: `open_r1.sandbox.base.outputs_match` and `open_r1.sandbox.rewards.score`.)

WHY: DeepSeek-R1 (arXiv 2501.12948 §2.2.2) uses "a compiler to generate feedback based on predefined test cases"
for code, the code analogue of the math accuracy reward. The reward semantics must not depend on the backend
(local bubblewrap, E2B, Morph, Piston), so a rule lives in one place. IOI scoring follows the IOI rules (as in
open-r1's IOI work): a subtask scores its points times the minimum test score, a problem sums its subtasks, and
over several submissions each subtask takes its best. The Codeforces reward follows open-r1's `cf_code`:
pass_fail, partial, or their weighted sum (pass_fail + 0.1 x partial: dense, and still ranks full solutions
first); no code at all is -1 and a compile error -0.1, so a program that compiles beats one that does not.

HOW: `ExecutionReward.__init__` imports the backend module and builds the reward through the first entry point
it defines: `build_reward(name, **params)`, else (code, binary_code) `make_code_reward(binary=..., **params)`,
else `make_<name>_reward(**params)`. The result is called with the TRL arguments (`completions`,
dataset columns such as `verification_info`, extra kwargs) and must return one value per completion.

DATA FLOW: recipe `reward_funcs: [code]` -> registry -> `ExecutionReward` -> backend factory -> sandbox runs the
extracted program on each test -> backend scores outcomes (with the rules here for IOI / Codeforces) -> TRL
rewards matrix.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from open_r1.errors import OpenR1Error
from open_r1.rewards._common import Reward

# IOI verdicts from worst to best; a subtask takes its worst test's verdict.
IOI_STATUS_ORDER = ("CE", "RE", "WA", "MLE", "TLE", "PA", "AC", "SKIPPED")
CF_MODES = ("pass_fail", "partial", "weighted_sum")


class RewardBackendMissing(OpenR1Error):
    """A code-execution reward was requested but its execution backend is not available."""


# -- scoring rules -------------------------------------------------------------------------------------------------


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
    worst = min(statuses, key=lambda s: IOI_STATUS_ORDER.index(s) if s in IOI_STATUS_ORDER else 0)
    return min(scores) * points, worst


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
    """The Codeforces reward.

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
    if mode not in CF_MODES:
        raise ValueError(f"cf_code: scoring_mode must be one of {CF_MODES}, got {mode!r}")
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


# -- lazy link to the execution backends -----------------------------------------------------------------------------


def load_backend(module_name: str, reward: str, params: dict[str, Any]) -> Callable[..., list[float | None]]:
    """Import a backend module and build the reward through its entry point (see the module docstring)."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and (module_name == err.name or module_name.startswith(err.name + ".")):
            raise RewardBackendMissing(
                f"reward '{reward}' executes code through the module {module_name}, which is not available in "
                f"this installation ({err}). Use it once that backend is installed, or drop '{reward}' from "
                f"reward_funcs."
            ) from None
        raise
    builder = getattr(module, "build_reward", None)
    if callable(builder):
        return builder(reward, **params)
    if reward in ("code", "binary_code") and callable(getattr(module, "make_code_reward", None)):
        return module.make_code_reward(binary=reward == "binary_code", **params)
    builder = getattr(module, f"make_{reward}_reward", None)
    if callable(builder):
        return builder(**params)
    raise RewardBackendMissing(
        f"reward '{reward}': {module_name} defines neither build_reward(name, **params) nor make_{reward}_reward"
        f"(**params), the entry points this library looks for"
    )


class ExecutionReward(Reward):
    """A code-execution reward whose work is done by a backend module (see the module docstring).

    Built through the registry: `get_reward_funcs(["code"])`. The backend is imported when the reward is built,
    so a missing backend fails before any model loads.
    """

    def __init__(self, name: str, backend_module: str, **params: Any) -> None:
        self.name = name  # instance attribute: one class serves the four registry names
        super().__init__()
        self.backend_module, self._params = backend_module, params
        self._impl: Callable[..., list[float | None]] | None = load_backend(backend_module, name, params)

    def params(self) -> dict[str, Any]:
        return dict(self._params)

    def __getstate__(self) -> dict[str, Any]:
        # The backend may hold clients or pools; the pickled reward rebuilds it where it is unpickled.
        state = dict(self.__dict__)
        state["_impl"] = None
        return state

    def __call__(self, completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        if self._impl is None:
            self._impl = load_backend(self.backend_module, self.name, self._params)
        rewards = list(self._impl(completions, **kwargs))
        if len(rewards) != len(completions):
            raise RuntimeError(
                f"backend {self.backend_module} returned {len(rewards)} rewards for {len(completions)} completions"
            )
        return [None if r is None else float(r) for r in rewards]

    def score(self, texts: list[str], kwargs: dict[str, Any]) -> list[float | None]:
        return self(texts, **kwargs)


__all__ = [
    "CF_MODES",
    "IOI_STATUS_ORDER",
    "ExecutionReward",
    "RewardBackendMissing",
    "cf_score",
    "ioi_best_of",
    "ioi_problem_score",
    "ioi_status",
    "ioi_subtask_score",
    "load_backend",
]
