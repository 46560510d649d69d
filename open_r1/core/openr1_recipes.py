"""open-r1 recipe compatibility: map a recipe written for huggingface/open-r1 onto this project's recipe keys.

WHAT
    `map_open_r1_recipe(raw, kind)` takes the YAML mapping of an open-r1 recipe (`recipes/<model>/{sft,grpo}/*.yaml`
    in huggingface/open-r1) and returns a `RecipeMapping`: the equivalent recipe for this project plus one
    `MappedKey` per input key saying whether it was kept as is, mapped (to which key, and why), or dropped (and
    why). `is_open_r1_recipe(raw)` tells whether a mapping uses any key that only open-r1 knows. `guess_kind(raw)`
    says `grpo` or `sft` from the keys.

WHY
    A migrating user's first command is `open-r1 train ... --config <their open-r1 recipe>`, and this project's
    strict parser (open_r1.core.configs: every key must belong to a config class) refuses keys open-r1 added on top
    of TRL (`dataset_prompt_column`, top-level `cosine_*`, `code_provider`, `e2b_router_url`, `callbacks`, ...)
    or that newer transformers/TRL releases renamed (`torch_dtype`, `warmup_ratio`, `gradient_checkpointing`).
    Silently guessing would hide behaviour changes, so every key is accounted for in a report. Where open-r1's
    reward defaults differ from this project's (cosine `min_value_wrong` 0.0 vs -1.0, length reward grouped over the
    batch, repetition penalty on English words, no code patching, Piston as the competitive judge), the mapping
    writes open-r1's value explicitly, so an imported recipe trains what it trained upstream.

HOW
    One table, `_RULES`, from open-r1 key to a function that returns the target (key, value) pairs and the reason.
    Keys that already belong to this project's config classes pass through unchanged ("kept"). Reward-specific
    top-level keys are gathered per reward into `reward_params` only for the rewards the recipe names (a
    `code_language` with no code reward is reported as dropped). The source of the key facts: huggingface/open-r1
    `src/open_r1/configs.py` and `src/open_r1/rewards.py` (main branch, commit 1416fa0, 2026-04-02).

DATA FLOW
    `open-r1 recipe import` (open_r1.cli.recipe) → here → YAML on stdout / `--output`, report on stderr;
    `open-r1 train` → open_r1.core.configs.parse_recipe → `is_open_r1_recipe` → here → one warning per mapped or
    dropped key → the usual key / type checks on the mapped recipe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Upstream: huggingface/open-r1 src/open_r1/configs.py (GRPOScriptArguments defaults) and src/open_r1/rewards.py
# (get_reward_funcs: which script argument reaches which reward), main @ 1416fa0 (2026-04-02).
OPEN_R1_SOURCE = "huggingface/open-r1 main @ 1416fa0 (2026-04-02): src/open_r1/configs.py, src/open_r1/rewards.py"

# The reward-related top-level keys of open-r1's GRPOScriptArguments with their upstream defaults.
UPSTREAM_REWARD_DEFAULTS: dict[str, Any] = {
    "cosine_min_value_wrong": 0.0,
    "cosine_max_value_wrong": -0.5,
    "cosine_min_value_correct": 0.5,
    "cosine_max_value_correct": 1.0,
    "cosine_max_len": 1000,
    "repetition_n_grams": 3,
    "repetition_max_penalty": -1.0,
    "code_language": "python",
    "code_eval_test_batch_size": 1,
    "code_eval_scoring_mode": "weighted_sum",
    "parallel_code_exec_per_proc": 2,
    "e2b_router_url": None,
    "morph_router_url": None,
    "code_provider": "e2b",
    "ioi_provider": "piston",
    "max_completion_len": 16384,
    "soft_punish_cache": 4096,
    "enforce_same_language": False,
}

# Keys open-r1's recipes use that this project's TrainingArguments also has, but that would do something other
# than what this project's publishing does: the Trainer's own push is synchronous and goes to `main`.
_HUB_TRAINER_KEYS = ("push_to_hub", "hub_strategy", "hub_always_push")

# Keys whose presence marks a recipe as written for open-r1 (none of them is a key of this project's configs).
OPEN_R1_ONLY_KEYS = frozenset(
    {
        *UPSTREAM_REWARD_DEFAULTS,
        "torch_dtype",
        "dataset_prompt_column",
        "warmup_ratio",
        "overwrite_output_dir",
        "max_prompt_length",
        "vllm_device",
        "callbacks",
        "wandb_entity",
        "wandb_project",
        "wandb_run_group",
        "wandb_log_unique_prompts",
    }
)


@dataclass
class MappedKey:
    """What happened to one key of the open-r1 recipe.

    Attributes:
        key: the open-r1 key.
        value: its value in the open-r1 recipe.
        action: "kept" (same key and meaning here), "mapped" (written as `targets`) or "dropped".
        targets: this project's keys (dotted for reward parameters) and the values written, when mapped.
        reason: one line: why it maps that way, or why it is dropped.
    """

    key: str
    value: Any
    action: str
    targets: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    def describe(self) -> str:
        """One line for the report: `key: value -> target=value (reason)`."""
        if self.action == "kept":
            return f"kept    {self.key}"
        if self.action == "dropped":
            return f"dropped {self.key}: {self.value!r} ({self.reason})"
        written = ", ".join(f"{k}={v!r}" for k, v in self.targets.items())
        return f"mapped  {self.key}: {self.value!r} -> {written} ({self.reason})"


@dataclass
class RecipeMapping:
    """The result of mapping one open-r1 recipe: this project's recipe and the key-by-key report."""

    recipe: dict[str, Any]
    entries: list[MappedKey]
    kind: str

    @property
    def changed(self) -> list[MappedKey]:
        """The entries that are not plain pass-throughs (each one earns a warning in `open-r1 train`)."""
        return [e for e in self.entries if e.action != "kept"]

    def report(self) -> str:
        """The whole report, one line per open-r1 key, mapped and dropped keys first."""
        order = {"mapped": 0, "dropped": 1, "kept": 2}
        lines = [f"open-r1 recipe mapped for `open-r1 train {self.kind}` (facts: {OPEN_R1_SOURCE})"]
        lines += [e.describe() for e in sorted(self.entries, key=lambda e: order[e.action])]
        return "\n".join(lines)


def is_open_r1_recipe(raw: dict[str, Any]) -> bool:
    """True when `raw` uses a key that only open-r1's configs define (so it needs `map_open_r1_recipe`)."""
    return any(key in OPEN_R1_ONLY_KEYS for key in raw)


def guess_kind(raw: dict[str, Any]) -> str:
    """`grpo` when the recipe has any GRPO-only key (rewards, generations, vLLM, KL beta), else `sft`."""
    grpo_keys = {"reward_funcs", "reward_weights", "num_generations", "use_vllm", "beta", "max_completion_length"}
    return "grpo" if grpo_keys & set(raw) else "sft"


# ----------------------------------------------------------------------------------------------------------------
# Rules: open-r1 key -> (targets, reason). A rule returns ({}, reason) to drop the key.

Rule = Callable[[Any, dict[str, Any], str], tuple[dict[str, Any], str]]


def _rename(target: str, reason: str) -> Rule:
    return lambda value, raw, kind: ({target: value}, reason)


def _drop(reason: str) -> Rule:
    return lambda value, raw, kind: ({}, reason)


def _scale_rewards(value: Any, raw: dict[str, Any], kind: str) -> tuple[dict[str, Any], str]:
    if isinstance(value, bool):
        return {"scale_rewards": "group" if value else "none"}, "TRL 1.x takes group / batch / none, not a bool"
    return {"scale_rewards": value}, "same meaning"


def _wandb(env_name: str) -> Rule:
    return lambda value, raw, kind: (
        {f"env.{env_name}": value},
        "W&B reads it from the environment; recipes set environment variables under env:",
    )


def _callbacks(value: Any, raw: dict[str, Any], kind: str) -> tuple[dict[str, Any], str]:
    names = list(value or [])
    unknown = [n for n in names if n != "push_to_hub_revision"]
    if unknown:
        return {}, f"open-r1 has no callback {unknown}; only push_to_hub_revision exists upstream"
    if not names:
        return {}, "no callbacks named"
    return (
        {"push_to_hub_revision": True, "push_checkpoints": True},
        "push every saved checkpoint to <revision>-step-<N> in the background (open_r1.train.hub)",
    )


def _push_to_hub(value: Any, raw: dict[str, Any], kind: str) -> tuple[dict[str, Any], str]:
    if not value:
        return {"push_to_hub": False}, "nothing to push"
    return (
        {"push_to_hub_revision": True},
        "the final model goes to hub_model_id at hub_model_revision in a background thread (open_r1.train.hub), "
        "not through the Trainer's synchronous push to main",
    )


def _hub_strategy(value: Any, raw: dict[str, Any], kind: str) -> tuple[dict[str, Any], str]:
    if value in ("every_save", "checkpoint", "all_checkpoints") and raw.get("push_to_hub"):
        return {"push_checkpoints": True}, "each saved checkpoint is pushed to <revision>-step-<N> as well"
    return {}, "only the final model is pushed"


_RULES: dict[str, Rule] = {
    # Model: transformers 5 renamed torch_dtype.
    "torch_dtype": _rename("dtype", "transformers 5 / TRL 1.x call it dtype"),
    # Data
    "dataset_prompt_column": _rename("prompt_column", "this project's name for the prompt column"),
    # Optimisation and bookkeeping renamed or removed by newer transformers / TRL releases
    "warmup_ratio": _rename("warmup_steps", "transformers 5 reads a warmup_steps value below 1 as a ratio"),
    "gradient_checkpointing": _rename("activation_checkpointing", "transformers 5.18 renamed it"),
    "gradient_checkpointing_kwargs": _rename("activation_checkpointing_kwargs", "transformers 5.18 renamed it"),
    "overwrite_output_dir": _drop(
        "transformers 5 removed it; runs resume from output_dir's last checkpoint, --no-resume starts over"
    ),
    "max_prompt_length": _drop("TRL 1.x GRPOConfig has no prompt truncation; prompts keep their full length"),
    "vllm_device": _drop("TRL 1.x places vLLM by vllm_mode (server on a dedicated GPU, or colocate)"),
    "scale_rewards": _scale_rewards,
    # W&B
    "wandb_entity": _wandb("WANDB_ENTITY"),
    "wandb_project": _wandb("WANDB_PROJECT"),
    "wandb_run_group": _wandb("WANDB_RUN_GROUP"),
    "wandb_log_unique_prompts": _drop("TRL 1.x logs completions with log_completions; no per-prompt W&B runs"),
    # Hub publishing (open_r1.train.hub)
    "callbacks": _callbacks,
    "push_to_hub": _push_to_hub,
    "hub_strategy": _hub_strategy,
    "hub_always_push": _drop("pushes run in a background queue and are never skipped"),
    "hub_model_revision": _rename("hub_model_revision", "same meaning: the branch the run pushes to"),
    "push_to_hub_revision": _rename("push_to_hub_revision", "same meaning"),
    "overwrite_hub_revision": _rename("overwrite_hub_revision", "same meaning"),
    "benchmarks": _rename("benchmarks", "launched on each pushed checkpoint by the benchmark callback"),
    "num_completions_to_print": _rename("num_completions_to_print", "TRL's own field since 0.16"),
}

# Reward parameters: which open-r1 top-level key reaches which reward parameter (open-r1 get_reward_funcs).
_REWARD_PARAMS: dict[str, dict[str, str]] = {
    "cosine": {
        "cosine_min_value_wrong": "min_value_wrong",
        "cosine_max_value_wrong": "max_value_wrong",
        "cosine_min_value_correct": "min_value_correct",
        "cosine_max_value_correct": "max_value_correct",
        "cosine_max_len": "max_len",
    },
    "repetition_penalty": {"repetition_n_grams": "ngram_size", "repetition_max_penalty": "max_penalty"},
    "code": {"code_provider": "provider", "parallel_code_exec_per_proc": "num_parallel"},
    "binary_code": {"code_provider": "provider", "parallel_code_exec_per_proc": "num_parallel"},
    "ioi_code": {"ioi_provider": "provider", "code_eval_test_batch_size": "test_batch_size"},
    "cf_code": {"code_eval_scoring_mode": "scoring_mode"},
    "code_format": {"code_language": "language"},
    "soft_overlong_punishment": {"max_completion_len": "max_completion_len", "soft_punish_cache": "soft_punish_cache"},
}

# Behaviour open-r1 hard-codes where this project has a parameter with a different default.
_UPSTREAM_FIXED: dict[str, dict[str, tuple[Any, str]]] = {
    "repetition_penalty": {"language": ("en", "open-r1 splits words on spaces only (no jieba)")},
    "length": {"group_by": ("batch", "open-r1's len_reward compares lengths across the whole batch")},
    "ioi_code": {"patch": (False, "open-r1 compiles IOI submissions unpatched")},
    "cf_code": {
        "patch": (False, "open-r1's cf_code_reward is called without patch_code"),
        "provider": ("piston", "open-r1 judges Codeforces submissions on Piston workers"),
    },
}


def _reward_params(raw: dict[str, Any], rewards: list[str]) -> tuple[dict[str, dict[str, Any]], list[MappedKey]]:
    """reward_params for the rewards the recipe names, with open-r1's values (given or upstream default)."""
    params: dict[str, dict[str, Any]] = {}
    entries: dict[str, MappedKey] = {}
    for reward in rewards:
        for source, param in _REWARD_PARAMS.get(reward, {}).items():
            value = raw.get(source, UPSTREAM_REWARD_DEFAULTS[source])
            params.setdefault(reward, {})[param] = value
            if source in raw:
                entry = entries.setdefault(
                    source, MappedKey(source, raw[source], "mapped", reason="a reward parameter here")
                )
                entry.targets[f"reward_params.{reward}.{param}"] = value
        for param, (value, _why) in _UPSTREAM_FIXED.get(reward, {}).items():
            params.setdefault(reward, {})[param] = value
    # Router URLs reach the code rewards whose provider they belong to.
    for source, provider in (("e2b_router_url", "e2b"), ("morph_router_url", "morph")):
        if raw.get(source) is None:
            continue
        code_rewards = [r for r in rewards if r in ("code", "binary_code") and params[r].get("provider") == provider]
        entry = MappedKey(source, raw[source], "mapped", reason="judge through a router service at this URL")
        for reward in code_rewards:
            params[reward]["router_url"] = raw[source]
            entry.targets[f"reward_params.{reward}.router_url"] = raw[source]
        if code_rewards:
            entries[source] = entry
    for source in UPSTREAM_REWARD_DEFAULTS:
        if source in raw and source not in entries:
            reason = "no reward in reward_funcs reads it"
            if source == "code_eval_test_batch_size" and "cf_code" in rewards:
                reason = "cf_code here runs every test of a submission in one batch (open-r1's -1)"
            if source == "enforce_same_language":
                reason = "not a field of open-r1's configs (read with getattr); the row's language is used"
            entries[source] = MappedKey(source, raw[source], "dropped", reason=reason)
    return params, list(entries.values())


def map_open_r1_recipe(raw: dict[str, Any], kind: str, known_keys: set[str]) -> RecipeMapping:
    """Map an open-r1 recipe (its YAML mapping) to this project's recipe, accounting for every key.

    Args:
        raw: the open-r1 recipe's top-level mapping.
        kind: "grpo" or "sft" (`guess_kind` when the caller does not know).
        known_keys: every key this project's parser accepts for `kind` (open_r1.core.configs.recipe_keys).

    Returns:
        A RecipeMapping whose `recipe` parses with open_r1.core.configs.parse_recipe for `kind` (unless the open-r1
        recipe itself holds a key neither project knows, which stays in and fails there with a did-you-mean).
    """
    known = known_keys
    recipe: dict[str, Any] = {}
    env: dict[str, Any] = dict(raw.get("env") or {})
    entries: list[MappedKey] = []
    rewards = list(raw.get("reward_funcs") or []) if kind == "grpo" else []
    reward_params, reward_entries = _reward_params(raw, rewards)
    for key, value in raw.items():
        if key == "env" or key in UPSTREAM_REWARD_DEFAULTS:
            continue  # reward keys are accounted for in reward_entries
        rule = _RULES.get(key)
        if rule is None:
            recipe[key] = value
            entries.append(MappedKey(key, value, "kept"))
            continue
        targets, reason = rule(value, raw, kind)
        dropped_here = [t for t in targets if not t.startswith("env.") and t.split(".")[0] not in known]
        if dropped_here:
            targets, reason = {}, f"{'/'.join(dropped_here)} is not a {kind.upper()} setting here"
        if not targets:
            entries.append(MappedKey(key, value, "dropped", reason=reason))
            continue
        for target, new_value in targets.items():
            if target.startswith("env."):
                env[target[4:]] = new_value
            else:
                recipe[target] = new_value
        action = "kept" if list(targets) == [key] and reason.startswith("same meaning") else "mapped"
        entries.append(MappedKey(key, value, action, targets=dict(targets), reason=reason))
    entries.extend(reward_entries)
    if reward_params:
        merged = {name: dict(values) for name, values in reward_params.items()}
        for name, values in (raw.get("reward_params") or {}).items():
            merged.setdefault(name, {}).update(values)
        recipe["reward_params"] = merged
        fixed = [
            f"{reward}.{param}={value!r} ({why})"
            for reward, values in _UPSTREAM_FIXED.items()
            if reward in rewards
            for param, (value, why) in values.items()
        ]
        if fixed:
            for entry in entries:
                if entry.key == "reward_funcs":
                    entry.action, entry.targets = "mapped", {"reward_funcs": rewards}
                    entry.reason = "open-r1 behaviour written into reward_params: " + "; ".join(fixed)
    if env:
        recipe["env"] = env
    return RecipeMapping(recipe=recipe, entries=entries, kind=kind)
