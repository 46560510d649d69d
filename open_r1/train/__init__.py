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
    reward names, parameters and weights checked against the reward registry (open_r1.rewards); LoRA / QLoRA keys
    against what this machine can serve (open_r1.models.check_adapter_options); `report_to` against the installed
    trackers (open_r1.train.tracking.check_trackers).
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


def parse_training_recipe(
    kind: str, config_path: str | None, overrides: list[str] | None = None, here: bool = True
) -> tuple[Any, Any, Any]:
    """Parse and check a training recipe; GRPO recipes also get their rewards checked against the registry.

    `here=True` (the training process itself, or a lab run on this machine) also checks this machine's packages and
    devices (vLLM, trackers, peft/bitsandbytes/CUDA for adapters). The lab runner passes `here=False` when the job
    runs elsewhere (a container image or a cluster node), where those checks run again when the job starts,
    still before any model loads.
    """
    from open_r1.core.configs import parse_recipe
    from open_r1.core.errors import ConfigError
    from open_r1.rewards import validate_reward_config
    from open_r1.rewards.routing import check_reward_tasks
    from open_r1.train.curriculum import check_curriculum

    script_args, training_args, model_args = parse_recipe(trainer_config_class(kind), config_path, overrides)
    if kind == "grpo":
        validate_reward_config(script_args.reward_funcs, script_args.reward_params,
                               getattr(training_args, "reward_weights", None), file=config_path)
        check_reward_tasks(script_args.reward_tasks, script_args.reward_funcs, file=config_path)
    elif script_args.reward_tasks:
        raise ConfigError("reward_tasks routes GRPO rewards; an SFT recipe has no rewards", file=config_path,
                          key="reward_tasks", fix="remove it.")
    check_curriculum(script_args.curriculum, config_path)
    if here:
        check_model_and_trackers(model_args, training_args, recipe_keys(config_path, overrides), config_path)
    return script_args, training_args, model_args


def check_model_and_trackers(model_args: Any, training_args: Any, keys: set[str], config_path: str | None) -> None:
    """LoRA / QLoRA options against what this machine can serve, and `report_to` against the installed trackers."""
    from open_r1.models import check_adapter_options
    from open_r1.train.tracking import check_trackers

    check_adapter_options(model_args, keys, file=config_path or "command line")
    check_trackers(training_args, file=config_path or "command line")
    check_vllm(training_args, file=config_path or "command line")


def check_vllm(training_args: Any, file: str | None = None) -> None:
    """`use_vllm: true` needs the vllm package (the GPU images have it): refuse before loading rather than after.

    TRL reads `vllm_mode` (colocate: an engine inside each training process with `vllm_gpu_memory_utilization` of
    the GPU; server: `trl vllm-serve` on other GPUs, started and health-checked by the SLURM template), and
    `vllm_tensor_parallel_size`; the SLURM template passes the recipe's values to the server it starts.
    """
    import importlib.util

    from open_r1.core.errors import ConfigError

    if not getattr(training_args, "use_vllm", False):
        return
    if importlib.util.find_spec("vllm") is None:
        raise ConfigError("use_vllm is true but vllm is not installed here", file=file, key="use_vllm",
                          fix="run in the lab's GPU image (vllm 0.31), or set use_vllm: false (transformers "
                          "generate, slower).")


def recipe_keys(config_path: str | None, overrides: list[str] | None = None) -> set[str]:
    """The keys a recipe file and its `--key value` overrides set explicitly (not the fields left at a default)."""
    from open_r1.core.configs import load_yaml

    keys = set(load_yaml(config_path)) if config_path else set()
    for arg in overrides or []:
        if arg.startswith("--"):
            keys.add(arg[2:].partition("=")[0])
    return keys
