"""`open-r1 train sft|grpo`: the training entrypoints (see sft.py and grpo.py).

WHAT: the command-line glue shared by both trainers: parse the recipe, train, write the run card.
WHY: R1's pipeline is SFT on reasoning traces (§2.3.3, distillation §2.4) followed by GRPO (§2.2); both stages share
    the recipe format, the checks that run before the model loads, and one run card per run.
HOW: `register()` adds `train sft` and `train grpo` (recipe `--config`, free-form `--key value` overrides, `--no-resume`);
    `_run` installs the distributed hooks, parses with `configs.parse_recipe`, calls the entry and, on rank 0 only,
    writes the run card.
DATA FLOW: YAML recipe + overrides → (ScriptArguments, SFTConfig|GRPOConfig, ModelConfig) → `train_sft`/`train_grpo`
    → checkpoints, metrics.jsonl, eval_results.json → `runcard.write_run_card` → run_card.json / RUN_CARD.md.
"""

from __future__ import annotations

import argparse
from typing import Any


def _run(kind: str, args: argparse.Namespace) -> int:
    import json
    import os

    from open_r1.distributed import install

    # Trainer hooks for multi-process runs (preemption, FSDP final save, FSDP on CPU); each is inert unless its
    # environment variable or launch mode asks for it (see open_r1.distributed).
    install()

    from open_r1.configs import parse_recipe
    from open_r1.runcard import write_run_card

    if kind == "grpo":
        from trl import GRPOConfig as config_class

        from open_r1.train.grpo import train_grpo as entry
    else:
        from trl import SFTConfig as config_class

        from open_r1.train.sft import train_sft as entry
    overrides = list(args.unknown) + list(args.passthrough)
    script_args, training_args, model_args = parse_recipe(config_class, args.config, overrides)
    summary = entry(script_args, training_args, model_args, recipe_path=args.config, resume=not args.no_resume)
    try:
        if int(os.environ.get("RANK", "0")) != 0:
            return 0  # one run card per run: only the main process has the held-out scores
        write_run_card(
            training_args.output_dir, kind=f"train {kind}", recipe=args.config, overrides=overrides,
            configs={"script": script_args, "training": training_args, "model": model_args}, metrics=summary,
            seed=training_args.seed,
        )
        print(json.dumps({k: v for k, v in summary.items() if k.startswith("heldout")}, indent=2))
        return 0
    finally:
        _leave_process_group()


def _leave_process_group() -> None:
    """Every rank waits for the others, then closes the process group before the interpreter exits.

    Without this a non-main rank exits while rank 0 still writes the run card; tearing down gloo (and DeepSpeed's
    CPU shared-memory all-reduce threads) during interpreter shutdown can abort the process ("terminate called
    without an active exception", seen in a fresh Debian container under ZeRO-3), which fails the whole launch.
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def register(subparsers: Any) -> None:
    from open_r1.train.common import add_common_args

    train = subparsers.add_parser("train", help="run an SFT or GRPO training job from a recipe")
    sub = train.add_subparsers(dest="train_command", metavar="KIND", required=True)
    for kind, help_ in [("grpo", "GRPO (R1 stage 2) over TRL's GRPOTrainer"),
                        ("sft", "SFT / distillation (R1 stage 1) over TRL's SFTTrainer")]:
        p = sub.add_parser(kind, help=help_, description=f"{help_}. Any {kind.upper()}Config, ModelConfig or "
                           "ScriptArguments field can be given as --field value after the recipe.")
        add_common_args(p)
        p.set_defaults(func=lambda a, k=kind: _run(k, a), accepts_unknown=True)
