"""The stage runner: a pipeline lab's stages, each an existing entrypoint, chained into one run with one run card.

WHAT
    `run_pipeline(lab, profile, run_dir, overrides)` runs the stages a pipeline lab declares (`stages:` in its
    lab.yaml, open_r1.labs.manifest.Stage) in order, each as its own process:
        open-r1 <stage entrypoint> --config <profile recipe folder>/<stage>.yaml --output_dir <run>/<stage>
                [--model_name_or_path <run>/<model_from>] [--dataset_name <run>/<data_from>/data.jsonl] [overrides]
    After each stage it scores the stage's model on the profile's held-out sets (`evaluate.yaml` in the recipe
    folder), writes `<run>/<stage>/stage_done.json`, and adds one block to `<run>/run_card.json`:
        stages.<name> = {title, paper, entrypoint, command, inputs, outputs, metrics, heldout, wall_s, cpu_s,
                         peak_rss_mb, skipped}
    `stage_commands(...)` gives every stage's command line without running anything (dry run, SLURM runtime).

WHY
    DeepSeek-R1 is a pipeline (arXiv 2501.12948 §2.3): cold-start SFT (§2.3.1) → reasoning-oriented RL (§2.3.2) →
    rejection sampling + SFT on the RL model's own verified outputs (§2.3.3) → RL for all scenarios (§2.3.4). Each
    stage is already a lab entrypoint; what was missing is the hand-over (stage k's model is stage k+1's start),
    bookkeeping that survives interruption, and one record of how the model changed stage by stage. Every stage
    keeps its own resume logic (trainers resume from `checkpoint-*`, rejection sampling from its chunk files), so
    the runner only needs "done" markers: a finished stage is skipped on rerun, an interrupted one is rerun with
    the same command and resumes inside.

HOW
    for stage in stages: done marker present → skip (its block is re-read) | else run the command (child process,
    wall / CPU / peak RSS of the child measured) → non-zero exit stops the pipeline with the rerun hint → held-out
    scores of the output model → marker (written last, atomically) → run card block. Overrides are `--key value`
    pairs; `--<stage>.<key> value` reaches only that stage, a plain `--key value` reaches every stage.

DATA FLOW
    `just lab pipeline` → open_r1.labs.runner.run_lab (a lab with stages) → here → `python -m open_r1 train sft |
    train grpo | data rejection-sample` per stage → `<run>/<stage>/` (model, data.jsonl, run_card.json) →
    open_r1.eval.heldout (held-out scores) → `<run>/run_card.json` → `open-r1 lab rerun` replays it all.
    The SLURM runtime submits the same commands as one job per stage, chained with `--dependency=afterok`.
"""

from __future__ import annotations

import json
import resource
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from open_r1.core import paths
from open_r1.core.errors import ConfigError
from open_r1.core.io import write_json_atomic
from open_r1.labs.hardware import detect_hardware, has_gpu
from open_r1.labs.manifest import LabManifest, Stage
from open_r1.labs.vllm_server import run_training

DONE_MARKER = "stage_done.json"
EVALUATE_FILE = "evaluate.yaml"  # in a pipeline profile's recipe folder: held-out sets scored after every stage
EVALUATE = "evaluate"  # `--evaluate.n 20` overrides evaluate.yaml's problem count


def stage_dir(run_dir: Path, stage: Stage) -> Path:
    """Where a stage writes: `<run>/<stage name>/` (its model, data, checkpoints and own run card)."""
    return Path(run_dir) / stage.name


def split_overrides(lab: LabManifest, overrides: list[str]) -> dict[str, list[str]]:
    """`--<stage>.<key> value` → that stage's list; plain `--key value` → every stage's list."""
    names = [s.name for s in lab.stages]
    per_stage: dict[str, list[str]] = {name: [] for name in [*names, EVALUATE]}
    args = list(overrides)
    while args:
        flag = args.pop(0)
        if not flag.startswith("--"):
            raise ConfigError(
                f"expected --key value, got {flag!r}",
                file="command line",
                fix="pass overrides as --key value or --<stage>.<key> value.",
            )
        key, eq, inline = flag[2:].partition("=")
        value = [inline] if eq else ([args.pop(0)] if args and not args[0].startswith("--") else [])
        stage, dot, field = key.partition(".")
        if dot and stage in per_stage:
            per_stage[stage] += [f"--{field}", *value]
        elif dot:
            raise ConfigError(
                f"override '--{key}' names no stage of lab '{lab.name}'",
                file="command line",
                fix=f"use --<stage>.<key> with a stage of {names}.",
            )
        else:
            for name in names:
                per_stage[name] += [f"--{key}", *value]
    return per_stage


def apply_evaluate_overrides(evaluation: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """`--evaluate.n 20` (the held-out problems per set) on top of evaluate.yaml; other keys are refused."""
    evaluation = dict(evaluation)
    args = list(overrides)
    while args:
        key, value = args.pop(0)[2:], args.pop(0) if args else ""
        if key != "n" or not value.isdigit():
            raise ConfigError(
                f"--evaluate.{key} {value!r} is not a held-out count",
                file="command line",
                fix="only --evaluate.n <count> can be overridden.",
            )
        evaluation["n"] = int(value)
    return evaluation


def stage_command(
    lab: LabManifest, profile: str, stage: Stage, run_dir: Path, overrides: list[str], python: str | None = None
) -> list[str]:
    """The command line of one stage: its entrypoint, its recipe, its inputs from earlier stages, its overrides."""
    run_dir = Path(run_dir)
    tail = ["--config", str(lab.stage_recipe(profile, stage.name)), "--output_dir", str(stage_dir(run_dir, stage))]
    if stage.model_from:
        tail += ["--model_name_or_path", str(stage_dir(run_dir, lab.stage_named(stage.model_from)))]
    if stage.data_from:
        tail += ["--dataset_name", str(stage_dir(run_dir, lab.stage_named(stage.data_from)) / "data.jsonl")]
    entry = [*shlex.split(stage.entrypoint), *tail, *overrides]
    py = python or sys.executable
    prof = lab.profile(profile)
    if prof.launcher == "accelerate" and stage.entrypoint.startswith("train"):
        launch = [py, "-m", "accelerate.commands.launch"]
        if prof.accelerate_config:
            launch += ["--config_file", str(paths.project_path(prof.accelerate_config))]
        if prof.num_processes:
            launch += ["--num_processes", str(prof.num_processes)]
        return [*launch, "-m", "open_r1", *entry]
    return [py, "-m", "open_r1", *entry]


def stage_commands(
    lab: LabManifest, profile: str, run_dir: Path, overrides: list[str], python: str | None = None
) -> list[tuple[Stage, list[str]]]:
    """Every stage with its command line, in order (nothing runs)."""
    per_stage = split_overrides(lab, overrides)
    return [(s, stage_command(lab, profile, s, run_dir, per_stage[s.name], python)) for s in lab.stages]


def precheck(lab: LabManifest, profile: str, overrides: list[str], here: bool = True) -> None:
    """Parse every stage recipe with its overrides before the first stage starts: a typo fails in seconds."""
    from open_r1.core.configs import load_yaml, validate_model
    from open_r1.curate.rejection import RejectionConfig
    from open_r1.train import parse_training_recipe

    per_stage = split_overrides(lab, overrides)
    # A login node or laptop has no GPU: TRL refuses bf16 there, but the stages run where GPUs are. The precheck only
    # needs the recipes to parse, so it switches mixed precision off for itself alone (as the single-lab runner does).
    no_gpu = [] if has_gpu() else ["--bf16", "false", "--fp16", "false"]
    for stage in lab.stages:
        recipe = str(lab.stage_recipe(profile, stage.name))
        extra = per_stage[stage.name]
        if stage.entrypoint == "data rejection-sample":
            validate_model(RejectionConfig, load_yaml(recipe), recipe)
            continue
        kind = stage.entrypoint.split()[-1]
        inputs = ["--model_name_or_path", "/tmp/open-r1-precheck-model"] if stage.model_from else []
        if stage.data_from:
            inputs += ["--dataset_name", "/tmp/open-r1-precheck-data.jsonl"]
        parse_training_recipe(
            kind, recipe, [*extra, *inputs, *no_gpu, "--output_dir", "/tmp/open-r1-precheck"], here=here
        )
    apply_evaluate_overrides(evaluation_config(lab, profile), per_stage[EVALUATE])


def evaluation_config(lab: LabManifest, profile: str) -> dict[str, Any]:
    """The profile's `evaluate.yaml`: {datasets: [held-out ids], n: problems per set} (empty: no scoring)."""
    from open_r1.core.configs import load_yaml

    path = lab.recipe_path(profile) / EVALUATE_FILE
    if not path.exists():
        return {"datasets": [], "n": 0}
    raw = load_yaml(path)
    unknown = set(raw) - {"datasets", "n", "start_model"}
    if unknown:
        raise ConfigError(f"unknown key(s) {sorted(unknown)}", file=str(path), fix="use datasets, n, start_model.")
    datasets = raw.get("datasets") or []
    if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
        raise ConfigError(f"{datasets!r} is not a list of dataset ids", file=str(path), key="datasets")
    n = raw.get("n", 200)
    if not isinstance(n, int) or n < 0:
        raise ConfigError(f"{n!r} is not a count", file=str(path), key="n")
    return {"datasets": datasets, "n": n, "start_model": raw.get("start_model")}


def score_model(model_dir: str, evaluation: dict[str, Any], out: Path) -> dict[str, Any]:
    """Greedy held-out scores of a model on every evaluation set (cached in `out`, so a rerun does not redo them)."""
    if out.exists():
        return json.loads(out.read_text())
    from open_r1.eval.heldout import evaluate_model
    from open_r1.models import get_model, get_tokenizer, resolve_model_path

    path = resolve_model_path(model_dir)
    model, tokenizer = get_model(path), get_tokenizer(path)
    scores = {}
    for dataset in evaluation["datasets"]:
        result = evaluate_model(model, tokenizer, dataset, n=evaluation["n"], sampled=False, max_new_tokens=96)
        scores[dataset] = {k: result[k] for k in ("n", "task", "format", "accuracy", "by_level") if k in result}
    write_json_atomic(out, scores)
    return scores


def _stage_metrics(stage: Stage, out: Path) -> dict[str, Any]:
    """What the stage itself reported: a trainer's run card metrics, or the rejection sampler's report."""
    if stage.entrypoint == "data rejection-sample":
        report = json.loads((out / "report.json").read_text())
        return {k: report[k] for k in ("prompts", "samples", "verified", "kept", "by_task", "chunks_resumed")}
    card = json.loads((out / "run_card.json").read_text())
    metrics = card.get("metrics", {})
    train = metrics.get("train", {})
    return {
        "global_step": metrics.get("global_step"),
        "train_loss": train.get("train_loss"),
        "resumed_from": metrics.get("resumed_from"),
    }


def run_pipeline(
    lab: LabManifest, profile: str, run_dir: Path, overrides: list[str], console: Any = None
) -> dict[str, Any]:
    """Run (or resume) every stage of a pipeline lab in `run_dir`; returns the `stages` block of the run card."""
    from open_r1.core.runcard import update_run_card

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    card_path = run_dir / "run_card.json"
    evaluation = apply_evaluate_overrides(evaluation_config(lab, profile), split_overrides(lab, overrides)[EVALUATE])
    blocks: dict[str, Any] = {}
    start = evaluation.get("start_model")
    if start and evaluation["datasets"]:
        _ensure_start_model(str(start))
        blocks["start"] = {
            "model": start,
            "heldout": score_model(str(start), evaluation, run_dir / "start_heldout.json"),
        }
        update_run_card(card_path, stages=blocks)
    gpus = detect_hardware().gpus
    for stage, cmd in stage_commands(lab, profile, run_dir, overrides):
        out = stage_dir(run_dir, stage)
        marker = out / DONE_MARKER
        if marker.exists():
            block = {**json.loads(marker.read_text()), "skipped": True}
            _say(console, f"[dim]stage {stage.name}: finished in an earlier attempt, skipped")
        else:
            _say(console, f"[bold]stage {stage.name}[/] · {stage.title}\n[dim]$ {shlex.join(cmd)}")
            out.mkdir(parents=True, exist_ok=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.time()
            # a GRPO stage in vLLM server mode gets its generation server here (open_r1.labs.vllm_server)
            code, server = run_training(
                cmd, gpus, lab.profile(profile).num_processes, out, console,
                file=str(lab.folder / "lab.yaml"), key=f"profiles.{profile}.num_processes",
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if code != 0:
                update_run_card(card_path, stages=blocks, failed_stage=stage.name)
                _say(
                    console,
                    f"[bold red]stage {stage.name} failed (exit {code}); rerun with --run-dir {run_dir} "
                    "to resume: finished stages are skipped, this one resumes from its last checkpoint.",
                )
                raise SystemExit(code)
            block = {
                "title": stage.title,
                "paper": stage.paper,
                "entrypoint": stage.entrypoint,
                "command": cmd,
                "inputs": {
                    "model": _input_model(lab, profile, stage, run_dir),
                    "data": cmd[cmd.index("--dataset_name") + 1]
                    if "--dataset_name" in cmd
                    else _recipe_value(lab, profile, stage),
                },
                "outputs": {
                    "dir": str(out),
                    "data": str(out / "data.jsonl") if stage.entrypoint.startswith("data") else None,
                },
                "metrics": _stage_metrics(stage, out),
                "wall_s": round(time.time() - started, 1),
                "cpu_s": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 1),
                # ru_maxrss of children: the largest single child so far (KiB on Linux)
                "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
            }
            if server:
                block["vllm_server"] = server
            if stage.entrypoint.startswith("train") and evaluation["datasets"]:
                block["heldout"] = score_model(str(out), evaluation, out / "pipeline_heldout.json")
            write_json_atomic(marker, block)  # last: the stage counts as done only once everything above exists
            block = {**block, "skipped": False}
        blocks[stage.name] = block
        update_run_card(card_path, stages=blocks)
    update_run_card(card_path, failed_stage=None)
    return blocks


def _ensure_start_model(name: str) -> None:
    if name.startswith("nano://"):
        from open_r1.labs.nano_build import ensure_nano_model

        ensure_nano_model(name)


def _input_model(lab: LabManifest, profile: str, stage: Stage, run_dir: Path) -> str | None:
    if stage.model_from:
        return str(stage_dir(run_dir, lab.stage_named(stage.model_from)))
    return _recipe_value(lab, profile, stage, "model_name_or_path")


def _recipe_value(lab: LabManifest, profile: str, stage: Stage, key: str = "dataset_name") -> Any:
    from open_r1.core.configs import load_yaml

    recipe = load_yaml(lab.stage_recipe(profile, stage.name))
    if key == "dataset_name" and "dataset_mixture" in recipe:
        return recipe["dataset_mixture"]
    if key == "dataset_name" and "datasets" in recipe:
        return recipe["datasets"]
    return recipe.get(key)


def summary_rows(blocks: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per scored model (start, then each training stage): held-out format and accuracy per task."""
    rows = []
    for name, block in blocks.items():
        for dataset, scores in (block.get("heldout") or {}).items():
            rows.append(
                {
                    "stage": name,
                    "dataset": dataset,
                    "task": scores.get("task"),
                    "format": scores["format"],
                    "accuracy": scores["accuracy"],
                }
            )
    return rows


def _say(console: Any, text: str) -> None:
    if console is not None:
        console.print(text)


def run_pipeline_lab(
    lab: LabManifest,
    profile: str,
    runtime: str,
    overrides: list[str],
    run_dir: Path,
    dry_run: bool,
    options: dict[str, Any],
    console: Any,
) -> dict[str, Any]:
    """`open-r1 lab run <pipeline lab>`: precheck every stage, run them (native) or submit them (slurm), write the
    card's `lab`, `metrics` (held-out scores of the start model and of the last stage) and `rerun` blocks."""
    from open_r1.core.runcard import git_state, hardware, package_versions, read_run_card, update_run_card

    lab.profile(profile)
    # A SLURM job runs elsewhere, and a dry run nowhere: this machine's packages and devices (vLLM, GPUs) are not the
    # job's then (here=False).
    precheck(lab, profile, overrides, here=runtime == "native" and not dry_run)
    console.print(
        f"[bold]lab[/] {lab.name} · profile {profile} · runtime {runtime} · {len(lab.stages)} stages · "
        f"run folder {run_dir}"
    )
    commands = stage_commands(lab, profile, run_dir, overrides)
    if runtime == "slurm":
        from open_r1.labs.runtimes.slurm_pipeline import submit_pipeline

        return submit_pipeline(lab, profile, commands, Path(run_dir), options, dry_run, console)
    if runtime != "native":
        raise ConfigError(
            f"runtime '{runtime}' does not run pipeline labs",
            key="--runtime",
            fix="use --runtime native (here, or inside a lab image) or --runtime slurm (one job per stage).",
        )
    if dry_run:
        for stage, cmd in commands:
            console.print(f"[dim]{stage.name}: $ {shlex.join(cmd)}")
        return {"commands": [cmd for _, cmd in commands], "run_dir": str(run_dir), "profile": profile}
    started = time.time()
    blocks = run_pipeline(lab, profile, Path(run_dir), overrides, console)
    scored = [b for b in blocks.values() if b.get("heldout")]
    update_run_card(
        Path(run_dir) / "run_card.json",
        schema=1,
        kind="lab pipeline",
        lab={
            "name": lab.name,
            "profile": profile,
            "runtime": runtime,
            "title": lab.title,
            "recipe": paths.display_path(lab.recipe_path(profile)),
            "wall_s": round(time.time() - started, 1),
            "stages": [s.name for s in lab.stages],
        },
        metrics={
            "heldout_before": scored[0]["heldout"] if scored else None,
            "heldout_after": scored[-1]["heldout"] if scored else None,
        },
        rerun={"lab": lab.name, "profile": profile, "runtime": runtime, "overrides": overrides},
        git=git_state(),
        packages=package_versions(),
        hardware=hardware(),
    )
    print_stage_table(console, blocks)
    return read_run_card(Path(run_dir) / "run_card.json")


def print_stage_table(console: Any, blocks: dict[str, Any]) -> None:
    """Held-out format and accuracy per task after each stage (the pipeline's before/after table)."""
    from rich.table import Table

    rows = summary_rows(blocks)
    if not rows:
        return
    tasks = sorted({r["task"] for r in rows})
    table = Table(title="held-out scores after each stage (greedy)")
    table.add_column("stage")
    for task in tasks:
        table.add_column(f"{task} format", justify="right")
        table.add_column(f"{task} accuracy", justify="right")
    for name in blocks:
        cells = {r["task"]: r for r in rows if r["stage"] == name}
        if cells:
            table.add_row(
                name,
                *[
                    v
                    for t in tasks
                    for v in (
                        f"{cells[t]['format']:.1%}" if t in cells else "-",
                        f"{cells[t]['accuracy']:.1%}" if t in cells else "-",
                    )
                ],
            )
    console.print(table)
