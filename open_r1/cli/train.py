"""`open-r1 train sft|grpo`: run one training stage from a recipe and write its run card.

WHAT: the command-line glue of both trainers: recipe `--config`, free-form `--key value` overrides, `--no-resume`.
WHY: one entry for every launcher (python, accelerate, torchrun, srun): each rank runs this same command, so the
    preemption hooks, the nano build and the run card happen in one place, not in each trainer.
HOW: install open_r1.train.distributed's hooks → `parse_training_recipe` (fails before any model loads) → build a
    missing nano:// model → `train_sft`/`train_grpo` → rank 0 writes the run card → every rank leaves the group.
DATA FLOW: YAML recipe + overrides → open_r1.train → checkpoints, metrics.jsonl, eval_results.json →
    open_r1.core.runcard.write_run_card → run_card.json / RUN_CARD.md.
"""

from __future__ import annotations

import argparse
from typing import Any


def _run(kind: str, args: argparse.Namespace) -> int:
    import json
    import os

    from open_r1.train.distributed import install

    # Trainer hooks for multi-process runs (preemption, FSDP final save, FSDP on CPU); each is inert unless its
    # environment variable or launch mode asks for it (see open_r1.train.distributed).
    install()

    from open_r1.cli._models import ensure_model
    from open_r1.core.runcard import write_run_card
    from open_r1.train import parse_training_recipe

    if kind == "grpo":
        from open_r1.train.grpo import train_grpo as entry
    else:
        from open_r1.train.sft import train_sft as entry
    overrides = list(args.unknown) + list(args.passthrough)
    script_args, training_args, model_args = parse_training_recipe(kind, args.config, overrides)
    ensure_model(model_args.model_name_or_path)  # a nano:// model is built here, before any rank loads it
    summary = entry(script_args, training_args, model_args, recipe_path=args.config, resume=not args.no_resume)
    try:
        if int(os.environ.get("RANK", "0")) != 0:
            return 0  # one run card per run: only the main process has the held-out scores
        write_run_card(
            training_args.output_dir,
            kind=f"train {kind}",
            recipe=args.config,
            overrides=overrides,
            configs={"script": script_args, "training": training_args, "model": model_args},
            metrics=summary,
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
    for kind, help_ in [
        ("grpo", "GRPO (R1 stage 2) over TRL's GRPOTrainer"),
        ("sft", "SFT / distillation (R1 stage 1) over TRL's SFTTrainer"),
    ]:
        p = sub.add_parser(
            kind,
            help=help_,
            description=f"{help_}. Any {kind.upper()}Config, ModelConfig or "
            "ScriptArguments field can be given as --field value after the recipe.",
        )
        add_common_args(p)
        p.set_defaults(func=lambda a, k=kind: _run(k, a), accepts_unknown=True)
