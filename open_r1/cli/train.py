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
    publisher, callbacks = _hub_setup(script_args, training_args, resume=not args.no_resume)
    summary = entry(script_args, training_args, model_args, recipe_path=args.config, resume=not args.no_resume,
                    extra_callbacks=callbacks)
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
        if publisher is not None:
            _publish(publisher, script_args, training_args)
        return 0
    finally:
        _leave_process_group()


def _hub_setup(script_args: Any, training_args: Any, resume: bool) -> tuple[Any, list[Any]]:
    """Publishing (open_r1.train.hub): check the recipe, fetch the newest pushed checkpoint when there is no local one
    to resume from, and build the checkpoint-push callback with a benchmark launcher for the runtime in use."""
    import os

    from open_r1.core.errors import ConfigError
    from open_r1.labs.benchmark_jobs import benchmark_launcher
    from open_r1.train.common import last_checkpoint
    from open_r1.train.hub import (
        HubPublisher,
        PushCheckpointsCallback,
        check_revision,
        download_checkpoint,
        find_pushed_checkpoint,
        run_revision,
    )

    if not (script_args.push_to_hub_revision or script_args.push_checkpoints):
        return None, []
    if training_args.hub_token:
        raise ConfigError(
            "a Hub token in a recipe would be copied into the run card and the pushed model",
            key="hub_token",
            fix="remove it; set HF_TOKEN in the environment (or `hf auth login`) instead.",
        )
    if not training_args.hub_model_id:
        raise ConfigError(
            "pushing needs a repository", key="hub_model_id", fix="set hub_model_id: <namespace>/<name>."
        )
    publisher = HubPublisher(training_args.hub_model_id, run_revision(training_args.output_dir,
                             script_args.hub_model_revision), private=training_args.hub_private_repo)
    main_process = int(os.environ.get("RANK", "0")) == 0
    local = last_checkpoint(training_args.output_dir)
    pushed = find_pushed_checkpoint(publisher.api, publisher.repo_id, publisher.revision) if resume else None
    if main_process:
        check_revision(publisher.api, publisher.repo_id, publisher.revision, script_args.overwrite_hub_revision,
                       resuming=resume and (local is not None or pushed is not None))
        if local is None and pushed is not None:
            # A fresh machine (or a wiped output_dir): resume from the newest checkpoint this run pushed. Multi-process
            # launches need output_dir on a filesystem every rank sees, as for local checkpoints.
            step, branch = pushed
            print(f"resuming from the pushed checkpoint {publisher.repo_id}@{branch}")
            download_checkpoint(publisher.api, publisher.repo_id, branch, step, training_args.output_dir)
    launcher = None
    if script_args.benchmarks:
        launcher = benchmark_launcher(os.environ.get("OPEN_R1_BENCHMARK_RUNTIME", "local"), training_args.output_dir)
    callbacks = [PushCheckpointsCallback(publisher, script_args.benchmarks, launcher)] if (
        script_args.push_checkpoints and main_process) else []
    publisher.launcher = launcher
    return publisher, callbacks


def _publish(publisher: Any, script_args: Any, training_args: Any) -> None:
    """Push the final model with its model card (the run card's essentials) once the run card is written."""
    import json
    from pathlib import Path

    from open_r1.train.hub import publish_final

    card = json.loads((Path(training_args.output_dir) / "run_card.json").read_text())
    config = card.get("config", {})
    essentials = {
        "repo_id": publisher.repo_id,
        "revision": publisher.revision,
        "kind": card.get("kind"),
        "base_model": config.get("model", {}).get("model_name_or_path"),
        "recipe": card.get("recipe"),
        "dataset": config.get("script", {}).get("dataset_name") or "dataset_mixture",
        "git_sha": (card.get("git") or {}).get("sha"),
        "image_digest": (card.get("image") or {}).get("digest"),
        "seed": card.get("seed"),
        "global_step": (card.get("metrics") or {}).get("global_step"),
        # The headline numbers: trainer totals and per-reward means (the run card keeps everything).
        "metrics": {k: v for k, v in ((card.get("metrics") or {}).get("train") or {}).items()
                    if isinstance(v, int | float) and ("/" not in k or k.endswith("/mean"))},
    }
    if script_args.push_to_hub_revision:
        record = publish_final(publisher, training_args.output_dir, essentials, publisher.launcher,
                               script_args.benchmarks)
        print(f"pushed {record['repo_id']}@{record['branch']} ({record['commit'][:12]})"
              + (f"; benchmark job {record['benchmark_job']}" if record.get("benchmark_job") else ""))
    publisher.close()


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
    """Add `open-r1 train grpo` and `open-r1 train sft` to the command tree, each taking a recipe (`--config`),
    `--no-resume` and any config field as `--field value`.
    """
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
