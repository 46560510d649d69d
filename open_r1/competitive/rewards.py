"""GRPO rewards for competitive programming: `ioi_code` (IOI subtask scoring) and `cf_code` (Codeforces modes).

WHAT
    The execution backends behind the registry entries `ioi_code` and `cf_code` (`open_r1.rewards.registry`):

    * `make_ioi_code_reward(provider="local", num_parallel=4, test_batch_size=1, router_url=None, ...)` ->
      `reward(completions, problem_dir=..., subtask=..., **columns) -> list[float | None]`: the IOI score of the
      last ```cpp block, divided by the points at stake (the whole problem, or the row's `subtask`), in [0, 1].
    * `make_cf_code_reward(scoring_mode="weighted_sum", language="python", provider="local", num_parallel=4,
      router_url=None, test_batch_size=1, ...)` -> `reward(completions, problem_dir=... | official_tests=...,
      **columns)`.

    Dataset columns (one value per completion, as TRL passes them):
      ioi_code: `problem_dir` (a folder in the `labs/ioi-eval/problems/ioi` format) or `problem` (the same keys
        as a dict / JSON string, tests inline) or `problem_id` (with `problems_root=`); optional `subtask`.
      cf_code: `problem_dir` or `problem`, or the open-r1 Codeforces columns `official_tests` /
        `generated_tests` / `time_limit` / `memory_limit` (+ optional `checker`); optional `language`.

WHY
    DeepSeek-R1 (arXiv 2501.12948 §2.2.2) trains on rule-based rewards; for code the rule is execution against
    tests, and its §3 evaluation of competitive programming uses the contest's own scoring. open-r1's
    OlympicCoder work trains and evaluates with these two rewards: IOI partial credit (subtask points: a dense,
    meaningful signal on hard problems) and Codeforces pass/fail with denser variants. Rewards must separate
    "the model failed" from "the judge failed": no code is a model failure (IOI 0.0, Codeforces -1.0); a sandbox
    or checker failure is None (TRL ignores it), never a penalty.

HOW
    Per batch: extract code per completion (`open_r1.sandbox.rewards.extract_code`), load each row's problem
    (cached by path / content), judge all rows in parallel with one `IOIJudge` / `CodeforcesJudge` whose
    executor (and compile cache) lives as long as the reward. ioi_code = score / max_score (None on IE);
    cf_code = `CFResult.reward(scoring_mode)`. pass_fail mode runs the tests `test_batch_size` at a time (one
    executor call per batch, its tests in parallel) and stops after the first batch with a failure -- open-r1's
    `test_batch_size` semantics (default 1; 0 = every test in one call); partial and weighted_sum need every
    test's verdict, so they always send all tests in one call and the option has no effect there.

DATA FLOW
    recipe `reward_funcs: [ioi_code]` -> `open_r1.rewards.registry` -> `ExecutionReward` -> `make_ioi_code_reward`
    (here) -> TRL calls reward(completions, **columns) -> judges -> sandbox -> floats / None -> GRPO advantages.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from open_r1.competitive.codeforces import CFProblem, CodeforcesJudge
from open_r1.competitive.execution import Executor, make_executor
from open_r1.competitive.ioi import IOIJudge, IOIProblem, load_problems
from open_r1.competitive.scoring import check_cf_mode
from open_r1.sandbox.base import LANGUAGES, normalize_language
from open_r1.sandbox.rewards import completion_text, extract_code

RewardFunc = Callable[..., list[float | None]]


def _column(kwargs: dict[str, Any], name: str, n: int) -> list[Any]:
    values = kwargs.get(name)
    if values is None:
        return [None] * n
    values = list(values)
    if len(values) != n:
        raise ValueError(f"column {name!r} has {len(values)} values for {n} completions")
    return values


class _ProblemCache:
    """Problems by folder path or content hash (datasets repeat one problem across a GRPO group)."""

    def __init__(self, problems_root: str | Path | None = None) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Any] = {}
        self._root = problems_root
        self._by_id: dict[str, IOIProblem] | None = None

    def get(self, key: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._items:
                self._items[key] = build()
            return self._items[key]

    def by_id(self, problem_id: str) -> IOIProblem | None:
        if self._root is None:
            return None
        with self._lock:
            if self._by_id is None:
                self._by_id = load_problems(self._root)
        return self._by_id.get(str(problem_id))


def _as_dict(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, dict) else None


def _content_key(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def make_ioi_code_reward(
    provider: str = "local",
    num_parallel: int = 4,
    test_batch_size: int = 1,
    router_url: str | None = None,
    *,
    patch: bool = True,
    problems_root: str | None = None,
    executor: Executor | None = None,
    **provider_kwargs: Any,
) -> RewardFunc:
    """Build the `ioi_code` reward (see the module docstring).

    Args:
        provider (`str`, *optional*, defaults to `"local"`): sandbox provider (local, piston, morph, e2b).
        num_parallel (`int`, *optional*, defaults to 4): submissions judged at once (local sandbox workers).
        test_batch_size (`int`, *optional*, defaults to 1): tests per executor call inside a subtask.
        router_url (`str`, *optional*): judge through an `open-r1 sandbox serve` router.
        patch (`bool`, *optional*, defaults to `True`): apply the patcher (missing headers) before compiling.
        problems_root (`str`, *optional*): folder of problems for rows that only give `problem_id`.
        executor ([`Executor`], *optional*): reuse an existing executor (and its compile cache).

    Returns:
        `reward(completions, **columns) -> list[float | None]` named "ioi_code".

    Example:
        >>> reward = make_ioi_code_reward()  # doctest: +SKIP
        >>> reward(["```cpp\\n#include \\"subarray.h\\"\\n...```"],
        ...        problem_dir=["labs/ioi-eval/problems/ioi/subarray"])  # doctest: +SKIP
        [1.0]
    """
    if num_parallel < 1:
        raise ValueError(f"ioi_code: num_parallel must be >= 1, got {num_parallel}")
    backend = executor or make_executor(provider, workers=num_parallel, router_url=router_url, **provider_kwargs)
    judge = IOIJudge(backend, test_batch_size=test_batch_size, patch=patch)
    problems = _ProblemCache(problems_root)

    def resolve(problem: Any, problem_dir: Any, problem_id: Any) -> IOIProblem | None:
        if problem_dir:
            path = str(Path(problem_dir).resolve())
            return problems.get(path, lambda: IOIProblem.load(path))
        data = _as_dict(problem)
        if data is not None:
            return problems.get(_content_key(data), lambda: IOIProblem.from_dict(data))
        if problem_id is not None:
            return problems.by_id(problem_id)
        return None

    def reward(completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        n = len(completions)
        rows = zip(
            _column(kwargs, "problem", n),
            _column(kwargs, "problem_dir", n),
            _column(kwargs, "problem_id", n),
            _column(kwargs, "subtask", n),
            strict=True,
        )
        rewards: list[float | None] = [None] * n
        pending: list[tuple[int, IOIProblem, str, str | None]] = []
        for i, (completion, (problem, problem_dir, problem_id, subtask)) in enumerate(
            zip(completions, rows, strict=True)
        ):
            task = resolve(problem, problem_dir, problem_id)
            if task is None:
                continue  # no problem to judge against: no signal
            code = extract_code(completion_text(completion), "cpp")
            if code is None:
                rewards[i] = 0.0  # no program at all: the model's failure
                continue
            pending.append((i, task, code, str(subtask) if subtask not in (None, "") else None))
        if pending:
            results: list[Any] = [None] * len(pending)

            def one(k: int) -> None:
                _, task, code, subtask = pending[k]
                results[k] = judge.score(task, code, subtasks=[subtask] if subtask else None)

            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(num_parallel, len(pending))) as pool:
                list(pool.map(one, range(len(pending))))
            for (i, *_), result in zip(pending, results, strict=True):
                rewards[i] = result.fraction
        return rewards

    reward.__name__ = reward.__qualname__ = "ioi_code"
    reward.judge = judge  # type: ignore[attr-defined]  # for tests and for closing the sandbox
    return reward


def make_cf_code_reward(
    scoring_mode: str = "weighted_sum",
    language: str = "python",
    provider: str = "local",
    num_parallel: int = 4,
    router_url: str | None = None,
    test_batch_size: int = 1,
    *,
    patch: bool = True,
    executor: Executor | None = None,
    **provider_kwargs: Any,
) -> RewardFunc:
    """Build the `cf_code` reward (see the module docstring).

    Args:
        scoring_mode (`str`, *optional*, defaults to `"weighted_sum"`): pass_fail, partial or weighted_sum.
        language (`str`, *optional*, defaults to `"python"`): language when a row has no `language` column.
        provider, num_parallel, router_url: as for `make_ioi_code_reward`.
        test_batch_size (`int`, *optional*, defaults to 1): pass_fail mode only -- tests per executor call; the
            judge stops after the first batch holding a failure (0: all tests in one call).
        patch (`bool`, *optional*, defaults to `True`): apply the patcher (Python 2 idioms, missing headers).

    Returns:
        `reward(completions, **columns) -> list[float | None]` named "cf_code": -1.0 without code, -0.1 on a
        compile error, None without tests or on a judge failure.

    Example:
        >>> reward = make_cf_code_reward(scoring_mode="partial")  # doctest: +SKIP
        >>> reward(["```python\\nprint(int(input()) * 2)\\n```"],
        ...        official_tests=[[{"input": "2", "output": "4"}, {"input": "5", "output": "10"}]])  # doctest: +SKIP
        [1.0]
    """
    check_cf_mode(scoring_mode)
    if language not in LANGUAGES:
        raise ValueError(f"cf_code: language must be one of {LANGUAGES}, got {language!r}")
    if num_parallel < 1:
        raise ValueError(f"cf_code: num_parallel must be >= 1, got {num_parallel}")
    if isinstance(test_batch_size, bool) or not isinstance(test_batch_size, int) or test_batch_size < 0:
        raise ValueError(f"cf_code: test_batch_size must be an integer >= 0 (0 = all tests in one call), "
                         f"got {test_batch_size!r}")
    backend = executor or make_executor(provider, workers=num_parallel, router_url=router_url, **provider_kwargs)
    judge = CodeforcesJudge(backend, patch=patch, test_batch_size=test_batch_size)
    problems = _ProblemCache()
    row_keys = ("official_tests", "generated_tests", "time_limit", "memory_limit", "checker", "id")

    def resolve(index: int, kwargs: dict[str, Any]) -> CFProblem | None:
        def value(name: str) -> Any:
            column = kwargs.get(name)
            return None if column is None else column[index]

        if value("problem_dir"):
            path = str(Path(value("problem_dir")).resolve())
            return problems.get(path, lambda: CFProblem.load(path))
        data = _as_dict(value("problem"))
        if data is None and value("official_tests") is not None:
            data = {k: value(k) for k in row_keys if value(k) is not None}
        if data is None:
            return None
        return problems.get(_content_key(data), lambda: CFProblem.from_dict(data))

    def reward(completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        n = len(completions)
        for name in ("problem", "problem_dir", "official_tests", "language"):
            _column(kwargs, name, n)  # length check
        rewards: list[float | None] = [None] * n
        pending: list[tuple[int, CFProblem, str, str]] = []
        for i, completion in enumerate(completions):
            problem = resolve(i, kwargs)
            if problem is None or not problem.tests:
                continue  # no tests: no signal
            lang = str((kwargs.get("language") or [None] * n)[i] or language).lower()
            lang = normalize_language(lang)
            if lang is None:
                continue
            code = extract_code(completion_text(completion), lang)
            if code is None:
                rewards[i] = -1.0  # no program at all
                continue
            pending.append((i, problem, code, lang))
        if pending:
            results = judge.score_batch(
                [(p, c, lang) for _, p, c, lang in pending],
                stop_on_first_failure=scoring_mode == "pass_fail",
                max_parallel=num_parallel,
            )
            for (i, *_), result in zip(pending, results, strict=True):
                rewards[i] = result.reward(scoring_mode)
        return rewards

    reward.__name__ = reward.__qualname__ = "cf_code"
    reward.judge = judge  # type: ignore[attr-defined]
    return reward


__all__ = ["make_cf_code_reward", "make_ioi_code_reward"]
