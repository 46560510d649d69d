"""The training layer: SFT and GRPO over TRL's trainers, their callbacks and multi-process hooks.

WHAT
    `parse_training_recipe(kind, config_path, overrides)` turns a YAML recipe plus `--key value` overrides into
    (ScriptArguments, SFTConfig|GRPOConfig, ModelConfig), with every check that must pass before a model loads;
    `sft.train_sft` and `grpo.train_grpo` run one stage; `callbacks` streams metrics; `distributed` adds the
    preemption / FSDP hooks. No command-line parsing, run cards or nano builds live here (open_r1.cli does those).
WHY
    R1's pipeline is SFT on reasoning traces (DeepSeek-R1 arXiv 2501.12948 §2.3.1 cold start, §2.4 distillation)
    followed by GRPO (§2.2.1, DeepSeekMath arXiv 2402.03300 §4.1). Both stages share the recipe format and the
    "fail before loading" checks, so the recipe is parsed once, here, for the CLI and for the lab runner's precheck.
HOW
    open_r1.core.configs.parse_recipe does the TRL parse and the type / key checks; GRPO recipes then have their
    reward names, parameters and weights checked against the reward registry (open_r1.rewards).
DATA FLOW
    open_r1.cli.train and open_r1.labs.runner (precheck) → `parse_training_recipe` → `train_sft` / `train_grpo` →
    checkpoints, metrics.jsonl, eval_results.json in output_dir → open_r1.cli.train writes the run card.
"""

from __future__ import annotations

from typing import Any

TRAINING_KINDS = ("grpo", "sft")


def trainer_config_class(kind: str) -> type:
    """TRL's config class for a training kind: `grpo` → GRPOConfig, `sft` → SFTConfig."""
    from trl import GRPOConfig, SFTConfig

    return {"grpo": GRPOConfig, "sft": SFTConfig}[kind]


def parse_training_recipe(kind: str, config_path: str | None, overrides: list[str] | None = None) -> tuple[Any, Any, Any]:
    """Parse and check a training recipe; GRPO recipes also get their rewards checked against the registry."""
    from open_r1.core.configs import parse_recipe
    from open_r1.rewards import validate_reward_config

    script_args, training_args, model_args = parse_recipe(trainer_config_class(kind), config_path, overrides)
    if kind == "grpo":
        validate_reward_config(script_args.reward_funcs, script_args.reward_params,
                               getattr(training_args, "reward_weights", None), file=config_path)
    return script_args, training_args, model_args
