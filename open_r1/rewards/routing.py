"""Reward routing for task mixtures: each reward scores only the rows of the tasks it applies to.

WHAT
    `route_rewards(funcs, reward_tasks, columns)` wraps the rewards named in `reward_tasks` (`{reward: [tasks]}`,
    the recipe key `reward_tasks`) so that, for a batch, a wrapped reward is called on the rows whose `task` column
    is one of its tasks and returns None (TRL: no signal) for every other row. `check_reward_tasks` validates the
    mapping against the recipe's reward names before any model loads.

WHY
    DeepSeek-R1's last stage is "RL for all scenarios" (arXiv 2501.12948 §2.3.4): one policy, one GRPO run, math
    prompts scored by rule-based answer checks and code prompts by execution, in the same batch. A math accuracy
    reward has no gold on a code row and a code-execution reward has no tests on a math row: scoring them anyway
    would either crash or hand out a 0 that means "wrong" when it should mean "not applicable". TRL's contract for
    that is None (it sums rewards with `nansum` and skips None in the logged means), so the router says None
    and never calls the reward on a row it does not apply to (no sandbox run for a math answer).

HOW
    For each batch: keep = [i | task[i] ∈ tasks]; call the reward with completions[keep] and every per-row keyword
    (lists as long as the batch) subset the same way, other keywords (trainer state, loggers) unchanged; scatter
    the results back, None elsewhere. Rewards not named in `reward_tasks` see every row.

DATA FLOW
    recipe `reward_tasks` + `dataset_mixture` members with `task:` (open_r1.data adds the `task` column) →
    open_r1.train.parse_training_recipe (`check_reward_tasks`) → open_r1.train.grpo (`route_rewards`) → TRL
    GRPOTrainer calls the wrapped rewards → per-task reward means in metrics.jsonl.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from open_r1.core.errors import ConfigError

TASK_COLUMN = "task"
RewardFunc = Callable[..., list[float | None]]


def check_reward_tasks(reward_tasks: Any, reward_names: Sequence[str], file: str | None = None) -> None:
    """`reward_tasks` maps reward names of this recipe to non-empty lists of task names, or is None."""
    if reward_tasks is None:
        return
    if not isinstance(reward_tasks, dict):
        raise ConfigError(f"must map reward names to task lists, got {reward_tasks!r}", file=file, key="reward_tasks")
    for name, tasks in reward_tasks.items():
        if name not in reward_names:
            raise ConfigError(
                f"reward '{name}' is not in reward_funcs {list(reward_names)}",
                file=file,
                key=f"reward_tasks.{name}",
                fix="route only the rewards the recipe uses.",
            )
        if not isinstance(tasks, list) or not tasks or not all(isinstance(t, str) and t for t in tasks):
            raise ConfigError(
                f"{tasks!r} is not a non-empty list of task names",
                file=file,
                key=f"reward_tasks.{name}",
                fix="e.g. reward_tasks: {accuracy: [math], code: [code]}.",
            )


def route_by_task(func: RewardFunc, tasks: Sequence[str]) -> RewardFunc:
    """`func`, called only on the rows whose `task` is in `tasks`; None on the others. Keeps `func.__name__`.

    >>> def length(completions, **kw): return [float(len(c)) for c in completions]
    >>> route_by_task(length, ["math"])(["ab", "abc"], task=["code", "math"])
    [None, 3.0]
    """
    wanted = set(tasks)

    def routed(completions: list[Any], **kwargs: Any) -> list[float | None]:
        task = kwargs.get(TASK_COLUMN)
        if task is None:
            raise ConfigError(
                f"reward '{routed.__name__}' is routed by task but the batch has no `{TASK_COLUMN}` column",
                key="reward_tasks",
                fix="give each dataset_mixture member a `task:` (or add a task column to the data).",
            )
        n = len(completions)
        keep = [i for i in range(n) if task[i] in wanted]
        out: list[float | None] = [None] * n
        if not keep:
            return out
        sub = {k: [v[i] for i in keep] if isinstance(v, list) and len(v) == n else v for k, v in kwargs.items()}
        for i, score in zip(keep, func([completions[i] for i in keep], **sub), strict=True):
            out[i] = score
        return out

    routed.__name__ = getattr(func, "__name__", "reward")
    routed.__qualname__ = routed.__name__
    routed.__doc__ = getattr(func, "__doc__", None)
    return routed


def route_rewards(
    funcs: Sequence[RewardFunc], reward_tasks: dict[str, list[str]] | None, columns: Sequence[str] | None = None
) -> list[RewardFunc]:
    """Wrap the rewards named in `reward_tasks` with `route_by_task`; `columns` (the training set's) must hold `task`."""
    if not reward_tasks:
        return list(funcs)
    if columns is not None and TASK_COLUMN not in columns:
        raise ConfigError(
            f"reward_tasks is set but the training set has no `{TASK_COLUMN}` column (columns: {list(columns)})",
            key="reward_tasks",
            fix="give each dataset_mixture member a `task:`, or remove reward_tasks.",
        )
    return [route_by_task(f, reward_tasks[f.__name__]) if f.__name__ in reward_tasks else f for f in funcs]
