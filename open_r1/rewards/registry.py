"""The reward registry: names -> reward callables built from recipe parameters, with validation for people.

WHAT: `REWARD_REGISTRY` maps each reward name to a `RewardSpec` (factory, parameters with defaults, one-line
summary). `get_reward_funcs(names, params)` builds the callables TRL takes as `reward_funcs`;
`validate_reward_config(names, params, weights, file)` checks a recipe cheaply before any model loads.

WHY: recipes name rewards as strings (`reward_funcs: [accuracy, format]`, `reward_weights: [1.0, 0.2]`,
`reward_params: {cosine: {max_len: 2048}}`), as in open-r1 and TRL's CLI. A typo must fail at parse time with
the file, the key, the known names and a guess, not an hour later in a trainer. Weights are applied by TRL
(`GRPOConfig.reward_weights`), so only their shape is checked here.

HOW: factories import their module on first use (validation imports no math library, no backend, starts no
process). Parameters are checked by name (did-you-mean), by type against the default's type, by allowed
values, and finally by building the reward (constructors only store and check values); code-execution rewards
are not built during validation because building imports their backend.

DATA FLOW: recipe loader -> `validate_reward_config` (fail fast) -> trainer setup -> `get_reward_funcs` ->
`GRPOTrainer(reward_funcs=...)`; `open-r1 rewards list` renders `list_rewards()`.
"""

from __future__ import annotations

import difflib
import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from open_r1.core.errors import ConfigError

RewardFunc = Callable[..., list[float | None]]


@dataclass(frozen=True)
class RewardSpec:
    """One reward the registry knows: its name, how to build it from parameters, and the documentation and checks
    that `open-r1 rewards` and recipe validation read before any reward is built.

    Attributes:
        name: the registry name, also the built callable's `__name__` (TRL logs `rewards/<name>/mean`).
        factory: builds the callable from keyword parameters.
        params: parameter name -> default.
        summary: one line: what the reward measures.
        param_help: parameter name -> one line.
        choices: parameter name -> allowed values.
        output_range: the documented range of the reward ("None" means no signal for that sample).
        columns: dataset columns the reward reads.
        build_to_validate: validation may build the reward to check values (False for code execution).
    """

    name: str
    factory: Callable[..., RewardFunc]
    params: dict[str, Any]
    summary: str
    param_help: dict[str, str] = field(default_factory=dict)
    choices: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    output_range: str = ""
    columns: tuple[str, ...] = ()
    build_to_validate: bool = True


def _lazy(target: str, **fixed: Any) -> Callable[..., RewardFunc]:
    """A factory that imports `module:attr` when called (keeps `import open_r1.rewards` light)."""
    module_name, attr = target.split(":")

    def factory(**params: Any) -> RewardFunc:
        return getattr(importlib.import_module(module_name), attr)(**fixed, **params)

    factory.__qualname__ = factory.__name__ = f"build_{attr}"
    return factory


_VERIFY_HELP = {
    "timeout_s": "per-sample time budget (s) for parsing + verification; over it the sample gets None",
    "workers": "verification worker processes; 0 = one per available core (divided among LOCAL_WORLD_SIZE ranks)",
}
_EXEC_HELP = {
    "language": "programming language of the fenced code block (a per-row `language` column overrides it)",
    "provider": "execution backend: local, e2b, morph or piston (see open_r1.sandbox)",
    "num_parallel": "submissions executed in parallel",
    "router_url": "URL of a sandbox router service, if one is used",
}
_CODE_HELP = {
    **_EXEC_HELP,
    "enforce_same_language": "raise when one batch's rows name different languages (open-r1's option); "
    "by default each row runs in its own language",
}

_SPECS = [
    RewardSpec(
        "accuracy",
        _lazy("open_r1.rewards.accuracy:AccuracyReward"),
        {"timeout_s": 5.0, "workers": 0},
        "1 if the final answer equals the gold (math-verify), 0 if not, None if the gold does not parse",
        param_help=_VERIFY_HELP,
        output_range="{0, 1} or None",
        columns=("solution",),
    ),
    RewardSpec(
        "format",
        _lazy("open_r1.rewards.format:FormatReward"),
        {"prefill_think": False},
        "1 if the completion is exactly <think>\\n...\\n</think>\\n<answer>\\n...\\n</answer>, else 0",
        param_help={"prefill_think": "the prompt already ends in <think>\\n (the completion starts inside it)"},
        output_range="{0, 1}",
    ),
    RewardSpec(
        "tag_count",
        _lazy("open_r1.rewards.format:TagCountReward"),
        {"prefill_think": False},
        "0.25 for each R1 tag present exactly once (a dense format reward)",
        param_help={"prefill_think": "the prompt already holds <think>\\n"},
        output_range="{0, 0.25, 0.5, 0.75, 1}",
    ),
    RewardSpec(
        "reasoning_steps",
        _lazy("open_r1.rewards.format:ReasoningStepsReward"),
        {"steps": 3},
        "min(1, step markers / steps): rewards explicit step-by-step reasoning",
        param_help={"steps": "markers (Step N:, numbered/bulleted lines, First, ...) that earn the full reward"},
        output_range="[0, 1]",
    ),
    RewardSpec(
        "length",
        _lazy("open_r1.rewards.length:LengthReward"),
        {"unit": "chars", "group_by": "prompt", "timeout_s": 5.0, "workers": 0},
        "Kimi 1.5 length penalty: shorter correct answers in a group earn more, wrong answers never gain",
        param_help={
            "unit": "length unit: chars (text) or tokens (completion_ids)",
            "group_by": "prompt (compare answers to one prompt, as Kimi 1.5) or batch (the reference)",
            **_VERIFY_HELP,
        },
        choices={"unit": ("chars", "tokens"), "group_by": ("prompt", "batch")},
        output_range="[-0.5, 0.5] or None",
        columns=("solution",),
    ),
    RewardSpec(
        "cosine",
        _lazy("open_r1.rewards.length:CosineScaledReward"),
        {
            "max_len": 1000,
            "min_value_wrong": -1.0,
            "max_value_wrong": -0.5,
            "min_value_correct": 0.5,
            "max_value_correct": 1.0,
            "unit": "chars",
            "timeout_s": 5.0,
            "workers": 0,
        },
        "correctness scaled by length on a half cosine: short correct best, short wrong worst",
        param_help={
            "max_len": "length where the schedule ends; longer completions are clamped to it",
            "min_value_wrong": "reward of the shortest wrong answer",
            "max_value_wrong": "reward of a wrong answer at max_len",
            "min_value_correct": "reward of a correct answer at max_len",
            "max_value_correct": "reward of the shortest correct answer",
            "unit": "length unit: chars (text) or tokens (completion_ids)",
            **_VERIFY_HELP,
        },
        choices={"unit": ("chars", "tokens")},
        output_range="[min(min_value_wrong, max_value_wrong), max_value_correct] or None",
        columns=("solution",),
    ),
    RewardSpec(
        "repetition_penalty",
        _lazy("open_r1.rewards.repetition:RepetitionPenaltyReward"),
        {"ngram_size": 3, "max_penalty": -1.0, "language": "auto"},
        "negative share of repeated word n-grams times max_penalty (jieba segmentation for Chinese)",
        param_help={
            "ngram_size": "n-gram length in words",
            "max_penalty": "penalty of a fully repetitive completion (<= 0)",
            "language": "auto (jieba when the text has CJK), en or zh",
        },
        choices={"language": ("auto", "en", "zh")},
        output_range="[max_penalty, 0]",
    ),
    RewardSpec(
        "soft_overlong_punishment",
        _lazy("open_r1.rewards.length:SoftOverlongPunishment"),
        {"max_completion_len": 16384, "soft_punish_cache": 4096},
        "DAPO: 0 until max_len - cache tokens, then a linear ramp to -1 at max_len, -1 beyond",
        param_help={
            "max_completion_len": "the generation limit in tokens",
            "soft_punish_cache": "length of the ramp before the limit (tokens)",
        },
        output_range="[-1, 0]",
        columns=("completion_ids",),
    ),
    RewardSpec(
        "code_format",
        _lazy("open_r1.rewards.format:CodeFormatReward"),
        {"language": "python", "prefill_think": False},
        "1 if the R1 template holds and the answer has a fenced code block in the language, else 0",
        param_help={
            "language": "expected fence tag; a per-row `language` column overrides it",
            "prefill_think": "the prompt already ends in <think>\\n",
        },
        output_range="{0, 1}",
    ),
    RewardSpec(
        "code",
        _lazy("open_r1.rewards.code_exec:ExecutionReward", name="code", backend_module="open_r1.sandbox.rewards"),
        {"language": "python", "provider": "local", "num_parallel": 4, "router_url": None,
         "enforce_same_language": False},
        "share of test cases whose output matches (runs the code in a sandbox); None if execution fails",
        param_help=_CODE_HELP,
        output_range="[0, 1] or None",
        columns=("verification_info",),
        build_to_validate=False,
    ),
    RewardSpec(
        "binary_code",
        _lazy(
            "open_r1.rewards.code_exec:ExecutionReward", name="binary_code", backend_module="open_r1.sandbox.rewards"
        ),
        {"language": "python", "provider": "local", "num_parallel": 4, "router_url": None,
         "enforce_same_language": False},
        "1 if more than 99% of the test cases pass, else 0; None if execution fails",
        param_help=_CODE_HELP,
        output_range="{0, 1} or None",
        columns=("verification_info",),
        build_to_validate=False,
    ),
    RewardSpec(
        "ioi_code",
        _lazy(
            "open_r1.rewards.code_exec:ExecutionReward", name="ioi_code", backend_module="open_r1.competitive.rewards"
        ),
        {
            "provider": "local",
            "num_parallel": 4,
            "test_batch_size": 1,
            "router_url": None,
            "patch": True,
            "problems_root": None,
        },
        "IOI score of the C++ solution: per subtask min over its tests x points, summed, scaled to [0, 1]",
        param_help={
            **{k: v for k, v in _EXEC_HELP.items() if k != "language"},
            "test_batch_size": "tests run per batch; a subtask stops at its first test scoring 0",
            "patch": "fix common compile problems (missing headers) before compiling",
            "problems_root": "folder of IOI problems, for rows that only give a problem_id",
        },
        output_range="[0, 1] or None",
        build_to_validate=False,
    ),
    RewardSpec(
        "cf_code",
        _lazy(
            "open_r1.rewards.code_exec:ExecutionReward", name="cf_code", backend_module="open_r1.competitive.rewards"
        ),
        {
            "scoring_mode": "weighted_sum",
            "language": "python",
            "provider": "local",
            "num_parallel": 4,
            "router_url": None,
            "test_batch_size": 1,
            "patch": True,
        },
        "Codeforces reward: pass_fail, partial (passed/total) or weighted_sum; -1 without code, -0.1 on CE",
        param_help={
            **_EXEC_HELP,
            "scoring_mode": "pass_fail, partial or weighted_sum",
            "test_batch_size": "pass_fail: tests per batch, stopping after the first batch with a failure "
            "(0 = all at once)",
            "patch": "fix common compile problems (missing headers) before compiling",
        },
        choices={"scoring_mode": ("pass_fail", "partial", "weighted_sum")},
        output_range="[-1, 1.1] or None",
        build_to_validate=False,
    ),
]

REWARD_REGISTRY: dict[str, RewardSpec] = {spec.name: spec for spec in _SPECS}


def list_rewards() -> list[RewardSpec]:
    """Every registered reward, in registry order."""
    return list(REWARD_REGISTRY.values())


# -- validation ----------------------------------------------------------------------------------------------------


def _guess(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f" Did you mean '{close[0]}'?" if close else ""


def _is_import_path(name: str) -> bool:
    return "." in name and all(part.isidentifier() for part in name.replace(":", ".").split("."))


def _type_error(default: Any, value: Any) -> str | None:
    """A description of the expected type when `value` does not fit the default's type, else None."""
    if default is None:  # optional parameters (router_url) take anything; the consumer checks
        return None
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, int):
        return None if isinstance(value, int) and not isinstance(value, bool) else "an integer"
    if isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else "a finite number"
    if isinstance(default, str):
        return None if isinstance(value, str) else "a string"
    return None


def _names_list(names: Any, file: str | None) -> list[str]:
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not isinstance(names, list | tuple) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(
            f"must be a non-empty list of reward names, got {names!r}",
            file=file,
            key="reward_funcs",
            fix=f"e.g. reward_funcs: [accuracy, format]; known: {', '.join(REWARD_REGISTRY)}",
        )
    return list(names)


def _check_params(name: str, given: Any, file: str | None) -> dict[str, Any]:
    spec = REWARD_REGISTRY[name]
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ConfigError(
            f"parameters of reward '{name}' must be a mapping, got {given!r}", file=file, key="reward_params"
        )
    for param, value in given.items():
        if param not in spec.params:
            known = ", ".join(spec.params) or "none"
            raise ConfigError(
                f"reward '{name}' has no parameter '{param}'.{_guess(str(param), list(spec.params))} "
                f"Its parameters: {known}.",
                file=file,
                key="reward_params",
            )
        expected = _type_error(spec.params[param], value)
        if expected:
            raise ConfigError(
                f"reward '{name}': parameter '{param}' must be {expected}, got {value!r}",
                file=file,
                key="reward_params",
            )
        allowed = spec.choices.get(param)
        if allowed is not None and value not in allowed:
            raise ConfigError(
                f"reward '{name}': parameter '{param}' must be one of {', '.join(map(str, allowed))}, got {value!r}",
                file=file,
                key="reward_params",
            )
    return dict(given)


def validate_reward_config(
    names: Sequence[str] | str,
    params: dict[str, dict[str, Any]] | None = None,
    weights: Sequence[float] | None = None,
    file: str | None = None,
) -> None:
    """Check reward names, parameters and weights; raise `ConfigError` naming the file and key on any problem.

    Cheap: imports no math library or execution backend and starts no process, so recipes are checked before
    a model loads.

    Args:
        names: reward names (`reward_funcs`), or an import path `package.module.function` for a custom reward.
        params: reward name -> parameter overrides (`reward_params`).
        weights: one weight per reward (`reward_weights`), applied by TRL.
        file: the recipe file, for the error message.

    >>> validate_reward_config(["accuracy", "format"], {"format": {"prefill_think": True}}, [1.0, 0.5])
    >>> validate_reward_config(["acuracy"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    open_r1.core.errors.ConfigError: key 'reward_funcs': unknown reward 'acuracy'. Did you mean 'accuracy'? ...
    """
    name_list = _names_list(names, file)
    seen: set[str] = set()
    for name in name_list:
        if name in seen:
            raise ConfigError(
                f"reward '{name}' is listed twice (TRL logs rewards by name)", file=file, key="reward_funcs"
            )
        seen.add(name)
        if name not in REWARD_REGISTRY and not _is_import_path(name):
            raise ConfigError(
                f"unknown reward '{name}'.{_guess(name, list(REWARD_REGISTRY))} "
                f"Known rewards: {', '.join(REWARD_REGISTRY)} (or an import path package.module.function).",
                file=file,
                key="reward_funcs",
                fix="run `open-r1 rewards list` to see every reward and its parameters",
            )
    if params is not None:
        if not isinstance(params, dict):
            raise ConfigError(f"must map reward names to parameters, got {params!r}", file=file, key="reward_params")
        for name, given in params.items():
            if name in REWARD_REGISTRY:
                checked = _check_params(name, given, file)
                spec = REWARD_REGISTRY[name]
                if name in seen and spec.build_to_validate:
                    try:
                        spec.factory(**{**spec.params, **checked})
                    except (ValueError, TypeError) as err:
                        raise ConfigError(str(err), file=file, key="reward_params") from None
            elif name in seen:
                raise ConfigError(
                    f"'{name}' is a custom reward (import path); it takes no parameters here",
                    file=file,
                    key="reward_params",
                )
            else:
                raise ConfigError(
                    f"parameters given for unknown reward '{name}'.{_guess(str(name), list(REWARD_REGISTRY))}",
                    file=file,
                    key="reward_params",
                )
    if weights is not None:
        if not isinstance(weights, list | tuple) or len(weights) != len(name_list):
            count = len(weights) if isinstance(weights, list | tuple) else "not a list"
            raise ConfigError(
                f"needs one weight per reward: {len(name_list)} rewards ({', '.join(name_list)}), {count} weights",
                file=file,
                key="reward_weights",
            )
        for weight in weights:
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight):
                raise ConfigError(f"weights must be finite numbers, got {weight!r}", file=file, key="reward_weights")


def _import_reward(path: str) -> RewardFunc:
    module_name, _, attr = path.replace(":", ".").rpartition(".")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise ConfigError(f"cannot import custom reward '{path}': {err}", key="reward_funcs") from None
    if not callable(target):
        raise ConfigError(f"custom reward '{path}' is not callable", key="reward_funcs")
    return target


def get_reward_funcs(names: Sequence[str] | str, params: dict[str, dict[str, Any]] | None = None) -> list[RewardFunc]:
    """Build the reward callables for `names`, each with `__name__` equal to its registry name.

    Args:
        names: registry names (or import paths of custom rewards), in the order of `reward_weights`.
        params: reward name -> parameter overrides; defaults come from the registry.

    Returns:
        Callables usable as TRL `reward_funcs` and on their own: `func(completions, **columns) -> list[float|None]`.

    >>> [f.__name__ for f in get_reward_funcs(["format", "tag_count"])]
    ['format', 'tag_count']
    """
    validate_reward_config(names, params)
    params = params or {}
    funcs: list[RewardFunc] = []
    for name in _names_list(names, None):
        if name not in REWARD_REGISTRY:
            funcs.append(_import_reward(name))
            continue
        spec = REWARD_REGISTRY[name]
        try:
            func = spec.factory(**{**spec.params, **(params.get(name) or {})})
        except (ValueError, TypeError) as err:
            raise ConfigError(str(err), key="reward_params") from None
        funcs.append(func)
    return funcs
